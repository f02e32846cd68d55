"""A new ticket's rows go in on Core statements (services/repair/ticket_writes.py): what was stored, the events and
the answer built without reading back must be what the ORM wrote and read before."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, select, update

from services.kernel.db import utcnow
from services.kernel.reads import read_in
from services.repair import service, tickets
from services.repair.grassroots_models import TicketPlace
from services.repair.models import DispatchDecision, Notification, OutboxEvent, Outlet, Ticket, TicketEvent
from services.repair.numbers import TicketNumbers
from services.repair.tickets import file_in_own_transaction
from tests.services.repair.factories import agent_for, citizen, context, file, outlet, report


async def _events(session, ticket_no: str) -> list[tuple[str, dict]]:
    rows = (
        await session.scalars(
            select(OutboxEvent).where(OutboxEvent.aggregate_id == ticket_no).order_by(OutboxEvent.id)
        )
    ).all()
    return [(r.event_type, json.loads(r.payload)) for r in rows]


async def test_an_agents_report_is_stored_whole_and_answered_as_read_back(session, tmp_path):
    near = await outlet(session, north_km=0.4)
    ctx, resident = context(tmp_path), citizen()
    filer = agent_for(resident)
    answer = await file(session, ctx, filer, lat=25.0436, lng=102.7073)

    read_back = await service.get_ticket_for(session=session, principal=filer, ticket_no=answer.ticket_no)
    assert answer.model_dump() == read_back.model_dump()
    assert answer.status == "dispatched" and answer.assignee is not None and answer.assignee.outlet_id == near
    assert [e.action for e in answer.timeline] == ["reported", "dispatched"]
    assert [e.status for e in answer.timeline] == ["pending_dispatch", "dispatched"]

    ticket = await session.get(Ticket, answer.ticket_no)
    assert ticket is not None and ticket.excluded_outlets == [] and ticket.overdue is False
    assert ticket.resolution_note == "" and ticket.response_target_hours == 3.0
    assert ticket.agent_id == filer.actor and ticket.filed_by == filer.actor

    events = await _events(session, answer.ticket_no)
    # in the order the rules published them (the dispatch is decided before the filing is announced), each with
    # the notice sent just before it
    assert [kind for kind, _ in events] == ["repair.ticket.dispatched", "repair.ticket.created"]
    dispatched, created = events[0][1], events[1][1]
    assert created["status"] == dispatched["status"] == "dispatched"
    assert (
        dispatched["notice"].startswith(f"报修单{answer.ticket_no}已派给")
        and dispatched["reason"] == "report"
    )
    assert created["notice"].startswith("村级代办员已代您提交")

    notes = (
        await session.scalars(select(Notification).where(Notification.ticket_no == answer.ticket_no))
    ).all()
    assert sorted((n.recipient, n.kind) for n in notes) == sorted(
        [(resident.sub, "filed_for_you"), (resident.sub, "dispatched"), (filer.actor, "dispatched")]
    )
    decision = await session.scalar(
        select(DispatchDecision).where(DispatchDecision.ticket_no == answer.ticket_no)
    )
    assert decision is not None and decision.chosen_outlet_id == near
    assert decision.candidates[0]["outlet_id"] == near and decision.candidates[0]["verdict"] == "chosen"
    taken = await session.scalar(select(Outlet.open_tickets).where(Outlet.outlet_id == near))
    assert taken == 1


async def test_a_queued_report_is_stored_and_answered_the_same(session, tmp_path):
    await outlet(
        session, north_km=0.2, capacity=1, open_tickets=1
    )  # full: the report waits on the county queue
    ctx, reporter = context(tmp_path), citizen()
    answer = await file(session, ctx, reporter)

    read_back = await service.get_ticket_for(session=session, principal=reporter, ticket_no=answer.ticket_no)
    assert answer.model_dump() == read_back.model_dump()
    assert answer.status == "pending_dispatch" and answer.assignee is None
    assert [e.action for e in answer.timeline] == ["reported", "queued"]
    events = await _events(session, answer.ticket_no)
    assert [kind for kind, _ in events] == ["repair.ticket.created"]
    assert events[0][1]["notice"].startswith(f"报修单{answer.ticket_no}已受理")
    timeline_ids = (
        await session.scalars(
            select(TicketEvent.id).where(TicketEvent.ticket_no == answer.ticket_no).order_by(TicketEvent.id)
        )
    ).all()
    assert len(timeline_ids) == 2


async def test_attached_evidence_is_in_the_answer_in_upload_order(session, tmp_path):
    await outlet(session, north_km=0.3)
    ctx, reporter = context(tmp_path), citizen()
    photos = [
        await service.upload_evidence(
            session=session,
            ctx=ctx,
            principal=reporter,
            data=b"\xff\xd8\xff" + bytes([i]) * 64,
            declared_type="",
        )
        for i in range(2)
    ]
    await session.flush()
    ids = [p.evidence_id for p in photos]
    answer = await file(session, ctx, reporter, evidence=list(reversed(ids)))
    read_back = await service.get_ticket_for(session=session, principal=reporter, ticket_no=answer.ticket_no)
    assert answer.evidence_ids == read_back.evidence_ids
    assert sorted(answer.evidence_ids) == sorted(ids)


async def test_the_proto_answered_at_filing_is_the_proto_read_back(session, tmp_path):
    """The transport answers a new ticket with `FiledTicket.message()`, built from the written values: it must be
    the message the hot read (`get_ticket_message`) gives for the same ticket, field for field."""
    from services.repair.ticket_reads import TICKET, TIMELINE, ticket_message
    from services.repair.tickets import file_ticket

    await outlet(session, north_km=0.3)
    ctx, resident = context(tmp_path), citizen()
    filer = agent_for(resident)
    for fields in ({"lat": 25.0436, "lng": 102.7073}, {}):
        answer = await file_ticket(session=session, ctx=ctx, principal=filer, ticket_in=report(**fields))
        connection = await session.connection()
        row = (await read_in(connection, TICKET, ticket_no=answer.ticket_no))[0]
        timeline = await read_in(connection, TIMELINE, ticket_no=answer.ticket_no)
        assert answer.message() == ticket_message(row, timeline)
        assert answer.message().HasField("assignee")


OWN_COUNTY = "530103"  # 盘龙区: reports committed by these tests, in a county no other rule test files in


async def _open_tickets(db, outlet_id: str) -> int:
    async with db.reader() as s:
        return int(await s.scalar(select(Outlet.open_tickets).where(Outlet.outlet_id == outlet_id)) or 0)


async def _own_outlets(db, **outlets) -> dict[str, str]:
    async with db.transaction() as s:
        return {name: await outlet(s, county=OWN_COUNTY, **kw) for name, kw in outlets.items()}


async def _forget(db, outlet_ids) -> None:
    """Take away what these tests committed: the county's reports with their rows, and the outlets (the timers'
    tests sweep every ticket of the database)."""
    filed = select(Ticket.ticket_no).where(Ticket.county == OWN_COUNTY).scalar_subquery()
    async with db.transaction() as s:
        for model in (TicketEvent, DispatchDecision, Notification, TicketPlace):
            await s.execute(delete(model).where(model.ticket_no.in_(filed)))
        await s.execute(delete(OutboxEvent).where(OutboxEvent.aggregate_id.in_(filed)))
        await s.execute(delete(Ticket).where(Ticket.county == OWN_COUNTY))
        await s.execute(delete(Outlet).where(Outlet.outlet_id.in_(list(outlet_ids))))


async def _numbers(db) -> TicketNumbers:
    """This process's numbers, with a block taken already (a report that takes one begins its transaction)."""
    numbers = TicketNumbers()
    async with db.transaction() as s:
        await numbers.next(s, OWN_COUNTY, utcnow())
    return numbers


