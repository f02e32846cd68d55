"""What a report needs to know of its county, read in one statement: whether any outlet of the county repairs the
category (else the county's queue takes the report), the county's service points (the report's response target
and village point) and its acceptance timeouts (the dispatch's deadline). Three reads were three round trips of
every report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Float,
    Integer,
    String,
    bindparam,
    exists,
    literal,
    null,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.db import UTCDateTime
from services.kernel.reads import Read, connection_of, read_in
from services.repair.circles import COUNTY_SETTINGS, ResponseSettings, settings_of
from services.repair.dispatch import serving
from services.repair.models import CountyResponseSettings, Outlet, ServicePoint
from services.repair.schemas import Category

POINT, SETTINGS, SERVED = 1, 2, 3  # the `part` of each row


@dataclass(frozen=True, slots=True)
class CountyFacts:
    serves: bool  # some outlet of the county (active or not) repairs the category
    points: Sequence[Any]  # rows with point_id, level, lat, lng (as `intake_hooks.COUNTY_POINTS` gives them)
    settings: ResponseSettings


# Every row of the statement has these columns (after `part`); each part gives some, the rest are typed NULLs, so
# that the first part's types (and their result processors) hold for all rows.
_COLUMNS: dict[str, Any] = {
    "point_id": String(),
    "level": String(),
    "lat": Float(),
    "lng": Float(),
    "village_accept_minutes": Integer(),
    "township_accept_minutes": Integer(),
    "updated_at": UTCDateTime(),
}


def _part(part: int, **given: Any) -> Any:
    columns = (given.get(name, type_coerce(null(), type_)).label(name) for name, type_ in _COLUMNS.items())
    return select(literal(part).label("part"), *columns)


def _statement(category: Category) -> Read:
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
    return Read(union_all(points, settings, served))


_STATEMENTS: dict[Category, Read] = {}


async def county_facts(session: AsyncSession, *, county: str, category: Category) -> CountyFacts:
    """The county's facts for a report of this category; the settings are kept for the transaction's dispatch
    (`circles.COUNTY_SETTINGS`)."""
    statement = _STATEMENTS.get(category)
    if statement is None:
        statement = _STATEMENTS[category] = _statement(category)
    serves, points, row = False, [], None
    for r in await read_in(await connection_of(session), statement, county=county):
        if r.part == POINT:
            points.append(r)
        elif r.part == SETTINGS:
            row = r
        else:
            serves = True
    settings = settings_of(county, row)
    session.info.setdefault(COUNTY_SETTINGS, {})[county] = settings
    return CountyFacts(serves, points, settings)
