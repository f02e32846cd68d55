"""`BENCH_CEILING=1`: the lean ceilings of filing (loadtests/filing_ceiling_app.py) and, on the embedded default, of
the ticket read (loadtests/read_ceiling_app.py), measured right after the reference in the same run, each on a
scratch repair database of the run's backend (a SQLite file in the run's directory, or a fresh PostgreSQL database
next to BENCH_POSTGRES_URL, dropped afterwards)."""

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
def scratch_repair_database(config: Config, workdir: Path, name: str) -> Iterator[tuple[str, str]]:
    """(URL to migrate with, what the ceiling's service is given): migrated, with the one outlet the filing fills
    and the one ticket the read reads."""
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
    path = workdir / f"ceiling-{name}.db"
    url = f"sqlite+aiosqlite:///{path}"
    _prepare(url)
    yield url, str(path)


def _prepare(url: str) -> None:
    import datetime as dt

    from loadtests.filing_ceiling_app import COUNTY, OUTLET
    from loadtests.read_ceiling_app import TICKET_NO
    from services.cli import COMPONENTS
    from services.kernel.db import Database
    from services.kernel.migrations import upgrade
    from services.repair.models import Outlet, Ticket, TicketEvent

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
                now = dt.datetime.now(dt.UTC)
                session.add(  # as the bench's own read finds its ticket: filed and dispatched just now
                    Ticket(
                        ticket_no=TICKET_NO,
                        status="dispatched",
                        county=COUNTY,
                        category="satellite",
                        description="卫星电视没有信号",
                        channel="window",
                        reporter_id="ceiling",
                        filed_by="ceiling",
                        contact_name="张三",
                        contact_phone="13800000000",
                        address="五华区",
                        due_at=now + dt.timedelta(hours=48),
                        created_at=now,
                        assignee_outlet_id=OUTLET,
                        assignee_distance_km=0.5,
                        dispatched_at=now,
                    )
                )
                for action, status in (("reported", "pending_dispatch"), ("dispatched", "dispatched")):
                    session.add(
                        TicketEvent(
                            ticket_no=TICKET_NO,
                            at=now,
                            action=action,
                            actor="ceiling",
                            note="",
                            status=status,
                        )
                    )
        finally:
            await db.dispose()

    asyncio.run(outlet())


def measure_ceilings(config: Config, wrk: object, workdir: Path, reference_rps: float) -> list[Row]:
    """The ceilings' rows, 32 connections each, with their ratios to the reference: `POST /t` with the bench's
    ticket body; on the embedded default also `GET /t/{no}`."""
    filing = Target("POST", PATH, "ceiling", body=TICKET_BODY, note="lean ceiling of filing")
    rows = [_measure(config, wrk, workdir, reference_rps, "filing", "loadtests.filing_ceiling_app", filing)]
    if config.backend != "postgres":
        from loadtests.read_ceiling_app import TICKET_NO

        read = Target("GET", f"/t/{TICKET_NO}", "ceiling", note="lean ceiling of the ticket read")
        rows.append(_measure(config, wrk, workdir, reference_rps, "read", "loadtests.read_ceiling_app", read))
    return rows


def _measure(
    config: Config, wrk: object, workdir: Path, reference_rps: float, name: str, module: str, target: Target
) -> Row:
    with scratch_repair_database(config, workdir, name) as (_, database):
        (grpc_port,) = free_ports(1)
        with (workdir / f"ceiling-{name}-service.log").open("wb") as log:
            service = subprocess.Popen(
                [sys.executable, "-m", module, "--role", "service",
                 "--port", str(grpc_port), "--database", database],
                cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        try:
            args = ["--role", "front", "--grpc", f"127.0.0.1:{grpc_port}"]
            with served_app(workdir, 60, f"ceiling-{name}-front", module, args, "/openapi.json") as (
                url,
                front_pid,
            ):
                if service.poll() is not None:
                    raise BenchError(
                        f"the {name} ceiling's service stopped: see {workdir / f'ceiling-{name}-service.log'}"
                    )
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
            stop_process(service, signal.SIGINT, 20, f"the {name} ceiling's service")
    if not row.failure and reference_rps:
        row.ratio_to_reference = row.requests_per_second / reference_rps
    say(f"lean ceiling of {name}: {row.requests_per_second:.0f}/s")
    return row
