"""Access tokens: short-lived EdDSA JWTs carrying who the caller is, their roles and region."""

from __future__ import annotations

import time
import uuid
from typing import Any

from gateway.identity.keys import KeyStore


def issue_access_token(
    keys: KeyStore,
    *,
    issuer: str,
    audience: str,
    subject: str,
    lifetime_seconds: int,
    kind: str = "citizen",
    roles: list[str] | None = None,
    region: str | None = None,
    actor: str | None = None,
    scope: str | None = None,
    **extra: Any,
) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "iat": now,
        "nbf": now,
        "exp": now + lifetime_seconds,
        "jti": uuid.uuid4().hex,
        "kind": kind,
        "roles": sorted(roles or []),
    }
    if region:
        claims["region"] = region
    if actor:
        claims["act"] = {"sub": actor}
    if scope:
        claims["scope"] = scope
    claims.update(extra)
    return keys.sign(claims)
