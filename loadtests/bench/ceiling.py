"""`BENCH_CEILING=1`: the lean ceiling of filing (loadtests/filing_ceiling_app.py), measured right after the reference
in the same run, on a scratch repair database of the run's backend (a SQLite file in the run's directory, or a fresh
PostgreSQL database next to BENCH_POSTGRES_URL, dropped afterwards)."""

from __future__ import annotations

import asyncio
import secrets
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from loadtests.bench.measure import Row, measure
from loadtests.bench.platform import (
    _admin_connection_url,
    free_ports,
    served_app,
)
from loadtests.bench.procfs import stop_process
from loadtests.bench.targets import ROOT, TICKET_BODY, BenchError, Config, Target, say

PATH = "/t"


@contextmanager
def scratch_repair_database(config: Config, workdir: Path) -> Iterator[tuple[str, str]]:
    """(URL to migrate with, what the ceiling's service is given): migrated, with the one outlet it fills."""
    from sqlalchemy.engine import make_url

    if config.backend == "postgres":
        import asyncpg

        name = f"bst_benchceiling{secrets.token_hex(4)}"
        admin = _admin_connection_url(config.postgres_url)

        async def admin_run(statement: str) -> None:
            connection = await asyncpg.connect(admin, timeout=10)
            try:
                await connection.execute(statement)
            finally:
                await connection.close()

        asyncio.run(admin_run(f'CREATE DATABASE "{name}"'))
        url = make_url(config.postgres_url).set(database=name).render_as_string(hide_password=False)
        try:
            _prepare(url)
            yield url, url
        finally:
            asyncio.run(admin_run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        return
    path = workdir / "ceiling-repair.db"
    url = f"sqlite+aiosqlite:///{path}"
    _prepare(url)
    yield url, str(path)


def _prepare(url: str) -> None:
    from loadtests.filing_ceiling_app import COUNTY, OUTLET
    from services.cli import COMPONENTS
    from services.kernel.db import Database
    from services.kernel.migrations import upgrade
    from services.repair.models import Outlet

    upgrade(COMPONENTS["repair"].migrations, url)

    async def outlet() -> None:
        db = Database(url)
        try:
            async with db.transaction() as session:
                session.add(
                    Outlet(
                        outlet_id=OUTLET,
                        county=COUNTY,
                        name="天顶广电维修点",
                        kind="market",
                        lat=25.05,
                        lng=102.70,
                        phone="0871-1234567",
                        capacity=10**9,
                    )
                )
        finally:
            await db.dispose()

    asyncio.run(outlet())


def measure_ceiling(config: Config, wrk: object, workdir: Path, reference_rps: float) -> Row:
    """The ceiling's row: `POST /t` with the bench's ticket body, 32 connections, its ratio to the reference."""
    with scratch_repair_database(config, workdir) as (_, database):
        (grpc_port,) = free_ports(1)
        with (workdir / "ceiling-service.log").open("wb") as log:
            service = subprocess.Popen(
                [sys.executable, "-m", "loadtests.filing_ceiling_app", "--role", "service",
                 "--port", str(grpc_port), "--database", database],
                cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        try:
            args = ["--role", "front", "--grpc", f"127.0.0.1:{grpc_port}"]
            with served_app(
                workdir, 60, "ceiling-front", "loadtests.filing_ceiling_app", args, "/openapi.json"
            ) as (
                url,
                front_pid,
            ):
                if service.poll() is not None:
                    raise BenchError(f"the ceiling's service stopped: see {workdir / 'ceiling-service.log'}")
                target = Target("POST", PATH, "ceiling", body=TICKET_BODY, note="lean ceiling of filing")
                row = measure(
                    wrk,  # type: ignore[arg-type]
                    url,
                    target,
                    label=target.label,
                    threads=config.wrk_threads,
                    config=config,
                    authorization=None,
                    watched={"gateway": front_pid, "ceiling": service.pid},
                )
        finally:
            stop_process(service, signal.SIGINT, 20, "the ceiling's service")
    if not row.failure and reference_rps:
        row.ratio_to_reference = row.requests_per_second / reference_rps
    say(f"lean ceiling of filing: {row.requests_per_second:.0f}/s")
    return row
