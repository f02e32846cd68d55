"""The run: the reference, then every path of TARGETS; `python -m loadtests.bench`."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

from loadtests.bench.ceiling import measure_ceilings
from loadtests.bench.measure import Row, measure
from loadtests.bench.platform import Fixtures, Platform, reference_app
from loadtests.bench.procfs import RSS_SETTLE_SECONDS, rss_after_run, rss_note
from loadtests.bench.report import describe, render_table, write_json
from loadtests.bench.targets import (
    PLATFORM_PROCESSES,
    REFERENCE_PATH,
    ROOT,
    TARGETS,
    BenchError,
    Config,
    Target,
    say,
)
from loadtests.bench.wrk import Wrk, ensure_wrk, wrk_version


def run(
    config: Config, wrk: Wrk, workdir: Path
) -> tuple[list[Row], list[str], dict[str, str], dict[str, float]]:
    """Start everything, measure the reference and every target, stop everything. Returns the rows, the platform's
    process names (for the RSS columns) and the platform settings that were used."""
    rows: list[Row] = []
    rss_after: dict[str, float] = {}
    platform_ = Platform(config, workdir)
    try:
        platform_.configure()
        platform_.start()

        reference = Target("GET", REFERENCE_PATH, None)
        reference_rps: dict[int, float] = {}
        with reference_app(workdir, timeout=60) as (reference_url, reference_pid):
            for threads in sorted({1, 2, config.wrk_threads}):
                row = measure(
                    wrk,
                    reference_url,
                    reference,
                    label=f"reference {reference.label}",
                    threads=threads,
                    config=config,
                    authorization=None,
                    watched={"reference": reference_pid},
                )
                reference_rps[threads] = row.requests_per_second
                rows.append(row)

        if config.ceiling:
            rows += measure_ceilings(config, wrk, workdir, reference_rps.get(config.wrk_threads, 0.0))

        fixtures = Fixtures(platform_)
        fixtures.prepare()
        for target in TARGETS:
            if not config.wants(target):
                continue
            try:
                if target.setup:
                    fixtures.run(target.setup)
                # a fresh token for each path: an access token lives 10 minutes at most
                authorization = f"Bearer {fixtures.sign_in(target.account)}" if target.account else None
                concrete = target.filled(fixtures.values)
            except BenchError as exc:
                say(f"{target.label}: skipped, {exc}")
                rows.append(
                    Row(
                        path=target.label,
                        threads=config.wrk_threads,
                        service=target.service,
                        failure=str(exc),
                    )
                )
                continue
            row = measure(
                wrk,
                platform_.base_url,
                concrete,
                label=target.label,
                threads=config.wrk_threads,
                config=config,
                authorization=authorization,
                watched=platform_.pids,
                probe=getattr(fixtures, target.probe) if target.probe else None,
            )
            if not row.failure and reference_rps.get(config.wrk_threads):
                row.ratio_to_reference = row.requests_per_second / reference_rps[config.wrk_threads]
            rows.append(row)
        time.sleep(RSS_SETTLE_SECONDS)  # the last path's requests still in flight (sign-ins hold 64 MiB each)
        rss_after = rss_after_run(platform_.pids)
    finally:
        say("stopping the platform")
        platform_.stop()
    used = {k: v for k, v in platform_.values.items() if k != "admin_password"}
    return rows, [name for name in PLATFORM_PROCESSES if name in platform_.pids], used, rss_after


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the bench the way Ctrl-C does: through every `finally`


def main() -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        config = Config.from_env()
        wrk_binary = ensure_wrk()
        version = wrk_version(wrk_binary)
        started = dt.datetime.now(dt.UTC)
        load_before = os.getloadavg()
        with tempfile.TemporaryDirectory(prefix="bst-bench-") as tmp:
            rows, processes, used, rss_after = run(config, Wrk(wrk_binary, config.connections), Path(tmp))
        load_after = os.getloadavg()
        sys.stdout.write("\n" + render_table(rows, describe(config, version, load_before), processes))
        if rss_after:
            sys.stdout.write("\n" + rss_note(rss_after) + "\n")
        path = write_json(config, version, rows, used, (load_before, load_after), started, rss_after)
        sys.stdout.write(f"\nwritten to {path.relative_to(ROOT)}\n")
    except BenchError as exc:
        say(str(exc))
        return 1
    except KeyboardInterrupt:
        say("interrupted; what it had started is stopped")
        return 130
    return 1 if any(row.failure for row in rows) else 0
