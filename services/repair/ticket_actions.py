"""A ticket's life after filing: accept, reject, resolve, follow-up (回访), rating, cancel."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.auth import Principal, require_region, require_roles, require_signed_in
from services.kernel.db import utcnow
from services.kernel.errors import (
    Forbidden,
    NotFound,
    WrongState,
)
from services.repair.agent_rating import count_rating, drop_pending, record_for_resident, require_rater
from services.repair.circles import set_accept_due
from services.repair.common import (
    ADMIN_ROLES,
    FOLLOW_UP_ROLES,
    RepairContext,
    add_timeline,
    notify,
    publish,
    transition,
)
from services.repair.dispatch import (
    release_capacity,
    take_capacity,
)
from services.repair.evidence import attach_evidence
from services.repair.fees import charge_fee
from services.repair.models import (
    DispatchDecision,
    Ticket,
)
from services.repair.schemas import (
    FollowUpIn,
    RatingIn,
    ResolveIn,
    TicketRead,
    TicketStatus,
)
from services.repair.ticket_reads import ticket_read
from services.repair.tickets import acts_for, dispatch, require_assignee, ticket_for_update


async def accept_ticket(
    *, session: AsyncSession, ctx: RepairContext, principal: Principal, ticket_no: str
) -> TicketRead:
    ticket = await ticket_for_update(session, ticket_no)
    require_assignee(principal, ticket)
    transition(ticket, "accept", TicketStatus.ACCEPTED)
    ticket.accepted_at = utcnow()
    add_timeline(session, ticket, "accepted", principal.sub)
    notify(session, ticket, "accepted", f"维修人员已接单（报修单{ticket.ticket_no}），将尽快上门。")
    publish(session, ctx, ticket, "repair.ticket.accepted")
    return await ticket_read(session, ticket)


async def reject_ticket(
    *, session: AsyncSession, ctx: RepairContext, principal: Principal, ticket_no: str, reason: str
) -> TicketRead:
    """The assigned outlet declines; the ticket goes on to the next nearest qualifying outlet."""
    ticket = await ticket_for_update(session, ticket_no)
    require_assignee(principal, ticket)
    transition(ticket, "reject", TicketStatus.DISPATCHED)
    await hand_back(session, ticket, principal.sub, "rejected", reason)
    await dispatch(session=session, ctx=ctx, ticket=ticket, reason="reject")
    return await ticket_read(session, ticket)


async def hand_back(session: AsyncSession, ticket: Ticket, actor: str, action: str, note: str) -> None:
    outlet = ticket.assignee_outlet_id
    ticket.excluded_outlets = [*ticket.excluded_outlets, outlet] if outlet else list(ticket.excluded_outlets)
    await release_capacity(session, outlet)
    add_timeline(session, ticket, action, actor, note)


async def resolve_ticket(
    *, session: AsyncSession, ctx: RepairContext, principal: Principal, ticket_no: str, resolve_in: ResolveIn
) -> TicketRead:
    ticket = await ticket_for_update(session, ticket_no)
    require_assignee(principal, ticket)
    transition(ticket, "resolve", TicketStatus.RESOLVED)
    await attach_evidence(session, principal, ticket.ticket_no, resolve_in.evidence, "resolve")
    await charge_fee(session, ticket, resolve_in.fee, principal.sub)
    ticket.resolved_at, ticket.resolution_note = utcnow(), resolve_in.note
    await release_capacity(session, ticket.assignee_outlet_id)
    add_timeline(session, ticket, "resolved", principal.sub, resolve_in.note)
    notify(session, ticket, "resolved", f"报修单{ticket.ticket_no}已修复，请确认收看是否恢复并评价。")
    publish(session, ctx, ticket, "repair.ticket.resolved")
    return await ticket_read(session, ticket)


async def follow_up_ticket(
    *, session: AsyncSession, ctx: RepairContext, principal: Principal, ticket_no: str, follow_up: FollowUpIn
) -> TicketRead:
    """回访 by the service point: restored closes the ticket; not restored sends it back to the same outlet."""
    require_roles(principal, *FOLLOW_UP_ROLES)
    ticket = await ticket_for_update(session, ticket_no)
    require_region(principal, ticket.county)
    if not follow_up.reached:
        transition(ticket, "follow_up", TicketStatus.RESOLVED)
        add_timeline(session, ticket, "follow_up", principal.sub, f"not reached. {follow_up.note}".strip())
    elif follow_up.restored:
        transition(ticket, "follow_up", TicketStatus.CLOSED)
        ticket.closed_at, ticket.restored_at = utcnow(), ticket.resolved_at
        add_timeline(session, ticket, "closed", principal.sub, f"restored. {follow_up.note}".strip())
        notify(session, ticket, "closed", f"报修单{ticket.ticket_no}经回访确认已恢复收看，工单办结。")
        publish(session, ctx, ticket, "repair.ticket.closed")
    else:
        transition(ticket, "follow_up", TicketStatus.DISPATCHED)
        ticket.resolved_at, ticket.accepted_at = None, None
        ticket.dispatched_at = utcnow()
        await set_accept_due(session, ctx, ticket)
        await take_capacity(session, ticket.assignee_outlet_id or "")
        add_timeline(session, ticket, "reopened", principal.sub, f"not restored. {follow_up.note}".strip())
        notify(
            session,
            ticket,
            "reopened",
            f"回访发现报修单{ticket.ticket_no}仍未恢复，已重新派给原维修网点。",
            staff=True,
        )
        publish(session, ctx, ticket, "repair.ticket.reopened")
    return await ticket_read(session, ticket)


async def rate_ticket(
    *, session: AsyncSession, ctx: RepairContext, principal: Principal, ticket_no: str, rating: RatingIn
) -> TicketRead:
    """The reporter rates the repair once; it becomes a 好差评 review. The resident rates, the agent only records
    the resident's own rating with consent (六(一)2(3)): with the resident's delegation token the agent's rating is
    kept pending until the resident confirms it (see agent_rating); the resident's own rating counts at once and
    replaces a pending one. The agent's own token, another agent, or a ticket the agent did not file: refused."""
    require_signed_in(principal)
    ticket = await ticket_for_update(session, ticket_no)
    require_rater(principal, ticket)
    if ticket.rating_level is not None:
        raise WrongState("这张报修单已经评价过了", code="already_rated")
    if principal.actor is not None:
        await record_for_resident(session, ctx, principal, ticket, rating)
    else:
        await drop_pending(session, ticket)
        count_rating(
            session,
            ctx,
            ticket,
            level=rating.level,
            comment=rating.comment,
            rated_by=principal.sub,
            recorded_by=None,
        )
    return await ticket_read(session, ticket)


