"""A report of a category no outlet of its county serves is TAKEN, never refused: it waits `pending_dispatch` on the
county's queue and the county's staff are alerted (in the app and by SMS to the county's administrators). For a
non-basic category (cable, iptv, ott) the county's operator is urged to handle it (八(二) 督促相关运营商办理): the
nearest active operator outlet of the county with room is assigned. Staff may then dispatch a queued ticket by hand
(`ticket_steps.dispatch_by_hand`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import raiseload

from services.kernel.db import Database, utcnow
from services.repair.circles import set_accept_due
from services.repair.common import (
    RepairContext,
    add_timeline,
    get_county,
    notify,
    publish,
    transition,
)
from services.repair.dispatch import great_circle_km, take_capacity
from services.repair.models import DispatchDecision, Notification, Outlet, Ticket
from services.repair.schemas import NON_BASIC, Category, OutletKind, TicketStatus

CATEGORY_NAMES = {
    "satellite": "直播卫星",
    "dtmb": "地面数字电视",
    "transmitter": "发射转播台",
    "emergency_broadcast": "应急广播终端",
    "cable": "有线电视",
    "iptv": "IPTV",
    "ott": "互联网电视（OTT）",
}


def origin_of(ticket: Ticket) -> tuple[float, float, str]:
    if ticket.lat is not None and ticket.lng is not None:
        return ticket.lat, ticket.lng, "report"
    centre = get_county(ticket.county)
    return centre.lat, centre.lng, "county_centre"


async def county_operator(
    session: AsyncSession, ticket: Ticket, *, db: Database | None = None
) -> tuple[Outlet, float] | None:
    """The county's operator to urge for a non-basic category: its nearest active operator outlet with room,
    its capacity taken; None for basic service and public facilities, or when the county has none."""
    if Category(ticket.category) not in NON_BASIC:
        return None
    lat, lng, _ = origin_of(ticket)
    outlets = (
        await session.scalars(
            select(Outlet)
            .options(raiseload(Outlet.categories))
            .where(
                Outlet.county == ticket.county,
                Outlet.kind == OutletKind.OPERATOR.value,
                Outlet.active.is_(True),
                Outlet.open_tickets < Outlet.capacity,
            )
        )
    ).all()
    for outlet in sorted(outlets, key=lambda o: (great_circle_km(lat, lng, o.lat, o.lng), o.open_tickets)):
        if await take_capacity(session, outlet.outlet_id, db=db):
            return outlet, great_circle_km(lat, lng, outlet.lat, outlet.lng)
    return None


async def assign(
    session: AsyncSession,
    ctx: RepairContext,
    ticket: Ticket,
    outlet: Outlet,
    distance_km: float,
    *,
    reason: str,
    actor: str,
    note: str = "",
) -> None:
    """Assign a queued ticket to an outlet whose capacity the caller has taken, recording the decision."""
    lat, lng, origin = origin_of(ticket)
    transition(ticket, "dispatch", TicketStatus.DISPATCHED)
    ticket.assignee_outlet_id = outlet.outlet_id
    ticket.assignee_distance_km = round(distance_km, 3)
    ticket.dispatched_at = utcnow()
    await set_accept_due(session, ctx, ticket)
    session.add(
        DispatchDecision(
            ticket_no=ticket.ticket_no,
            at=ticket.dispatched_at,
            reason=reason,
            chosen_outlet_id=outlet.outlet_id,
            origin=origin,
            origin_lat=lat,
            origin_lng=lng,
            candidates=[
                {
                    "outlet_id": outlet.outlet_id,
                    "name": outlet.name,
                    "distance_km": ticket.assignee_distance_km,
                    "open_tickets": outlet.open_tickets,
                    "capacity": outlet.capacity,
                    "verdict": "chosen",
                }
            ],
        )
    )
    add_timeline(
        session,
        ticket,
        "dispatched",
        actor,
        f"{outlet.name}, {ticket.assignee_distance_km} km ({reason}){f'. {note}' if note else ''}",
    )
    notify(
        session,
        ticket,
        "dispatched",
        f"报修单{ticket.ticket_no}已派给{outlet.name}（电话{outlet.phone}），请保持电话畅通。",
    )
    publish(session, ctx, ticket, "repair.ticket.dispatched", reason=reason)


async def take_unserved(*, session: AsyncSession, ctx: RepairContext, ticket: Ticket) -> None:
    """File a report of a category no outlet of its county serves: the county is alerted; the county's operator
    is assigned for a non-basic category, otherwise the ticket waits on the county's queue for staff."""
    county = get_county(ticket.county).name
    what = CATEGORY_NAMES.get(ticket.category, ticket.category)
    alert = (
        f"{county}暂无承担“{what}”维修的网点，报修单{ticket.ticket_no}已进入县级待派单队列，请尽快安排处理。"
    )
    operator = await county_operator(session, ticket, db=ctx.db)
    if operator is not None:
        outlet, distance = operator
        alert = f"{county}暂无承担“{what}”维修的网点，报修单{ticket.ticket_no}已督促运营商{outlet.name}办理，请跟进。"
        await assign(session, ctx, ticket, outlet, distance, reason="operator", actor="system")
    else:
        lat, lng, origin = origin_of(ticket)
        session.add(
            DispatchDecision(
                ticket_no=ticket.ticket_no,
                at=utcnow(),
                reason="unserved",
                chosen_outlet_id=None,
                origin=origin,
                origin_lat=lat,
                origin_lng=lng,
                candidates=[],
            )
        )
        add_timeline(session, ticket, "queued", "system", f"no outlet of the county serves {ticket.category}")
        notify(session, ticket, "queued", f"报修单{ticket.ticket_no}已受理，县广电部门正在为您安排维修。")
    notify_staff(session, ticket, "unserved", alert)
    publish(
        session,
        ctx,
        ticket,
        "repair.ticket.unserved",
        escalate_notice=alert,
        escalate_to_region=ticket.county,
    )


def notify_staff(session: AsyncSession, ticket: Ticket, kind: str, text: str) -> None:
    """A notice to the county's and the prefecture's staff only (not the reporter)."""
    for recipient in (f"region:{ticket.county}", f"region:{ticket.county[:4]}"):
        session.add(
            Notification(
                recipient=recipient, ticket_no=ticket.ticket_no, kind=kind, text=text, created_at=utcnow()
            )
        )
