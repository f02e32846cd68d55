"""Running Locust on the mix, and reading back what it counted."""

from __future__ import annotations

import csv
import json
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loadtests.bench import (
    Platform,
)
from loadtests.soak.bench_prices import SAME_PATH, BenchFigures, bench_key, mix_capacity
from loadtests.soak.pricing import locust_env, run_locust_process
from loadtests.soak.sampler import RssSampler
from loadtests.soak.settings import LOCUSTFILE, SoakConfig, SoakError, say
from loadtests.soak.verdict import RouteResult

# -- running the mix ---------------------------------------------------------------------------------------------


@dataclass
class Plan:
    capacity: float  # measured by the pricing: the answered rate of the last step that held
    target_rps: float
    users: int
    spawn_rate: float
    estimate: float  # the wrk bench's estimate of the same capacity, shown beside it
    priced: list[dict[str, Any]]  # how the estimate priced each route


def plan(
    config: SoakConfig, capacity: float, mix: Mapping[str, float], bench: BenchFigures, pace: float = 1.0
) -> Plan:
    """SOAK_LOAD of the measured capacity, in answered req/s; as many people as that takes at the pace the pricing
    saw (a person paced at 1 req/s answered `pace` req/s at its lightest step)."""
    estimate, priced = mix_capacity(mix, bench.rps)
    target = config.load * capacity
    users = max(3, math.ceil(target / (config.rps_per_user * pace)))
    return Plan(capacity, target, users, max(0.1, users / config.spawn_seconds), estimate, priced)


def run_locust(
    config: SoakConfig, soak_plan: Plan, platform_: Platform, workdir: Path, sampler: RssSampler
) -> tuple[Path, Path, int]:
    """Locust headless for the run's seconds; returns the CSV prefix, the summary JSON and its exit code."""
    prefix, summary, log_path = workdir / "locust", workdir / "summary.json", workdir / "locust.log"
    env = locust_env(platform_, config.rps_per_user, {"LOCUST_SUMMARY_JSON": str(summary)})
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--only-summary",
        "--host",
        platform_.base_url,
        "-u",
        str(soak_plan.users),
        "-r",
        f"{soak_plan.spawn_rate:.2f}",
        "-t",
        f"{config.seconds}s",
        "--stop-timeout",
        "15",
        "--reset-stats",  # Locust's figures (requests, p50, p99) from the end of the ramp on
        "--csv",
        str(prefix),
    ]
    say(
        f"{soak_plan.users} people at {config.rps_per_user:g} req/s each "
        f"(target {soak_plan.target_rps:,.0f} req/s), started over {config.spawn_seconds:.0f} s; "
        f"{config.seconds} s in all (Locust's last log lines go to the JSON file)"
    )
    code = run_locust_process(command, env, log_path, config.seconds + 120, sampler)
    return prefix, summary, code


def read_results(prefix: Path, summary_path: Path, bench: BenchFigures) -> tuple[list[RouteResult], bool]:
    """The routes from Locust's `_stats.csv` with the answers per status class from the locustfile's summary."""
    stats_path = Path(f"{prefix}_stats.csv")
    if not stats_path.exists():
        raise SoakError(f"Locust wrote no statistics ({stats_path.name} is missing)")
    summary = (
        json.loads(summary_path.read_text()) if summary_path.exists() else {"ready": False, "routes": {}}
    )
    answers: dict[str, dict[str, int]] = summary.get("routes", {})  # type: ignore[assignment]
    routes = []
    with stats_path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Name"] == "Aggregated":
                continue
            key = f"{row['Type']} {row['Name']}"
            counts = answers.get(key, {})
            bench_path = bench_key(bench.p99_ms, SAME_PATH[key]) if key in SAME_PATH else None
            routes.append(
                RouteResult(
                    route=key,
                    requests=int(row["Request Count"]),
                    requests_per_second=float(row["Requests/s"]),
                    p50_ms=_csv_float(row["50%"]),
                    p99_ms=_csv_float(row["99%"]),
                    server_errors=counts.get("5xx", 0),
                    no_answer=counts.get("no_answer", 0),
                    unexpected_4xx=counts.get("unexpected_4xx", 0) + counts.get("unexpected_2xx_3xx", 0),
                    bench_p99_ms=bench.p99_ms.get(bench_path) if bench_path else None,
                )
            )
    # a route Locust counted only as failures (no answer at all) still has its summary entry
    known = {r.route for r in routes}
    for key, counts in answers.items():
        if key not in known:
            routes.append(
                RouteResult(
                    key,
                    sum(counts.values()),
                    0.0,
                    None,
                    None,
                    counts.get("5xx", 0),
                    counts.get("no_answer", 0),
                )
            )
    routes.sort(key=lambda r: -r.requests)
    return routes, bool(summary.get("ready"))


def _csv_float(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None  # "N/A"


def read_failures(prefix: Path) -> list[dict[str, str]]:
    path = Path(f"{prefix}_failures.csv")
    if not path.exists():
        return []
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))
