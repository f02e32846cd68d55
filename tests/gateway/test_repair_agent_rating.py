"""The agent records the resident's own rating of a repair, with consent (六(一)2(3)): with the resident's
delegation token it is kept pending (202) and the resident is texted a code; it counts as the resident's review
only once confirmed (the code read out to the agent, or the resident's own rating, which replaces it)."""

from __future__ import annotations

import re

from sqlalchemy import select

from services.reviews.models import Review, ServedCase
from tests.gateway.reviews_support import eventually, sms_texts, texted_all
from tests.gateway.test_repair_delegation import (
    LUQUAN,
    delegation_token,
    luquan_agent,
    new_id,
    rated_events,
    resolved_for,
)
from tests.helpers import admin_token, delegate, new_phone, sms_tokens

CJK = re.compile(r"[\u4e00-\u9fff]")


async def recorded_for(platform, level: int = 1) -> tuple[str, str, str, str]:
    """A resolved ticket the agent filed for a new resident, and the agent's rating recorded for them: the
    ticket number, the delegation token, the resident's phone and the code texted to the resident."""
    agent = await luquan_agent(platform)
    phone = new_phone()
    delegated = (await delegate(platform, agent, "杨奶奶", phone))["access_token"]
    ticket_no = await resolved_for(platform, delegated)
    async with platform.client(delegated) as client:
        recorded = await client.post(
            f"/api/v1/repair/tickets/{ticket_no}/rating", json={"level": level, "comment": "师傅很耐心"}
        )
    assert recorded.status_code == 202, recorded.text
    answer = recorded.json()
    assert answer["rating"] is None and answer["pending_rating"]["level"] == level
    assert answer["pending_rating"]["recorded_by"] == answer["agent_id"]
    admin = await admin_token(platform)

    async def code() -> str | None:
        for text in await sms_texts(platform, admin, phone):
            if ticket_no in text and "代您记录" in text:
                assert f"{level}星" in text and "待评价" in text and CJK.search(text)
                return re.search(r"验证码(\d{6})", text).group(1)  # type: ignore[union-attr]
        return None

    texted = await eventually(code, tries=200)
    async with platform.client(delegated) as client:  # a retry: the same answer, no second code
        retry = await client.post(
            f"/api/v1/repair/tickets/{ticket_no}/rating", json={"level": level, "comment": "师傅很耐心"}
        )
    assert retry.status_code == 202 and retry.json()["pending_rating"] == answer["pending_rating"]
    return ticket_no, delegated, phone, texted


async def reviews_of(platform, ticket_no: str) -> list[Review]:
    async with platform.services["reviews"].runtime.db.reader() as session:
        return list(
            (
                await session.scalars(
                    select(Review)
                    .join(ServedCase, ServedCase.id == Review.case_pk)
                    .where(ServedCase.case_type == "repair_ticket", ServedCase.case_id == ticket_no)
                )
            ).all()
        )


async def test_the_resident_confirms_with_the_code_and_only_then_it_counts(platform):
    ticket_no, delegated, _, code = await recorded_for(platform, level=1)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    async with platform.client(delegated) as client:
        refused = await client.post(
            f"/api/v1/repair/tickets/{ticket_no}/rating/confirm", json={"code": wrong}
        )
        malformed = await client.post(
            f"/api/v1/repair/tickets/{ticket_no}/rating/confirm", json={"code": "12"}
        )
        still = (await client.get(f"/api/v1/repair/tickets/{ticket_no}")).json()
    assert refused.status_code == 422 and refused.json()["code"] == "invalid_code", refused.text
    assert "还可再试4次" in refused.json()["detail"]
    assert malformed.status_code == 422
    assert still["rating"] is None and still["pending_rating"]["level"] == 1
    assert await rated_events(platform, ticket_no) == [] and await reviews_of(platform, ticket_no) == []

    async with platform.client(delegated) as client:
        confirmed = await client.post(
            f"/api/v1/repair/tickets/{ticket_no}/rating/confirm", json={"code": code}
        )
        again = await client.post(f"/api/v1/repair/tickets/{ticket_no}/rating/confirm", json={"code": code})
    assert confirmed.status_code == 200, confirmed.text
    counted = confirmed.json()
    assert counted["rating"]["level"] == 1 and counted["pending_rating"] is None
    assert again.status_code == 409 and again.json()["code"] == "already_rated"
    [event] = await rated_events(platform, ticket_no)
    assert (
        event["delegated"] is True and event["confirmed"] is True and event["rated_by"] == counted["agent_id"]
    )

    async def reviewed() -> list[Review]:
        return await reviews_of(platform, ticket_no)

    [review] = await eventually(reviewed)
    assert review.level == 1 and review.reviewer_id == counted["reporter_id"]
    assert review.recorded_by == counted["agent_id"]


