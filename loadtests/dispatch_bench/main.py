"""The run: migrate the scratch database, fill and measure each outlet count; `python -m loadtests.dispatch_bench`."""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
import sys
import tempfile
from pathlib import Path

from loadtests.dispatch_bench.config import COUNTY, HERE, BenchError, Config, say
from loadtests.dispatch_bench.measure import (
    SizeResult,
    StatementCounter,
    measure_decisions,
    measure_tickets,
    query_plan,
    report_points,
)
from loadtests.dispatch_bench.report import render, write_json
from loadtests.dispatch_bench.scratch import fill, scratch_database


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
