"""The indicators as people read them: one dimension over a period, for staff in region or, public, for anyone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel import regions
from services.kernel.auth import Principal
from services.kernel.errors import FieldError, Forbidden, InvalidInput
from services.reviews import clock, indicators
from services.reviews.schemas import LEVEL_LABELS


@dataclass
class IndicatorQuery:
    region: str = ""
    department: str = ""
    outlet_id: str = ""
    app_id: str = ""
    item_code: str = ""
    day_from: str = ""
    day_to: str = ""
    public: bool = False


def _day(value: str, field: str, default: str) -> str:
    if not value:
        return default
    try:
        return dt.date.fromisoformat(value[:10]).isoformat()
    except ValueError as exc:
        raise InvalidInput(
            "日期格式应为 YYYY-MM-DD", code="invalid_date", fields=[FieldError(field, "YYYY-MM-DD")]
        ) from exc


def _dimension(query: IndicatorQuery) -> tuple[str, str]:
    chosen = [
        (dimension, key)
        for dimension, key in (
            ("department", query.department),
            ("outlet", query.outlet_id),
            ("app", query.app_id),
            ("item", query.item_code),
        )
        if key
    ]
    if len(chosen) > 1 or (chosen and query.region):
        raise InvalidInput("一次只能按一个维度（地区、部门、事项、网点或应用）查询指标", code="one_dimension")
    if chosen:
        return chosen[0]
    region = query.region or "53"
    if not regions.is_valid_scope(region):
        raise InvalidInput(f"{region!r} 不是云南的行政区划", code="unknown_region")
    return "region", regions.scope_prefix(region)


async def get_indicators(
    *, session: AsyncSession, principal: Principal, query: IndicatorQuery
) -> dict[str, object]:
    dimension, key = _dimension(query)
    day_from = _day(query.day_from, "from", "0001-01-01")
    day_to = _day(query.day_to, "to", clock.china_day(clock.now()))
    if day_from > day_to:
        raise InvalidInput(
            "起始日期晚于截止日期", code="invalid_period", fields=[FieldError("from", "晚于 to")]
        )
    public = query.public or principal.anonymous or principal.kind == "citizen"
    if not public and dimension == "region":
        scope = str(principal.region or "")
        if not (regions.is_valid_scope(scope) and key.startswith(regions.scope_prefix(scope))):
            raise Forbidden(f"{key} 不在您的管辖范围内；公开数据请加 public=true", code="region_forbidden")
    counts = await indicators.read(session, dimension=dimension, key=key, day_from=day_from, day_to=day_to)
    derived = indicators.rates(counts)
    return {
        "region": key if dimension == "region" else "",
        "dimension": dimension,
        "key": key,
        "from": "" if day_from == "0001-01-01" else day_from,
        "to": day_to,
        "public": public,
        "cases": counts["cases"],
        "reviews": counts["reviews"],
        "reviewed_cases": counts["reviewed_cases"],
        "total": counts["reviews"],
        "bad_reviews": derived["bad_count"],
        "verified_bad": counts["verified_bad"],
        "rectified_on_time": counts["rectified_on_time"],
        "excluded": counts["excluded"],
        "levels": [
            {"level": lv, "label": LEVEL_LABELS[lv], "count": counts[f"level_{lv}"]} for lv in (5, 4, 3, 2, 1)
        ],
        **derived,
    }
