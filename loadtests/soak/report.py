"""The soak's table, checks and JSON file."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from loadtests.bench import (
    RESULTS_DIR,
    ROOT,
)
from loadtests.soak.bench_prices import BenchFigures
from loadtests.soak.locust_run import Plan
from loadtests.soak.pricing import Pricing
from loadtests.soak.settings import SoakConfig
from loadtests.soak.verdict import RouteResult, RssSamples, Verdict, _clock

# -- the report --------------------------------------------------------------------------------------------------


def render(
    config: SoakConfig,
    bench: BenchFigures,
    soak_plan: Plan,
    pricing: Pricing,
    mix: Mapping[str, float],
    routes: list[RouteResult],
    rss: RssSamples,
    cpu: dict[str, dict[str, float]],
    verdict: Verdict,
) -> str:
    storage = (
        "embedded default: SQLite files + embedded Redis"
        if config.bench.backend == "embedded"
        else "PostgreSQL + Redis (fresh databases and namespace)"
    )
    total = sum(r.requests for r in routes)
    achieved = sum(r.requests_per_second for r in routes)
    steady = f"from {_clock(config.rss_from_seconds)}"
    out = [
        f"办事通 soak, {dt.date.today():%Y-%m-%d}: {storage}; {config.seconds} s of the Locust mix at "
        f"{100 * config.load:.0f} % of its capacity; {os.cpu_count()} CPUs, Python {platform.python_version()}",
        f"bench figures: {_relative(bench.path)} (started {bench.started_at})",
        f"mix capacity {soak_plan.capacity:,.0f} req/s, measured with Locust ({_relative(pricing.path)}): "
        f"{pricing.summary()}",
        f"(the wrk bench's estimate was {soak_plan.estimate:,.0f} req/s: 1 / Σ share ÷ req/s of the bench path "
        f"pricing each route; Locust on the same 2 cores is not in it)",
        f"offered {soak_plan.target_rps:,.0f} req/s = {soak_plan.users} people × {config.rps_per_user:g} req/s, "
        f"ramp {config.spawn_seconds:.0f} s; answered {achieved:,.0f} req/s after the ramp",
        "requests, req/s, p50, p99: after the ramp (Locust's --reset-stats); 5xx, unanswered, unexpected 4xx: the "
        "whole run; bench p99: the same path in the bench file (judged: p99 ≤ 2 × it)",
        "",
    ]
    columns = ["route", "share exp", "share run", "requests", "req/s", "p50 ms", "p99 ms", "bench p99"]
    columns += ["5xx", "unanswered", "unexpected 4xx"]
    cells = [
        [
            r.route,
            f"{100 * mix.get(r.route, 0):.1f} %" if r.route in mix else "",
            f"{100 * r.requests / total:.1f} %" if total else "",
            f"{r.requests:,}",
            f"{r.requests_per_second:,.1f}",
            _num(r.p50_ms),
            _num(r.p99_ms),
            _num(r.bench_p99_ms),
            f"{r.server_errors:,}",
            f"{r.no_answer:,}",
            f"{r.unexpected_4xx:,}",
        ]
        for r in routes
    ]
    out += _table(columns, cells)
    out += ["", "the estimate priced: " + "; ".join(_pricing_note(soak_plan.priced)), ""]
    rss_columns = ["process", "RSS first MiB", f"RSS at {_clock(config.rss_from_seconds)}", "RSS end", "peak"]
    rss_columns += ["growth", "CPU% whole run", f"CPU% {steady}"]
    rss_cells = []
    for name, samples in rss.items():
        values = [mib for _, mib in samples if mib is not None]
        base = next((mib for t, mib in samples if t >= config.rss_from_seconds), None)
        end = samples[-1][1] if samples else None
        growth = f"{100 * (end - base) / base:+.1f} %" if base and end else ""
        rss_cells.append(
            [
                name,
                _num(values[0] if values else None, 1),
                _num(base, 1),
                _num(end, 1),
                _num(max(values) if values else None, 1),
                growth,
                _num(cpu["whole run"].get(name)),
                _num(cpu["steady"].get(name)),
            ]
        )
    if "locust" in cpu["whole run"]:
        rss_cells.append(
            [
                "locust (the load)",
                "",
                "",
                "",
                "",
                "",
                _num(cpu["whole run"]["locust"]),
                _num(cpu["steady"].get("locust")),
            ]
        )
    out += _table(rss_columns, rss_cells)
    out += ["", f"verdict: {'PASS' if verdict.passed else 'FAIL'}"]
    out += [f"  {'ok  ' if c.passed else 'FAIL'} {c.name}: {c.detail}" for c in verdict.checks]
    return "\n".join(out) + "\n"


def _pricing_note(priced: list[dict[str, Any]]) -> list[str]:
    by_path: dict[str, list[str]] = {}
    for line in priced:
        by_path.setdefault(f"{line['priced_as']} ({line['bench_rps']:,.0f} req/s)", []).append(line["route"])
    return [
        f"{path} for {len(routes)} route{'s' if len(routes) > 1 else ''}" for path, routes in by_path.items()
    ]


def _num(value: float | None, digits: int = 0) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


def _table(columns: list[str], cells: list[list[str]]) -> list[str]:
    widths = [max([len(columns[i]), *(len(row[i]) for row in cells)]) for i in range(len(columns))]

    def join(line: list[str]) -> str:
        return "  ".join(
            c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(line)
        ).rstrip()

    return [join(columns), join(["-" * w for w in widths]), *(join(row) for row in cells)]


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def write_json(document: dict[str, Any], backend: str, started: dt.datetime) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"soak-{backend}-{started:%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    return path
