"""Ticket reads on the hot path: two lean statements (the ticket with its outlet, the timeline with its evidence),
the proto built straight from their rows. See `services.kernel.reads`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, literal_column, select, union_all

from bst.repair.v1 import repair_pb2
from services.kernel.auth import Principal, in_region, require_signed_in
from services.kernel.db import Database
from services.kernel.errors import Forbidden, NotFound
from services.kernel.reads import Read
from services.repair.models import Evidence, Outlet, Ticket, TicketEvent

CHINA = ZoneInfo("Asia/Shanghai")
STAFF_READERS = frozenset({"county_admin", "platform_admin", "window_staff"})

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
        Outlet.name.label("outlet_name"),
        Outlet.phone.label("outlet_phone"),
    )
    .select_from(Ticket)
    .outerjoin(Outlet, Outlet.outlet_id == Ticket.assignee_outlet_id)
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


def rfc3339(value: dt.datetime | None) -> str:
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
    return bool(principal.roles & STAFF_READERS) and in_region(principal, ticket.county)


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
        due_at=rfc3339(row.due_at),
        overdue=bool(row.overdue),
        created_at=rfc3339(row.created_at),
        accepted_at=rfc3339(row.accepted_at),
        resolved_at=rfc3339(row.resolved_at),
        closed_at=rfc3339(row.closed_at),
        resolution_note=row.resolution_note,
        timeline=[
            repair_pb2.TimelineEntry(
                at=rfc3339(e.at), action=e.action, actor=e.actor, note=e.note, status=e.status
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
            repair_pb2.Rating(level=row.rating_level, comment=row.rating_comment, at=rfc3339(row.rated_at))
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
