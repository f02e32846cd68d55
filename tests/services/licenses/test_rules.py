"""Issuing, status, key rotation, the holder link and reads on record, on the licenses rules alone."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from services.kernel.auth import Principal
from services.kernel.errors import Forbidden, InvalidInput, Unauthenticated, WrongState
from services.kernel.sdjwt import seal_holds
from services.kernel.sdjwt_offline import OfflineVerifier
from services.licenses.keys import LICENSE
from services.licenses.models import License
from tests.services.licenses.conftest import TRAFFIC, World, new_id_number
from tests.services.licenses.test_presentations import presentation_of


async def count(world: World, model) -> int:
    async with world.db.reader() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_an_issuer_of_another_department_issues_nothing(world: World) -> None:
    before = await count(world, License)
    async with world.db.transaction() as session:
        with pytest.raises(Forbidden) as caught:
            await world.rules.issue(
                session=session,
                principal=world.issuer("民政厅"),
                type_code="DRIVING-LICENSE",
                id_number=new_id_number(),
                fields={},
            )
    assert caught.value.code == "issuer_not_authorised" and "无权" in caught.value.message
    citizen = Principal(sub="c-1", claims={"department": TRAFFIC})
    async with world.db.transaction() as session:
        with pytest.raises(Forbidden):
            await world.rules.issue(
                session=session,
                principal=citizen,
                type_code="DRIVING-LICENSE",
                id_number=new_id_number(),
                fields={},
            )
    assert await count(world, License) == before


async def test_the_seal_is_over_the_fields_and_a_rotated_key_keeps_old_licenses_valid(world: World) -> None:
    who, number = await world.citizen()
    old_id = await world.driving_licence(number)
    async with world.db.transaction() as session:
        old_kid = (await session.get(License, old_id)).kid
        new_kid = await world.presentations.rotate(
            session=session, principal=world.issuer(), department=TRAFFIC
        )
    assert new_kid != old_kid
    new_id = await world.driving_licence(number, **{"class": "B2"})
    async with world.db.reader() as session:
        old, new = await session.get(License, old_id), await session.get(License, new_id)
    assert new.kid == new_kid
    key = (await world.rules.keyring.public_key(old.kid))[0]
    document = world.rules.sealed_document(old)
    assert seal_holds(key, document, old.seal)
    assert not seal_holds(key, {**document, "fields": {**document["fields"], "class": "A1"}}, old.seal)
    async with world.db.transaction() as session:
        status_list = await world.presentations.status_list(session=session, list_id=1)
    jwks = await world.rules.keyring.jwks()
    assert {old_kid, new_kid} <= {k["kid"] for k in jwks["keys"]}
    checker = OfflineVerifier(json.loads(json.dumps(jwks)))
    checker.add_status_list(status_list)
    for license_id in (old_id, new_id):
        text = await presentation_of(world, who, license_id, nonce=f"rotate-{license_id}")
        assert checker.verify(text, nonce=None, audience=None).valid
    with pytest.raises(Forbidden):
        async with world.db.transaction() as session:
            await world.presentations.rotate(
                session=session, principal=world.issuer("民政厅"), department=TRAFFIC
            )


async def test_status_changes_need_the_issuing_department_and_a_reason(world: World) -> None:
    _, number = await world.citizen()
    license_id = await world.driving_licence(number)

    async def act(action: str, reason: str = "依法处理", principal: Principal | None = None, **kw):
        async with world.db.transaction() as session:
            return await world.rules.change_status(
                session=session,
                principal=principal or world.issuer(),
                license_id=license_id,
                action=action,
                reason=reason,
                **kw,
            )

    with pytest.raises(Forbidden):
        await act("suspend", principal=world.issuer("民政厅"))
    with pytest.raises(InvalidInput):
        await act("suspend", reason=" ")
    with pytest.raises(WrongState):
        await act("reinstate")
    renewed = await act("renew", reason="到期换证", valid_until="2040-01-31")
    assert renewed.valid_until == "2040-01-31"
    await act("revoke")
    with pytest.raises(WrongState):
        await act("reinstate")


async def test_the_holder_link_trusts_only_the_gateways_signed_assertion(world: World) -> None:
    number = new_id_number()
    who = Principal(sub="holder-link-1")
    await world.driving_licence(number)
    forged_sub = world.assertion("someone-else", number)
    wrong_audience = world.assertion(who.sub, number, aud="banshitong")
    expired = world.assertion(who.sub, number, exp=1_000_000_000, iat=999_999_000)
    for assertion, error in (
        (forged_sub, Forbidden),
        (wrong_audience, Unauthenticated),
        (expired, Unauthenticated),
    ):
        async with world.db.transaction() as session:
            with pytest.raises(error):
                await world.rules.link_holder(session=session, principal=who, assertion=assertion)
    import jwt

    claims = jwt.decode(world.assertion(who.sub, number), options={"verify_signature": False})
    untyped = jwt.encode(
        claims, world.gateway_keys.key, algorithm="EdDSA", headers={"kid": "gw-1", "typ": "JWT"}
    )
    async with world.db.transaction() as session:
        with pytest.raises(Unauthenticated):  # an access token is not a real-name assertion
            await world.rules.link_holder(session=session, principal=who, assertion=untyped)
    async with world.db.reader() as session:
        rows, linked = await world.rules.wallet(session=session, principal=who)
    assert (rows, linked) == ([], False)
    async with world.db.transaction() as session:
        found = await world.rules.link_holder(
            session=session, principal=who, assertion=world.assertion(who.sub, number)
        )
    assert found == 1
    agent = Principal(sub=who.sub, actor="agent-1")
    async with world.db.reader() as session:
        with pytest.raises(Forbidden):
            await world.rules.wallet(session=session, principal=agent)


async def test_reads_are_on_record_with_purpose_case_and_agent(world: World) -> None:
    who, number = await world.citizen()
    license_id = await world.driving_licence(number)
    agent = Principal(sub=who.sub, actor="agent-7")
    async with world.db.transaction() as session:
        with pytest.raises(Forbidden):
            await world.rules.facts(
                session=session,
                principal=agent,
                types=["DRIVING-LICENSE"],
                purpose="代办",
                reader="交警",
                case_ref="",
            )
    async with world.db.transaction() as session:
        facts = await world.rules.facts(
            session=session,
            principal=agent,
            types=["DRIVING-LICENSE", "ID-CARD"],
            purpose="申办 驾驶证补领",
            reader=TRAFFIC,
            case_ref="YN2026113000001",
        )
    assert [f.id for f in facts] == [license_id] and facts[0].fields["class"] == "C1"
    async with world.db.reader() as session:
        uses = await world.rules.uses(session=session, principal=who, license_id=license_id)
    read = next(u for u in uses if u.kind == "read")
    assert (read.who, read.purpose, read.case_ref, read.agent_id) == (
        TRAFFIC,
        "申办 驾驶证补领",
        "YN2026113000001",
        "agent-7",
    )


async def test_issuer_private_keys_are_encrypted_at_rest(world: World) -> None:
    from services.licenses.models import IssuerKey

    async with world.db.transaction() as session:
        kid, key = await world.rules.keyring.signing_key(session, purpose=LICENSE, department=TRAFFIC)
        row = await session.get(IssuerKey, kid)
    from cryptography.hazmat.primitives import serialization

    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    assert raw not in row.private_key and "d" not in row.public_jwk
