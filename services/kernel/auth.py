"""Access-token verification and authorization, shared by the gateway and every service.

One verifier: it pins EdDSA, requires `kid`, checks `iss`, `aud`, `exp`/`nbf`/`iat` with a small leeway, refuses
`alg: none` and HMAC/EdDSA key confusion (only Ed25519 public keys are ever used), and asks a revocation hook about
disabled accounts. A verified token's claims are cached until it expires, so a hot path pays for the signature once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from services.kernel import regions
from services.kernel.errors import Forbidden, Unauthenticated

log = logging.getLogger("bst.auth")

ALGORITHM = "EdDSA"
REQUIRED_CLAIMS = ("exp", "iat", "iss", "aud", "sub", "jti")


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a person (citizen or staff), an agent acting for a resident, or nobody."""

    sub: str
    kind: str = "citizen"
    roles: frozenset[str] = frozenset()
    region: str | None = None
    actor: str | None = None  # RFC 8693 `act.sub`: the village agent acting for `sub`
    audience: str | None = None
    scopes: frozenset[str] = frozenset()
    token_id: str | None = None
    expires_at: float = 0.0
    claims: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def anonymous(self) -> bool:
        return not self.sub

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Principal:
        act = claims.get("act") or {}
        scope = claims.get("scope") or ""
        return cls(
            sub=str(claims["sub"]),
            kind=str(claims.get("kind", "citizen")),
            roles=frozenset(claims.get("roles") or ()),
            region=claims.get("region"),
            actor=act.get("sub") if isinstance(act, dict) else None,
            audience=claims.get("aud") if isinstance(claims.get("aud"), str) else None,
            scopes=frozenset(scope.split()) if isinstance(scope, str) else frozenset(),
            token_id=claims.get("jti"),
            expires_at=float(claims.get("exp", 0)),
            claims=claims,
        )


ANONYMOUS = Principal(sub="", kind="anonymous")
current_principal: ContextVar[Principal] = ContextVar("current_principal", default=ANONYMOUS)


class KeySource(Protocol):
    async def public_key(self, kid: str) -> Ed25519PublicKey | None: ...


class JwksKeySource:
    """Public keys fetched from the gateway's JWKS, fetched again when an unknown `kid` shows up.

    The refetch is rate-limited: at most one fetch every `min_refresh_seconds`. A token with an unknown kid that
    arrives sooner waits for the next allowed fetch (never longer than `min_refresh_seconds`) instead of being
    refused, so a key published a moment after the last fetch (two quick rotations) is found at once, while a
    flood of made-up kids costs the gateway one JWKS request a second at most."""

    def __init__(self, url: str, *, min_refresh_seconds: float = 1.0, timeout: float = 3.0) -> None:
        self.url = url
        self.min_refresh_seconds = min_refresh_seconds
        self.timeout = timeout
        self._keys: dict[str, Ed25519PublicKey] = {}
        self._fetched_at = -float("inf")
        self._fetches = 0
        self._lock = asyncio.Lock()

    async def public_key(self, kid: str) -> Ed25519PublicKey | None:
        key = self._keys.get(kid)
        if key is not None:
            return key
        asked_at = time.monotonic()
        async with self._lock:
            if kid in self._keys or self._fetched_at > asked_at:
                return self._keys.get(kid)  # a fetch that began after we asked has answered already
            wait = self._fetched_at + self.min_refresh_seconds - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            await self._refresh()
        return self._keys.get(kid)

    async def _refresh(self) -> None:
        self._fetched_at = time.monotonic()
        self._fetches += 1
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.get(self.url)
                response.raise_for_status()
                self._keys = parse_jwks(response.json())
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("JWKS fetch failed", extra={"url": self.url, "error": str(exc)})


def parse_jwks(document: dict[str, Any]) -> dict[str, Ed25519PublicKey]:
    """Ed25519 keys of a JWKS document by kid; keys of any other type are ignored."""
    keys: dict[str, Ed25519PublicKey] = {}
    for jwk in document.get("keys", []):
        if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519" and jwk.get("kid"):
            key = jwt.PyJWK(jwk, algorithm=ALGORITHM).key
            if isinstance(key, Ed25519PublicKey):
                keys[jwk["kid"]] = key
    return keys


RevocationCheck = Callable[[Principal], bool]


