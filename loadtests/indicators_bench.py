"""Public 好差评 indicators through a running gateway: reads per second and latency per query, with wrk.

    make run                                              # in another terminal: the platform on :8000
    .venv/bin/python -m loadtests.indicators_bench        # 10 s per query, 32 connections
    BENCH_SEED=1 .venv/bin/python -m loadtests.indicators_bench   # first fill a year of counters (2025) into the
                                                          # reviews database named by the settings (dev only)

Each query is one `GET /api/v1/reviews/indicators?...&public=true`: the reviews service sums at most one counter
row per day of the period (a region is read off its own county, prefecture or province key), so the cost does not
grow with the number of reviews. With BENCH_SEED=1 every county, prefecture and the province get a counter row for
each day of 2025 (about 53,000 rows), so the year-long queries read 365 rows each.

Environment: BENCH_URL (default http://127.0.0.1:8000), BENCH_SECONDS (10), BENCH_CONNECTIONS (32),
BENCH_WRK_THREADS (1), BENCH_SEED (0).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import sys
import urllib.request
from urllib.error import URLError

from loadtests.bench import BenchError, Target
from loadtests.bench.wrk import Wrk, ensure_wrk, parse_wrk

BASE = os.environ.get("BENCH_URL", "http://127.0.0.1:8000").rstrip("/")
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
THREADS = int(os.environ.get("BENCH_WRK_THREADS", "1"))
SEED = os.environ.get("BENCH_SEED", "0") == "1"

YEAR = "from=2025-01-01&to=2025-12-31"
QUERIES = [
    ("province, a year", f"/api/v1/reviews/indicators?region=53&{YEAR}&public=true"),
    ("prefecture 5301, a year", f"/api/v1/reviews/indicators?region=5301&{YEAR}&public=true"),
    ("county 530102, a year", f"/api/v1/reviews/indicators?region=530102&{YEAR}&public=true"),
    (
        "county 530102, one day",
        "/api/v1/reviews/indicators?region=530102&from=2025-06-30&to=2025-06-30&public=true",
    ),
    ("all time, province", "/api/v1/reviews/indicators?public=true"),
]


def say(message: str) -> None:
    sys.stderr.write(f"indicators_bench: {message}\n")


async def seed_counters() -> int:
    """A year (2025) of counter rows for every region key, written straight into the reviews database."""
    from sqlalchemy import delete, insert

    from services.kernel import regions
    from services.kernel.db import Database
    from services.kernel.settings import get_settings
    from services.reviews.indicators import FIELDS
    from services.reviews.models import IndicatorCounter

    keys = sorted(
        {"53", *(c.prefix[:4] for c in regions.counties()), *(c.prefix for c in regions.counties())}
    )
    rng = random.Random(2025)
    db = Database(get_settings().database_url("reviews"))
    rows = []
    day = dt.date(2025, 1, 1)
    while day.year == 2025:
        for key in keys:
            reviews = rng.randrange(50)
            levels = [rng.randrange(reviews + 1) for _ in range(4)]
            values = dict.fromkeys(FIELDS, 0) | {
                "cases": reviews * 2,
                "reviews": reviews,
                "reviewed_cases": reviews,
            }
            values |= {f"level_{n + 1}": levels[n] // 5 for n in range(4)}
            values["level_5"] = max(0, reviews - sum(values[f"level_{n}"] for n in range(1, 5)))
            values["level_sum"] = sum(n * values[f"level_{n}"] for n in range(1, 6))
            rows.append({"dimension": "region", "key": key, "day": day.isoformat(), **values})
        day += dt.timedelta(days=1)
    try:
        async with db.transaction() as session:
            await session.execute(
                delete(IndicatorCounter).where(
                    IndicatorCounter.dimension == "region", IndicatorCounter.day.like("2025-%")
                )
            )
            for start in range(0, len(rows), 5000):
                await session.execute(insert(IndicatorCounter), rows[start : start + 5000])
    finally:
        await db.dispose()
    return len(rows)


def main() -> int:
    try:
        urllib.request.urlopen(f"{BASE}/healthz", timeout=3).read()
    except (URLError, OSError) as exc:
        say(f"no gateway answers at {BASE} ({exc}); start the platform with `make run` first")
        return 2
    try:
        wrk = Wrk(ensure_wrk(), CONNECTIONS)
        if SEED:
            say(f"seeded {asyncio.run(seed_counters())} counter rows for 2025")
        sys.stdout.write(f"{'query':<28} {'reads/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}\n")
        for name, path in QUERIES:
            target = Target("GET", path, "reviews")
            wrk.run(BASE + path, threads=THREADS, seconds=2, authorization=None, target=target)  # warm-up
            figures = parse_wrk(
                wrk.run(BASE + path, threads=THREADS, seconds=SECONDS, authorization=None, target=target)
            )
            sys.stdout.write(
                f"{name:<28} {figures['requests_per_second']:>10.0f} {figures['p50_ms']:>8.2f} "
                f"{figures['p99_ms']:>8.2f} {figures['non_2xx']:>8}\n"
            )
    except BenchError as error:
        say(str(error))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
