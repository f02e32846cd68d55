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
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import math
import os
import platform
import random
import secrets
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS_DIR = HERE / "results"
COUNTY = "530102"  # 五华区
SPREAD_DEGREES = 0.25  # outlets and report points: uniform over centre ± this, in latitude and longitude
CHUNK = 5_000  # rows per executemany
SEED = 20261125
# (share in %, kind, categories): the seed's outlets, in proportion
MIX: list[tuple[int, str, tuple[str, ...]]] = [
    (45, "market", ("satellite", "dtmb")),
    (20, "market", ("satellite", "dtmb", "emergency_broadcast")),
    (5, "market", ("satellite",)),
    (10, "market", ("transmitter", "emergency_broadcast")),
    (5, "operator", ("cable",)),
    (5, "operator", ("iptv",)),
    (5, "operator", ("ott",)),
    (5, "operator", ("cable", "ott")),
]
AT_CAPACITY_SHARE = 0.10
INACTIVE_SHARE = 0.05


class BenchError(Exception):
    """The benchmark cannot go on; the message says why."""


def say(message: str) -> None:
    sys.stderr.write(f"dispatch_bench: {message}\n")
    sys.stderr.flush()


# -- configuration ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    backend: str
    postgres_url: str
    sizes: tuple[int, ...]
    decisions: int
    centre_decisions: int
    tickets: int

    @classmethod
    def from_env(cls) -> Config:
        backend = os.environ.get("BENCH_BACKEND", "embedded")
        if backend not in ("embedded", "postgres"):
            raise BenchError(f"BENCH_BACKEND must be 'embedded' or 'postgres', not {backend!r}")
        raw_sizes = os.environ.get("BENCH_SIZES", "10,1000,100000")
        try:
            sizes = tuple(int(part) for part in raw_sizes.split(",") if part.strip())
        except ValueError:
            raise BenchError(
                f"BENCH_SIZES must be whole numbers separated by commas, not {raw_sizes!r}"
            ) from None
        if not sizes or not all(1 <= n <= 200_000 for n in sizes):
            raise BenchError(f"BENCH_SIZES must each be between 1 and 200000, not {raw_sizes!r}")
        return cls(
            backend=backend,
            postgres_url=os.environ.get(
                "BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
            ),
            sizes=sizes,
            decisions=_int_env("BENCH_DECISIONS", 400, 1, 100_000),
            centre_decisions=_int_env("BENCH_CENTRE", 100, 0, 100_000),
            tickets=_int_env("BENCH_TICKETS", 100, 0, 100_000),
        )


