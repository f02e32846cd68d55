"""`python -m loadtests.soak`: price the mix with Locust, soak at a share of that, judge."""

from __future__ import annotations

import datetime as dt
import os
import platform
import signal
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from loadtests.bench import (
    RESULTS_DIR,
    BenchError,
    Platform,
    peak_rss_mib,
)
from loadtests.soak.bench_prices import BenchFigures, expected_mix, newest_bench_file
from loadtests.soak.locust_run import plan, read_failures, read_results, run_locust
from loadtests.soak.pricing import price, read_pricing
from loadtests.soak.report import _relative, render, write_json
from loadtests.soak.sampler import RssSampler
from loadtests.soak.settings import P99_FACTOR, RSS_GROWTH_LIMIT, SAMPLE_SECONDS, SoakConfig, SoakError, say
from loadtests.soak.verdict import judge

# -- main --------------------------------------------------------------------------------------------------------


def soak(config: SoakConfig) -> int:
    bench_file = newest_bench_file(config.bench.backend)
    if bench_file is None:
        say(
            f"no bench figures: there is no {_relative(RESULTS_DIR)}/bench-{config.bench.backend}-*.json. "
            f"Run `{'BENCH_BACKEND=postgres ' if config.bench.backend == 'postgres' else ''}make bench` first: "
            f"the soak runs at a share of the capacity it measures"
        )
        return 2
    bench = BenchFigures.read(bench_file)
    mix = expected_mix()
    pricing = read_pricing(config.price_file) if config.price_file else price(config)
    soak_plan = plan(config, pricing.capacity, mix, bench, pricing.pace)
    say(
        f"the mix's capacity, measured with Locust: {soak_plan.capacity:,.0f} req/s (the wrk bench's estimate "
        f"from {_relative(bench_file)}: {soak_plan.estimate:,.0f}); offering {100 * config.load:.0f} % of it"
    )
    started = dt.datetime.now(dt.UTC)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bst-soak-") as tmp:
        workdir = Path(tmp)
        platform_ = Platform(config.bench, workdir)
        try:
            platform_.configure()
            platform_.start()
            sampler = RssSampler(dict(platform_.pids))
            began = time.monotonic()
            sampler.start()
            try:
                prefix, summary, locust_code = run_locust(config, soak_plan, platform_, workdir, sampler)
            finally:
                sampler.stop()
            duration = time.monotonic() - began
            peaks = {name: peak_rss_mib(pid) for name, pid in platform_.pids.items()}
            locust_log = (workdir / "locust.log").read_text(errors="replace").splitlines()[-80:]
            routes, ready = read_results(prefix, summary, bench)
            failures = read_failures(prefix)
        finally:
            say("stopping the platform")
            platform_.stop()
    if not ready:
        say("the mix's harness did not get ready (see the Locust lines above): nothing was measured")
    verdict = judge(routes, sampler.samples, rss_from_seconds=config.rss_from_seconds)
    cpu = {"whole run": sampler.cpu_percent(), "steady": sampler.cpu_percent(config.rss_from_seconds)}
    sys.stdout.write(
        "\n" + render(config, bench, soak_plan, pricing, mix, routes, sampler.samples, cpu, verdict)
    )
    document = {
        "started_at": started.isoformat(timespec="seconds"),
        "backend": config.bench.backend,
        "verdict": "PASS" if verdict.passed else "FAIL",
        "checks": [asdict(c) for c in verdict.checks],
        "machine": {
            "nproc": os.cpu_count(),
            "python": sys.version,
            "platform": platform.platform(),
            "load_average_before": load_before,
            "load_average_after": os.getloadavg(),
        },
        "soak": {
            "seconds": config.seconds,
            "load": config.load,
            "rps_per_user": config.rps_per_user,
            "spawn_seconds": config.spawn_seconds,
            "rss_from_seconds": config.rss_from_seconds,
            "sample_seconds": SAMPLE_SECONDS,
            "p99_factor": P99_FACTOR,
            "rss_growth_limit": RSS_GROWTH_LIMIT,
            "locust_exit_code": locust_code,
            "duration_seconds": round(duration, 1),
        },
        "bench_file": _relative(bench_file),
        "capacity": {
            "mix_rps": soak_plan.capacity,
            "pricing_file": _relative(pricing.path),
            "pricing": pricing.summary(),
            "bench_estimate_rps": soak_plan.estimate,
            "target_rps": soak_plan.target_rps,
            "users": soak_plan.users,
            "spawn_rate": soak_plan.spawn_rate,
            "priced": soak_plan.priced,
        },
        "routes": [asdict(r) for r in routes],
        "failures": failures,
        "locust_log_tail": locust_log,
        "rss_mib": {name: samples for name, samples in sampler.samples.items()},
        "peak_rss_mib": peaks,
        "cpu_percent": cpu,
        "cpu_seconds": sampler.cpu,
        "platform_settings": {
            f"BST_{k.upper()}": v
            for k, v in platform_.values.items()
            if k != "admin_password" and not k.endswith("database_url")
        },
    }
    path = write_json(document, config.bench.backend, started)
    sys.stdout.write(f"\nwritten to {_relative(path)}\n")
    return 0 if verdict.passed else 1


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the soak the way Ctrl-C does: through every `finally`


def main() -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return soak(SoakConfig.from_env())
    except (SoakError, BenchError) as exc:
        say(str(exc))
        return 2
    except KeyboardInterrupt:
        say("interrupted; what it had started is stopped")
        return 130


if __name__ == "__main__":
    sys.exit(main())
