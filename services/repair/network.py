"""The repair network: counties, repair outlets (维修网点) and service points (乡镇便民服务网点, 村组代办点)."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel import regions
from services.kernel.auth import Principal, require_region, require_roles
from services.kernel.errors import (
    FieldError,
    InvalidInput,
    NotFound,
)
from services.repair.common import (
    MAX_COUNTY_RADIUS_KM,
    STAFF_READERS,
    get_county,
    parse_model,
    require_county_admin,
)
from services.repair.dispatch import (
    great_circle_km,
)
from services.repair.models import (
    Outlet,
    OutletCategory,
    ServicePoint,
)
from services.repair.schemas import (
    Category,
    CountyRead,
    OutletCreate,
    OutletRead,
    OutletUpdate,
    PointLevel,
    ServicePointCreate,
    ServicePointRead,
)


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
    require_roles(principal, *STAFF_READERS, "outlet_technician")
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
        business_hours=outlet.business_hours,
        open_tickets=outlet.open_tickets,
    )


def check_point_in_county(county: str, lat: float, lng: float, field: str = "lat") -> None:
    """Refuse a point that cannot lie in the county: outside Yunnan, or farther from its centre than any county
    reaches. (The seed data has centres, not boundaries; this catches wrong counties and swapped coordinates.)"""
    centre = get_county(county)
    if (
        not (21.0 <= lat <= 29.5 and 97.3 <= lng <= 106.3)
        or great_circle_km(lat, lng, centre.lat, centre.lng) > MAX_COUNTY_RADIUS_KM
    ):
        raise InvalidInput(
            f"the point ({lat}, {lng}) is not in {centre.name}",
            code="point_outside_county",
            fields=[FieldError(field, f"not inside {centre.name}")],
        )


async def create_outlet(
    *, session: AsyncSession, principal: Principal, outlet_in: OutletCreate
) -> OutletRead:
    require_county_admin(principal, outlet_in.county)
    check_point_in_county(outlet_in.county, outlet_in.lat, outlet_in.lng)
    outlet = Outlet(
        outlet_id=f"OUT-{outlet_in.county}-{secrets.token_hex(3).upper()}",
        county=outlet_in.county,
        name=outlet_in.name,
        kind=outlet_in.kind.value,
        lat=outlet_in.lat,
        lng=outlet_in.lng,
        phone=outlet_in.phone,
        capacity=outlet_in.capacity,
        business_hours=outlet_in.business_hours,
        active=True,
        open_tickets=0,
        categories=[OutletCategory(category=c.value) for c in sorted(set(outlet_in.categories))],
    )
    session.add(outlet)
    await session.flush()
    return outlet_read(outlet)


async def update_outlet(
    *, session: AsyncSession, principal: Principal, outlet_id: str, outlet_in: OutletUpdate
) -> OutletRead:
    outlet = await session.get(Outlet, outlet_id)
    if outlet is None:
        raise NotFound(f"no outlet {outlet_id}", code="unknown_outlet")
    require_county_admin(principal, outlet.county)
    changes = outlet_in.model_dump(exclude_unset=True)
    if "lat" in changes or "lng" in changes:
        check_point_in_county(outlet.county, changes.get("lat", outlet.lat), changes.get("lng", outlet.lng))
    categories = changes.pop("categories", None)
    if categories is not None:
        parse_model(
            OutletCreate,
            {
                **outlet_read(outlet).model_dump(exclude={"outlet_id", "active", "open_tickets"}),
                "categories": categories,
            },
        )
        outlet.categories = [OutletCategory(category=Category(c).value) for c in sorted(set(categories))]
    for name, value in changes.items():
        setattr(outlet, name, value)
    await session.flush()
    return outlet_read(outlet)


async def create_service_point(
    *, session: AsyncSession, principal: Principal, point_in: ServicePointCreate
) -> ServicePointRead:
    require_county_admin(principal, point_in.county)
    check_point_in_county(point_in.county, point_in.lat, point_in.lng)
    point = ServicePoint(
        point_id=f"SP-{point_in.county}-{secrets.token_hex(3).upper()}",
        county=point_in.county,
        name=point_in.name,
        level=point_in.level.value,
        lat=point_in.lat,
        lng=point_in.lng,
        agent_ids=list(point_in.agent_ids),
    )
    session.add(point)
    await session.flush()
    return point_read(point)


def point_read(point: ServicePoint) -> ServicePointRead:
    return ServicePointRead(
        point_id=point.point_id,
        county=point.county,
        name=point.name,
        level=PointLevel(point.level),
        lat=point.lat,
        lng=point.lng,
        agent_ids=list(point.agent_ids),
    )


async def get_service_points(
    *, session: AsyncSession, principal: Principal, county: str
) -> list[ServicePointRead]:
    require_roles(principal, *STAFF_READERS, "village_agent")
    get_county(county)
    require_region(principal, county)
    points = (
        await session.scalars(
            select(ServicePoint).where(ServicePoint.county == county).order_by(ServicePoint.point_id)
        )
    ).all()
    return [point_read(p) for p in points]
