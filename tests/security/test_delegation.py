"""A village agent acts for a resident only with the resident's consent, inside the agent's county, and the token
reaches only the filing routes — never the resident's profile, other cases or `/me` writes."""

from __future__ import annotations

import jwt
import pytest
from sqlalchemy import update

from gateway.identity.models import Account
from services.kernel.db import Database
from tests.helpers import (
    admin_token,
    create_staff,
    delegate,
    delegation_code,
    new_phone,
    password_tokens,
    sms_tokens,
)

pytestmark = pytest.mark.security


async def new_agent(platform, region: str = "530128") -> dict:
    staff = await create_staff(platform, roles=["village_agent"], region=region, display_name="张代办")
    tokens = await password_tokens(platform, staff["username"], staff["password"])
    return {**staff, "token": tokens["access_token"]}


async def ask(platform, agent_token: str, phone: str, name: str = "王大爷"):
    async with platform.client(agent_token) as client:
        return await client.post(
            "/api/v1/auth/delegations", json={"resident": {"name": name, "phone": phone}}
        )


async def confirm(platform, agent_token: str, delegation_id: str, code: str):
    async with platform.client(agent_token) as client:
        return await client.post(f"/api/v1/auth/delegations/{delegation_id}/confirm", json={"code": code})


async def outbox(platform, phone: str) -> list[str]:
    async with platform.client(await admin_token(platform)) as client:
        return [
            m["text"] for m in (await client.get("/api/v1/admin/sms-outbox", params={"phone": phone})).json()
        ]


async def test_asking_gives_no_token_and_creates_nobody_until_the_resident_consents(platform):
    agent = await new_agent(platform)
    phone = new_phone()
    asked = await ask(platform, agent["token"], phone)
    assert asked.status_code == 202, asked.text
    assert set(asked.json()) == {"delegation_id", "expires_in"} and asked.json()["expires_in"] == 300
    texts = await outbox(platform, phone)
    assert len(texts) == 1 and "张代办" in texts[0] and "禄劝" in texts[0]  # the SMS says who asks
    # Unconfirmed: the resident's own sign-in makes a new account (not the agent's '王大爷').
    own = await sms_tokens(platform, phone)
    async with platform.client(own["access_token"]) as client:
        me = (await client.get("/api/v1/me")).json()
    assert me["display_name"] != "王大爷"


async def test_the_code_confirms_once_and_the_resident_is_told_and_sees_it(platform):
    agent = await new_agent(platform)
    phone = new_phone()
    delegated = await delegate(platform, agent["token"], "王大爷", phone)
    claims = jwt.decode(delegated["access_token"], options={"verify_signature": False})
    assert claims["act"] == {"sub": agent["id"]} and claims["exp"] - claims["iat"] <= 600
    texts = await outbox(platform, phone)
    assert "您已同意" in texts[0] and "张代办" in texts[0]  # told by SMS
    own = await sms_tokens(platform, phone)
    async with platform.client(own["access_token"]) as client:
        listed = (await client.get("/api/v1/auth/delegations")).json()
    assert listed[0]["agent_id"] == agent["id"] and listed[0]["agent_name"] == "张代办"
    async with platform.client(agent["token"]) as client:
        mine = (await client.get("/api/v1/auth/delegations")).json()
    assert mine[0]["resident_id"] == delegated["resident_id"]


async def test_a_code_is_single_use_and_five_wrong_tries_end_the_request(platform):
    agent = await new_agent(platform)
    phone = new_phone()
    asked = (await ask(platform, agent["token"], phone)).json()
    code = await delegation_code(platform, phone)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    statuses = [
        (await confirm(platform, agent["token"], asked["delegation_id"], wrong)).status_code for _ in range(5)
    ]
    after = await confirm(platform, agent["token"], asked["delegation_id"], code)
    assert statuses == [422] * 5
    assert after.status_code == 404 and after.json()["code"] == "delegation_expired"

    asked = (await ask(platform, agent["token"], phone)).json()
    code = await delegation_code(platform, phone)
    first = await confirm(platform, agent["token"], asked["delegation_id"], code)
    second = await confirm(platform, agent["token"], asked["delegation_id"], code)
    assert first.status_code == 200 and second.status_code == 404


async def test_the_request_expires_in_five_minutes(platform):
    agent = await new_agent(platform)
    asked = (await ask(platform, agent["token"], new_phone())).json()
    key = f"{platform.settings.redis_namespace}:delegation:{asked['delegation_id']}"
    assert 0 < await platform.redis.client.ttl(key) <= 300


async def test_only_the_asking_agent_confirms(platform):
    agent, other = await new_agent(platform), await new_agent(platform)
    phone = new_phone()
    asked = (await ask(platform, agent["token"], phone)).json()
    code = await delegation_code(platform, phone)
    stolen = await confirm(platform, other["token"], asked["delegation_id"], code)
    assert stolen.status_code == 403 and stolen.json()["code"] == "not_your_delegation"


async def test_the_agent_acts_only_inside_their_county(platform):
    prefecture_agent = await new_agent(platform, region="5301")
    refused = await ask(platform, prefecture_agent["token"], new_phone())
    assert refused.status_code == 403 and refused.json()["code"] == "region_required"

    phone = new_phone()
    resident = await sms_tokens(platform, phone)
    resident_id = jwt.decode(resident["access_token"], options={"verify_signature": False})["sub"]
    db = Database(platform.settings.database_url("gateway"))
    try:
        async with db.transaction() as session:
            await session.execute(update(Account).where(Account.id == resident_id).values(region="530102"))
    finally:
        await db.dispose()
    agent = await new_agent(platform, region="530128")  # 禄劝; the resident lives in 五华
    outside = await ask(platform, agent["token"], phone)
    assert outside.status_code == 403 and outside.json()["code"] == "region_forbidden"
    inside = await new_agent(platform, region="530102")
    assert (await ask(platform, inside["token"], phone)).status_code == 202


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/me/notifications", None),
        ("GET", "/api/v1/me/summary", None),
        ("POST", "/api/v1/me/real-name", {"name": "王大爷", "id_number": "11010519491231002X"}),
        ("GET", "/api/v1/me/mini-apps", None),
        ("GET", "/api/v1/auth/delegations", None),
        ("POST", "/api/v1/auth/logout", None),
        ("POST", "/api/v1/legal-persons", {"credit_code": "91530100MA6K0000X1", "name": "某公司"}),
    ],
)
async def test_a_delegation_token_does_not_reach_the_residents_space(platform, method, path, body):
    agent = await new_agent(platform)
    delegated = await delegate(platform, agent["token"], "王大爷", new_phone())
    async with platform.client(delegated["access_token"]) as client:
        reply = await client.request(method, path, json=body)
        me = await client.get("/api/v1/me")
    assert reply.status_code == 403, reply.text
    assert reply.json()["code"] == "not_for_delegates"
    assert (
        me.status_code == 200 and me.json()["phone_masked"] is None and me.json()["id_number_masked"] is None
    )
