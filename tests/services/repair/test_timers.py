"""The timers: a ticket not accepted in time moves on; a ticket past its 24 hours is flagged and escalated."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from services.kernel.db import utcnow
from services.repair import service
from services.repair.models import DispatchDecision, Notification, Outlet, Ticket
from services.repair.timers import sweep
from tests.services.repair.factories import COUNTY, citizen, context, file, outlet


async def test_not_accepted_in_time_goes_to_the_next_outlet_and_alerts_the_county(session, tmp_path):
    first = await outlet(session, north_km=0.3)
    second = await outlet(session, north_km=2)
    reporter, ctx = citizen(), context(tmp_path)
    ticket = await file(session, ctx, reporter)
    assert ticket.assignee.outlet_id == first
    done = await sweep(session=session, ctx=ctx, now=utcnow() + dt.timedelta(minutes=121))
    assert done["accept_timeout"] == 1
    moved = await session.get(Ticket, ticket.ticket_no, populate_existing=True)
    reasons = (
        await session.scalars(
            select(DispatchDecision.reason)
            .where(DispatchDecision.ticket_no == ticket.ticket_no)
            .order_by(DispatchDecision.id)
        )
    ).all()
    alerts = (
        await session.scalars(
            select(Notification.recipient).where(
                Notification.ticket_no == ticket.ticket_no, Notification.kind == "accept_timeout"
            )
        )
    ).all()
    first_outlet = await session.get(Outlet, first, populate_existing=True)
    assert moved.assignee_outlet_id == second and moved.excluded_outlets == [first]
    assert reasons == ["report", "accept_timeout"]
    assert f"region:{COUNTY}" in alerts and reporter.sub in alerts
    assert first_outlet.open_tickets == 0  # its slot was given back


async def test_past_due_is_flagged_once_and_escalated_to_county_and_prefecture(session, tmp_path):
    await outlet(session, north_km=0.3, capacity=100)
    ctx = context(tmp_path, accept_minutes=10_000)
    ticket = await file(session, ctx, citizen())
    later = utcnow() + dt.timedelta(hours=25)
    for _ in range(2):
        await sweep(session=session, ctx=ctx, now=later)
    flagged = await session.get(Ticket, ticket.ticket_no, populate_existing=True)
    escalations = (
        await session.scalars(
            select(Notification.recipient).where(
                Notification.ticket_no == ticket.ticket_no, Notification.kind == "overdue"
            )
        )
    ).all()
    assert flagged.overdue is True
    assert sorted(r for r in escalations if r.startswith("region:")) == [
        f"region:{COUNTY[:4]}",
        f"region:{COUNTY}",
    ]


async def test_a_queued_ticket_is_dispatched_once_an_outlet_has_room(session, tmp_path):
    full = await outlet(session, north_km=0.3, capacity=1, open_tickets=1)
    ctx = context(tmp_path)
    ticket = await file(session, ctx, citizen())
    assert ticket.status == "pending_dispatch"
    full_outlet = await session.get(Outlet, full)
    full_outlet.capacity = 2
    await session.flush()
    done = await service.sweep(session=session, ctx=ctx)
    assert done["queue"] == 1
    assert (await session.get(Ticket, ticket.ticket_no, populate_existing=True)).assignee_outlet_id == full
