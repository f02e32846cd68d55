"""扫码亮证 on the rules: a presentation verifies online, offline and with the IETF reference library; every bad
input of the issue is refused with its reason and writes nothing."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select

from services.kernel.auth import ANONYMOUS
from services.kernel.errors import Forbidden, InvalidInput, WrongState
from services.kernel.sdjwt import b64url, b64url_decode, make_disclosure, split
from services.kernel.sdjwt_offline import OfflineVerifier
from services.licenses.models import LicenseUse
from tests.services.licenses.conftest import World

AUDIENCE = "https://checkpoint.example.gov.cn"


async def presentation_of(world: World, who, license_id: str, fields=("name", "class"), **kw) -> str:
    async with world.db.transaction() as session:
        text, *_ = await world.presentations.create(
            session=session, principal=who, license_id=license_id, fields=list(fields), **kw
        )
    return text


async def verify(world: World, text: str, **kw):
    async with world.db.transaction() as session:
        return await world.presentations.verify(session=session, principal=ANONYMOUS, presentation=text, **kw)


async def uses(world: World, license_id: str) -> int:
    async with world.db.reader() as session:
        return int(await session.scalar(select(func.count()).where(LicenseUse.license_id == license_id)) or 0)


async def offline(world: World) -> OfflineVerifier:
    async with world.db.transaction() as session:
        token = await world.presentations.status_list(session=session, list_id=1)
    jwks = await world.rules.keyring.jwks()
    verifier = OfflineVerifier(json.loads(json.dumps(jwks)))
    verifier.add_status_list(token)
    return verifier


async def test_name_and_class_only_verify_online_and_offline(world: World) -> None:
    who, number = await world.citizen()
    license_id = await world.driving_licence(number)
    text = await presentation_of(world, who, license_id, nonce="n-0123456789", audience=AUDIENCE)
    assert number not in text and "530100123456" not in text
    checker = await offline(world)
    result = checker.verify(text, nonce="n-0123456789", audience=AUDIENCE)
    assert result.valid, result
    assert result.fields == {"name": "李四", "class": "C1"}
    assert result.issuer == "公安厅交通管理局"
    assert checker.verify(text, nonce="n-0123456789", audience=AUDIENCE).reason == "presentation_replayed"
    online = await verify(world, text, nonce="n-0123456789", audience=AUDIENCE)
    assert (
        online.valid and online.fields == {"name": "李四", "class": "C1"} and online.type == "DRIVING-LICENSE"
    )
    again = await verify(world, text, nonce="n-0123456789", audience=AUDIENCE)
    assert (again.valid, again.reason) == (False, "presentation_replayed")


async def test_the_ietf_reference_implementation_accepts_our_presentation(world: World, monkeypatch) -> None:
    """As an outside verifier would: the `sd-jwt` library with our JWKS, told our key-binding algorithm."""
    import sd_jwt.verifier
    from jwcrypto.jwk import JWK

    who, number = await world.citizen()
    license_id = await world.driving_licence(number)
    text = await presentation_of(world, who, license_id, nonce="ref-nonce-123", audience=AUDIENCE)
    jwks = await world.rules.keyring.jwks()

    def issuer_key(issuer: str, header: dict) -> JWK:
        assert issuer.endswith("/api/v1/licenses/issuers")
        return JWK(**next(k for k in jwks["keys"] if k["kid"] == header["kid"]))

    monkeypatch.setattr(
        sd_jwt.verifier, "DEFAULT_SIGNING_ALG", "EdDSA"
    )  # the KB-JWT is EdDSA, like the issuer's
    verified = sd_jwt.verifier.SDJWTVerifier(
        text, issuer_key, expected_aud=AUDIENCE, expected_nonce="ref-nonce-123"
    ).get_verified_payload()
    assert verified["name"] == "李四" and verified["class"] == "C1"
    assert "id_number" not in verified and verified["vct"] == "DRIVING-LICENSE"
    with pytest.raises(ValueError, match="nonce"):
        sd_jwt.verifier.SDJWTVerifier(text, issuer_key, expected_aud=AUDIENCE, expected_nonce="another-nonce")


# -- bad input: each refused with its reason, nothing written ---------------------------------------------------


async def refused(world: World, license_id: str, text: str, reason: str, **kw) -> None:
    before = await uses(world, license_id)
    outcome = await verify(world, text, **kw)
    assert (outcome.valid, outcome.reason) == (False, reason), outcome
    assert outcome.message  # why, in Chinese
    assert await uses(world, license_id) == before


@pytest.fixture
async def shown(world: World):
    who, number = await world.citizen()
    license_id = await world.driving_licence(number)
    text = await presentation_of(world, who, license_id, nonce="bad-input-nonce", audience=AUDIENCE)
    return who, license_id, text


async def test_a_tampered_disclosed_field_is_refused(world: World, shown) -> None:
    _, license_id, text = shown
    token, disclosures, kb = split(text)
    salt, name, _ = json.loads(b64url_decode(disclosures[0]))
    forged = b64url(json.dumps([salt, name, "A1"], ensure_ascii=False).encode())
    tampered = "~".join([token, forged, *disclosures[1:], kb])
    await refused(
        world, license_id, tampered, "disclosure_unknown", nonce="bad-input-nonce", audience=AUDIENCE
    )


async def test_an_added_or_duplicated_disclosure_is_refused(world: World, shown) -> None:
    _, license_id, text = shown
    token, disclosures, kb = split(text)
    added = "~".join([token, *disclosures, make_disclosure("class", "A1"), kb])
    await refused(world, license_id, added, "disclosure_unknown", nonce="bad-input-nonce", audience=AUDIENCE)
    twice = "~".join([token, *disclosures, disclosures[0], kb])
    await refused(
        world, license_id, twice, "disclosure_duplicate", nonce="bad-input-nonce", audience=AUDIENCE
    )
    dropped = "~".join([token, disclosures[0], kb])  # a disclosure left out after the holder signed
    await refused(
        world, license_id, dropped, "presentation_hash_mismatch", nonce="bad-input-nonce", audience=AUDIENCE
    )


async def test_a_payload_resigned_with_another_key_is_refused(world: World, shown) -> None:
    import jwt
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    _, license_id, text = shown
    token, disclosures, kb = split(text)
    header = jwt.get_unverified_header(token)
    payload = jwt.decode(token, options={"verify_signature": False})
    payload["exp"] = 4102444800
    forged = jwt.encode(payload, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers=header)
    text2 = "~".join([forged, *disclosures, kb])
    await refused(world, license_id, text2, "signature_invalid", nonce="bad-input-nonce", audience=AUDIENCE)
    unknown = jwt.encode(
        payload, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={**header, "kid": "x"}
    )
    text3 = "~".join([unknown, *disclosures, kb])
    await refused(world, license_id, text3, "unknown_issuer_key", nonce="bad-input-nonce", audience=AUDIENCE)


async def test_a_key_binding_over_another_nonce_or_audience_is_refused(world: World, shown) -> None:
    _, license_id, text = shown
    await refused(world, license_id, text, "nonce_mismatch", nonce="another-nonce-1", audience=AUDIENCE)
    await refused(
        world, license_id, text, "audience_mismatch", nonce="bad-input-nonce", audience="https://else.example"
    )
    await refused(
        world, license_id, text, "audience_mismatch"
    )  # made for a checkpoint, not the online verifier
    _, _, kb = split(text)
    await refused(world, license_id, text[: -len(kb)], "key_binding_missing", audience=AUDIENCE)


async def test_an_expired_or_replayed_presentation_is_refused(world: World, shown) -> None:
    _, license_id, text = shown
    later = time.time() + 61 + 6
    await refused(
        world, license_id, text, "presentation_expired", nonce="bad-input-nonce", audience=AUDIENCE, now=later
    )
    assert (await verify(world, text, nonce="bad-input-nonce", audience=AUDIENCE)).valid
    await refused(
        world, license_id, text, "presentation_replayed", nonce="bad-input-nonce", audience=AUDIENCE
    )


async def test_a_revoked_or_suspended_license_is_refused(world: World) -> None:
    who, number = await world.citizen()
    license_id = await world.driving_licence(number)
    issuer = world.issuer()
    texts = [await presentation_of(world, who, license_id, nonce=f"status-nonce-{i}") for i in range(3)]

    async def act(action: str) -> None:
        async with world.db.transaction() as session:
            await world.rules.change_status(
                session=session, principal=issuer, license_id=license_id, action=action, reason="测试"
            )

    await act("suspend")
    await refused(world, license_id, texts[0], "license_suspended")
    checker = await offline(world)
    assert checker.verify(texts[0], nonce=None, audience=None).reason == "license_suspended"
    await act("reinstate")
    assert (await verify(world, texts[0])).valid
    await act("revoke")
    await refused(world, license_id, texts[1], "license_revoked")
    assert (await offline(world)).verify(texts[2], nonce=None, audience=None).reason == "license_revoked"
    before = await uses(world, license_id)
    with pytest.raises(WrongState):
        await presentation_of(world, who, license_id)
    assert await uses(world, license_id) == before


async def test_a_field_the_license_lacks_is_refused(world: World) -> None:
    who, number = await world.citizen()
    license_id = await world.driving_licence(number)
    before = await uses(world, license_id)
    with pytest.raises(InvalidInput) as caught:
        await presentation_of(world, who, license_id, fields=("name", "plate_no"))
    assert caught.value.code == "field_not_in_license" and "plate_no" in caught.value.message
    assert await uses(world, license_id) == before


async def test_a_holder_presenting_another_persons_license_is_refused(world: World) -> None:
    _, number = await world.citizen()
    license_id = await world.driving_licence(number)
    stranger, _ = await world.citizen()
    before = await uses(world, license_id)
    with pytest.raises(Forbidden) as caught:
        await presentation_of(world, stranger, license_id)
    assert caught.value.code == "not_your_license"
    assert await uses(world, license_id) == before
