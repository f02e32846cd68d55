"""The annual performance assessment of a county's repair outlets (年度绩效考核).

The county publishes its scoring scheme: a weight for each measure (summing to 100), the target score, and the
score below which an outlet's contract is ended and it is replaced (解约更换). Each outlet's measures for a year come
from the platform's data, each a share between 0 and 1:

| measure | what |
|---|---|
| `share_24h` | of its closed tickets, the share restored within 24 hours |
| `circles` | of its tickets with a service-circle target (1 h village, 3 h township), the share accepted in time |
| `rating` | the mean rating over 5 |
| `complaints` | 1 − the share of its ratings that are 不满意 or 非常不满意 (1-2) |
| `inspections` | of the inspections of the facilities it maintains, the share done by their planned date |
| `terminal_online` | the mean online rate of the emergency-broadcast terminals it maintains |

The score is Σ weight × measure over the measures the outlet has data for, scaled back to 100 (a measure without
data neither helps nor hurts); an outlet with no data at all has no score. Below the target it is listed for
rectification (整改), below the replacement line for replacement.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import statistics
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.auth import Principal, require_region, require_roles
from services.kernel.db import utcnow
from services.kernel.errors import FieldError, InvalidInput, NotFound
from services.repair.common import (
    CHINA,
    RESTORE_HOURS,
    STAFF_READERS,
    get_county,
    require_county_admin,
    rfc3339,
)
from services.repair.facility_models import AssessmentScheme, Facility, Inspection
from services.repair.heartbeats import terminal_rates
from services.repair.models import Outlet, Ticket
from services.repair.schemas import TicketStatus

MEASURES = ("share_24h", "circles", "rating", "complaints", "inspections", "terminal_online")
MEASURE_NAMES = {
    "share_24h": "24小时修复率",
    "circles": "服务圈响应达标率",
    "rating": "满意度",
    "complaints": "无投诉率",
    "inspections": "按期巡检率",
    "terminal_online": "终端在线率",
}


def _invalid(message: str, field: str, text: str, code: str = "invalid_scheme") -> InvalidInput:
    return InvalidInput(message, code=code, fields=[FieldError(field, text)])


def scheme_read(scheme: AssessmentScheme) -> dict[str, Any]:
    return {
        "county": scheme.county,
        "weights": {m: int(scheme.weights.get(m, 0)) for m in MEASURES},
        "target_score": scheme.target_score,
        "replace_below": scheme.replace_below,
        "updated_at": rfc3339(scheme.updated_at) or "",
    }


async def set_scheme(
    *,
    session: AsyncSession,
    principal: Principal,
    county: str,
    weights: dict[str, int],
    target_score: float,
    replace_below: float,
) -> dict[str, Any]:
    """The county admin publishes the scheme; the weights are whole numbers summing to 100."""
    require_county_admin(principal, county)
    unknown = sorted(set(weights) - set(MEASURES))
    if unknown:
        raise _invalid(f"unknown measures {unknown}", "weights", "unknown measure")
    if any(not 0 <= w <= 100 for w in weights.values()):
        raise _invalid("a weight is 0 to 100", "weights", "each weight is 0 to 100")
    if sum(weights.values()) != 100:
        raise _invalid(
            f"the weights sum to {sum(weights.values())}, not 100",
            "weights",
            "the weights must sum to 100",
            code="weights_sum",
        )
    if not 0 <= replace_below <= target_score <= 100:
        raise _invalid(
            "0 ≤ replace_below ≤ target_score ≤ 100", "replace_below", "not above the target, 0 to 100"
        )
    scheme = await session.get(AssessmentScheme, county)
    if scheme is None:
        scheme = AssessmentScheme(county=county)
        session.add(scheme)
    scheme.weights = {m: int(weights.get(m, 0)) for m in MEASURES}
    scheme.target_score, scheme.replace_below = float(target_score), float(replace_below)
    scheme.updated_by, scheme.updated_at = principal.sub, utcnow()
    return scheme_read(scheme)


async def _scheme_in_scope(session: AsyncSession, principal: Principal, county: str) -> AssessmentScheme:
    require_roles(principal, *STAFF_READERS)
    get_county(county)
    require_region(principal, county)
    scheme = await session.get(AssessmentScheme, county)
    if scheme is None:
        raise NotFound(f"county {county} has not published an assessment scheme", code="no_assessment_scheme")
    return scheme


async def get_scheme(*, session: AsyncSession, principal: Principal, county: str) -> dict[str, Any]:
    return scheme_read(await _scheme_in_scope(session, principal, county))


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def outlet_measures(
    tickets: list[Ticket], inspections: list[bool], online_rates: list[float]
) -> dict[str, float | None]:
    """The six measures of one outlet (None where it has no data)."""
    closed = [t for t in tickets if t.status == TicketStatus.CLOSED and t.restored_at is not None]
    with_target = [t for t in tickets if t.response_target_hours is not None]
    in_circle = [
        t
        for t in with_target
        if t.accepted_at is not None
        and (t.accepted_at - t.created_at).total_seconds() <= (t.response_target_hours or 0) * 3600
    ]
    ratings = [t.rating_level for t in tickets if t.rating_level is not None]
    return {
        "share_24h": _share(
            sum((t.restored_at - t.created_at).total_seconds() <= RESTORE_HOURS * 3600 for t in closed),  # type: ignore[operator]
            len(closed),
        ),
        "circles": _share(len(in_circle), len(with_target)),
        "rating": statistics.fmean(ratings) / 5 if ratings else None,
        "complaints": 1 - sum(r <= 2 for r in ratings) / len(ratings) if ratings else None,
        "inspections": _share(sum(inspections), len(inspections)),
        "terminal_online": statistics.fmean(online_rates) if online_rates else None,
    }


def score_of(weights: dict[str, int], measures: dict[str, float | None]) -> float | None:
    """Σ weight × measure over the measures with data, scaled back to 100; None without any data."""
    counted = {m: v for m, v in measures.items() if v is not None and weights.get(m, 0) > 0}
    total = sum(weights[m] for m in counted)
    if not total:
        return None
    return round(sum(weights[m] * v for m, v in counted.items()) * 100 / total, 1)


def verdict_of(score: float | None, scheme: AssessmentScheme) -> str:
    if score is None:
        return "no_data"
    if score < scheme.replace_below:
        return "replace"
    if score < scheme.target_score:
        return "rectify"
    return "ok"


def _year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    if not 2000 <= year <= 2100:
        raise _invalid(f"year {year} is out of range", "year", "2000 to 2100", code="invalid_year")
    return dt.datetime(year, 1, 1, tzinfo=CHINA), dt.datetime(year + 1, 1, 1, tzinfo=CHINA)


async def assess(*, session: AsyncSession, principal: Principal, county: str, year: int) -> dict[str, Any]:
    """Every outlet of the county scored for the year, lowest first, with the ones to rectify or replace."""
    scheme = await _scheme_in_scope(session, principal, county)
    start, end = _year_bounds(year)
    now = utcnow()
    outlets = (
        await session.scalars(select(Outlet).where(Outlet.county == county).order_by(Outlet.outlet_id))
    ).all()
    tickets = (
        await session.scalars(
            select(Ticket).where(
                Ticket.county == county,
                Ticket.created_at >= start,
                Ticket.created_at < end,
                Ticket.status != TicketStatus.CANCELLED.value,
                Ticket.assignee_outlet_id.is_not(None),
            )
        )
    ).all()
    facilities = (
        await session.scalars(
            select(Facility).where(Facility.county == county, Facility.outlet_id.is_not(None))
        )
    ).all()
    maintainer = {f.asset_id: f.outlet_id for f in facilities}
    inspections = (
        await session.execute(
            select(Inspection.asset_id, Inspection.on_time).where(
                Inspection.county == county, Inspection.at >= start, Inspection.at < end
            )
        )
    ).all()
    terminals = [f for f in facilities if f.kind == "emergency_broadcast"]
    rates = await terminal_rates(session, terminals, start, min(end, now)) if start < now else {}
    rows = []
    for outlet in outlets:
        measures = outlet_measures(
            [t for t in tickets if t.assignee_outlet_id == outlet.outlet_id],
            [bool(on_time) for asset, on_time in inspections if maintainer.get(asset) == outlet.outlet_id],
            [
                rates[t.asset_id][0]
                for t in terminals
                if t.outlet_id == outlet.outlet_id and t.asset_id in rates
            ],
        )
        score = score_of(scheme.weights, measures)
        rows.append(
            {
                "outlet_id": outlet.outlet_id,
                "name": outlet.name,
                "tickets": sum(t.assignee_outlet_id == outlet.outlet_id for t in tickets),
                "measures": {m: round(v, 4) for m, v in measures.items() if v is not None},
                "score": score,
                "verdict": verdict_of(score, scheme),
            }
        )
    rows.sort(key=lambda r: (r["score"] is None, r["score"] if r["score"] is not None else 0, r["outlet_id"]))
    return {
        "county": county,
        "year": year,
        "scheme": scheme_read(scheme),
        "outlets": rows,
        "rectification": [r["outlet_id"] for r in rows if r["verdict"] == "rectify"],
        "replacement": [r["outlet_id"] for r in rows if r["verdict"] == "replace"],
    }


VERDICT_NAMES = {"ok": "达标", "rectify": "限期整改", "replace": "解约更换", "no_data": "无数据"}


async def export_assessment(
    *, session: AsyncSession, principal: Principal, county: str, year: int
) -> tuple[str, bytes]:
    """The assessment table as CSV (UTF-8 with a BOM, so that Excel reads it), one row per outlet."""
    result = await assess(session=session, principal=principal, county=county, year=year)
    weights = result["scheme"]["weights"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "网点编号",
            "网点名称",
            "工单数",
            *(f"{MEASURE_NAMES[m]}（权重{weights[m]}）" for m in MEASURES),
            "得分",
            "结论",
        ]
    )
    for row in result["outlets"]:
        writer.writerow(
            [
                row["outlet_id"],
                row["name"],
                row["tickets"],
                *(row["measures"].get(m, "") for m in MEASURES),
                "" if row["score"] is None else row["score"],
                VERDICT_NAMES[row["verdict"]],
            ]
        )
    return f"assessment-{county}-{year}.csv", ("\ufeff" + out.getvalue()).encode()
