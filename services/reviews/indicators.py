"""The indicators (好差评指标), kept as counters per (dimension, key, China day) in the same transaction as the
change that moves them, read over any period by summing a few counter rows, and reconciled against a recount.

Every counter is the sum of what each raw row contributes (`contributions`): a served case, a review, a
rectification. A change applies `after - before` of the row it touches; a recount sums the contributions of every
row. The two agree by construction, and the nightly reconciliation checks that they still do."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from sqlalchemy import Select, and_, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel import regions
from services.reviews.models import IndicatorCounter, Rectification, Review, ServedCase

FIELDS = (
    "cases",
    "reviewed_cases",
    "active_cases",
    "reviews",
    "level_sum",
    "level_1",
    "level_2",
    "level_3",
    "level_4",
    "level_5",
    "excluded",
    "verified_bad",
    "rectified_on_time",
)
DIMENSIONS = ("region", "department", "item", "outlet", "app")  # region keys: county, prefecture and province
# 主动评价: the person reviewed on their own initiative (the app, a window's QR, a self-service terminal); an SMS
# reply or a hotline call-back was prompted by us.
ACTIVE_CHANNELS = frozenset({"app", "window_qr", "terminal"})

Slot = tuple[str, str, str]  # (dimension, key, day)
Deltas = dict[Slot, Counter[str]]


def region_keys(region: str) -> list[str]:
    """The county, its prefecture and the province: a region's figures are read off one key, never summed over
    its counties (530102 → 530102, 5301, 53; a province-wide case 530000 → 53)."""
    prefix = regions.scope_prefix(region)
    return list(dict.fromkeys(k for k in (prefix, prefix[:4], prefix[:2]) if len(k) >= 2))


def dimension_keys(case: ServedCase) -> list[tuple[str, str]]:
    keys = [("region", key) for key in region_keys(case.region)]
    for dimension, key in (
        ("department", case.department),
        ("item", case.item_code),
        ("outlet", case.outlet_id),
        ("app", case.app_id),
    ):
        if key:
            keys.append((dimension, key))
    return keys


def _spread(case: ServedCase, day: str, counts: Counter[str]) -> Deltas:
    return {(dimension, key, day): counts for dimension, key in dimension_keys(case)} if counts else {}


def case_contribution(case: ServedCase) -> Deltas:
    return _spread(case, case.day, Counter(cases=1))


def review_contribution(case: ServedCase, review: Review) -> Deltas:
    if review.excluded:
        return _spread(case, review.day, Counter(excluded=1))
    counts = Counter({"reviews": 1, "level_sum": review.level, f"level_{review.level}": 1})
    if review.kind == "first":
        counts["reviewed_cases"] = 1
        if review.channel in ACTIVE_CHANNELS:
            counts["active_cases"] = 1
    return _spread(case, review.day, counts)


def rectification_contribution(case: ServedCase, review: Review, rect: Rectification) -> Deltas:
    """A verified 差评 counts at its review's day; rectified on time when rectified no later than due."""
    if review.excluded or not rect.verified:
        return {}
    counts = Counter(verified_bad=1)
    if rect.rectified_at is not None and rect.rectified_at <= rect.due_at:
        counts["rectified_on_time"] = 1
    return _spread(case, review.day, counts)


def difference(after: Deltas, before: Deltas) -> Deltas:
    out: Deltas = defaultdict(Counter)
    for slot, counts in after.items():
        out[slot].update(counts)
    for slot, counts in before.items():
        out[slot].subtract(counts)
    return {slot: counts for slot, counts in out.items() if any(counts.values())}


async def apply(session: AsyncSession, deltas: Deltas) -> None:
    """Add `deltas` to the counters (an upsert per slot), inside the caller's transaction."""
    if not deltas:
        return
    dialect = (await session.connection()).dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    for (dimension, key, day), counts in sorted(deltas.items()):
        values = {f: int(counts.get(f, 0)) for f in FIELDS}
        statement = (
            insert(IndicatorCounter)
            .values(dimension=dimension, key=key, day=day, **values)
            .on_conflict_do_update(
                index_elements=["dimension", "key", "day"],
                set_={f: getattr(IndicatorCounter, f) + v for f, v in values.items() if v},
            )
        )
        await session.execute(statement)


_SUMS = [func.coalesce(func.sum(getattr(IndicatorCounter, f)), 0).label(f) for f in FIELDS]


def _read_statement(dimension: str, key: str, day_from: str, day_to: str) -> Select[tuple[int, ...]]:
    return select(*_SUMS).where(
        and_(
            IndicatorCounter.dimension == dimension,
            IndicatorCounter.key == key,
            IndicatorCounter.day >= day_from,
            IndicatorCounter.day <= day_to,
        )
    )


