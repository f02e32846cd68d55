"""Timers: acceptance timeout, overdue escalation and the county queue."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.background import reraise_if_cancelling
from services.kernel.db import utcnow
from services.kernel.rpc import Runtime
from services.repair.common import (
    RESTORE_HOURS,
    RepairContext,
    add_timeline,
    get_county,
    make_context,
    notify,
    publish,
)
from services.repair.dispatch import (
    nearest_qualifying_outlet,
    search_point,
)
from services.repair.models import (
    Ticket,
)
from services.repair.schemas import (
    OPEN_STATUSES,
    Category,
    TicketStatus,
)
from services.repair.ticket_actions import hand_back
from services.repair.tickets import dispatch

log = logging.getLogger("bst.repair")


async def sweep(
    *, session: AsyncSession, ctx: RepairContext, now: dt.datetime | None = None
) -> dict[str, int]:
    """One pass of the timers. Re-dispatches tickets not accepted in time (alerting the county), flags and
    escalates tickets past due, and retries the county queues. Safe to run on several replicas at once."""
    now = now or utcnow()
    done = {"accept_timeout": 0, "overdue": 0, "queue": 0}
    legacy_cutoff = now - dt.timedelta(minutes=ctx.accept_minutes)
    stale = (
        await session.scalars(
            select(Ticket)
            .where(
                Ticket.status == TicketStatus.DISPATCHED,
                or_(
                    Ticket.accept_due_at < now,
                    # dispatched before the deadlines were kept on the ticket: the service-wide timeout
                    and_(Ticket.accept_due_at.is_(None), Ticket.dispatched_at < legacy_cutoff),
                ),
            )
            .order_by(Ticket.accept_due_at)
            .limit(100)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for ticket in stale:
        waited = ctx.accept_minutes
        if ticket.accept_due_at is not None and ticket.dispatched_at is not None:
            waited = round((ticket.accept_due_at - ticket.dispatched_at).total_seconds() / 60)
        await hand_back(session, ticket, "system", "accept_timeout", f"not accepted within {waited} minutes")
        notify(
            session,
            ticket,
            "accept_timeout",
            f"报修单{ticket.ticket_no}超过{waited}分钟未接单，已改派。",
            staff=True,
        )
        await dispatch(session=session, ctx=ctx, ticket=ticket, reason="accept_timeout")
        done["accept_timeout"] += 1
    late = (
        await session.scalars(
            select(Ticket)
            .where(
                Ticket.status.in_([s.value for s in OPEN_STATUSES]),
                Ticket.due_at < now,
                Ticket.overdue.is_(False),
            )
            .limit(100)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for ticket in late:
        ticket.overdue = True
        add_timeline(
            session, ticket, "overdue", "system", f"not restored within {RESTORE_HOURS} hours; escalated"
        )
        notify(
            session,
            ticket,
            "overdue",
            f"报修单{ticket.ticket_no}已超过24小时未修复，已升级督办。",
            staff=True,
        )
        publish(session, ctx, ticket, "repair.ticket.overdue")
        done["overdue"] += 1
    queued = (
        await session.scalars(
            select(Ticket)
            .where(Ticket.status == TicketStatus.PENDING_DISPATCH)
            .order_by(Ticket.created_at)
            .limit(100)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for ticket in queued:
        done["queue"] += int(await _try_queue(session, ctx, ticket))
    return done


async def _try_queue(session: AsyncSession, ctx: RepairContext, ticket: Ticket) -> bool:
    lat, lng = search_point(get_county(ticket.county), ticket.lat, ticket.lng)
    choice = await nearest_qualifying_outlet(
        session,
        county=ticket.county,
        category=Category(ticket.category),
        lat=lat,
        lng=lng,
        excluded=set(ticket.excluded_outlets),
    )  # type: ignore[arg-type]
    if choice.outlet is None:
        return False  # still nothing free; do not record the same empty decision every pass
    await dispatch(session=session, ctx=ctx, ticket=ticket, reason="queue")
    return ticket.status == TicketStatus.DISPATCHED


async def run_timers(runtime: Runtime) -> None:
    """Acceptance timeouts, overdue escalation and the county queues, every BST_REPAIR_TIMER_SECONDS (a service
    task of the shared bootstrap)."""
    ctx = make_context(runtime)
    while True:
        await asyncio.sleep(runtime.settings.repair_timer_seconds)
        try:
            async with runtime.db.transaction() as session:
                done = await sweep(session=session, ctx=ctx)
            if any(done.values()):
                log.info("repair timers", extra=done)
                if runtime.relay is not None:
                    runtime.relay.wake()
        except Exception:  # a failed pass is retried at the next tick
            reraise_if_cancelling()
            log.exception("repair timers failed")
