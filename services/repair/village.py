"""Village service points (村组代办点) and their agents (村组代办员): the reports of their village come to them for
回访 (a follow-up visit after the repair), they record the visit, and they guide the resident to rate the repair
(the resident rates in their own name; `ticket_actions.rate_ticket` refuses an agent without the resident's consent).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.auth import Principal, require_roles
from services.kernel.db import utcnow
from services.kernel.errors import Forbidden, NotFound
from services.repair.common import RepairContext, rfc3339
from services.repair.grassroots_models import FollowUpVisit, TicketPlace
from services.repair.grassroots_schemas import VisitIn
from services.repair.models import Notification, ServicePoint, Ticket
from services.repair.schemas import FollowUpIn, PointLevel, TicketStatus
from services.repair.ticket_actions import follow_up_ticket

VISIBLE = (TicketStatus.RESOLVED.value, TicketStatus.CLOSED.value)
LIST_LIMIT = 200


@dataclass(frozen=True, slots=True)
class VisitTicket:
    ticket_no: str
    point_id: str
    point_name: str
    status: str
    category: str
    contact_name: str
    contact_phone: str
    address: str
    resolved_at: str
    rated: bool


@dataclass(frozen=True, slots=True)
class VisitRecord:
    ticket_no: str
    point_id: str
    at: str
    reached: bool
    restored: bool
    note: str
    status: str
    rating_invited: bool


async def agents_village_points(session: AsyncSession, principal: Principal) -> dict[str, ServicePoint]:
    """The village points this agent serves (their account is among the point's agents), inside their region."""
    require_roles(principal, "village_agent")
    region = str(principal.region or "")
    if not region:
        return {}
    points = (
        await session.scalars(
            select(ServicePoint).where(
                ServicePoint.level == PointLevel.VILLAGE.value, ServicePoint.county.startswith(region[:6])
            )
        )
    ).all()
    return {p.point_id: p for p in points if principal.sub in (p.agent_ids or [])}


async def list_visits(*, session: AsyncSession, principal: Principal, done: bool) -> list[VisitTicket]:
    """The agent's village tickets: repaired and waiting for 回访 (`done` false), or already closed (`done` true)."""
    points = await agents_village_points(session, principal)
    if not points:
        return []
    status = TicketStatus.CLOSED.value if done else TicketStatus.RESOLVED.value
    rows = (
        await session.execute(
            select(Ticket, TicketPlace.village_point_id)
            .join(TicketPlace, TicketPlace.ticket_no == Ticket.ticket_no)
            .where(TicketPlace.village_point_id.in_(list(points)), Ticket.status == status)
            .order_by(Ticket.resolved_at.desc())
            .limit(LIST_LIMIT)
        )
    ).all()
    return [
        VisitTicket(
            ticket_no=t.ticket_no,
            point_id=point_id or "",
            point_name=points[point_id or ""].name,
            status=t.status,
            category=t.category,
            contact_name=t.contact_name,
            contact_phone=t.contact_phone,
            address=t.address,
            resolved_at=rfc3339(t.resolved_at) or "",
            rated=t.rating_level is not None,
        )
        for t, point_id in rows
    ]


async def record_visit(
    *, session: AsyncSession, ctx: RepairContext, principal: Principal, ticket_no: str, visit: VisitIn
) -> VisitRecord:
    """回访: the agent of the ticket's village records the visit (restored closes it; not restored sends it back to
    the outlet, by the ticket's own rules). A restored, unrated repair: the resident is asked to rate it themself."""
    points = await agents_village_points(session, principal)
    place = await session.get(TicketPlace, ticket_no)
    if await session.get(Ticket, ticket_no) is None:
        raise NotFound(f"no ticket {ticket_no}", code="unknown_ticket")
    if place is None or place.village_point_id not in points:
        raise Forbidden("该报修单不属于您代办的村组服务点，不能由您回访", code="not_your_village")
    read = await follow_up_ticket(
        session=session,
        ctx=ctx,
        principal=principal,
        ticket_no=ticket_no,
        follow_up=FollowUpIn(reached=visit.reached, restored=visit.restored, note=visit.note),
    )
    now = utcnow()
    session.add(
        FollowUpVisit(
            ticket_no=ticket_no,
            point_id=place.village_point_id,
            agent_id=principal.sub,
            reached=visit.reached,
            restored=visit.restored,
            note=visit.note,
            at=now,
        )
    )
    invited = read.status == TicketStatus.CLOSED and read.rating is None
    if invited:
        ticket = await session.get(Ticket, ticket_no)
        assert ticket is not None
        session.add(
            Notification(
                recipient=ticket.reporter_id,
                ticket_no=ticket_no,
                kind="rate_invitation",
                text=f"报修单{ticket_no}已回访确认修复。请您本人在办事通中对这次维修作出评价（非常满意至非常不满意）。",
                created_at=now,
            )
        )
    await session.flush()
    return VisitRecord(
        ticket_no=ticket_no,
        point_id=place.village_point_id or "",
        at=rfc3339(now) or "",
        reached=visit.reached,
        restored=visit.restored,
        note=visit.note,
        status=read.status.value if hasattr(read.status, "value") else str(read.status),
        rating_invited=invited,
    )