async def cancel_ticket(
    *, session: AsyncSession, ctx: RepairContext, principal: Principal, ticket_no: str, reason: str
) -> TicketRead:
    require_signed_in(principal)
    ticket = await ticket_for_update(session, ticket_no)
    if not acts_for(principal, ticket):
        raise Forbidden("only the reporter cancels a report", code="not_your_ticket")
    was_dispatched = ticket.status == TicketStatus.DISPATCHED
    transition(ticket, "cancel", TicketStatus.CANCELLED)
    if was_dispatched:
        await release_capacity(session, ticket.assignee_outlet_id)
    ticket.closed_at = utcnow()
    add_timeline(session, ticket, "cancelled", principal.actor or principal.sub, reason)
    publish(session, ctx, ticket, "repair.ticket.cancelled")
    return await ticket_read(session, ticket)


async def get_dispatch_decisions(
    *, session: AsyncSession, principal: Principal, ticket_no: str
) -> list[DispatchDecision]:
    ticket = await session.get(Ticket, ticket_no)
    if ticket is None:
        raise NotFound(f"no ticket {ticket_no}", code="unknown_ticket")
    require_roles(principal, *ADMIN_ROLES)
    require_region(principal, ticket.county)
    return list(
        (
            await session.scalars(
                select(DispatchDecision)
                .where(DispatchDecision.ticket_no == ticket_no)
                .order_by(DispatchDecision.id)
            )
        ).all()
    )
