"""Steps beyond the automatic flow: a technician's first contact with the resident (接单后第一时间联系用户) and
arrival on site between accepting and resolving, the moment the service circles are measured to (see
`circles.py`); and the county's dispatch by hand of a ticket waiting on its queue."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.auth import Principal, require_region, require_roles
from services.kernel.db import utcnow
from services.kernel.errors import FieldError, InvalidInput, WrongState
from services.repair.circles import within_circle
from services.repair.common import (
    ADMIN_ROLES,
    RepairContext,
    add_timeline,
    notify,
    publish,
    rfc3339,
)
from services.repair.county_queue import assign, origin_of
from services.repair.dispatch import great_circle_km, take_capacity
from services.repair.models import Outlet, Ticket
from services.repair.schemas import TicketRead, TicketStatus
from services.repair.ticket_reads import ticket_read
from services.repair.tickets import require_assignee, ticket_for_update

STATUS_NAMES = {
    "pending_dispatch": "待派单",
    "dispatched": "已派单、未接单",
    "accepted": "已接单",
    "resolved": "已修复",
    "closed": "已办结",
    "cancelled": "已撤销",
}


def _state(ticket: Ticket) -> str:
    return STATUS_NAMES.get(ticket.status, ticket.status)


async def contact_ticket(
    *, session: AsyncSession, ctx: RepairContext, principal: Principal, ticket_no: str
) -> TicketRead:
    """接单后第一时间联系用户: the assigned technician has reached the resident (once, after accepting)."""
    require_roles(principal, "outlet_technician")
    ticket = await ticket_for_update(session, ticket_no)
    require_assignee(principal, ticket)
    _require_accepted(ticket, "contacted")
    if ticket.contacted_at is not None:
        raise WrongState(f"报修单{ticket.ticket_no}已记录联系用户", code="already_contacted")
    ticket.contacted_at = utcnow()
    add_timeline(session, ticket, "contacted", principal.sub)
    publish(session, ctx, ticket, "repair.ticket.contacted", contacted_at=rfc3339(ticket.contacted_at))
    return await ticket_read(session, ticket)


async def arrive_ticket(
    *, session: AsyncSession, ctx: RepairContext, principal: Principal, ticket_no: str
) -> TicketRead:
    """The technician is on site: the moment the 1-hour and 3-hour circles are measured to."""
    require_roles(principal, "outlet_technician")
    ticket = await ticket_for_update(session, ticket_no)
    require_assignee(principal, ticket)
    _require_accepted(ticket, "arrived")
    if ticket.contacted_at is None:
        raise WrongState(
            f"请先记录与用户的联系（报修单{ticket.ticket_no}），再登记到达现场", code="not_contacted"
        )
    if ticket.arrived_at is not None:
        raise WrongState(f"报修单{ticket.ticket_no}已登记到达现场", code="already_arrived")
    ticket.arrived_at = utcnow()
    within = within_circle(ticket)
    circle = "" if within is None else ("，在服务圈时限内" if within else "，超出服务圈时限")
    add_timeline(session, ticket, "arrived", principal.sub, circle.lstrip("，"))
    notify(session, ticket, "arrived", f"维修人员已到达现场（报修单{ticket.ticket_no}）。")
    publish(session, ctx, ticket, "repair.ticket.arrived", arrived_at=rfc3339(ticket.arrived_at))
    return await ticket_read(session, ticket)


def _require_accepted(ticket: Ticket, step: str) -> None:
    if ticket.status != TicketStatus.ACCEPTED:
        what = "联系用户" if step == "contacted" else "到达现场"
        raise WrongState(
            f"报修单{ticket.ticket_no}当前{_state(ticket)}，接单后才能登记{what}",
            code=f"ticket_{ticket.status}",
        )


async def dispatch_by_hand(
    *,
    session: AsyncSession,
    ctx: RepairContext,
    principal: Principal,
    ticket_no: str,
    outlet_id: str,
    note: str = "",
) -> TicketRead:
    """County staff send a ticket waiting on the county's queue to an outlet of their choice (any active outlet
    of the ticket's county with room: the county knows who can repair what no outlet is registered for)."""
    require_roles(principal, *ADMIN_ROLES)
    ticket = await ticket_for_update(session, ticket_no)
    require_region(principal, ticket.county)
    if ticket.status != TicketStatus.PENDING_DISPATCH:
        raise WrongState(
            f"报修单{ticket.ticket_no}当前{_state(ticket)}，只有待派单的报修单才能人工派单",
            code=f"ticket_{ticket.status}",
        )
    # not locked here: take_capacity claims the slot with one guarded UPDATE (on PostgreSQL in a transaction of its
    # own, which would wait forever on a lock this transaction held)
    outlet = await session.get(Outlet, outlet_id)
    if outlet is None or outlet.county != ticket.county:
        raise InvalidInput(
            f"{outlet_id}不是本县（市、区）的维修网点",
            code="unknown_outlet",
            fields=[FieldError("outlet_id", "应为报修单所在县的维修网点")],
        )
    if not outlet.active:
        raise WrongState(f"维修网点{outlet.name}已停用，请选择其他网点", code="outlet_inactive")
    if not await take_capacity(session, outlet.outlet_id, db=ctx.db):
        raise WrongState(f"维修网点{outlet.name}工单已满，请选择其他网点", code="outlet_at_capacity")
    lat, lng, _ = origin_of(ticket)
    distance = great_circle_km(lat, lng, outlet.lat, outlet.lng)
    await assign(session, ctx, ticket, outlet, distance, reason="manual", actor=principal.sub, note=note)
    return await ticket_read(session, ticket)
