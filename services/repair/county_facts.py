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


def _nothing(type_: Any) -> Any:
    return type_coerce(null(), type_)


def _statement(category: Category) -> Read:
    county = bindparam("county", type_=String())
    points = select(
        literal(POINT).label("part"),
        ServicePoint.point_id.label("point_id"),
        ServicePoint.level.label("level"),
        ServicePoint.lat.label("lat"),
        ServicePoint.lng.label("lng"),
        _nothing(Integer()).label("village_accept_minutes"),
        _nothing(Integer()).label("township_accept_minutes"),
        _nothing(UTCDateTime()).label("updated_at"),
    ).where(ServicePoint.county == county)
    settings = select(
        literal(SETTINGS),
        _nothing(String()),
        _nothing(String()),
        _nothing(Float()),
        _nothing(Float()),
        CountyResponseSettings.village_accept_minutes,
        CountyResponseSettings.township_accept_minutes,
        CountyResponseSettings.updated_at,
    ).where(CountyResponseSettings.county == county)
    served = select(
        literal(SERVED),
        _nothing(String()),
        _nothing(String()),
        _nothing(Float()),
        _nothing(Float()),
        _nothing(Integer()),
        _nothing(Integer()),
        _nothing(UTCDateTime()),
    ).where(exists(serving(category, Outlet.outlet_id)))
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
