"""The measurements: one decision of `nearest_qualifying_outlet` timed alone (with the SQL it sent and the rows its
box queries scanned), `create_ticket` timed through its commit, the box query's plan, and their rows."""

from __future__ import annotations

import math
import random
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loadtests.dispatch_bench.config import COUNTY, SEED, SPREAD_DEGREES

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
                dispatch.serving(Category.SATELLITE, Outlet.outlet_id)
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
        dispatch.serving(Category.SATELLITE, *dispatch.OUTLET_COLUMNS)
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