async def test_five_wrong_codes_end_the_pending_rating(platform):
    ticket_no, delegated, _, code = await recorded_for(platform, level=4)
    wrong = f"{(int(code) + 7) % 1_000_000:06d}"
    async with platform.client(delegated) as client:
        tries = [
            await client.post(f"/api/v1/repair/tickets/{ticket_no}/rating/confirm", json={"code": wrong})
            for _ in range(5)
        ]
        late = await client.post(f"/api/v1/repair/tickets/{ticket_no}/rating/confirm", json={"code": code})
        ticket = (await client.get(f"/api/v1/repair/tickets/{ticket_no}")).json()
    assert [t.status_code for t in tries] == [422] * 5
    assert "作废" in tries[-1].json()["detail"]
    assert late.status_code == 409 and late.json()["code"] == "no_pending_rating"
    assert ticket["rating"] is None and ticket["pending_rating"] is None
    assert await rated_events(platform, ticket_no) == []


async def test_an_agent_without_the_residents_delegation_is_refused(platform):
    agent = await luquan_agent(platform)
    delegated = (await delegate(platform, agent, "杨奶奶", new_phone()))["access_token"]
    ticket_no = await resolved_for(platform, delegated)
    async with platform.client(delegated) as client:
        reporter = (await client.get(f"/api/v1/repair/tickets/{ticket_no}")).json()["reporter_id"]
    another = delegation_token(platform, resident=reporter, agent=new_id("agent"), region=LUQUAN)
    for token, code in ((agent, "consent_required"), (another, "not_your_ticket")):
        async with platform.client(token) as client:
            refused = await client.post(f"/api/v1/repair/tickets/{ticket_no}/rating", json={"level": 5})
            confirm = await client.post(
                f"/api/v1/repair/tickets/{ticket_no}/rating/confirm", json={"code": "123456"}
            )
        assert refused.status_code == 403 and refused.json()["code"] == code, refused.text
        assert CJK.search(refused.json()["detail"])
        assert confirm.status_code == 403
    async with platform.client(delegated) as client:
        ticket = (await client.get(f"/api/v1/repair/tickets/{ticket_no}")).json()
    assert ticket["rating"] is None and ticket["pending_rating"] is None


async def test_the_residents_own_rating_replaces_a_pending_one(platform):
    ticket_no, delegated, phone, code = await recorded_for(platform, level=2)
    await texted_all(platform, await admin_token(platform), phone, f"{ticket_no}已办理完毕")
    resident = (await sms_tokens(platform, phone))["access_token"]
    async with platform.client(resident) as client:
        pending = (await client.get(f"/api/v1/repair/tickets/{ticket_no}")).json()["pending_rating"]
        own = await client.post(f"/api/v1/repair/tickets/{ticket_no}/rating", json={"level": 5})
    assert pending["level"] == 2
    assert own.status_code == 200, own.text
    assert own.json()["rating"]["level"] == 5 and own.json()["pending_rating"] is None
    async with platform.client(delegated) as client:
        late = await client.post(f"/api/v1/repair/tickets/{ticket_no}/rating/confirm", json={"code": code})
    assert late.status_code == 409 and late.json()["code"] == "already_rated"
    [event] = await rated_events(platform, ticket_no)
    assert event["delegated"] is False and event["level"] == 5
