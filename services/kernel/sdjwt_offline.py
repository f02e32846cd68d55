"""The offline verifier: a checkpoint with no network checks a 扫码亮证 presentation against the issuer JWKS and
the status lists it cached (`GET /api/v1/licenses/issuers/jwks.json`, `GET /api/v1/licenses/status-lists/{id}`).

    verifier = OfflineVerifier(jwks)
    verifier.add_status_list(token)          # each list, refreshed when its `ttl` says
    result = verifier.verify(presentation, nonce=my_nonce, audience=my_audience)

Nonces it accepted are remembered in memory until the presentation would have expired, so a replay is refused too.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from services.kernel.sdjwt import (
    STATUS_INVALID,
    STATUS_SUSPENDED,
    PresentationRefused,
    decode_status_list,
    key_from_jwk,
    read_status_list,
    status_at,
    verify_presentation,
)


@dataclass
class OfflineResult:
    valid: bool
    reason: str = ""
    message: str = ""
    type: str = ""
    issuer: str = ""
    fields: dict[str, str] = field(default_factory=dict)


class OfflineVerifier:
    def __init__(self, jwks: Mapping[str, Any]) -> None:
        self._keys: dict[str, tuple[Ed25519PublicKey, Mapping[str, Any]]] = {}
        self._lists: dict[str, tuple[bytes, int]] = {}  # uri -> (decompressed list, iat)
        self._seen: dict[str, int] = {}  # nonce -> expiry
        self._pruned_at = 0.0
        self.update_jwks(jwks)

    def update_jwks(self, jwks: Mapping[str, Any]) -> None:
        keys = {}
        for jwk in jwks.get("keys", []):
            if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519" and jwk.get("kid"):
                keys[jwk["kid"]] = (key_from_jwk(jwk), jwk)
        self._keys = keys

    def _lookup(self, kid: str) -> tuple[Ed25519PublicKey, Mapping[str, Any]] | None:
        return self._keys.get(kid)

    def add_status_list(self, token: str, *, now: float | None = None) -> str:
        """Cache a status list token (its signature checked); the list's URI."""
        uri, lst, issued_at = read_status_list(token, self._lookup, now=now)
        known = self._lists.get(uri)
        if known is None or known[1] <= issued_at:
            self._lists[uri] = (decode_status_list(lst), issued_at)
        return uri

    def verify(
        self, presentation: str, *, nonce: str | None, audience: str | None, now: float | None = None
    ) -> OfflineResult:
        now = time.time() if now is None else now
        try:
            checked = verify_presentation(
                presentation,
                issuer_key=self._lookup,
                expected_audience=audience,
                expected_nonce=nonce,
                now=now,
            )
            ref = checked.status_index
            if ref is None or ref[0] not in self._lists:
                raise PresentationRefused("status_unknown")
            status = status_at(self._lists[ref[0]][0], ref[1])
            if status == STATUS_INVALID:
                raise PresentationRefused("license_revoked")
            if status == STATUS_SUSPENDED:
                raise PresentationRefused("license_suspended")
            if status != 0:
                raise PresentationRefused("status_unknown")
            if now - self._pruned_at > 10:
                self._seen = {n: exp for n, exp in self._seen.items() if exp + 10 >= now}
                self._pruned_at = now
            if checked.nonce in self._seen:
                raise PresentationRefused("presentation_replayed")
            self._seen[checked.nonce] = checked.expires_at
        except PresentationRefused as refused:
            return OfflineResult(valid=False, reason=refused.reason, message=refused.message)
        return OfflineResult(
            valid=True,
            type=str(checked.payload.get("vct", "")),
            issuer=str(checked.payload.get("issuer_department", "")),
            fields=checked.fields,
        )
