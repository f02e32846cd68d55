"""Acting for a resident: a delegation token reaches only what that agent filed for that resident, and an
Idempotency-Key is scoped to the caller and the person acted for."""

from __future__ import annotations

import uuid

from gateway.identity.tokens import issue_access_token
from tests.helpers import citizen_token, new_phone

WUHUA = "530102"


def delegation_token(platform, *, resident: str, agent: str) -> str:
    """What POST /api/v1/auth/delegations gives an agent: sub = the resident, act.sub = the agent."""
    settings = platform.settings
    return issue_access_token(
        platform.keys,
        issuer=settings.issuer,
        audience=settings.jwt_audience,
        subject=resident,
        lifetime_seconds=600,
        actor=agent,
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