SWEEP_EVERY = 256  # verified tokens between two looks for expired ones at the head of the cache


class TokenVerifier:
    def __init__(
        self,
        keys: KeySource,
        *,
        issuer: str,
        audience: str | Iterable[str],
        leeway: float = 30.0,
        is_revoked: RevocationCheck | None = None,
        cache_size: int = 50_000,
    ) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = [audience] if isinstance(audience, str) else list(audience)
        self.leeway = leeway
        self.is_revoked = is_revoked
        self.cache_size = cache_size
        self._cache: OrderedDict[str, Principal] = OrderedDict()
        self._added = 0

    async def verify(self, token: str, *, audience: str | Iterable[str] | None = None) -> Principal:
        """The principal of a valid token, or Unauthenticated. `audience` overrides the default audiences."""
        principal = self._cache.get(token) if audience is None else None
        if principal is None or principal.expires_at + self.leeway < time.time():
            principal = await self._verify_signature(token, audience)
            if audience is None:
                self._remember(token, principal)
        if self.is_revoked is not None and self.is_revoked(principal):
            raise Unauthenticated("this token has been revoked", code="token_revoked")
        return principal

    async def principal_from_header(self, authorization: str | None) -> Principal:
        """ANONYMOUS without a header; the verified principal with a `Bearer` one; Unauthenticated otherwise."""
        if not authorization:
            return ANONYMOUS
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("expected 'Authorization: Bearer <token>'", code="invalid_token")
        return await self.verify(token.strip())

    async def _verify_signature(self, token: str, audience: str | Iterable[str] | None) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise Unauthenticated("malformed token", code="invalid_token") from exc
        if header.get("alg") != ALGORITHM:
            raise Unauthenticated("token algorithm not accepted", code="invalid_token")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise Unauthenticated("token has no key id", code="invalid_token")
        key = await self.keys.public_key(kid)
        if key is None:
            raise Unauthenticated("token signed with an unknown key", code="invalid_token")
        audiences = (
            self.audience
            if audience is None
            else ([audience] if isinstance(audience, str) else list(audience))
        )
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=audiences,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("token expired", code="token_expired") from exc
        except jwt.InvalidTokenError as exc:
            raise Unauthenticated(f"invalid token: {exc}", code="invalid_token") from exc
        return Principal.from_claims(claims)

    def _remember(self, token: str, principal: Principal) -> None:
        """Cache a verified token (~2 KB with its principal and claims). Every `SWEEP_EVERY` new tokens, the oldest
        ones that have expired go (the cache is in the order tokens came, which is about the order they expire):
        the cache follows the tokens in use instead of keeping its high-water mark. Past `cache_size`, every expired
        token goes, then the oldest."""
        self._cache[token] = principal
        self._added += 1
        if self._added % SWEEP_EVERY == 0:
            now = time.time()
            while self._cache:
                oldest = next(iter(self._cache.values()))
                if oldest.expires_at + self.leeway >= now:
                    break
                self._cache.popitem(last=False)
        if len(self._cache) > self.cache_size:
            now = time.time()
            for stale in [t for t, p in self._cache.items() if p.expires_at + self.leeway < now]:
                del self._cache[stale]
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)


# Authorization helpers ---------------------------------------------------------------------------------------


def require_signed_in(principal: Principal) -> Principal:
    if principal.anonymous:
        raise Unauthenticated("sign in first", code="not_signed_in")
    return principal


def require_roles(principal: Principal, *roles: str) -> Principal:
    """The caller must hold one of `roles` in their own name (a delegated agent token never counts as staff)."""
    require_signed_in(principal)
    if principal.actor is not None:
        raise Forbidden("this token cannot be used for staff actions", code="role_required")
    if not principal.roles.intersection(roles):
        raise Forbidden(f"requires one of the roles: {', '.join(sorted(roles))}", code="role_required")
    return principal


def in_region(principal: Principal, adcode: str) -> bool:
    """Whether a staff principal's region scope covers `adcode` (530102 is inside 5301 is inside 53)."""
    return bool(principal.region) and regions.region_contains(str(principal.region), adcode)


def require_region(principal: Principal, adcode: str) -> Principal:
    if not in_region(principal, adcode):
        raise Forbidden(f"region {adcode} is outside your scope", code="region_forbidden")
    return principal
