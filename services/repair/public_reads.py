"""公开报修信息 (public repair requests): what anyone may read of a ticket, for Open311 GeoReport v2.

Only what a neighbour could see from the street and what the 24-hour promise needs: the category, the county, a
point rounded to 0.01° (about 1 km), the state, the repair outlet responsible (a business), and the ticket's times.
Never the reporter, the agent, the contact name or phone, the exact address, the service point, evidence or ratings.
The description is published only for reports filed through Open311 (whose clients tell their users that reports
are public, as the GeoReport spec has it), with every run of 5 or more digits (phones, ID and house numbers) and
the contact's name masked; a description typed into the app, at a window or by an agent stays private.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel import regions
from services.kernel.errors import FieldError, InvalidInput, NotFound
from services.repair.common import get_county, rfc3339
from services.repair.models import Outlet, Ticket
from services.repair.schemas import Category, Channel, TicketStatus

PUBLIC_PRECISION = 2  # decimal places of a published point: 0.01° ≈ 1.1 km north-south
MAX_PUBLIC_LIMIT = 1000
LONG_DIGITS = re.compile(r"\d[\d\s-]{3,}\d")

COLUMNS = (
    Ticket.ticket_no,
    Ticket.status,
    Ticket.category,
    Ticket.county,
    Ticket.description,
    Ticket.channel,
    Ticket.filed_by,
    Ticket.contact_name,
    Ticket.lat,
    Ticket.lng,
    Ticket.created_at,
    Ticket.dispatched_at,
    Ticket.accepted_at,
    Ticket.resolved_at,
    Ticket.closed_at,
    Ticket.due_at,
    Ticket.overdue,
    Outlet.name.label("assignee_name"),
)


@dataclass(frozen=True, slots=True)
class PublicTicket:
    ticket_no: str
    status: str
    category: str
    county: str
    county_name: str
    prefecture_name: str
    description: str
    channel: str
    filed_by: str
    lat: float | None
    lng: float | None
    assignee_name: str
    created_at: str
    updated_at: str
    due_at: str
    overdue: bool


def public_description(row: Any) -> str:
    """The description of an Open311 report with long digit runs and the contact's name masked; "" otherwise."""
    if row.channel != Channel.OPEN311.value:
        return ""
    text = LONG_DIGITS.sub(lambda m: "*" * len(m.group()), row.description)
    name = (row.contact_name or "").strip()
    if len(name) >= 2:
        text = text.replace(name, "*" * len(name))
    return text


def _coarse(value: float | None) -> float | None:
    return None if value is None else round(value, PUBLIC_PRECISION)


def public_ticket(row: Any) -> PublicTicket:
    county = get_county(row.county)
    prefecture = regions.get(county.parent or "")
    times = [
        t
        for t in (row.created_at, row.dispatched_at, row.accepted_at, row.resolved_at, row.closed_at)
        if t is not None
    ]
    has_point = row.lat is not None and row.lng is not None
    return PublicTicket(
        ticket_no=row.ticket_no,
        status=row.status,
        category=row.category,
        county=row.county,
        county_name=county.name,
        prefecture_name=prefecture.name if prefecture is not None else "",
        description=public_description(row),
        channel=row.channel,
        filed_by=row.filed_by if row.channel == Channel.OPEN311.value else "",
        lat=_coarse(row.lat) if has_point else None,
        lng=_coarse(row.lng) if has_point else None,
        assignee_name=row.assignee_name or "",
        created_at=rfc3339(row.created_at) or "",
        updated_at=rfc3339(max(times)) or "",
        due_at=rfc3339(row.due_at) or "",
        overdue=bool(row.overdue),
    )


def _time(value: str, field: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(
            f"{field} is not an RFC 3339 time",
            code="invalid_time",
            fields=[FieldError(field, "RFC 3339 expected")],
        ) from exc
    if moment.tzinfo is None:
        raise InvalidInput(
            f"{field} needs an offset", code="invalid_time", fields=[FieldError(field, "RFC 3339 expected")]
        )
    return moment


def _known(values: Sequence[str], allowed: set[str], field: str) -> list[str]:
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise InvalidInput(
            f"unknown {field}: {', '.join(unknown)}",
            code=f"invalid_{field}",
            fields=[FieldError(field, "unknown")],
        )
    return list(dict.fromkeys(values))


def _base_query() -> Any:
    return select(*COLUMNS).outerjoin(Outlet, Outlet.outlet_id == Ticket.assignee_outlet_id)


async def get_public_tickets(
    *,
    session: AsyncSession,
    ticket_nos: Sequence[str] = (),
    statuses: Sequence[str] = (),
    categories: Sequence[str] = (),
    region: str = "",
    since: str = "",
    until: str = "",
    limit: int = 50,
) -> list[PublicTicket]:
    """Tickets matching every given criterion, newest first; anyone may ask (nothing private is answered)."""
    query = _base_query().order_by(Ticket.created_at.desc(), Ticket.ticket_no.desc())
    query = query.limit(max(1, min(limit or 50, MAX_PUBLIC_LIMIT)))
    if ticket_nos:
        query = query.where(Ticket.ticket_no.in_(list(dict.fromkeys(ticket_nos))[:MAX_PUBLIC_LIMIT]))
    if statuses:
        query = query.where(Ticket.status.in_(_known(statuses, {s.value for s in TicketStatus}, "status")))
    if categories:
        query = query.where(Ticket.category.in_(_known(categories, {c.value for c in Category}, "category")))
    if region:
        if not regions.is_valid_scope(region):
            raise InvalidInput(
                f"{region!r} is not a region of Yunnan",
                code="unknown_region",
                fields=[FieldError("region", "unknown region")],
            )
        query = query.where(Ticket.county.startswith(regions.scope_prefix(region)))
    start, end = _time(since, "since"), _time(until, "until")
    if start is not None:
        query = query.where(Ticket.created_at >= start)
    if end is not None:
        query = query.where(Ticket.created_at <= end)
    return [public_ticket(row) for row in (await session.execute(query)).all()]


async def get_public_ticket(*, session: AsyncSession, ticket_no: str) -> PublicTicket:
    row = (await session.execute(_base_query().where(Ticket.ticket_no == ticket_no))).first()
    if row is None:
        raise NotFound(f"no ticket {ticket_no}", code="unknown_ticket")
    return public_ticket(row)
