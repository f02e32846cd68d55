"""The scratch database (a SQLite file, or a PostgreSQL database dropped afterwards) and filling its one county
with outlets."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from loadtests.dispatch_bench.config import (
    AT_CAPACITY_SHARE,
    CHUNK,
    COUNTY,
    INACTIVE_SHARE,
    MIX,
    SEED,
    SPREAD_DEGREES,
    Config,
    say,
)

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
    emptied = {
        models.OutletCategory.__table__,
        models.Outlet.__table__,
        models.OutboxEvent.__table__,
        models.TicketCounter.__table__,
        # every table that records something of a ticket (its places, watchers, steps… as the rules grow), since
        # the ticket counter starts again at each outlet count and would hand out the numbers of the last count
        *(table for table in models.Base.metadata.tables.values() if "ticket_no" in table.c),
    }
    async with db.transaction() as session:
        for table in reversed(models.Base.metadata.sorted_tables):  # children before their parents
            if table in emptied:
                await session.execute(delete(table))
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
