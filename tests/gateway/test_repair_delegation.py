"""Acting for a resident: a delegation token reaches only what that agent filed for that resident, and an
Idempotency-Key is scoped to the caller and the person acted for."""

from __future__ import annotations

import json
import re
import uuid

from sqlalchemy import select

from gateway.identity.tokens import issue_access_token
from services.repair.models import OutboxEvent
from tests.gateway.repair_support import county_qr_url, demo_password, file_ticket, technician, upload
from tests.gateway.reviews_support import eventually, sms_texts
from tests.helpers import admin_token, citizen_token, delegate, new_phone, password_tokens, sms_tokens

WUHUA = "530102"
CJK = re.compile(r"[\u4e00-\u9fff]")


def delegation_token(platform, *, resident: str, agent: str, region: str | None = WUHUA) -> str:
    """What POST /api/v1/auth/delegations gives an agent: sub = the resident, act.sub = the agent, region = the
    agent's county."""
    settings = platform.settings
    return issue_access_token(
        platform.keys,
        issuer=settings.issuer,
        audience=settings.jwt_audience,
        subject=resident,
        lifetime_seconds=600,
        actor=agent,
        region=region,
    )


def report(**fields) -> dict[str, object]:
    return {
        "county": WUHUA,
        "category": "satellite",
        "description": "户户通没有信号",
        "contact_name": "杨奶奶",
        "contact_phone": new_phone(),
        **fields,
    }


async def file(platform, token: str, body: dict[str, object], key: str | None = None) -> dict[str, object]:
    headers = {"Idempotency-Key": key} if key else {}
    async with platform.client(token) as client:
        reply = await client.post("/api/v1/repair/tickets", json=body, headers=headers)
    assert reply.status_code == 201, reply.text
    return reply.json()


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


async def test_an_agents_one_key_for_two_residents_files_two_tickets(platform):
    agent, key = new_id("agent"), str(uuid.uuid4())
    body = report()
    first = await file(platform, delegation_token(platform, resident=new_id("res"), agent=agent), body, key)
    second = await file(platform, delegation_token(platform, resident=new_id("res"), agent=agent), body, key)
    assert first["ticket_no"] != second["ticket_no"]
    assert first["reporter_id"] != second["reporter_id"]


async def test_the_same_key_with_another_body_is_refused_as_reused(platform):
    token, key = citizen_token(platform), str(uuid.uuid4())
    body = report()
    first = await file(platform, token, body, key)
    async with platform.client(token) as client:
        again = await client.post("/api/v1/repair/tickets", json=body, headers={"Idempotency-Key": key})
        other = await client.post(
            "/api/v1/repair/tickets",
            json={**body, "description": "另一个问题"},
            headers={"Idempotency-Key": key},
        )
        mine = (await client.get("/api/v1/repair/tickets", params={"mine": True})).json()["tickets"]
    assert again.json()["ticket_no"] == first["ticket_no"]
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert [t["ticket_no"] for t in mine] == [first["ticket_no"]]


async def test_a_delegation_token_reaches_only_what_that_agent_filed_for_that_resident(platform):
    resident, agent, other_agent = new_id("res"), new_id("agent"), new_id("agent")
    own = await file(platform, citizen_token(platform, resident), report())
    filed = await file(platform, delegation_token(platform, resident=resident, agent=agent), report())
    by_other = await file(
        platform, delegation_token(platform, resident=resident, agent=other_agent), report()
    )
    for_someone_else = await file(
        platform, delegation_token(platform, resident=new_id("res"), agent=agent), report()
    )

    async with platform.client(delegation_token(platform, resident=resident, agent=agent)) as client:
        reads = {
            t["ticket_no"]: (await client.get(f"/api/v1/repair/tickets/{t['ticket_no']}")).status_code
            for t in (own, filed, by_other, for_someone_else)
        }
        listed = (await client.get("/api/v1/repair/tickets", params={"mine": True})).json()["tickets"]
        cancel_own = await client.post(f"/api/v1/repair/tickets/{own['ticket_no']}/cancel", json={})
        rate_own = await client.post(f"/api/v1/repair/tickets/{own['ticket_no']}/rating", json={"level": 1})
        cancel_filed = await client.post(f"/api/v1/repair/tickets/{filed['ticket_no']}/cancel", json={})

    assert reads == {
        own["ticket_no"]: 403,
        filed["ticket_no"]: 200,
        by_other["ticket_no"]: 403,
        for_someone_else["ticket_no"]: 403,
    }
    assert [t["ticket_no"] for t in listed] == [filed["ticket_no"]]
    assert cancel_own.status_code == 403 and rate_own.status_code == 403
    assert cancel_filed.status_code == 200 and cancel_filed.json()["status"] == "cancelled"
    async with platform.client(citizen_token(platform, resident)) as client:
        still_open = (await client.get(f"/api/v1/repair/tickets/{own['ticket_no']}")).json()
    assert still_open["status"] != "cancelled"