async def test_a_report_in_its_own_transaction_takes_one_slot_and_writes_its_rows(
    repair_db, tmp_path, monkeypatch
):
    ids = await _own_outlets(repair_db, near={"north_km": 0.3, "capacity": 2})
    if not repair_db.sqlite:  # the slot is taken by the statement that writes the report, not on its own

        async def not_alone(*args, **kwargs):
            raise AssertionError("the slot was taken on its own")

        monkeypatch.setattr(tickets, "take_capacity", not_alone)
    try:
        ctx, reporter = context(tmp_path, db=repair_db, numbers=await _numbers(repair_db)), citizen()
        answer = await file_in_own_transaction(
            db=repair_db, ctx=ctx, principal=reporter, ticket_in=report(county=OWN_COUNTY)
        )
        assert answer.read().assignee is not None and answer.read().assignee.outlet_id == ids["near"]
        assert await _open_tickets(repair_db, ids["near"]) == 1
        async with repair_db.reader() as s:
            read_back = await service.get_ticket_for(
                session=s, principal=reporter, ticket_no=answer.ticket_no
            )
            events = await _events(s, answer.ticket_no)
        assert answer.read().model_dump() == read_back.model_dump()
        assert [kind for kind, _ in events] == ["repair.ticket.dispatched", "repair.ticket.created"]
    finally:
        await _forget(repair_db, ids.values())


async def test_an_outlet_that_fills_up_before_the_rows_are_written_leaves_no_trace(
    repair_db, tmp_path, monkeypatch
):
    """PostgreSQL: the slot is taken by the statement that writes the report. When the chosen outlet filled up
    after the dispatch read it, that statement writes nothing, and the report is filed again: to the next outlet."""
    if repair_db.sqlite:
        pytest.skip("SQLite takes the slot in the report's transaction, which holds the only writer's turn")
    ids = await _own_outlets(
        repair_db, near={"north_km": 0.3, "capacity": 1}, next={"north_km": 3, "capacity": 5}
    )
    filings = 0
    place_ticket = tickets.place_ticket

    async def filled_meanwhile(session, ticket, **kwargs):
        nonlocal filings
        filings += 1
        if filings == 1:  # another report takes the near outlet's last slot first
            async with repair_db.autonomous() as conn:
                await conn.execute(
                    update(Outlet).where(Outlet.outlet_id == ids["near"]).values(open_tickets=Outlet.capacity)
                )
        return await place_ticket(session, ticket, **kwargs)

    monkeypatch.setattr(tickets, "place_ticket", filled_meanwhile)
    try:
        ctx, reporter = context(tmp_path, db=repair_db, numbers=await _numbers(repair_db)), citizen()
        answer = await file_in_own_transaction(
            db=repair_db, ctx=ctx, principal=reporter, ticket_in=report(county=OWN_COUNTY)
        )
        assert filings == 2
        assert answer.read().assignee is not None and answer.read().assignee.outlet_id == ids["next"]
        assert (await _open_tickets(repair_db, ids["near"]), await _open_tickets(repair_db, ids["next"])) == (
            1,
            1,
        )
        async with repair_db.reader() as s:
            filed = (
                await s.scalars(select(Ticket.ticket_no).where(Ticket.reporter_id == reporter.sub))
            ).all()
            decisions = (
                await s.scalars(
                    select(DispatchDecision.chosen_outlet_id).where(DispatchDecision.ticket_no.in_(filed))
                )
            ).all()
        assert filed == [answer.ticket_no] and decisions == [ids["next"]]  # nothing of the first attempt
    finally:
        await _forget(repair_db, ids.values())
