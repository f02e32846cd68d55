"""What a report needs to know of its county, read in one statement: whether any outlet of the county repairs the
category (else the county's queue takes the report), the county's service points (the report's response target
and village point) and its acceptance timeouts (the dispatch's deadline). Three reads were three round trips of
every report. Given the point the dispatch will search from, the same statement also reads the outlets of the
search's first box (`dispatch.BoxAhead`): the report's reads before its writes are then one round trip, not two."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    Integer,
    String,
    bindparam,
    cast,
    exists,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.db import UTCDateTime
from services.kernel.reads import Read, connection_of, read_in
from services.repair.circles import COUNTY_SETTINGS, ResponseSettings, settings_of
from services.repair.dispatch import OUTLET_COLUMNS, BoxAhead, box_of, serving, start_radius
from services.repair.models import CountyResponseSettings, Outlet, ServicePoint
from services.repair.schemas import Category

POINT, SETTINGS, SERVED, OUTLET = 1, 2, 3, 4  # the `part` of each row


@dataclass(frozen=True, slots=True)
class CountyFacts:
    serves: bool  # some outlet of the county (active or not) repairs the category
    points: Sequence[Any]  # rows with point_id, level, lat, lng (as `intake_hooks.COUNTY_POINTS` gives them)
    settings: ResponseSettings
    outlets: BoxAhead | None = None  # the dispatch's first read, when asked for (`near`)


# Every row of the statement has these columns (after `part`); each part gives some, the rest are NULLs cast to the
# column's type, so that the first part's types (and their result processors) hold for all rows, and PostgreSQL
# matches each column's type across the parts (an untyped NULL in two parts is resolved as text).
_COLUMNS: dict[str, Any] = {
    "point_id": String(),
    "level": String(),
    "lat": Float(),
    "lng": Float(),
    "village_accept_minutes": Integer(),
    "township_accept_minutes": Integer(),
    "updated_at": UTCDateTime(),
    "outlet_id": String(),
    "name": String(),
    "phone": String(),
    "capacity": Integer(),
    "open_tickets": Integer(),
    "active": Boolean(),
}


def _columns(part: int, **given: Any) -> list[Any]:
    return [literal(part).label("part")] + [
        given.get(name, cast(null(), type_)).label(name) for name, type_ in _COLUMNS.items()
    ]


def _part(part: int, **given: Any) -> Any:
    return select(*_columns(part, **given))


def _statement(category: Category, near: bool) -> Read:
    county = bindparam("county", type_=String())
    points = _part(
        POINT,
        point_id=ServicePoint.point_id,
        level=ServicePoint.level,
        lat=ServicePoint.lat,
        lng=ServicePoint.lng,
    ).where(ServicePoint.county == county)
    settings = _part(
        SETTINGS,
        village_accept_minutes=CountyResponseSettings.village_accept_minutes,
        township_accept_minutes=CountyResponseSettings.township_accept_minutes,
        updated_at=CountyResponseSettings.updated_at,
    ).where(CountyResponseSettings.county == county)
    served = _part(SERVED).where(exists(serving(category, Outlet.outlet_id)))
    if not near:
        return Read(union_all(points, settings, served))
    # the `box` read of services/repair/dispatch.py
    outlets = serving(
        category,
        *_columns(OUTLET, **{column.key: column for column in OUTLET_COLUMNS}),
    ).where(
        Outlet.lat.between(bindparam("lat_lo", type_=Float()), bindparam("lat_hi", type_=Float())),
        Outlet.lng.between(bindparam("lng_lo", type_=Float()), bindparam("lng_hi", type_=Float())),
    )
    return Read(union_all(points, settings, served, outlets))


_STATEMENTS: dict[tuple[Category, bool], Read] = {}


async def county_facts(
    session: AsyncSession, *, county: str, category: Category, near: tuple[float, float] | None = None
) -> CountyFacts:
    """The county's facts for a report of this category; the settings are kept for the transaction's dispatch
    (`circles.COUNTY_SETTINGS`). `near`: the point the dispatch will search from, to read its first box too."""
    key = (category, near is not None)
    statement = _STATEMENTS.get(key)
    if statement is None:
        statement = _STATEMENTS[key] = _statement(category, near is not None)
    box: dict[str, float] = {}
    if near is not None:
        radius = start_radius(county, category)
        box = box_of(near[0], near[1], radius)
    serves, points, row, outlets = False, [], None, []
    for r in await read_in(await connection_of(session), statement, county=county, **box):
        if r.part == POINT:
            points.append(r)
        elif r.part == SETTINGS:
            row = r
        elif r.part == OUTLET:
            outlets.append(r)
        else:
            serves = True
    settings = settings_of(county, row)
    session.info.setdefault(COUNTY_SETTINGS, {})[county] = settings
    ahead = BoxAhead(near[0], near[1], radius, outlets) if near is not None else None
    return CountyFacts(serves, points, settings, ahead)