# -- the agent's region, the resident told, and ratings only with consent ---------------------------------------

LUQUAN = "530128"  # the demo village agent `luquan.agent` works in 禄劝县


async def luquan_agent(platform) -> str:
    return (await password_tokens(platform, "luquan.agent", demo_password(platform)))["access_token"]


async def test_an_agent_files_for_a_resident_only_inside_the_agents_county(platform):
    resident_phone = new_phone()
    delegated = (await delegate(platform, await luquan_agent(platform), "杨奶奶", resident_phone))[
        "access_token"
    ]
    async with platform.client(delegated) as client:
        by_county = await client.post("/api/v1/repair/tickets", json=report(county=WUHUA))
        by_code = await client.post(
            "/api/v1/repair/tickets",
            json={k: v for k, v in report(qr=await county_qr_url(platform, WUHUA)).items() if k != "county"},
        )
        listed = (await client.get("/api/v1/repair/tickets", params={"mine": True})).json()["tickets"]
        at_home = await client.post("/api/v1/repair/tickets", json=report(county=LUQUAN))
    for refused in (by_county, by_code):
        assert refused.status_code == 403, refused.text
        problem = refused.json()
        assert problem["code"] == "region_forbidden" and CJK.search(problem["detail"])
        assert refused.headers["content-type"].startswith("application/problem+json")
    assert listed == []  # nothing was filed outside the county
    assert at_home.status_code == 201, at_home.text
    assert at_home.json()["county"] == LUQUAN


async def test_a_hand_made_delegation_token_without_a_region_files_nothing(platform):
    token = delegation_token(platform, resident=new_id("res"), agent=new_id("agent"), region=None)
    async with platform.client(token) as client:
        reply = await client.post("/api/v1/repair/tickets", json=report())
    assert reply.status_code == 403 and reply.json()["code"] == "region_forbidden"


async def test_the_resident_is_told_by_sms_and_in_the_app_of_a_case_filed_for_them(platform):
    resident_phone = new_phone()
    delegated = await delegate(platform, await luquan_agent(platform), "杨奶奶", resident_phone)
    async with platform.client(delegated["access_token"]) as client:
        filed = await client.post(
            "/api/v1/repair/tickets", json=report(county=LUQUAN, contact_phone=new_phone())
        )
    assert filed.status_code == 201, filed.text
    ticket_no = filed.json()["ticket_no"]
    admin = await admin_token(platform)

    async def texted() -> bool:  # before the resident signs in, so codes are not mixed
        return any(
            ticket_no in t and "代办员已代您提交" in t
            for t in await sms_texts(platform, admin, resident_phone)
        )

    await eventually(texted)
    resident = await sms_tokens(platform, resident_phone)
    async with platform.client(resident["access_token"]) as client:
        notes = (await client.get("/api/v1/me/notifications")).json()
    mine = [n for n in notes if n["ticket_no"] == ticket_no]
    assert any("代办员已代您提交" in n["text"] for n in mine), notes


async def resolved_for(platform, delegated: str) -> str:
    ticket = await file_ticket(platform, delegated, county=LUQUAN)
    ticket_no, outlet = ticket["ticket_no"], ticket["assignee"]["outlet_id"]
    async with platform.client(technician(platform, outlet, LUQUAN)) as client:
        assert (await client.post(f"/api/v1/repair/tickets/{ticket_no}/accept")).status_code == 200
        photo = (await upload(client)).json()["evidence_id"]
        resolved = await client.post(
            f"/api/v1/repair/tickets/{ticket_no}/resolve", json={"note": "修好", "evidence": [photo]}
        )
    assert resolved.status_code == 200, resolved.text
    return str(ticket_no)


async def rated_events(platform, ticket_no: str) -> list[dict[str, object]]:
    async with platform.services["repair"].runtime.db.reader() as session:
        rows = (
            await session.scalars(
                select(OutboxEvent.payload).where(
                    OutboxEvent.aggregate_id == ticket_no, OutboxEvent.event_type == "repair.ticket.rated"
                )
            )
        ).all()
    return [json.loads(r) for r in rows]


async def test_the_reporters_own_rating_says_it_was_not_delegated(platform):
    resident = citizen_token(platform, new_id("res"))
    ticket_no = await resolved_for(platform, resident)
    async with platform.client(resident) as client:
        rated = await client.post(f"/api/v1/repair/tickets/{ticket_no}/rating", json={"level": 4})
    assert rated.status_code == 200, rated.text
    [event] = await rated_events(platform, ticket_no)
    assert event["delegated"] is False and event["rated_by"] == event["reviewer"]
