"""Ticket reads. The hot one (`get_ticket_message`) runs two lean statements (the ticket with its outlet, the
timeline with its evidence) and builds the proto straight from their rows (see `services.kernel.reads`); the lists,
counts and notifications read through the session."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, func, literal_column, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from bst.repair.v1 import repair_pb2
from services.kernel import regions
from services.kernel.auth import Principal, in_region, require_region, require_roles, require_signed_in
from services.kernel.db import Database, utcnow
from services.kernel.errors import (
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
)
from services.kernel.reads import Read
from services.repair.common import ADMIN_ROLES, CHINA, STAFF_READERS, get_county, rfc3339
from services.repair.models import (
    AgentRating,
    Evidence,
    Notification,
    Outlet,
    Ticket,
    TicketEvent,
)
from services.repair.schemas import (
    AssigneeRead,
    Category,
    Channel,
    PendingRatingRead,
    RatingRead,
    TicketRead,
    TicketStatus,
    TimelineRead,
)

TICKET = Read(
    select(
        Ticket.ticket_no,
        Ticket.status,
        Ticket.county,
        Ticket.category,
        Ticket.description,
        Ticket.channel,
        Ticket.reporter_id,
        Ticket.agent_id,
        Ticket.contact_name,
        Ticket.contact_phone,
        Ticket.lat,
        Ticket.lng,
        Ticket.address,
        Ticket.point,
        Ticket.assignee_outlet_id,
        Ticket.assignee_distance_km,
        Ticket.due_at,
        Ticket.overdue,
        Ticket.created_at,
        Ticket.accepted_at,
        Ticket.resolved_at,
        Ticket.closed_at,
        Ticket.resolution_note,
        Ticket.rating_level,
        Ticket.rating_comment,
        Ticket.rated_at,
        Ticket.contacted_at,
        Ticket.arrived_at,
        Outlet.name.label("outlet_name"),
        Outlet.phone.label("outlet_phone"),
        AgentRating.level.label("pending_level"),
        AgentRating.comment.label("pending_comment"),
        AgentRating.agent_id.label("pending_by"),
        AgentRating.recorded_at.label("pending_at"),
        AgentRating.expires_at.label("pending_expires_at"),
    )
    .select_from(Ticket)
    .outerjoin(Outlet, Outlet.outlet_id == Ticket.assignee_outlet_id)
    .outerjoin(AgentRating, AgentRating.ticket_no == Ticket.ticket_no)
    .where(Ticket.ticket_no == bindparam("ticket_no"))
)

# kind 0: a timeline entry (ordered by id); kind 1: an evidence id in `action` (ordered by upload time)
TIMELINE = Read(
    union_all(
        select(
            literal_column("0").label("kind"),
            TicketEvent.id.label("seq"),
            TicketEvent.at,
            TicketEvent.action,
            TicketEvent.actor,
            TicketEvent.note,
            TicketEvent.status,
        ).where(TicketEvent.ticket_no == bindparam("ticket_no")),
        select(
            literal_column("1"),
            literal_column("0"),
            Evidence.created_at,
            Evidence.evidence_id,
            literal_column("''"),
            literal_column("''"),
            literal_column("''"),
        ).where(Evidence.ticket_no == bindparam("ticket_no")),
    ).order_by(literal_column("kind"), literal_column("seq"), literal_column("at"))
)


def text_time(value: dt.datetime | None) -> str:
    """China time to the second, e.g. 2026-11-25T09:30:00+08:00; "" for none."""
    return value.astimezone(CHINA).isoformat(timespec="seconds") if value else ""


def may_read(principal: Principal, ticket: Any) -> bool:
    """Who sees a ticket (a row or an entity with the ticket's columns).

    A delegation token (`sub` = the resident, `actor` = the village agent) reaches only what that agent filed for
    that resident, never the resident's other tickets. Otherwise: its reporter, the agent who filed it, the
    assigned outlet's technicians, and staff whose region covers the ticket's county."""
    if principal.actor is not None:
        return ticket.agent_id == principal.actor and ticket.reporter_id == principal.sub
    if principal.sub in (ticket.reporter_id, ticket.agent_id):
        return True
    if "outlet_technician" in principal.roles and ticket.assignee_outlet_id:
        return bool(principal.claims.get("outlet") == ticket.assignee_outlet_id)
    return bool(principal.roles.intersection(STAFF_READERS)) and in_region(principal, ticket.county)


def read_message(ticket: TicketRead) -> repair_pb2.Ticket:
    """The proto of a ticket read as the API's shape."""
    return repair_pb2.Ticket(**ticket.model_dump(mode="json", exclude_none=True))


class ReplayedTicket:
    """The answer to a repeated report (its Idempotency-Key seen before): the first report's ticket, read back."""

    __slots__ = ("_read", "ticket_no")

    def __init__(self, read: TicketRead) -> None:
        self._read, self.ticket_no = read, read.ticket_no

    def read(self) -> TicketRead:
        return self._read

    def message(self) -> repair_pb2.Ticket:
        return read_message(self._read)


def ticket_message(row: Any, timeline: Sequence[Any]) -> repair_pb2.Ticket:
    """The proto of a ticket from its `TICKET` row and its `TIMELINE` rows."""
    message = repair_pb2.Ticket(
        ticket_no=row.ticket_no,
        status=row.status,
        county=row.county,
        category=row.category,
        description=row.description,
        channel=row.channel,
        reporter_id=row.reporter_id,
        agent_id=row.agent_id or "",
        contact_name=row.contact_name,
        contact_phone=row.contact_phone,
        address=row.address,
        point=row.point,
        due_at=text_time(row.due_at),
        overdue=bool(row.overdue),
        created_at=text_time(row.created_at),
        accepted_at=text_time(row.accepted_at),
        resolved_at=text_time(row.resolved_at),
        closed_at=text_time(row.closed_at),
        resolution_note=row.resolution_note,
        contacted_at=text_time(row.contacted_at),
        arrived_at=text_time(row.arrived_at),
        timeline=[
            repair_pb2.TimelineEntry(
                at=text_time(e.at), action=e.action, actor=e.actor, note=e.note, status=e.status
            )
            for e in timeline
            if e.kind == 0
        ],
        evidence_ids=[e.action for e in timeline if e.kind == 1],
    )
    if row.lat is not None and row.lng is not None:
        message.lat, message.lng = row.lat, row.lng
    if row.assignee_outlet_id and row.outlet_name is not None:
        message.assignee.CopyFrom(
            repair_pb2.Assignee(
                outlet_id=row.assignee_outlet_id,
                name=row.outlet_name,
                phone=row.outlet_phone,
                distance_km=row.assignee_distance_km or 0.0,
            )
        )
    if row.rating_level is not None:
        message.rating.CopyFrom(
            repair_pb2.Rating(level=row.rating_level, comment=row.rating_comment, at=text_time(row.rated_at))
        )
    if row.pending_level is not None and row.pending_expires_at > utcnow():
        message.pending_rating.CopyFrom(
            repair_pb2.PendingRating(
                level=row.pending_level,
                comment=row.pending_comment,
                recorded_by=row.pending_by,
                recorded_at=text_time(row.pending_at),
                expires_at=text_time(row.pending_expires_at),
            )
        )
    return message


async def get_ticket_message(*, db: Database, principal: Principal, ticket_no: str) -> repair_pb2.Ticket:
    """A ticket its caller may see, with its timeline and evidence: two statements on one pooled connection."""
    require_signed_in(principal)
    async with db.reads() as reads:
        row = await reads.first(TICKET, ticket_no=ticket_no)
        if row is None:
            raise NotFound(f"no ticket {ticket_no}", code="unknown_ticket")
        if not may_read(principal, row):
            raise Forbidden("you may not see this ticket", code="forbidden")
        timeline = await reads.all(TIMELINE, ticket_no=ticket_no)
    return ticket_message(row, timeline)


async def get_ticket_for(*, session: AsyncSession, principal: Principal, ticket_no: str) -> TicketRead:
    require_signed_in(principal)
    ticket = await session.get(Ticket, ticket_no)
    if ticket is None:
        raise NotFound(f"no ticket {ticket_no}", code="unknown_ticket")
    if not may_read(principal, ticket):
        raise Forbidden("you may not see this ticket", code="forbidden")
    return await ticket_read(session, ticket)


def _encode_cursor(ticket: Ticket) -> str:
    return base64.urlsafe_b64encode(
        json.dumps([ticket.created_at.isoformat(), ticket.ticket_no]).encode()
    ).decode()


def _decode_cursor(cursor: str) -> tuple[dt.datetime, str]:
    """The (created_at, ticket_no) a cursor of ours holds; anything else (not base64 JSON of two strings, a naive
    time, numbers beyond any column, a time out of range) is bad input, never a 500."""
    try:
        created, ticket_no = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(created, str) or not isinstance(ticket_no, str) or len(ticket_no) > 32:
            raise ValueError("a cursor holds two strings")
        at = dt.datetime.fromisoformat(created)
        if at.tzinfo is None:
            raise ValueError("a cursor's time carries its offset")
        return at.astimezone(dt.UTC), ticket_no
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise InvalidInput(
            "翻页标记（cursor）无效，请从第一页重新查询",
            code="invalid_cursor",
            fields=[FieldError("cursor", "不是本列表给出的翻页标记")],
        ) from exc


async def get_all_tickets(
    *,
    session: AsyncSession,
    principal: Principal,
    status: str = "",
    county: str = "",
    outlet_id: str = "",
    mine: bool = False,
    cursor: str = "",
    limit: int = 20,
) -> tuple[list[TicketRead], str | None]:
    """A page of tickets, newest first, by role: your own (mine), your outlet's, or your region's."""
    require_signed_in(principal)
    limit = max(1, min(limit or 20, 100))
    query = select(Ticket).order_by(Ticket.created_at.desc(), Ticket.ticket_no.desc()).limit(limit + 1)
    if status:
        if status not in TicketStatus.__members__.values():
            raise InvalidInput(
                f"unknown status {status!r}", code="invalid_status", fields=[FieldError("status", "unknown")]
            )
        query = query.where(Ticket.status == status)
    if mine or not principal.roles or principal.actor is not None:
        who = principal.actor or principal.sub
        query = query.where(or_(Ticket.reporter_id == who, Ticket.agent_id == who, Ticket.filed_by == who))
        if principal.actor is not None:
            query = query.where(Ticket.reporter_id == principal.sub)
    elif "outlet_technician" in principal.roles and not principal.roles.intersection(STAFF_READERS):
        own = str(principal.claims.get("outlet", ""))
        if outlet_id and outlet_id != own:
            raise Forbidden("technicians see their own outlet's tickets", code="not_your_outlet")
        query = query.where(Ticket.assignee_outlet_id == own)
    else:
        require_roles(principal, *STAFF_READERS)
        scope = county or str(principal.region or "")
        if county:
            get_county(county)
        require_region(principal, scope)
        query = query.where(Ticket.county.startswith(regions.scope_prefix(scope)))
        if outlet_id:
            query = query.where(Ticket.assignee_outlet_id == outlet_id)
    if cursor:
        created, ticket_no = _decode_cursor(cursor)
        query = query.where(
            or_(Ticket.created_at < created, (Ticket.created_at == created) & (Ticket.ticket_no < ticket_no))
        )
    rows = list((await session.scalars(query)).all())
    page, more = rows[:limit], len(rows) > limit
    return [await ticket_read(session, t, timeline=False) for t in page], (
        _encode_cursor(page[-1]) if more else None
    )


async def count_my_tickets(*, session: AsyncSession, principal: Principal) -> int:
    require_signed_in(principal)
    mine = (
        (Ticket.agent_id == principal.actor) & (Ticket.reporter_id == principal.sub)
        if principal.actor is not None
        else or_(Ticket.reporter_id == principal.sub, Ticket.agent_id == principal.sub)
    )
    return int(await session.scalar(select(func.count()).select_from(Ticket).where(mine)) or 0)


async def ticket_read(session: AsyncSession, ticket: Ticket, *, timeline: bool = True) -> TicketRead:
    # Columns, not entities: a ticket read is the hottest path, and loading an Outlet would also load its
    # categories (selectin) that nobody here needs.
    assignee = None
    if ticket.assignee_outlet_id:
        outlet = (
            await session.execute(
                select(Outlet.name, Outlet.phone).where(Outlet.outlet_id == ticket.assignee_outlet_id)
            )
        ).first()
        if outlet is not None:
            assignee = AssigneeRead(
                outlet_id=ticket.assignee_outlet_id,
                name=outlet.name,
                phone=outlet.phone,
                distance_km=ticket.assignee_distance_km or 0.0,
            )
    events = []
    evidence_ids: list[str] = []
    if timeline:
        events = [
            TimelineRead(at=rfc3339(e.at) or "", action=e.action, actor=e.actor, note=e.note, status=e.status)
            for e in (
                await session.execute(
                    select(
                        TicketEvent.at,
                        TicketEvent.action,
                        TicketEvent.actor,
                        TicketEvent.note,
                        TicketEvent.status,
                    )
                    .where(TicketEvent.ticket_no == ticket.ticket_no)
                    .order_by(TicketEvent.id)
                )
            ).all()
        ]
        evidence_ids = list(
            (
                await session.scalars(
                    select(Evidence.evidence_id)
                    .where(Evidence.ticket_no == ticket.ticket_no)
                    .order_by(Evidence.created_at)
                )
            ).all()
        )
    pending = await pending_read(session, ticket.ticket_no)
    return ticket_read_from(ticket, assignee, events, evidence_ids, pending)


def ticket_read_from(
    ticket: Ticket,
    assignee: AssigneeRead | None,
    events: list[TimelineRead],
    evidence_ids: list[str],
    pending: PendingRatingRead | None = None,
) -> TicketRead:
    """The answer for a ticket from its columns, its assignee, timeline and evidence."""
    rating = (
        RatingRead(
            level=ticket.rating_level, comment=ticket.rating_comment, at=rfc3339(ticket.rated_at) or ""
        )
        if ticket.rating_level is not None
        else None
    )
    return TicketRead(
        ticket_no=ticket.ticket_no,
        status=TicketStatus(ticket.status),
        county=ticket.county,
        category=Category(ticket.category),
        description=ticket.description,
        channel=Channel(ticket.channel),
        reporter_id=ticket.reporter_id,
        agent_id=ticket.agent_id,
        contact_name=ticket.contact_name,
        contact_phone=ticket.contact_phone,
        lat=ticket.lat,
        lng=ticket.lng,
        address=ticket.address,
        point=ticket.point,
        assignee=assignee,
        due_at=rfc3339(ticket.due_at) or "",
        overdue=ticket.overdue,
        created_at=rfc3339(ticket.created_at) or "",
        accepted_at=rfc3339(ticket.accepted_at),
        resolved_at=rfc3339(ticket.resolved_at),
        closed_at=rfc3339(ticket.closed_at),
        rating=rating,
        pending_rating=pending,
        timeline=events,
        evidence_ids=evidence_ids,
        resolution_note=ticket.resolution_note,
        contacted_at=rfc3339(ticket.contacted_at),
        arrived_at=rfc3339(ticket.arrived_at),
    )


async def get_my_notifications(
    *, session: AsyncSession, principal: Principal, limit: int = 50
) -> list[Notification]:
    require_signed_in(principal)
    recipients = [principal.sub]
    if principal.actor is not None:  # a delegation token: only about what this agent filed for this resident
        filed = select(Ticket.ticket_no).where(
            Ticket.agent_id == principal.actor, Ticket.reporter_id == principal.sub
        )
        query = select(Notification).where(
            Notification.recipient == principal.sub, Notification.ticket_no.in_(filed)
        )
    elif principal.region and principal.roles.intersection(ADMIN_ROLES):
        prefix = regions.scope_prefix(str(principal.region))
        query = select(Notification).where(
            or_(
                Notification.recipient == principal.sub, Notification.recipient.startswith(f"region:{prefix}")
            )
        )
    else:
        query = select(Notification).where(Notification.recipient.in_(recipients))
    return list(
        (await session.scalars(query.order_by(Notification.id.desc()).limit(max(1, min(limit, 200))))).all()
    )


async def pending_read(session: AsyncSession, ticket_no: str) -> PendingRatingRead | None:
    pending = await session.get(AgentRating, ticket_no)
    if pending is None or pending.expires_at <= utcnow():
        return None
    return PendingRatingRead(
        level=pending.level,
        comment=pending.comment,
        recorded_by=pending.agent_id,
        recorded_at=rfc3339(pending.recorded_at) or "",
        expires_at=rfc3339(pending.expires_at) or "",
    )