async def read(
    session: AsyncSession, *, dimension: str, key: str, day_from: str, day_to: str
) -> dict[str, int]:
    """The summed counters of one dimension's key (a region in its prefix form) over a period of China days: one
    counter row per day at most, whatever the number of reviews."""
    row = (await session.execute(_read_statement(dimension, key, day_from, day_to))).one()
    return {f: int(v) for f, v in zip(FIELDS, row, strict=True)}


def rates(counts: dict[str, int]) -> dict[str, float | int]:
    """The published rates from summed counters (0 where the denominator is 0)."""

    def share(part: int, whole: int) -> float:
        return round(part / whole, 4) if whole else 0.0

    reviews = counts["reviews"]
    good = counts["level_4"] + counts["level_5"]
    bad = counts["level_1"] + counts["level_2"]
    return {
        "coverage_rate": share(counts["reviewed_cases"], counts["cases"]),
        "active_rate": share(counts["active_cases"], counts["cases"]),
        "good_rate": share(good, reviews),
        "bad_count": bad,
        "satisfaction_rate": share(good + counts["level_3"], reviews),
        "rectified_on_time_rate": share(counts["rectified_on_time"], counts["verified_bad"]),
        "mean_level": round(counts["level_sum"] / reviews, 4) if reviews else 0.0,
    }


# -- the recount and the nightly reconciliation ------------------------------------------------------------------


def _add(total: Deltas, deltas: Deltas) -> None:
    for slot, counts in deltas.items():
        total.setdefault(slot, Counter()).update(counts)


async def recount(session: AsyncSession, day: str | None = None) -> Deltas:
    """Every counter (of one China day, or of all) recomputed from the raw cases, reviews and rectifications.

    A case counts on the day it was served; a review, and the rectification of a review, on the review's day."""
    total: Deltas = {}
    day_cases = select(ServedCase) if day is None else select(ServedCase).where(ServedCase.day == day)
    for case in (await session.scalars(day_cases)).all():
        _add(total, case_contribution(case))
    day_reviews = select(Review, ServedCase).join(ServedCase, ServedCase.id == Review.case_pk)
    if day is not None:
        day_reviews = day_reviews.where(Review.day == day)
    reviews: dict[str, tuple[Review, ServedCase]] = {}
    for review, case in (await session.execute(day_reviews)).all():
        reviews[review.id] = (review, case)
        _add(total, review_contribution(case, review))
    if reviews:
        rects = select(Rectification).join(Review, Review.id == Rectification.review_id)
        if day is not None:
            rects = rects.where(Review.day == day)
        for rect in (await session.scalars(rects)).all():
            review, case = reviews[rect.review_id]
            _add(total, rectification_contribution(case, review, rect))
    return total


async def stored(session: AsyncSession, day: str | None = None, *, lock: bool = False) -> Deltas:
    statement = select(IndicatorCounter)
    if day is not None:
        statement = statement.where(IndicatorCounter.day == day)
    if lock:
        statement = statement.with_for_update()
    rows = (await session.scalars(statement)).all()
    return {(r.dimension, r.key, r.day): Counter({f: getattr(r, f) for f in FIELDS}) for r in rows}


def _normal(counters: Iterable[tuple[Slot, Counter[str]]]) -> dict[Slot, dict[str, int]]:
    return {
        slot: {f: int(counts.get(f, 0)) for f in FIELDS}
        for slot, counts in counters
        if any(counts.get(f, 0) for f in FIELDS)
    }


async def days_with_data(session: AsyncSession) -> list[str]:
    """Every China day that has a counter, a served case or a review."""
    days: set[str] = set()
    for column in (IndicatorCounter.day, ServedCase.day, Review.day):
        days.update((await session.scalars(select(column).distinct())).all())
    return sorted(days)


async def reconcile_day(session: AsyncSession, day: str) -> tuple[int, int]:
    """Compare one day's counters with a recount of that day and repair the ones that differ: (slots checked,
    slots fixed). The day's counter rows are locked first, so a change landing meanwhile waits for the repair."""
    actual = _normal((await stored(session, day, lock=True)).items())
    expected = _normal((await recount(session, day)).items())
    fixes: Deltas = {}
    for slot in expected.keys() | actual.keys():
        want, have = expected.get(slot, {}), actual.get(slot, {})
        delta = Counter({f: want.get(f, 0) - have.get(f, 0) for f in FIELDS})
        if any(delta.values()):
            fixes[slot] = delta
    await apply(session, fixes)
    return len(expected.keys() | actual.keys()), len(fixes)


async def reconcile(session: AsyncSession) -> tuple[int, int]:
    """Every day reconciled in the caller's transaction (the nightly job does one short transaction per day)."""
    checked = fixed = 0
    for day in await days_with_data(session):
        day_checked, day_fixed = await reconcile_day(session, day)
        checked, fixed = checked + day_checked, fixed + day_fixed
    return checked, fixed
