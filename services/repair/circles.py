"""The service circles (服务圈): a report in a village point's circle is to be reached within 1 hour, elsewhere
within 3 hours (the township circle). The technician records first contact with the resident (接单后第一时间联系用户)
and arrival on site (`ticket_steps.py`); the circles are measured on ARRIVAL. Each dispatch gives the outlet an
acceptance deadline by the ticket's circle, from its county's settings (defaults when the county has set none)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.auth import Principal
from services.kernel.db import utcnow
from services.kernel.reads import Read, connection_of, read_in
from services.repair.common import RepairContext, require_county_admin, rfc3339
from services.repair.models import CountyResponseSettings, Ticket

# minutes an outlet has to accept a dispatch, by circle, when the county has set none: the village circle's
# hour leaves 45 minutes to travel after 15; the township's three hours leave two after 60
DEFAULT_VILLAGE_ACCEPT_MINUTES = 15
DEFAULT_TOWNSHIP_ACCEPT_MINUTES = 60


@dataclass(frozen=True, slots=True)
class ResponseSettings:
    county: str
    village_accept_minutes: int
    township_accept_minutes: int
    customised: bool
    updated_at: str | None = None


# session.info: county → ResponseSettings already read in this transaction (a report reads them with the rest of
# its county's facts: county_facts.py)
COUNTY_SETTINGS = "bst.repair.county_settings"


async def response_settings(session: AsyncSession, county: str) -> ResponseSettings:
    """The county's acceptance timeouts (the defaults when it has set none), with one compiled read: every
    dispatch asks (unless its transaction read them already: `COUNTY_SETTINGS`)."""
    known: ResponseSettings | None = session.info.get(COUNTY_SETTINGS, {}).get(county)
    if known is not None:
        return known
    rows = await read_in(await connection_of(session), _SETTINGS, county=county)
    return settings_of(county, rows[0] if rows else None)


def settings_of(county: str, row: Any | None) -> ResponseSettings:
    """The settings from the county's row (village_accept_minutes, township_accept_minutes, updated_at), the
    defaults when it has none."""
    if row is None:
        return ResponseSettings(
            county, DEFAULT_VILLAGE_ACCEPT_MINUTES, DEFAULT_TOWNSHIP_ACCEPT_MINUTES, False
        )
    return ResponseSettings(
        county, row.village_accept_minutes, row.township_accept_minutes, True, rfc3339(row.updated_at)
    )


async def accept_minutes_for(session: AsyncSession, ctx: RepairContext, ticket: Ticket) -> int:
    """The acceptance timeout of the ticket's circle; the service-wide one when its circle is unknown (no point)."""
    if ticket.response_target_hours is None:
        return ctx.accept_minutes
    settings = await response_settings(session, ticket.county)
    if ticket.response_target_hours <= 1.0:
        return settings.village_accept_minutes
    return settings.township_accept_minutes


async def set_accept_due(session: AsyncSession, ctx: RepairContext, ticket: Ticket) -> None:
    """Start the acceptance clock of a new dispatch (called wherever `dispatched_at` is set)."""
    if ticket.dispatched_at is None:
        ticket.accept_due_at = None
        return
    minutes = await accept_minutes_for(session, ctx, ticket)
    ticket.accept_due_at = ticket.dispatched_at + dt.timedelta(minutes=minutes)


async def get_response_settings(
    *, session: AsyncSession, principal: Principal, county: str
) -> ResponseSettings:
    require_county_admin(principal, county)
    return await response_settings(session, county)


async def set_response_settings(
    *, session: AsyncSession, principal: Principal, county: str, village: int, township: int
) -> ResponseSettings:
    """The county's own acceptance timeouts (county_admin of the county, platform_admin); the schema bounds them
    and keeps the village circle's no longer than the township's."""
    require_county_admin(principal, county)
    row = await session.get(CountyResponseSettings, county, with_for_update=True)
    if row is None:
        row = CountyResponseSettings(county=county)
        session.add(row)
    row.village_accept_minutes, row.township_accept_minutes = village, township
    row.updated_by, row.updated_at = principal.sub, utcnow()
    await session.flush()
    # what this transaction read before is out of date
    session.info.get(COUNTY_SETTINGS, {}).pop(county, None)
    return await response_settings(session, county)


_SETTINGS = Read(
    select(
        CountyResponseSettings.village_accept_minutes,
        CountyResponseSettings.township_accept_minutes,
        CountyResponseSettings.updated_at,
    ).where(CountyResponseSettings.county == bindparam("county"))
)


def within_circle(ticket: Ticket) -> bool | None:
    """Whether the technician arrived within the ticket's circle (None: no circle, or not arrived yet)."""
    if ticket.response_target_hours is None or ticket.arrived_at is None:
        return None
    return (ticket.arrived_at - ticket.created_at).total_seconds() <= ticket.response_target_hours * 3600