def _int_env(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise BenchError(f"{name} must be a whole number, not {raw!r}") from None
    if not low <= value <= high:
        raise BenchError(f"{name} must be between {low} and {high}, not {value}")
    return value


# -- the scratch database -----------------------------------------------------------------------------------------


def _admin_connection_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def scratch_database(config: Config, workdir: Path) -> Iterator[str]:
    """The URL of an empty database that is gone afterwards (a file in `workdir`, or a PostgreSQL database)."""
    if config.backend == "embedded":
        yield f"sqlite+aiosqlite:///{workdir / 'repair.db'}"
        return
    import asyncpg
    from sqlalchemy.engine import make_url

    name = f"bst_dispatchbench{secrets.token_hex(4)}"

    async def admin(statement: str) -> None:
        connection = await asyncpg.connect(_admin_connection_url(config.postgres_url), timeout=10)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(config.postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        try:
            asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        except Exception as exc:
            say(f"could not drop the database {name} ({type(exc).__name__}: {exc}); drop it by hand")
            raise


# -- filling one county -------------------------------------------------------------------------------------------


def outlet_rows(count: int, rng: random.Random) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """`count` outlets of the county, and their categories, drawn from MIX."""
    from services.kernel import regions

    centre = regions.get(COUNTY)
    assert centre is not None
    weights = [share for share, _, _ in MIX]
    now = dt.datetime.now(dt.UTC)
    outlets: list[dict[str, Any]] = []
    categories: list[dict[str, str]] = []
    for i in range(count):
        _, kind, served = rng.choices(MIX, weights)[0]
        capacity = rng.randint(10, 40)
        outlet_id = f"B-{COUNTY}-{i:06d}"
        outlets.append(
            {
                "outlet_id": outlet_id,
                "county": COUNTY,
                "name": f"五华区基准网点{i:06d}",
                "kind": kind,
                "lat": round(centre.lat + rng.uniform(-SPREAD_DEGREES, SPREAD_DEGREES), 6),
                "lng": round(centre.lng + rng.uniform(-SPREAD_DEGREES, SPREAD_DEGREES), 6),
                "phone": f"0871-6{i % 10_000_000:07d}",
                "capacity": capacity,
                "open_tickets": capacity
                if rng.random() < AT_CAPACITY_SHARE
                else rng.randint(0, capacity - 1),
                "business_hours": "08:30-18:00",
                "active": rng.random() >= INACTIVE_SHARE,
                "created_at": now,
                "updated_at": now,
            }
        )
        categories.extend({"outlet_id": outlet_id, "category": c} for c in served)
    return outlets, categories


async def fill(db: Any, count: int, *, analyze: bool) -> float:
    """Empty the repair tables and put `count` outlets in the county; returns the seconds it took."""
    from sqlalchemy import delete, insert, text

    from services.repair import models

    started = time.perf_counter()
    outlets, categories = outlet_rows(count, random.Random(SEED + count))
    async with db.transaction() as session:
        for model in (
            models.OutletCategory,
            models.Outlet,
            models.TicketEvent,
            models.DispatchDecision,
            models.Notification,
            models.OutboxEvent,
            models.Ticket,
            models.TicketCounter,
        ):
            await session.execute(delete(model))
        for table, rows in (
            (models.Outlet.__table__, outlets),
            (models.OutletCategory.__table__, categories),
        ):
            for start in range(0, len(rows), CHUNK):
                await session.execute(insert(table), rows[start : start + CHUNK])  # type: ignore[arg-type]
    if analyze:
        async with db.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("ANALYZE outlets"))
            await connection.execute(text("ANALYZE outlet_categories"))
    return time.perf_counter() - started


# -- measuring ------------------------------------------------------------------------------------------------------


class StatementCounter:
    """Counts the SQL statements an engine sends (the box queries of the search, and the categories' loads)."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.statements = 0
        self.boxes = 0
        if engine.dialect.name == "sqlite":
            # the rule's lean reads run on the sqlite3 connection itself (services.kernel.reads.read_in), past
            # SQLAlchemy's cursor events: count what SQLite itself is asked (new connections; none exist yet)
            event.listen(engine.sync_engine, "connect", self._trace)
        else:
            event.listen(engine.sync_engine, "before_cursor_execute", self._count)

    def _trace(self, dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.driver_connection.sqlite.set_trace_callback(lambda sql: self._count(None, None, sql))

    def _count(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements += 1
        if "outlets.lat BETWEEN" in statement:
            self.boxes += 1

    def reset(self) -> None:
        self.statements = self.boxes = 0


@dataclass
class Decision:
    micros: float
    statements: int
    boxes: int
    candidates: int
    chosen: bool


@dataclass
class Row:
    outlets: int
    origin: str  # random points | county centre
    decisions: int
    p50_us: float
    p99_us: float
    mean_us: float
    box_queries: float  # mean per decision: 1 for a 2 km box, 2 when it grew to 4 km, ...
    statements: float  # mean SQL statements per decision (box queries + the categories' selectin loads)
    rows_loaded: float  # mean outlet rows the box queries returned (summed over the boxes of a decision)
    band_entries: float  # mean index entries in the last box's latitude band: what the range scan walks
    candidates: float  # mean len(choice.candidates) (capped at 10, plus the chosen one)
    no_outlet: int  # decisions that found no qualifying outlet


@dataclass
class TicketRow:
    outlets: int
    tickets: int
    p50_ms: float
    p99_ms: float
    mean_ms: float
    dispatched: int


@dataclass
class SizeResult:
    outlets: int
    fill_seconds: float
    decisions: list[Row] = field(default_factory=list)
    tickets: TicketRow | None = None
    plan: list[str] = field(default_factory=list)


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of `values` (0 < share <= 1)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def report_points(count: int) -> list[tuple[float, float]]:
    """The same random points for every outlet count, in the outlets' area."""
    from services.kernel import regions

    centre = regions.get(COUNTY)
    assert centre is not None
    rng = random.Random(SEED)
    return [
        (
            centre.lat + rng.uniform(-SPREAD_DEGREES, SPREAD_DEGREES),
            centre.lng + rng.uniform(-SPREAD_DEGREES, SPREAD_DEGREES),
        )
        for _ in range(count)
    ]


async def decide(db: Any, counter: StatementCounter, lat: float, lng: float) -> Decision:
    """One decision in a fresh session, as a request would make it; only the call itself is timed."""
    from services.repair.dispatch import nearest_qualifying_outlet
    from services.repair.schemas import Category

    async with db.reader() as session:
        counter.reset()
        started = time.perf_counter_ns()
        choice = await nearest_qualifying_outlet(
            session, county=COUNTY, category=Category.SATELLITE, lat=lat, lng=lng, excluded=set()
        )
        elapsed = time.perf_counter_ns() - started
    return Decision(
        elapsed / 1000, counter.statements, counter.boxes, len(choice.candidates), bool(choice.outlet)
    )


def _box(lat: float, lng: float, radius: float) -> tuple[float, float, float, float]:
    """The search's box at `radius`, exactly as services.repair.dispatch computes it."""
    dlat = radius / 111.32
    dlng = radius / (111.32 * max(0.1, math.cos(math.radians(lat))))
    return lat - dlat, lat + dlat, lng - dlng, lng + dlng


async def scanned(db: Any, lat: float, lng: float, boxes: int) -> tuple[int, int]:
    """(outlet rows the `boxes` box queries returned, index entries in the last box's latitude band), counted
    after the fact with the search's own query (not timed)."""
    from sqlalchemy import func, select

    from services.repair import dispatch
    from services.repair.models import Outlet
    from services.repair.schemas import Category

    loaded = 0
    radius = dispatch.FIRST_RADIUS_KM
    low_lat = high_lat = lat
    async with db.reader() as session:
        for _ in range(boxes):
            low_lat, high_lat, low_lng, high_lng = _box(lat, lng, radius)
            query = (
                dispatch._serving(Category.SATELLITE, Outlet.outlet_id)
                .where(Outlet.lat.between(low_lat, high_lat), Outlet.lng.between(low_lng, high_lng))
                .params(county=COUNTY)
            )
            loaded += await session.scalar(select(func.count()).select_from(query.subquery())) or 0
            radius *= 2
        band = await session.scalar(
            select(func.count())
            .select_from(Outlet)
            .where(Outlet.county == COUNTY, Outlet.lat.between(low_lat, high_lat))
        )
    return loaded, band or 0


async def measure_decisions(
    db: Any, counter: StatementCounter, outlets: int, origin: str, points: list[tuple[float, float]]
) -> Row:
    for lat, lng in points[:5]:
        await decide(db, counter, lat, lng)  # warm-up: connections, compiled-statement cache
    decisions = [await decide(db, counter, lat, lng) for lat, lng in points]
    loaded, band = 0, 0
    for (lat, lng), decision in zip(points, decisions, strict=True):
        rows, entries = await scanned(db, lat, lng, decision.boxes)
        loaded, band = loaded + rows, band + entries
    micros = [d.micros for d in decisions]
    n = len(decisions)
    return Row(
        outlets=outlets,
        origin=origin,
        decisions=n,
        p50_us=percentile(micros, 0.5),
        p99_us=percentile(micros, 0.99),
        mean_us=sum(micros) / n,
        box_queries=sum(d.boxes for d in decisions) / n,
        statements=sum(d.statements for d in decisions) / n,
        rows_loaded=loaded / n,
        band_entries=band / n,
        candidates=sum(d.candidates for d in decisions) / n,
        no_outlet=sum(not d.chosen for d in decisions),
    )


async def measure_tickets(
    db: Any, workdir: Path, outlets: int, points: list[tuple[float, float]]
) -> TicketRow:
    """`create_ticket` as a citizen with a point, each in its own transaction (timed through the commit)."""
    from services.kernel.auth import Principal
    from services.kernel.events import Outbox
    from services.kernel.storage import LocalDiskStore
    from services.repair import service
    from services.repair.models import OutboxEvent
    from services.repair.qr import QrSigner
    from services.repair.schemas import TicketCreate

    context = service.RepairContext(
        outbox=Outbox(OutboxEvent),
        qr=QrSigner(secrets.token_bytes(32), "https://bench.invalid"),
        store=LocalDiskStore(workdir / "evidence"),
        accept_minutes=120,
    )

    async def one(i: int, lat: float, lng: float) -> tuple[float, bool]:
        ticket_in = TicketCreate(
            county=COUNTY,
            category="satellite",
            description="户户通无信号",
            contact_name="王大爷",
            contact_phone="13900001111",
            lat=round(lat, 6),
            lng=round(lng, 6),
        )
        principal = Principal(sub=f"bench-citizen-{i}", kind="citizen")
        started = time.perf_counter_ns()
        async with db.transaction() as session:
            ticket = await service.create_ticket(
                session=session, ctx=context, principal=principal, ticket_in=ticket_in
            )
        return (time.perf_counter_ns() - started) / 1e6, ticket.status == "dispatched"

    for i, (lat, lng) in enumerate(points[:3]):
        await one(-1 - i, lat, lng)  # warm-up
    results = [await one(i, lat, lng) for i, (lat, lng) in enumerate(points)]
    millis = [ms for ms, _ in results]
    return TicketRow(
        outlets=outlets,
        tickets=len(results),
        p50_ms=percentile(millis, 0.5),
        p99_ms=percentile(millis, 0.99),
        mean_ms=sum(millis) / len(millis),
        dispatched=sum(ok for _, ok in results),
    )


async def query_plan(db: Any) -> list[str]:
    """How the database runs the search's first (2 km) box query at the county centre."""
    from sqlalchemy import text

    from services.kernel import regions
    from services.repair import dispatch
    from services.repair.models import Outlet
    from services.repair.schemas import Category

    centre = regions.get(COUNTY)
    assert centre is not None
    low_lat, high_lat, low_lng, high_lng = _box(centre.lat, centre.lng, dispatch.FIRST_RADIUS_KM)
    query = (
        dispatch._serving(Category.SATELLITE, *dispatch.OUTLET_COLUMNS)
        .where(Outlet.lat.between(low_lat, high_lat), Outlet.lng.between(low_lng, high_lng))
        .params(county=COUNTY)
    )
    sql = str(query.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
    async with db.engine.connect() as connection:
        if db.sqlite:
            rows = (await connection.execute(text(f"EXPLAIN QUERY PLAN {sql}"))).all()
            return [str(row[-1]) for row in rows]
        rows = (await connection.execute(text(f"EXPLAIN (COSTS OFF) {sql}"))).all()
        return [str(row[0]).strip() for row in rows]


async def run(config: Config, url: str, workdir: Path) -> list[SizeResult]:
    from services.cli import COMPONENTS
    from services.kernel import regions
    from services.kernel.db import Database
    from services.kernel.migrations import upgrade

    say(f"migrating the scratch database ({config.backend})")
    await asyncio.to_thread(upgrade, COMPONENTS["repair"].migrations, url)
    centre = regions.get(COUNTY)
    assert centre is not None
    points = report_points(config.decisions)
    results: list[SizeResult] = []
    db = Database(url)
    try:
        counter = StatementCounter(db.engine)
        for size in config.sizes:
            seconds = await fill(db, size, analyze=not db.sqlite)
            say(f"{size:,} outlets in {seconds:.1f} s; measuring")
            result = SizeResult(outlets=size, fill_seconds=seconds, plan=await query_plan(db))
            result.decisions.append(await measure_decisions(db, counter, size, "random points", points))
            if config.centre_decisions:
                at_centre = [(centre.lat, centre.lng)] * config.centre_decisions
                result.decisions.append(
                    await measure_decisions(db, counter, size, "county centre", at_centre)
                )
            if config.tickets:
                result.tickets = await measure_tickets(db, workdir, size, points[: config.tickets])
            results.append(result)
    finally:
        await db.dispose()
    return results


# -- the report -------------------------------------------------------------------------------------------------


def _table(columns: list[str], lines: list[list[str]]) -> list[str]:
    widths = [max(len(columns[i]), *(len(line[i]) for line in lines)) for i in range(len(columns))]

    def join(line: list[str]) -> str:
        return "  ".join(
            c.ljust(widths[i]) if i < 2 else c.rjust(widths[i]) for i, c in enumerate(line)
        ).rstrip()

    return [join(columns), join(["-" * w for w in widths]), *(join(line) for line in lines)]


def growth(results: list[SizeResult], origin: str) -> str:
    rows = [row for result in results for row in result.decisions if row.origin == origin]
    steps = [
        f"{a.outlets:,} → {b.outlets:,} outlets: mean ×{b.mean_us / a.mean_us:.2f}, "
        f"rows loaded ×{b.rows_loaded / a.rows_loaded if a.rows_loaded else float('nan'):.1f}, "
        f"band entries ×{b.band_entries / a.band_entries if a.band_entries else float('nan'):.1f}"
        for a, b in itertools.pairwise(rows)
    ]
    return f"growth, {origin}: " + ("; ".join(steps) if steps else "(one outlet count only)")


def render(config: Config, results: list[SizeResult]) -> str:
    storage = "SQLite file (aiosqlite)" if config.backend == "embedded" else "PostgreSQL (asyncpg), ANALYZEd"
    out = [
        f"办事通 dispatch bench, {dt.date.today():%Y-%m-%d}: {storage}; county {COUNTY}, outlets uniform over "
        f"±{SPREAD_DEGREES}° around its centre; category satellite",
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, load average {os.getloadavg()[0]:.2f}; "
        "one decision at a time, each in a fresh session; µs of nearest_qualifying_outlet alone",
        "",
    ]
    columns = [
        "outlets",
        "origin",
        "decisions",
        "p50 µs",
        "p99 µs",
        "mean µs",
        "boxes",
        "SQL",
        "rows loaded",
        "band entries",
        "candidates",
        "no outlet",
    ]
    lines = [
        [
            f"{row.outlets:,}",
            row.origin,
            f"{row.decisions:,}",
            f"{row.p50_us:,.0f}",
            f"{row.p99_us:,.0f}",
            f"{row.mean_us:,.0f}",
            f"{row.box_queries:.2f}",
            f"{row.statements:.2f}",
            f"{row.rows_loaded:,.1f}",
            f"{row.band_entries:,.0f}",
            f"{row.candidates:.1f}",
            str(row.no_outlet),
        ]
        for result in results
        for row in result.decisions
    ]
    out += _table(columns, lines)
    out += ["", growth(results, "random points"), growth(results, "county centre")]
    ticket_rows = [result.tickets for result in results if result.tickets]
    if ticket_rows:
        out += [
            "",
            "create_ticket (a citizen's report with a point: number, dispatch, timeline, outbox, commit):",
            "",
        ]
        out += _table(
            ["outlets", "tickets", "p50 ms", "p99 ms", "mean ms", "dispatched"],
            [
                [
                    f"{t.outlets:,}",
                    f"{t.tickets:,}",
                    f"{t.p50_ms:.2f}",
                    f"{t.p99_ms:.2f}",
                    f"{t.mean_ms:.2f}",
                    f"{t.dispatched:,}",
                ]
                for t in ticket_rows
            ],
        )
    out += ["", "the 2 km box query's plan:"]
    for result in results:
        out.append(
            f"  {result.outlets:,} outlets (filled in {result.fill_seconds:.1f} s): "
            + " | ".join(result.plan)
        )
    return "\n".join(out) + "\n"


def write_json(config: Config, results: list[SizeResult], started: dt.datetime) -> Path:
    from sqlalchemy.engine import make_url

    settings = asdict(config)
    if config.backend == "embedded":
        settings.pop("postgres_url")
    else:
        settings["postgres_url"] = make_url(config.postgres_url).render_as_string(hide_password=True)
    document = {
        "started_at": started.isoformat(timespec="seconds"),
        "backend": config.backend,
        "machine": {
            "nproc": os.cpu_count(),
            "python": sys.version,
            "platform": platform.platform(),
            "load_average_after": os.getloadavg(),
        },
        "bench": {
            **settings,
            "county": COUNTY,
            "spread_degrees": SPREAD_DEGREES,
            "mix": MIX,
            "at_capacity_share": AT_CAPACITY_SHARE,
            "inactive_share": INACTIVE_SHARE,
        },
        "results": [asdict(result) for result in results],
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"dispatch-{config.backend}-{started:%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    return path


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the bench the way Ctrl-C does: through every `finally`


def main() -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        config = Config.from_env()
        started = dt.datetime.now(dt.UTC)
        with (
            tempfile.TemporaryDirectory(prefix="bst-dispatch-bench-") as tmp,
            scratch_database(config, Path(tmp)) as url,
        ):
            results = asyncio.run(run(config, url, Path(tmp)))
        sys.stdout.write("\n" + render(config, results))
        path = write_json(config, results, started)
        sys.stdout.write(f"\nwritten to {path.relative_to(HERE.parent)}\n")
    except BenchError as exc:
        say(str(exc))
        return 1
    except KeyboardInterrupt:
        say("interrupted; the scratch database is removed")
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
