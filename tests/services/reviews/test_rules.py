"""The 好差评 rules on their own database: who may review, the window, rectification deadlines and the timer,
appeals, and counters that always equal a recount of the raw reviews."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import uuid
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from services.cli import COMPONENTS
from services.kernel.auth import Principal
from services.kernel.db import Database
from services.kernel.errors import Forbidden, InvalidInput, NotFound, WrongState
from services.kernel.events import Event, Outbox
from services.kernel.migrations import upgrade
from services.kernel.workdays import add_working_days, is_working_day
from services.reviews import cases, clock, indicators, rectifications, reviewing
from services.reviews.consumers import ServedCases
from services.reviews.context import ReviewsContext, WindowCodes
from services.reviews.models import OutboxEvent, ProcessedEvent, Rectification, Review
from services.reviews.schemas import AppealIn, RectificationActionIn, ReviewIn

COUNTY = "530102"
CHINA = clock.CHINA


@pytest.fixture(scope="module")
async def db(backend):
    url = await backend.scratch_database("reviews_rules")
    await asyncio.to_thread(upgrade, COMPONENTS["reviews"].migrations, url)
    database = Database(url)
    yield database
    await database.dispose()


@pytest.fixture
def ctx() -> ReviewsContext:
    return ReviewsContext(
        outbox=Outbox(OutboxEvent), limiter=None, windows=WindowCodes(b"k" * 32, "https://bst.example.gov.cn")
    )


@pytest.fixture
def at(monkeypatch):
    """Set the reviews clock: `at(datetime)`."""

    def set_clock(when: dt.datetime) -> None:
        monkeypatch.setattr(clock, "now", lambda: when)

    return set_clock


def citizen(sub: str | None = None) -> Principal:
    return Principal(sub=sub or f"c-{uuid.uuid4().hex[:10]}")


def staff(*roles: str, region: str = COUNTY, sub: str | None = None, **claims: str) -> Principal:
    return Principal(
        sub=sub or f"s-{uuid.uuid4().hex[:8]}",
        kind="staff",
        roles=frozenset(roles),
        region=region,
        claims=claims,
    )


def repair_case(person: str, outlet: str, agent: str | None = None) -> cases.CaseIn:
    ticket = f"BX{COUNTY}{random.randrange(10**10):010d}"
    return cases.CaseIn(
        case_type="repair_ticket",
        case_id=ticket,
        title=f"广电报修单{ticket}",
        account_id=person,
        agent_id=agent,
        region=COUNTY,
        outlet_id=outlet,
        unit_kind="outlet",
        unit=outlet,
    )


async def served(db, ctx, case_in):
    async with db.transaction() as session:
        case, invitation = await cases.open_case(session=session, ctx=ctx, case_in=case_in)
    return case, invitation


async def review(db, ctx, principal, case, level, **fields):
    async with db.transaction() as session:
        return await reviewing.submit_review(
            session=session,
            ctx=ctx,
            principal=principal,
            review_in=ReviewIn(case_type=case.case_type, case_id=case.case_id, level=level, **fields),
        )


async def act(db, ctx, principal, rect_id, action, **fields):
    async with db.transaction() as session:
        return await rectifications.act(
            session=session,
            ctx=ctx,
            principal=principal,
            rectification_id=rect_id,
            action_in=RectificationActionIn(action=action, **fields),
        )


async def rect_of(db, review_id) -> Rectification:
    async with db.reader() as session:
        return (
            await session.scalars(select(Rectification).where(Rectification.review_id == review_id))
        ).one()


async def test_only_the_person_served_reviews_once_within_the_window(db, ctx, at):
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=CHINA)
    at(start)
    person, outlet = citizen(), f"OUT-{uuid.uuid4().hex[:6]}"
    case, invitation = await served(db, ctx, repair_case(person.sub, outlet))
    assert invitation is not None and invitation.due_at == start + dt.timedelta(days=15)
    with pytest.raises(Forbidden) as stranger:
        await review(db, ctx, citizen(), case, 5)
    assert stranger.value.code == "not_served"
    technician = staff("outlet_technician", outlet=outlet)
    with pytest.raises(Forbidden) as own:
        await review(db, ctx, technician, case, 5)
    assert own.value.code == "own_case"
    with pytest.raises(NotFound):
        await review(db, ctx, person, SimpleNamespace(case_type="repair_ticket", case_id="BX-none"), 5)
    first = await review(db, ctx, person, case, 4, comment="挺好")
    assert first.kind == "first" and first.reviewer_id == person.sub
    with pytest.raises(WrongState) as twice:
        await review(db, ctx, person, case, 5)
    assert twice.value.code == "already_reviewed"

    late_case, _ = await served(db, ctx, repair_case(person.sub, outlet))
    at(start + dt.timedelta(days=15, minutes=1))
    with pytest.raises(WrongState) as late:
        await review(db, ctx, person, late_case, 5)
    assert late.value.code == "review_window_closed"


async def test_an_agent_records_a_repair_rating_only_on_the_ticket_pending_the_residents_confirmation(
    db, ctx, at
):
    at(dt.datetime(2026, 3, 3, 9, 0, tzinfo=CHINA))
    resident, agent_id = citizen(), f"agent-{uuid.uuid4().hex[:6]}"
    case, _ = await served(db, ctx, repair_case(resident.sub, "OUT-A", agent=agent_id))
    as_himself = staff("village_agent", sub=agent_id)
    with pytest.raises(Forbidden) as refused:
        await review(db, ctx, as_himself, case, 5)
    assert refused.value.code == "consent_required"  # the agent's own token: no consent
    other_agent = Principal(sub=resident.sub, actor="agent-someone-else")
    with pytest.raises(Forbidden):
        await review(db, ctx, other_agent, case, 5)
    delegated = Principal(sub=resident.sub, actor=agent_id)
    with pytest.raises(WrongState) as elsewhere:
        await review(db, ctx, delegated, case, 5)
    assert elsewhere.value.code == "rate_on_ticket"  # recorded on the ticket, pending the resident's code
    recorded = await review(db, ctx, resident, case, 5)
    assert recorded.reviewer_id == resident.sub and recorded.recorded_by is None


async def test_idempotency_key_replays_and_refuses_a_different_body(db, ctx, at):
    at(dt.datetime(2026, 3, 4, 9, 0, tzinfo=CHINA))
    person = citizen()
    case, _ = await served(db, ctx, repair_case(person.sub, "OUT-B"))

    async def submit(level: int):
        async with db.transaction() as session:
            return await reviewing.submit_review(
                session=session,
                ctx=ctx,
                principal=person,
                review_in=ReviewIn(case_type="repair_ticket", case_id=case.case_id, level=level),
                idempotency_key="key-1",
            )

    first, second = await submit(5), await submit(5)
    assert first.id == second.id
    with pytest.raises(InvalidInput) as reused:
        await submit(4)
    assert reused.value.code == "idempotency_key_reused"
    async with db.reader() as session:
        assert len((await session.scalars(select(Review).where(Review.reviewer_id == person.sub))).all()) == 1


async def test_a_bad_review_is_due_in_15_working_days_crossing_national_day_and_escalates_when_late(
    db, ctx, at
):
    start = dt.datetime(2026, 9, 25, 10, 0, tzinfo=CHINA)
    at(start)
    person, outlet = citizen(), f"OUT-{uuid.uuid4().hex[:6]}"
    case, _ = await served(db, ctx, repair_case(person.sub, outlet))
    bad = await review(db, ctx, person, case, 1, comment="三天没人来")
    rect = await rect_of(db, bad.id)
    due = rect.due_at.astimezone(CHINA)
    assert due == add_working_days(start, 15)
    assert due.date() == dt.date(2026, 10, 22)
    skipped = [start.date() + dt.timedelta(days=n) for n in range((due.date() - start.date()).days)]
    assert any(d.weekday() < 5 and not is_working_day(d) for d in skipped)  # 国庆 weekdays are not counted

    async with db.transaction() as session:  # not late at the due time itself (other tests' cases may be)
        await rectifications.sweep_overdue(session=session, ctx=ctx, now=rect.due_at)
    assert not (await rect_of(db, bad.id)).overdue
    async with db.transaction() as session:
        late = await rectifications.sweep_overdue(
            session=session, ctx=ctx, now=rect.due_at + dt.timedelta(minutes=1)
        )
        events = (await session.scalars(select(OutboxEvent).where(OutboxEvent.aggregate_id == rect.id))).all()
    assert late >= 1
    assert (await rect_of(db, bad.id)).overdue
    overdue = [json.loads(e.payload) for e in events if e.event_type == "reviews.rectification.overdue"]
    assert overdue and overdue[0]["notify_account_ids"] == [person.sub] and "超期" in overdue[0]["notice"]
    async with db.transaction() as session:  # escalated once, not at every pass
        assert rect.id not in {
            r.id
            for r in (
                await session.scalars(select(Rectification).where(Rectification.overdue.is_(False)))
            ).all()
        }


async def test_disputes_need_evidence_and_a_supervisors_decision(db, ctx, at):
    at(dt.datetime(2026, 3, 5, 9, 0, tzinfo=CHINA))
    person, outlet = citizen(), f"OUT-{uuid.uuid4().hex[:6]}"
    case, _ = await served(db, ctx, repair_case(person.sub, outlet))
    bad = await review(db, ctx, person, case, 2)
    rect = await rect_of(db, bad.id)
    unit = staff("outlet_technician", outlet=outlet)
    with pytest.raises(InvalidInput) as bare:
        await act(db, ctx, unit, rect.id, "dispute", reason="不是我们的原因")
    assert bare.value.code == "evidence_required"
    disputed = await act(db, ctx, unit, rect.id, "dispute", reason="用户家中停电", evidence=["EV1"])
    assert disputed.status == "disputed"
    with pytest.raises(Forbidden):
        await act(db, ctx, unit, rect.id, "decide-dispute", upheld=True, reason="自己裁定")
    with pytest.raises(Forbidden):  # a county admin of another county
        await act(
            db,
            ctx,
            staff("county_admin", region="532801"),
            rect.id,
            "decide-dispute",
            upheld=True,
            reason="x",
        )
    decided = await act(
        db, ctx, staff("county_admin"), rect.id, "decide-dispute", upheld=False, reason="证据不足"
    )
    assert decided.status == "verified" and decided.verified
    with pytest.raises(Forbidden):  # an outlet's rectification is closed by the county (八(四))
        await act(db, ctx, unit, rect.id, "close")
    with pytest.raises(WrongState):
        await act(db, ctx, staff("county_admin"), rect.id, "close", note="办结")


async def test_an_upheld_appeal_excludes_the_review_visibly(db, ctx, at):
    at(dt.datetime(2026, 3, 6, 9, 0, tzinfo=CHINA))
    person, department = citizen(), f"测试局{uuid.uuid4().hex[:6]}"
    case_in = cases.CaseIn(
        case_type="application",
        case_id=f"SQ{uuid.uuid4().hex[:12]}",
        title="测试事项",
        account_id=person.sub,
        region=COUNTY,
        department=department,
        unit_kind="department",
        unit=department,
    )
    case, _ = await served(db, ctx, case_in)
    bad = await review(db, ctx, person, case, 1, comment="恶意差评")
    unit = staff("department_staff", department=department)
    async with db.transaction() as session:
        with pytest.raises(Forbidden):
            await rectifications.appeal_review(
                session=session,
                principal=staff("department_staff", department="别的局"),
                review_id=bad.id,
                appeal_in=AppealIn(reason="不是我们", evidence=["E"]),
            )
    async with db.transaction() as session:
        appeal = await rectifications.appeal_review(
            session=session,
            principal=unit,
            review_id=bad.id,
            appeal_in=AppealIn(reason="办事人未到窗口", evidence=["监控录像"]),
        )
    before = await read(db, "department", department)
    async with db.transaction() as session:
        decided = await rectifications.decide_appeal(
            session=session,
            principal=staff("county_admin"),
            appeal_id=appeal.id,
            upheld=True,
            reason="经查无此次办理",
        )
    after = await read(db, "department", department)
    assert decided.status == "upheld"
    assert (
        (before["reviews"], after["reviews"]) == (1, 0) and after["excluded"] == 1 and after["level_1"] == 0
    )
    async with db.reader() as session:
        public = await reviewing.get_public_reviews(session=session, department=department)
    assert public[0][0].excluded and "经查无此次办理" in public[0][0].excluded_reason


async def read(db, dimension: str, key: str) -> dict[str, int]:
    async with db.reader() as session:
        return await indicators.read(
            session, dimension=dimension, key=key, day_from="2000-01-01", day_to="2100-01-01"
        )


async def test_counters_equal_a_recount_after_any_mix_of_changes(db, ctx, at):
    """Random cases, reviews, rectification steps and appeals: the counters kept in each transaction equal a
    recount of the raw rows, and reconciliation then finds nothing to fix (and fixes a counter broken by hand)."""
    rng = random.Random(20261130)
    supervisor = staff("platform_admin", region="53")
    for n in range(40):
        at(dt.datetime(2026, 4, 1, 9, 0, tzinfo=CHINA) + dt.timedelta(days=rng.randrange(20), hours=n))
        person, outlet = citizen(), f"OUT-R{rng.randrange(4)}"
        case, _ = await served(db, ctx, repair_case(person.sub, outlet))
        if rng.random() < 0.2:
            continue
        first = await review(
            db, ctx, person, case, rng.randint(1, 5), channel=rng.choice(["app", "sms", "hotline"])
        )
        if first.level <= 2:
            rect = await rect_of(db, first.id)
            unit = staff("outlet_technician", outlet=outlet)
            if rng.random() < 0.3:
                await act(db, ctx, unit, rect.id, "dispute", reason="异议", evidence=["E"])
                await act(
                    db, ctx, supervisor, rect.id, "decide-dispute", upheld=rng.random() < 0.5, reason="裁定"
                )
            rect = await rect_of(db, first.id)
            if rect.status == "open":
                await act(db, ctx, unit, rect.id, "verify")
            if (await rect_of(db, first.id)).status == "verified" and rng.random() < 0.8:
                if rng.random() < 0.3:
                    at(rect.due_at + dt.timedelta(hours=1))  # late
                await act(db, ctx, unit, rect.id, "rectify", note="已整改")
                await review(db, ctx, person, case, rng.randint(1, 5))
        if rng.random() < 0.15:
            async with db.transaction() as session:
                appeal = await rectifications.appeal_review(
                    session=session,
                    principal=staff("outlet_technician", outlet=outlet),
                    review_id=first.id,
                    appeal_in=AppealIn(reason="恶意评价", evidence=["E"]),
                )
                await rectifications.decide_appeal(
                    session=session, principal=supervisor, appeal_id=appeal.id, upheld=True, reason="成立"
                )
    async with db.reader() as session:
        expected = indicators._normal((await indicators.recount(session)).items())
        actual = indicators._normal((await indicators.stored(session)).items())
    assert actual == expected
    async with db.transaction() as session:
        checked, fixed = await indicators.reconcile(session)
    assert checked == len(expected) and fixed == 0

    async with db.transaction() as session:  # a counter broken by hand is repaired by the reconciliation
        slot = next(iter(expected))
        await indicators.apply(session, {slot: indicators.Counter(reviews=3)})
    async with db.transaction() as session:
        _, fixed = await indicators.reconcile(session)
    assert fixed == 1
    async with db.reader() as session:
        assert indicators._normal((await indicators.stored(session)).items()) == expected


def repair_event(event_type: str, ticket_no: str, **extra) -> Event:
    payload = {
        "ticket_no": ticket_no,
        "county": COUNTY,
        "category": "satellite",
        "status": "resolved",
        "reporter_id": "resident-1",
        "agent_id": "agent-1",
        "assignee_outlet_id": "OUT-530102-01",
        **extra,
    }
    return Event(
        event_id=str(uuid.uuid4()),
        event_type=event_type,
        aggregate_id=ticket_no,
        payload=payload,
        occurred_at="",
        source="repair",
    )


async def test_repair_events_invite_the_resident_and_ratings_go_through_the_same_rules(db, ctx, at):
    at(dt.datetime(2026, 3, 9, 9, 0, tzinfo=CHINA))
    consumer = ServedCases(db=db, processed_model=ProcessedEvent, redis=None, namespace="t")  # type: ignore[arg-type]
    consumer.ctx = ctx
    ticket_no = f"BX{COUNTY}{random.randrange(10**10):010d}"
    rated = {"level": 2, "comment": "慢", "reviewer": "resident-1"}
    for event in (
        repair_event("repair.ticket.resolved", ticket_no),
        repair_event(
            "repair.ticket.rated", ticket_no, rated_by="agent-1", delegated=False, **rated
        ),  # no consent
        repair_event("repair.ticket.rated", ticket_no, rated_by="resident-1", **rated),
        repair_event(
            "repair.ticket.rated", ticket_no, rated_by="resident-1", **rated | {"level": 5}
        ),  # twice
    ):
        async with db.transaction() as session:
            await consumer.handle(session, event)
    async with db.reader() as session:
        case = await cases.get_case(session, "repair_ticket", ticket_no)
        reviews = (await session.scalars(select(Review).where(Review.case_pk == case.id))).all()
    assert case.account_id == "resident-1" and case.agent_id == "agent-1" and case.unit == "OUT-530102-01"
    assert [(r.level, r.reviewer_id, r.recorded_by) for r in reviews] == [(2, "resident-1", None)]
    assert (await rect_of(db, reviews[0].id)).status == "open"


def test_the_consumer_skips_only_the_events_it_does_nothing_with():
    """Events the review rules ignore are acknowledged without a transaction; the three it applies are not skipped
    (each of them opens a case or records a review, above)."""
    consumer = ServedCases(db=None, processed_model=ProcessedEvent, redis=None, namespace="t")  # type: ignore[arg-type]
    ticket_no = f"BX{COUNTY}{random.randrange(10**10):010d}"
    for kind in ("repair.ticket.resolved", "repair.ticket.rated", "intake.application.concluded"):
        assert consumer.wants(repair_event(kind, ticket_no)), kind
    for kind in ("repair.ticket.created", "repair.ticket.accepted", "repair.ticket.dispatched", "intake.x"):
        assert not consumer.wants(repair_event(kind, ticket_no)), kind
