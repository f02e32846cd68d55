"""The rules of broadcast-TV repair (广电报修). No transport here; the caller owns the transaction."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel import regions
from services.kernel.auth import Principal, require_region, require_roles
from services.kernel.errors import InvalidInput, NotFound
from services.repair.models import Outlet
from services.repair.schemas import Category, CountyRead, OutletRead

STAFF_ROLES = ("county_admin", "platform_admin", "window_staff", "outlet_technician")


def get_county(adcode: str) -> regions.Region:
    county = regions.get(adcode)
    if county is None or county.level != "county":
        raise NotFound(f"no county with adcode {adcode!r} in Yunnan", code="unknown_county")
    return county


async def get_all_counties(*, session: AsyncSession, within: str = "") -> list[CountyRead]:
    """Counties inside a region scope (all of Yunnan when empty), with their active outlet counts."""
    if within and not regions.is_valid_scope(within):
        raise InvalidInput(f"{within!r} is not a region of Yunnan", code="unknown_region")
    counts = dict(
        (
            await session.execute(
                select(Outlet.county, func.count()).where(Outlet.active.is_(True)).group_by(Outlet.county)
            )
        ).all()
    )
    return [
        CountyRead(
            adcode=c.adcode,
            name=c.name,
            prefecture=c.parent or "",
            lat=c.lat,
            lng=c.lng,
            active_outlets=counts.get(c.adcode, 0),
        )
        for c in regions.counties(within or None)
    ]


async def get_outlets_by_county(
    *, session: AsyncSession, principal: Principal, county: str
) -> list[OutletRead]:
    """The outlets of one county, for staff whose region covers it."""
    require_roles(principal, *STAFF_ROLES)
    get_county(county)
    require_region(principal, county)
    outlets = (
        await session.scalars(select(Outlet).where(Outlet.county == county).order_by(Outlet.outlet_id))
    ).all()
    return [outlet_read(o) for o in outlets]


def outlet_read(outlet: Outlet) -> OutletRead:
    return OutletRead(
        outlet_id=outlet.outlet_id,
        county=outlet.county,
        name=outlet.name,
        kind=outlet.kind,  # type: ignore[arg-type]
        categories=[Category(c) for c in outlet.category_names],
        lat=outlet.lat,
        lng=outlet.lng,
        phone=outlet.phone,
        capacity=outlet.capacity,
        active=outlet.active,
    )
