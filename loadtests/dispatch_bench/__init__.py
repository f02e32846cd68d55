"""The dispatch rule alone: how long `nearest_qualifying_outlet` takes as a county's outlets grow 10 → 100,000.

A micro-benchmark on internals (it imports `services.repair`; it does not go through the API).

Run: `.venv/bin/python -m loadtests.dispatch_bench`. It builds a scratch repair database (a SQLite file in a temporary
directory, or with BENCH_BACKEND=postgres a fresh PostgreSQL database next to BENCH_POSTGRES_URL, dropped
afterwards), migrates it the way `bst migrate` does, and for each outlet count fills ONE county (530102, 五华区) with
that many outlets spread uniformly over ±0.25° around the county's centre (about 55 × 50 km), mixed like the seed:
most are market outlets serving satellite and dtmb, some serve transmitters and emergency broadcast only, a fifth
are operator outlets (cable, iptv, ott); 10 % are at capacity, 5 % inactive. Then, in a fresh session each:

* `nearest_qualifying_outlet` for satellite at random report points in the same area, and at the county centre
  (what a report without lat/lng uses), timed alone;
* the whole `services.repair.service.create_ticket` (a citizen's report: ticket number, dispatch with its recorded
  decision, timeline, notification, outbox event, commit), timed from the session's start to the commit.

It prints one table and writes the figures as JSON to `loadtests/results/dispatch-<backend>-<timestamp>.json`.

Environment:
    BENCH_BACKEND         embedded (default: SQLite file) or postgres
    BENCH_POSTGRES_URL    default postgresql+asyncpg://postgres@127.0.0.1:5432/test (postgres backend only)
    BENCH_SIZES           outlet counts, comma-separated (default 10,1000,100000; each 1..200000)
    BENCH_DECISIONS       random report points per outlet count (default 400)
    BENCH_CENTRE          decisions at the county centre per outlet count (default 100)
    BENCH_TICKETS         create_ticket calls per outlet count (default 100)

The package: `config` (the county, the outlets' mix, `Config` from the environment), `scratch` (the scratch database
and filling the county), `measure` (the decisions, `create_ticket`, the plan), `report` (table and JSON), `main`.
"""

from __future__ import annotations

from loadtests.dispatch_bench.config import (  # noqa: F401
    AT_CAPACITY_SHARE,
    CHUNK,
    COUNTY,
    HERE,
    INACTIVE_SHARE,
    MIX,
    RESULTS_DIR,
    SEED,
    SPREAD_DEGREES,
    BenchError,
    Config,
    say,
)
from loadtests.dispatch_bench.main import main, run  # noqa: F401
from loadtests.dispatch_bench.measure import (  # noqa: F401
    Decision,
    Row,
    SizeResult,
    StatementCounter,
    TicketRow,
    decide,
    measure_decisions,
    measure_tickets,
    percentile,
    query_plan,
    report_points,
    scanned,
)
from loadtests.dispatch_bench.report import growth, render, write_json  # noqa: F401
from loadtests.dispatch_bench.scratch import fill, outlet_rows, scratch_database  # noqa: F401
