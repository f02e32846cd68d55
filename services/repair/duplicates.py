"""Duplicates at intake (同一故障): before filing, the open tickets of the same category within 200 m reported in the
last N days (7 by default) are offered as "same fault?"; joining one links the person to that ticket instead of
filing a new one, and they are told of its progress like its reporter.

The telling is a flush hook: every notice written for a ticket's reporter is copied to the people who joined it, and
the events that carry a notice name them for the gateway's SMS (so no rule that moves a ticket has to know them).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from services.kernel.auth import Principal, in_region, require_signed_in
from services.kernel.db import utcnow
from services.kernel.errors import FieldError, Forbidden, InvalidInput, NotFound, WrongState
from services.repair.common import RepairContext, get_county, rfc3339
from services.repair.county_qr import read_qr
from services.repair.dispatch import great_circle_km
from services.repair.grassroots_models import TicketWatcher
from services.repair.grassroots_schemas import DUPLICATE_DAYS, DUPLICATE_RADIUS_M, JoinIn
from services.repair.models import Notification, OutboxEvent, Ticket
from services.repair.schemas import OPEN_STATUSES, Category

MAX_DAYS = 30
OFFERED = 10


@dataclass(frozen=True, slots=True)
class Duplicate:
    ticket_no: str
    status: str
    category: str
    distance_m: int
    reported_at: str
    joined: int


@dataclass(frozen=True, slots=True)
class Joined:
    ticket_no: str
    status: str
    joined_at: str
    distance_m: int
    already: bool


def _reporter(principal: Principal) -> tuple[str, str | None]:
    """(the person, the agent acting for them) of a report or a join: citizens and delegated agents."""
    require_signed_in(principal)
    if principal.actor is None and principal.kind != "citizen":
        raise Forbidden("居民本人或经居民授权的代办员才能报告同一故障", code="role_required")
    return principal.sub, principal.actor


async def find_duplicates(
    *,
    session: AsyncSession,
    ctx: RepairContext,
    principal: Principal,
    qr: str,
    county: str,
    category: Category,
    lat: float,
    lng: float,
    days: int,
) -> tuple[list[Duplicate], int]:
    """Open tickets of the category within 200 m of the point, reported in the last `days` days, nearest first
    (no personal data: the number, state, distance, time and how many already joined)."""
    require_signed_in(principal)
    if qr:
        county, _ = await read_qr(session=session, ctx=ctx, qr=qr)
    if not county:
        raise InvalidInput(
            "请给出扫描的二维码或县区", code="county_required", fields=[FieldError("county", "必填")]
        )
    get_county(county)
    days = days or DUPLICATE_DAYS
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(
            f"天数应在1到{MAX_DAYS}之间", code="invalid_days", fields=[FieldError("days", f"1 到 {MAX_DAYS}")]
        )
    since = utcnow() - dt.timedelta(days=days)
    dlat = DUPLICATE_RADIUS_M / 111_320
    dlng = DUPLICATE_RADIUS_M / (111_320 * max(0.1, math.cos(math.radians(lat))))
    tickets = (
        await session.scalars(
            select(Ticket).where(
                Ticket.county == county,
                Ticket.category == category.value,
                Ticket.status.in_([s.value for s in OPEN_STATUSES]),
                Ticket.created_at >= since,
                Ticket.lat.between(lat - dlat, lat + dlat),
                Ticket.lng.between(lng - dlng, lng + dlng),
            )
        )
    ).all()
    near = sorted(
        (round(great_circle_km(lat, lng, t.lat or 0.0, t.lng or 0.0) * 1000), t.ticket_no, t) for t in tickets
    )
    near = [n for n in near if n[0] <= DUPLICATE_RADIUS_M][:OFFERED]
    counts = dict(
        (
            await session.execute(
                select(TicketWatcher.ticket_no, func.count())
                .where(TicketWatcher.ticket_no.in_([n[1] for n in near]))
                .group_by(TicketWatcher.ticket_no)
            )
        ).all()
    )
    return [
        Duplicate(
            t.ticket_no, t.status, t.category, d, rfc3339(t.created_at) or "", counts.get(t.ticket_no, 0)
        )
        for d, _, t in near
    ], days


async def join_ticket(*, session: AsyncSession, principal: Principal, ticket_no: str, join: JoinIn) -> Joined:
    """Join an open ticket as the same fault: no new ticket; the person is told of its progress from now on."""
    person, agent = _reporter(principal)
    ticket = await session.get(Ticket, ticket_no)
    if ticket is None:
        raise NotFound(f"no ticket {ticket_no}", code="unknown_ticket")
    if agent is not None and not in_region(principal, ticket.county):
        raise Forbidden("该报修单不在您代办的区域内", code="region_forbidden")
    if ticket.status not in {s.value for s in OPEN_STATUSES}:
        raise WrongState("这张报修单已修复或已结束，请新报修", code=f"ticket_{ticket.status}")
    if ticket.lat is None or ticket.lng is None:
        raise InvalidInput("这张报修单没有位置，无法确认是同一故障", code="not_a_duplicate")
    distance = round(great_circle_km(join.lat, join.lng, ticket.lat, ticket.lng) * 1000)
    if distance > DUPLICATE_RADIUS_M:
        raise InvalidInput(
            f"您的位置离这张报修单有{distance}米，超过{DUPLICATE_RADIUS_M}米，请单独报修",
            code="not_a_duplicate",
            fields=[FieldError("lat", f"超过{DUPLICATE_RADIUS_M}米")],
        )
    if person == ticket.reporter_id:
        raise WrongState("这是您自己报修的单子", code="own_ticket")
    seen = await session.get(TicketWatcher, (ticket_no, person))
    if seen is not None:
        return Joined(ticket_no, ticket.status, rfc3339(seen.joined_at) or "", distance, already=True)
    now = utcnow()
    session.add(
        TicketWatcher(
            ticket_no=ticket_no, person_id=person, agent_id=agent, lat=join.lat, lng=join.lng, joined_at=now
        )
    )
    session.add(
        Notification(
            recipient=person,
            ticket_no=ticket_no,
            kind="joined",
            text=f"您报告的故障与报修单{ticket_no}是同一故障，已合并处理；维修进展会通知您。",
            created_at=now,
        )
    )
    await session.flush()
    return Joined(ticket_no, ticket.status, rfc3339(now) or "", distance, already=False)


@event.listens_for(Session, "before_flush")
def _tell_watchers(session: Session, flush_context: Any, instances: Any) -> None:
    """Tell the people who joined a ticket what its reporter is told: a copy of every new notice to the reporter,
    and their accounts added to the SMS recipients (`notify_account_ids`) of every new event carrying a notice."""
    notices = [
        n
        for n in session.new
        if isinstance(n, Notification) and not n.recipient.startswith("region:") and n.kind != "joined"
    ]
    events = [e for e in session.new if isinstance(e, OutboxEvent) and '"notice"' in e.payload]
    filed_now = {t.ticket_no for t in session.new if isinstance(t, Ticket)}  # nobody has joined them yet
    ticket_nos = ({n.ticket_no for n in notices} | {e.aggregate_id for e in events}) - filed_now
    if not ticket_nos:
        return
    with session.no_autoflush:
        watchers: dict[str, list[str]] = {}
        for ticket_no, person in session.execute(
            select(TicketWatcher.ticket_no, TicketWatcher.person_id)
            .where(TicketWatcher.ticket_no.in_(ticket_nos))
            .order_by(TicketWatcher.joined_at)
        ).all():
            watchers.setdefault(ticket_no, []).append(person)
        if not watchers:
            return
        # in the identity map: the rule that wrote the notice loaded the ticket
        tickets = {no: session.get(Ticket, no) for no in watchers}
    for notice in notices:
        ticket = tickets.get(notice.ticket_no)
        if ticket is None or notice.recipient != ticket.reporter_id:
            continue
        for person in watchers[notice.ticket_no]:
            session.add(
                Notification(
                    recipient=person,
                    ticket_no=notice.ticket_no,
                    kind=notice.kind,
                    text=notice.text,
                    created_at=notice.created_at,
                )
            )
    for outbox_event in events:
        if outbox_event.aggregate_id not in watchers:
            continue
        payload = json.loads(outbox_event.payload)
        named = payload.get("notify_account_ids") or [payload.get("reporter_id"), payload.get("agent_id")]
        payload["notify_account_ids"] = [a for a in named if a] + watchers[outbox_event.aggregate_id]
        outbox_event.payload = json.dumps(payload, ensure_ascii=False)
