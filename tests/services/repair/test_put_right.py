"""The put-right rules: an unserved category is taken (queue or the county's operator), the 24-hour share and the
hours to restore count what they should, and the acceptance timeout follows the ticket's service circle."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from services.kernel.auth import Principal
from services.kernel.db import utcnow
from services.kernel.errors import Forbidden
from services.repair.circles import (
    DEFAULT_TOWNSHIP_ACCEPT_MINUTES,
    DEFAULT_VILLAGE_ACCEPT_MINUTES,
    set_response_settings,
)
from services.repair.models import DispatchDecision, Notification, OutboxEvent, ServicePoint, Ticket
from services.repair.statistics import get_stats
from services.repair.timers import sweep
from tests.services.repair.factories import COUNTY, LAT, LNG, citizen, context, file, outlet

ADMIN = Principal(sub="wuhua-admin", kind="staff", roles=frozenset({"county_admin"}), region=COUNTY)


async def events(session, ticket_no: str, event_type: str) -> list[dict[str, object]]:
    rows = (
        await session.scalars(
            select(OutboxEvent).where(
                OutboxEvent.aggregate_id == ticket_no, OutboxEvent.event_type == event_type
            )
        )
    ).all()
    return [json.loads(row.payload) for row in rows]


# -- 1. a category no outlet serves --------------------------------------------------------------------------------


async def test_an_unserved_category_waits_on_the_county_queue_with_the_county_alerted(session, tmp_path):
    await outlet(session, north_km=0.3, categories=("satellite",))  # serves something else only
    ticket = await file(session, context(tmp_path), citizen(), category="transmitter")
    assert ticket.status == "pending_dispatch" and ticket.assignee is None
    alerts = (
        await session.scalars(
            select(Notification.recipient).where(
                Notification.ticket_no == ticket.ticket_no, Notification.kind == "unserved"
            )
        )
    ).all()
    assert sorted(alerts) == [f"region:{COUNTY[:4]}", f"region:{COUNTY}"]
    [event] = await events(session, ticket.ticket_no, "repair.ticket.unserved")
    assert event["escalate_to_region"] == COUNTY and "待派单队列" in str(event["escalate_notice"])
    reasons = (
        await session.scalars(
            select(DispatchDecision.reason).where(DispatchDecision.ticket_no == ticket.ticket_no)
        )
    ).all()
    assert reasons == ["unserved"]


async def test_an_unserved_non_basic_category_goes_to_the_countys_operator(session, tmp_path):
    operator = await outlet(session, north_km=1, kind="operator", categories=("iptv",))
    await outlet(session, north_km=0.1, categories=("satellite",))  # a market outlet is never the operator
    ticket = await file(session, context(tmp_path), citizen(), category="cable")
    assert ticket.status == "dispatched" and ticket.assignee is not None
    assert ticket.assignee.outlet_id == operator
    assert any(e.action == "dispatched" and "(operator)" in e.note for e in ticket.timeline)
    [event] = await events(session, ticket.ticket_no, "repair.ticket.unserved")
    assert "督促运营商" in str(event["escalate_notice"])


async def test_a_basic_category_is_never_sent_to_an_operator_that_does_not_serve_it(session, tmp_path):
    await outlet(session, north_km=1, kind="operator", categories=("cable",))
    ticket = await file(session, context(tmp_path), citizen(), category="dtmb")
    assert ticket.status == "pending_dispatch"


# -- 2. the 24-hour share and the hours to restore ---------------------------------------------------------------


async def test_restoration_is_counted_when_confirmed_and_overdue_open_tickets_count_against_the_share(
    session, tmp_path
):
    await outlet(session, north_km=0.3, capacity=100)
    ctx, now = context(tmp_path), utcnow()
    quick, late, waiting, fresh = [await file(session, ctx, citizen()) for _ in range(4)]
    rows = {t.ticket_no: await session.get(Ticket, t.ticket_no) for t in (quick, late, waiting, fresh)}
    fast = rows[quick.ticket_no]  # repaired in 17 seconds and confirmed by the follow-up
    fast.status, fast.created_at = "closed", now - dt.timedelta(seconds=17)
    fast.resolved_at = fast.restored_at = fast.closed_at = now
    overdue = rows[late.ticket_no]  # still not repaired 30 hours on
    overdue.created_at, overdue.due_at = now - dt.timedelta(hours=30), now - dt.timedelta(hours=6)
    pending = rows[waiting.ticket_no]  # repaired in time, follow-up not yet done: not judged yet
    pending.status, pending.created_at = "resolved", now - dt.timedelta(hours=25)
    pending.due_at, pending.resolved_at = now - dt.timedelta(hours=1), now - dt.timedelta(hours=20)
    await session.flush()
    stats = await get_stats(session=session, principal=ADMIN, region=COUNTY)
    assert stats["restored_tickets"] == 1 and stats["unrestored_overdue"] == 1
    assert stats["restored_within_24h_share"] == 0.5
    assert stats["mean_hours_to_restore"] == pytest.approx(17 / 3600, abs=1e-4)
    assert stats["mean_hours_to_restore"] > 0


# -- 3. circles measured on arrival, acceptance timeouts by circle -------------------------------------------------


async def village_point(session) -> None:
    session.add(
        ServicePoint(
            point_id=f"VP-{COUNTY}", county=COUNTY, name="村组代办点", level="village", lat=LAT, lng=LNG
        )
    )
    await session.flush()


async def test_the_circle_share_is_measured_on_arrival(session, tmp_path):
    await outlet(session, north_km=0.3, capacity=100)
    ctx, now = context(tmp_path), utcnow()
    on_time, never = [await file(session, ctx, citizen(), lat=LAT + 0.2, lng=LNG) for _ in range(2)]
    accepted_late = await file(session, ctx, citizen(), lat=LAT + 0.2, lng=LNG)
    first, second, third = [await session.get(Ticket, t.ticket_no) for t in (on_time, never, accepted_late)]
    assert first.response_target_hours == 3.0
    first.created_at, first.accepted_at = now - dt.timedelta(hours=4), now - dt.timedelta(hours=3, minutes=50)
    first.arrived_at = now - dt.timedelta(hours=2)  # two hours after the report: within three
    second.created_at = now - dt.timedelta(hours=5)  # accepted at once, never on site
    second.accepted_at = now - dt.timedelta(hours=5)
    third.created_at = now - dt.timedelta(minutes=30)  # the circle's time has not passed: not judged yet
    await session.flush()
    stats = await get_stats(session=session, principal=ADMIN, region=COUNTY)
    assert stats["response_circle_tickets"] == 2 and stats["response_circle_share"] == 0.5


async def test_the_acceptance_timeout_follows_the_circle_and_the_countys_settings(session, tmp_path):
    first = await outlet(session, north_km=0.3, capacity=100)
    await outlet(session, north_km=3, capacity=100)
    await village_point(session)
    ctx = context(tmp_path, accept_minutes=120)
    village = await file(session, ctx, citizen(), lat=LAT + 0.001, lng=LNG)
    township = await file(session, ctx, citizen(), lat=LAT + 0.2, lng=LNG)
    rows = {t.ticket_no: await session.get(Ticket, t.ticket_no) for t in (village, township)}
    assert rows[village.ticket_no].response_target_hours == 1.0
    assert rows[township.ticket_no].response_target_hours == 3.0
    start = utcnow()
    await sweep(
        session=session, ctx=ctx, now=start + dt.timedelta(minutes=DEFAULT_VILLAGE_ACCEPT_MINUTES + 1)
    )
    for row in rows.values():
        await session.refresh(row)
    assert rows[village.ticket_no].excluded_outlets == [first]  # moved on after the village circle's limit
    assert rows[township.ticket_no].excluded_outlets == []  # the township circle has longer
    await sweep(
        session=session, ctx=ctx, now=start + dt.timedelta(minutes=DEFAULT_TOWNSHIP_ACCEPT_MINUTES + 1)
    )
    await session.refresh(rows[township.ticket_no])
    assert rows[township.ticket_no].excluded_outlets != []

    settings = await set_response_settings(
        session=session, principal=ADMIN, county=COUNTY, village=40, township=90
    )
    assert settings.customised and settings.village_accept_minutes == 40
    later = await file(session, ctx, citizen(), lat=LAT + 0.001, lng=LNG)
    row = await session.get(Ticket, later.ticket_no)
    assert row.accept_due_at is not None and row.dispatched_at is not None
    assert row.accept_due_at - row.dispatched_at == dt.timedelta(minutes=40)


async def test_only_the_countys_staff_set_its_circle_timeouts(session):
    other = Principal(sub="x", kind="staff", roles=frozenset({"county_admin"}), region="530128")
    with pytest.raises(Forbidden):
        await set_response_settings(session=session, principal=other, county=COUNTY, village=10, township=20)
    with pytest.raises(Forbidden):
        await set_response_settings(
            session=session, principal=citizen(), county=COUNTY, village=10, township=20
        )
