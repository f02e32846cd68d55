"""The one token verifier: what it accepts and every way a forged or stale token is refused."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.kernel.auth import (
    ANONYMOUS,
    SWEEP_EVERY,
    Principal,
    TokenVerifier,
    in_region,
    parse_jwks,
    require_region,
    require_roles,
)
from services.kernel.errors import Forbidden, Unauthenticated

ISSUER = "https://bst.example.gov.cn"
AUDIENCE = "banshitong"
PRIVATE = Ed25519PrivateKey.generate()
PUBLIC = PRIVATE.public_key()


class Keys:
    def __init__(self, **keys):
        self.keys = keys

    async def public_key(self, kid):
        return self.keys.get(kid)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(**overrides):
    now = int(time.time())
    base = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "u-1",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "jti": "j-1",
        "roles": ["county_admin"],
        "region": "530102",
        "kind": "staff",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def sign(payload=None, *, kid="k1", key=PRIVATE) -> str:
    return jwt.encode(payload or claims(), key, algorithm="EdDSA", headers={"kid": kid})


@pytest.fixture
def verifier():
    return TokenVerifier(Keys(k1=PUBLIC), issuer=ISSUER, audience=AUDIENCE, leeway=5)


async def test_a_valid_token_gives_its_principal(verifier):
    principal = await verifier.verify(sign())
    assert principal.sub == "u-1"
    assert principal.roles == frozenset({"county_admin"})
    assert principal.region == "530102"
    assert principal.actor is None


async def test_no_header_is_anonymous_and_a_wrong_scheme_is_refused(verifier):
    assert await verifier.principal_from_header(None) is ANONYMOUS
    with pytest.raises(Unauthenticated):
        await verifier.principal_from_header("Basic dXNlcjpwYXNz")
    with pytest.raises(Unauthenticated):
        await verifier.principal_from_header("Bearer ")


async def test_alg_none_is_refused(verifier):
    header = b64(json.dumps({"alg": "none", "kid": "k1", "typ": "JWT"}).encode())
    token = f"{header}.{b64(json.dumps(claims()).encode())}."
    with pytest.raises(Unauthenticated):
        await verifier.verify(token)


async def test_hmac_signed_with_the_public_key_is_refused(verifier):
    public_pem = PUBLIC.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = b64(json.dumps({"alg": "HS256", "kid": "k1", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims()).encode())
    signature = b64(hmac.new(public_pem, f"{header}.{body}".encode(), hashlib.sha256).digest())
    with pytest.raises(Unauthenticated):
        await verifier.verify(f"{header}.{body}.{signature}")


async def test_tampered_payload_is_refused(verifier):
    header, _, signature = sign().split(".")
    forged = b64(json.dumps(claims(roles=["platform_admin"], region="53")).encode())
    with pytest.raises(Unauthenticated):
        await verifier.verify(f"{header}.{forged}.{signature}")


@pytest.mark.parametrize(
    "bad",
    [
        # made when the test runs (parametrize values are made at collection, minutes earlier in a long run)
        lambda: claims(exp=int(time.time()) - 60),  # expired beyond the leeway
        lambda: claims(nbf=int(time.time()) + 600),  # not yet valid
        lambda: claims(aud="another-app"),  # another audience
        lambda: claims(iss="https://evil.example"),  # another issuer
        lambda: claims(jti=None),  # a required claim missing
    ],
    ids=["expired", "not-yet-valid", "other-audience", "other-issuer", "no-jti"],
)
async def test_stale_or_foreign_tokens_are_refused(verifier, bad):
    with pytest.raises(Unauthenticated):
        await verifier.verify(sign(bad()))


async def test_unknown_or_missing_key_id_is_refused(verifier):
    with pytest.raises(Unauthenticated):
        await verifier.verify(sign(kid="k-unknown"))
    other = Ed25519PrivateKey.generate()
    with pytest.raises(Unauthenticated):
        await verifier.verify(sign(key=other))  # right kid, wrong key
    token = jwt.encode(claims(), PRIVATE, algorithm="EdDSA")  # no kid at all
    with pytest.raises(Unauthenticated):
        await verifier.verify(token)


async def test_revoked_principals_are_refused_even_from_the_cache():
    revoked: set[str] = set()
    verifier = TokenVerifier(
        Keys(k1=PUBLIC), issuer=ISSUER, audience=AUDIENCE, is_revoked=lambda p: p.sub in revoked
    )
    token = sign()
    assert (await verifier.verify(token)).sub == "u-1"
    revoked.add("u-1")
    with pytest.raises(Unauthenticated) as caught:
        await verifier.verify(token)
    assert caught.value.code == "token_revoked"


async def test_a_cached_token_still_expires():
    verifier = TokenVerifier(Keys(k1=PUBLIC), issuer=ISSUER, audience=AUDIENCE, leeway=0)
    token = sign(claims(exp=int(time.time()) + 1))
    await verifier.verify(token)
    await asyncio.sleep(1.1)
    with pytest.raises(Unauthenticated):
        await verifier.verify(token)


async def test_expired_tokens_leave_the_cache_as_new_ones_come_not_only_when_it_is_full():
    verifier = TokenVerifier(Keys(k1=PUBLIC), issuer=ISSUER, audience=AUDIENCE, leeway=0)
    soon = int(time.time()) + 2  # whole seconds: at least one second to sign and verify them all
    for n in range(10):  # a morning's sign-ins, whose tokens have since expired
        await verifier.verify(sign(claims(sub=f"early-{n}", jti=f"e-{n}", exp=soon)))
    await asyncio.sleep(soon - time.time() + 0.1)
    for n in range(SWEEP_EVERY):
        await verifier.verify(sign(claims(sub=f"later-{n}", jti=f"l-{n}")))
    cached = {p.sub for p in verifier._cache.values()}
    assert not any(sub.startswith("early-") for sub in cached)
    assert len(cached) == SWEEP_EVERY  # far below the bound: it follows the tokens in use


def test_jwks_parsing_keeps_only_ed25519_keys():
    raw = PUBLIC.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    document = {
        "keys": [
            {"kty": "OKP", "crv": "Ed25519", "x": b64(raw), "kid": "k1"},
            {"kty": "oct", "k": b64(b"secret"), "kid": "k2"},
        ]
    }
    assert list(parse_jwks(document)) == ["k1"]


def test_roles_are_required_and_agents_never_count_as_staff():
    admin = Principal(sub="a", roles=frozenset({"county_admin"}), region="530102")
    agent_for_resident = Principal(sub="resident", roles=frozenset({"county_admin"}), actor="agent-7")
    assert require_roles(admin, "county_admin") is admin
    with pytest.raises(Forbidden):
        require_roles(admin, "platform_admin")
    with pytest.raises(Forbidden):
        require_roles(agent_for_resident, "county_admin")
    with pytest.raises(Unauthenticated):
        require_roles(ANONYMOUS, "county_admin")


@pytest.mark.parametrize(
    ("scope", "adcode", "inside"),
    [
        ("530102", "530102", True),
        ("5301", "530102", True),
        ("53", "532801", True),
        ("5301", "532801", False),
        ("530102", "530103", False),
        ("530102", "5301", False),
        (None, "530102", False),
    ],
)
def test_region_scope(scope, adcode, inside):
    principal = Principal(sub="s", roles=frozenset({"county_admin"}), region=scope)
    assert in_region(principal, adcode) is inside
    if not inside:
        with pytest.raises(Forbidden):
            require_region(principal, adcode)
