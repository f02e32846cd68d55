"""What filing a ticket asks of the grassroots network (基层服务网络), called from `tickets.create_ticket`:

- the reporter's own outlet choice must qualify (active, in the county, serving the category with the right kind of
  outlet, below capacity), else 422 before anything is written;
- the filed ticket is placed: its village service point (for the village agents' 回访) and the outlet choice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.errors import FieldError, InvalidInput
from services.kernel.reads import Read, connection_of, read_in
from services.kernel.rows import add_row
from services.repair.common import VILLAGE_CIRCLE_KM
from services.repair.dispatch import great_circle_km
from services.repair.grassroots_models import TicketPlace
from services.repair.models import Outlet, OutletCategory, ServicePoint, Ticket
from services.repair.schemas import Category, PointLevel, kinds_serving


def why_not_qualifying(outlet: Outlet | None, *, county: str, category: Category, serves: bool) -> str | None:
    """None when the outlet may take a ticket of this county and category now; else the reason, in Chinese."""
    if outlet is None or outlet.county != county:
        return "该维修网点不在本县（市、区）"
    if not serves or outlet.kind not in {k.value for k in kinds_serving(category)}:
        return "该维修网点不承接这类故障"
    if not outlet.active:
        return "该维修网点已暂停接单"
    if outlet.open_tickets >= outlet.capacity:
        return "该维修网点当前工单已满"
    return None


async def check_outlet_choice(
    session: AsyncSession, *, county: str, category: Category, outlet_id: str | None
) -> None:
    """Refuse (422) a reporter's outlet choice that does not qualify; dispatch then honours the one that does."""
    if not outlet_id:
        return
    outlet = await session.get(Outlet, outlet_id)
    serves = outlet is not None and (
        await session.scalar(
            select(OutletCategory.outlet_id).where(
                and_(OutletCategory.outlet_id == outlet_id, OutletCategory.category == category.value)
            )
        )
        is not None
    )
    reason = why_not_qualifying(outlet, county=county, category=category, serves=serves)
    if reason is not None:
        raise InvalidInput(
            f"{reason}，请另选附近的维修网点，或不选由系统派给最近的网点。",
            code="outlet_not_qualified",
            fields=[FieldError("outlet_id", reason)],
        )


# A county's service points, as rows (every report asks, for its response target and its village point; entities
# cost ~0.2 ms even when there are none).
COUNTY_POINTS = Read(
    select(ServicePoint.point_id, ServicePoint.level, ServicePoint.lat, ServicePoint.lng).where(
        ServicePoint.county == bindparam("county")
    )
)


async def county_points(session: AsyncSession, county: str) -> list[Any]:
    """The county's service points (`COUNTY_POINTS` rows: point_id, level, lat, lng)."""
    return await read_in(await connection_of(session), COUNTY_POINTS, county=county)


async def village_point_of(
    session: AsyncSession,
    *,
    county: str,
    point: str,
    lat: float | None,
    lng: float | None,
    points: Sequence[Any] | None = None,
) -> str | None:
    """The village service point a report belongs to: the point of a village code it was scanned from, else the
    nearest village point whose 1-hour circle holds the report's place. `points`: the county's, when the caller
    has read them already."""
    if point:
        mine = [p for p in points if p.point_id == point] if points is not None else []
        if mine:
            if mine[0].level == PointLevel.VILLAGE.value:
                return point
        else:  # not among the points given (or none given): the point the code names, wherever it is
            found = await session.get(ServicePoint, point)
            if found is not None and found.level == PointLevel.VILLAGE.value:
                return found.point_id
    if lat is None or lng is None:
        return None
    if points is None:
        points = await county_points(session, county)
    villages = [p for p in points if p.level == PointLevel.VILLAGE.value]
    near = [(great_circle_km(lat, lng, p.lat, p.lng), p.point_id) for p in villages]
    near = [pair for pair in near if pair[0] <= VILLAGE_CIRCLE_KM]
    return min(near)[1] if near else None


async def place_ticket(
    session: AsyncSession,
    ticket: Ticket,
    *,
    chosen_outlet_id: str | None,
    points: Sequence[Any] | None = None,
) -> None:
    """Record the new ticket's village point and the reporter's outlet choice (shown on its timeline too).
    `points`: the county's service points, when the caller has read them already."""
    village = await village_point_of(
        session, county=ticket.county, point=ticket.point, lat=ticket.lat, lng=ticket.lng, points=points
    )
    add_row(
        session,
        TicketPlace,
        ticket_no=ticket.ticket_no,
        village_point_id=village,
        chosen_outlet_id=chosen_outlet_id,
    )
