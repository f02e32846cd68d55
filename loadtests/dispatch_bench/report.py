"""The report: the printed tables (decisions, growth, create_ticket, the plan) and the JSON file of the figures."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import platform
import sys
from dataclasses import asdict
from pathlib import Path

from loadtests.dispatch_bench.config import (
    AT_CAPACITY_SHARE,
    COUNTY,
    INACTIVE_SHARE,
    MIX,
    RESULTS_DIR,
    SPREAD_DEGREES,
    Config,
)
from loadtests.dispatch_bench.measure import SizeResult

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
