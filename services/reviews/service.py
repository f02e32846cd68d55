"""The rules of 好差评 (good/bad reviews). No transport here; the caller owns the transaction."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel import regions
from services.kernel.auth import Principal, require_signed_in
from services.kernel.errors import InvalidInput
from services.reviews.models import Review
from services.reviews.schemas import LEVEL_LABELS, IndicatorsRead, LevelCount


async def get_indicators(*, session: AsyncSession, region: str = "53") -> IndicatorsRead:
    """Counts per level within a region scope, the satisfaction share (levels 3–5) and the bad reviews (1–2)."""
    region = region or "53"
    if not regions.is_valid_scope(region):
        raise InvalidInput(f"{region!r} is not a region of Yunnan", code="unknown_region")
    prefix = regions.scope_prefix(region)
    rows = (
        await session.execute(
            select(Review.level, func.count()).where(Review.region.startswith(prefix)).group_by(Review.level)
        )
    ).all()
    counts = dict(rows)
    total = sum(counts.values())
    satisfied = sum(counts.get(level, 0) for level in (3, 4, 5))
    return IndicatorsRead(
        region=prefix,
        total=total,
        levels=[
            LevelCount(level=lv, label=LEVEL_LABELS[lv], count=counts.get(lv, 0)) for lv in (5, 4, 3, 2, 1)
        ],
        satisfaction_rate=round(satisfied / total, 4) if total else 0.0,
        bad_reviews=counts.get(1, 0) + counts.get(2, 0),
    )


async def count_reviews_by(*, session: AsyncSession, principal: Principal) -> int:
    """How many reviews the caller has given (the user space's count)."""
    require_signed_in(principal)
    return int(
        await session.scalar(select(func.count()).select_from(Review).where(Review.reviewer == principal.sub))
    )
