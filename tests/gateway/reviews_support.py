"""Helpers of the 好差评 gateway tests: events put through the stream, waiting for consumers, the recount."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections import Counter
from typing import Any

from sqlalchemy import select

from services.kernel.events import Event, stream_name
from services.reviews import clock, indicators
from services.reviews.models import Rectification, Review, ServedCase

CHINA = clock.CHINA


async def publish(
    platform: Any, source: str, event_type: str, aggregate_id: str, payload: dict[str, Any]
) -> None:
    """Put an event on a service's stream, as its outbox relay would."""
    event = Event(
        event_id=str(uuid.uuid4()),
        event_type=event_type,
        aggregate_id=aggregate_id,
        payload=payload,
        occurred_at=dt.datetime.now(dt.UTC).isoformat(),
        source=source,
    )
    await platform.redis.client.xadd(
        stream_name(platform.settings.redis_namespace, source), event.to_fields()
    )


async def eventually(probe, *, tries: int = 100, pause: float = 0.05):  # type: ignore[no-untyped-def]
    """Call `probe` until it returns something truthy (consumers work asynchronously)."""
    for _ in range(tries):
        result = await probe()
        if result:
            return result
        await asyncio.sleep(pause)
    raise AssertionError("the expected effect never happened")


async def invitation_for(client: Any, case_id: str, kind: str = "first") -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        reply = await client.get("/api/v1/me/review-invitations")
        assert reply.status_code == 200, reply.text
        return next((i for i in reply.json() if i["case_id"] == case_id and i["kind"] == kind), None)

    return await eventually(probe)  # type: ignore[no-any-return]


async def indicators_of(client: Any, day: str, **dimension: str) -> dict[str, Any]:
    reply = await client.get(
        "/api/v1/reviews/indicators", params={**dimension, "from": day, "to": day, "public": "true"}
    )
    assert reply.status_code == 200, reply.text
    return reply.json()  # type: ignore[no-any-return]


async def recount_of(platform: Any, day: str, dimension: str, key: str) -> dict[str, Any]:
    """The indicators of one key on one day, recounted straight from the raw cases, reviews and rectifications of
    the reviews database (independently of the counters' own bookkeeping)."""
    db = platform.services["reviews"].runtime.db
    async with db.reader() as session:
        cases = {c.id: c for c in (await session.scalars(select(ServedCase))).all()}
        reviews = {r.id: r for r in (await session.scalars(select(Review))).all()}
        rects = (await session.scalars(select(Rectification))).all()

    def inside(case: ServedCase) -> bool:
        if dimension == "region":
            return case.region.startswith(key) if len(key) < 6 else case.region == key
        field = {"department": "department", "outlet": "outlet_id", "app": "app_id", "item": "item_code"}[
            dimension
        ]
        return bool(getattr(case, field) == key)

    total: Counter[str] = Counter()
    total["cases"] = sum(1 for c in cases.values() if inside(c) and c.day == day)
    for review in reviews.values():
        if review.day != day or not inside(cases[review.case_pk]):
            continue
        if review.excluded:
            total["excluded"] += 1
            continue
        total.update({"reviews": 1, "level_sum": review.level, f"level_{review.level}": 1})
        if review.kind == "first":
            total["reviewed_cases"] += 1
            total["active_cases"] += review.channel in ("app", "window_qr", "terminal")
    for rect in rects:
        review = reviews[rect.review_id]
        if review.day == day and inside(cases[review.case_pk]) and not review.excluded and rect.verified:
            total["verified_bad"] += 1
            total["rectified_on_time"] += rect.rectified_at is not None and rect.rectified_at <= rect.due_at
    counts = {f: int(total.get(f, 0)) for f in indicators.FIELDS}
    return {**counts, **indicators.rates(counts)}


PUBLISHED = (
    "cases",
    "reviews",
    "reviewed_cases",
    "coverage_rate",
    "active_rate",
    "good_rate",
    "bad_count",
    "rectified_on_time_rate",
    "mean_level",
    "verified_bad",
    "rectified_on_time",
    "excluded",
)


def published(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: answer[k] for k in PUBLISHED}


async def sms_texts(platform: Any, admin: str, phone: str) -> list[str]:
    async with platform.client(admin) as client:
        reply = await client.get("/api/v1/admin/sms-outbox", params={"phone": phone})
    return [m["text"] for m in reply.json()]


async def texted_all(platform: Any, admin: str, phone: str, *markers: str) -> None:
    """Wait until a phone has been texted each marker (before the person signs in, so codes are not mixed)."""

    async def probe() -> bool:
        texts = await sms_texts(platform, admin, phone)
        return all(any(m in t for t in texts) for m in markers)

    await eventually(probe, tries=200)
