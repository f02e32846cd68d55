"""`python -m loadtests.soak`: the Locust mix at 70 % of the capacity `make bench` found, for ten minutes, with the
memory of every platform process watched; a PASS/FAIL verdict with its figures.

One run:
1. reads the newest `loadtests/results/bench-<backend>-*.json` (none: it says so and exits 2) and derives the mix's
   capacity from it: each route of the mix (`loadtests/locustfile.py`, `expected_mix()`) is priced at the req/s
   the bench measured for the same path, or for the measured path that stands for it (`PRICED_AS` below), and the
   mix's capacity is the rate at which those costs add up to one second per second:
   1 / Σ (share of the route / req/s of its path);
2. starts the platform exactly as `make bench` does (`loadtests.bench.Platform`: `python -m services.cli up` on
   fresh storage, `BST_TRUSTED_PROXIES=1`, the bootstrap admin's password made for the run);
3. runs the mix headless for SOAK_SECONDS at SOAK_LOAD of that capacity: SOAK_RPS_PER_USER requests per second
   per simulated person (`LOCUST_RPS_PER_USER`, Locust's `constant_throughput`), as many people as that takes,
   started over the first SOAK_SPAWN_SECONDS (Locust's figures restart when all are started: `--reset-stats`);
   reads VmRSS (and the CPU time) of every platform process every 10 s;
4. stops everything and prints the verdict: PASS only if no request was answered 5xx or left unanswered in the
   whole run, every route's p99 after the ramp is within 2× the bench's p99 for the same path (where the bench
   measured it), and no process's resident memory grew by 10 % or more from minute 2 to the end (in a run
   shorter than 4 minutes, from its middle). Exit 0 on PASS, 1 on FAIL, 2 when it could not run, 130 when
   interrupted. The figures also go to `loadtests/results/soak-<backend>-<UTC time>.json`.

Environment:
    SOAK_SECONDS         how long the mix runs, ramp included (default 600)
    SOAK_LOAD            the share of the mix's capacity to offer (default 0.70)
    SOAK_RPS_PER_USER    requests per second per simulated person (default 1)
    SOAK_SPAWN_SECONDS   the ramp: people are started over this long (default 30, at most a quarter of the run)
    BENCH_BACKEND, BENCH_POSTGRES_URL, BENCH_REDIS_URL   as for `make bench` (embedded default, or postgres)

See loadtests/README.md, "The soak".
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from loadtests.bench import (
    RESULTS_DIR,
    ROOT,
    BenchError,
    Config,
    Platform,
    cpu_seconds,
    peak_rss_mib,
    rss_mib,
    stop_process,
)

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
SAMPLE_SECONDS = 10.0
P99_FACTOR = 2.0
RSS_GROWTH_LIMIT = 0.10
RSS_FROM_SECONDS = 120.0  # "from minute 2": the first minute and a half of a run fills caches and pools

# What each route of the mix costs, in the bench's terms: the bench row whose req/s prices it, the first of its
# candidates that the bench file holds (a candidate matches a row of the same method and path, whatever the row's
# query string). A route the bench measures is priced by its own row; the others by the measured path closest in
# kind, never a cheaper one.
CHEAP_READ = "GET /api/v1/repair/counties"  # the cheapest measured read through a service
TICKET_READ = "GET /api/v1/repair/tickets/{ticket_no}"
TICKET_WRITE = "POST /api/v1/repair/tickets"
PASSWORD = "POST /api/v1/auth/token"
CATALOGUE = "GET /api/v1/mini-apps"  # answered by the gateway alone, from its in-process catalogue
SEARCH = "GET /api/v1/search"
PRICED_AS: dict[str, tuple[str, ...]] = {
    # the gateway's catalogue: its own rows where the bench has them, else the cheapest read through a service
    "GET /api/v1/mini-apps": (CATALOGUE, CHEAP_READ),
    "GET /api/v1/search": (SEARCH, CHEAP_READ),
    "GET /api/v1/mini-apps/[app_id]": (CATALOGUE, CHEAP_READ),  # one app: cheaper than a catalogue page
    "GET /api/v1/mini-apps/[app_id]/entry": (CATALOGUE, CHEAP_READ),
    # a page from disk, a read of the gateway's own database, one light call to the repair service
    "GET /r/[county]": (CHEAP_READ,),
    "GET /api/v1/me": (CHEAP_READ,),
    "GET /api/v1/admin/sms-outbox": (CHEAP_READ,),
    "GET /api/v1/repair/qr": (CHEAP_READ,),
    # ticket reads: the measured one, and the pages of tickets (newest first, at most 20) priced as one
    "GET /api/v1/repair/tickets/[no]": (TICKET_READ,),
    "GET /api/v1/repair/tickets?mine=true": (TICKET_READ,),
    "GET /api/v1/repair/tickets?status=dispatched": (TICKET_READ,),
    # writes: the measured ticket write, and every other write transaction priced as one
    "POST /api/v1/repair/tickets": (TICKET_WRITE,),
    "POST /api/v1/repair/tickets [same Idempotency-Key again]": (TICKET_WRITE,),
    "POST /api/v1/repair/tickets/[no]/accept": (TICKET_WRITE,),
    "POST /api/v1/repair/tickets/[no]/resolve": (TICKET_WRITE,),
    "POST /api/v1/repair/uploads": (TICKET_WRITE,),
    "POST /api/v1/auth/sms-code": (TICKET_WRITE,),
    "POST /api/v1/auth/token (sms)": (TICKET_WRITE,),
    "POST /api/v1/auth/token (refresh)": (TICKET_WRITE,),
    "POST /api/v1/auth/delegations": (TICKET_WRITE,),
    # an argon2id hash or verify
    "POST /api/v1/auth/token (password)": (PASSWORD,),
    "POST /api/v1/admin/accounts": (PASSWORD,),
}
# The routes whose p99 is judged: those the bench measures on the same method and path (the query may differ).
SAME_PATH: dict[str, str] = {
    "GET /api/v1/repair/tickets/[no]": TICKET_READ,
    "POST /api/v1/repair/tickets": TICKET_WRITE,
    "POST /api/v1/auth/token (password)": PASSWORD,  # the bench's row is this grant
    "GET /api/v1/mini-apps": CATALOGUE,
    "GET /api/v1/search": SEARCH,
}


def bench_key(figures: Mapping[str, float], path: str) -> str | None:
    """The bench row measuring `path` ("GET /api/v1/search" finds "GET /api/v1/search?q=gdbx"), if there is one."""
    return next((key for key in figures if key == path or key.startswith(path + "?")), None)


class SoakError(Exception):
    """The soak cannot run; the message says why."""


def say(message: str) -> None:
    sys.stderr.write(f"soak: {message}\n")
    sys.stderr.flush()


# -- the verdict (pure) ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RouteResult:
    """One route of the mix over the run: Locust's figures and what was answered."""

    route: str  # "GET /api/v1/repair/tickets/[no]"
    requests: int
    requests_per_second: float
    p50_ms: float | None
    p99_ms: float | None
    server_errors: int = 0  # answered 5xx
    no_answer: int = 0  # connection refused or reset, timeout
    unexpected_4xx: int = (
        0  # a 4xx the journey did not expect (a failure in Locust's stats, not in the verdict)
    )
    bench_p99_ms: float | None = None  # the bench's p99 for the same path, where it measured it


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class Verdict:
    checks: tuple[Check, ...]

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(check.passed for check in self.checks)


RssSamples = Mapping[
    str, list[tuple[float, float | None]]
]  # process → [(seconds into the run, VmRSS MiB or None)]


DATA_STORES = {"redis"}


def judge(
    routes: list[RouteResult],
    rss: RssSamples,
    *,
    rss_from_seconds: float,
    p99_factor: float = P99_FACTOR,
    rss_growth_limit: float = RSS_GROWTH_LIMIT,
) -> Verdict:
    """PASS only if the mix ran, nothing was answered 5xx or left unanswered, every route the bench measured kept
    its p99 within `p99_factor` × the bench's, and every platform process's RSS grew by less than
    `rss_growth_limit` from its first sample at or after `rss_from_seconds` to its last (a process gone before the
    end fails). The embedded Redis is a data store, not a leak suspect: its growth is shown but passes."""
    checks = []
    total = sum(r.requests for r in routes)
    checks.append(Check("the mix ran", total > 0, f"{total:,} requests on {len(routes)} routes"))
    broken = [r for r in routes if r.server_errors or r.no_answer]
    checks.append(
        Check(
            "no 5xx, no request left unanswered",
            not broken,
            "; ".join(f"{r.route}: {r.server_errors:,} 5xx, {r.no_answer:,} unanswered" for r in broken)
            or f"all {total:,} answered below 500",
        )
    )
    for r in routes:
        if r.bench_p99_ms is None or not r.requests:
            continue
        limit = p99_factor * r.bench_p99_ms
        within = r.p99_ms is not None and r.p99_ms <= limit
        checks.append(
            Check(
                f"p99 {r.route}",
                within,
                f"{_ms(r.p99_ms)} {'≤' if within else '>'} {p99_factor:g} × the bench's {_ms(r.bench_p99_ms)}",
            )
        )
    for name, samples in sorted(rss.items()):
        check = _rss_check(name, samples, rss_from_seconds, rss_growth_limit)
        if name in DATA_STORES and samples and all(mib is not None for _, mib in samples):
            # Redis grows by what it is asked to hold (event streams up to their trim length, rate-limit and
            # session keys until they expire): its growth is shown, not judged as a leak.
            check = Check(f"{check.name} (a data store: shown, not judged)", True, check.detail)
        checks.append(check)
    return Verdict(tuple(checks))


def _rss_check(name: str, samples: list[tuple[float, float | None]], start: float, limit: float) -> Check:
    title = f"RSS {name}"
    if not samples:
        return Check(title, False, "never read")
    gone = [t for t, mib in samples if mib is None]
    if gone:
        return Check(title, False, f"the process was gone at {_clock(gone[0])}")
    base = next(((t, mib) for t, mib in samples if t >= start), None)
    end = samples[-1]
    if base is None or end[0] <= base[0] or base[1] is None or end[1] is None or base[1] <= 0:
        return Check(title, False, f"no samples after {_clock(start)} to compare")
    growth = (end[1] - base[1]) / base[1]
    return Check(
        title,
        growth < limit,
        f"{base[1]:.1f} MiB at {_clock(base[0])} → {end[1]:.1f} MiB at {_clock(end[0])}: {100 * growth:+.1f} % "
        f"({'<' if growth < limit else '≥'} {100 * limit:g} %)",
    )


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f} ms"


def _clock(seconds: float) -> str:
    return f"{int(seconds) // 60}:{int(seconds) % 60:02d}"


def mix_capacity(
    mix: Mapping[str, float], bench_rps: Mapping[str, float]
) -> tuple[float, list[dict[str, Any]]]:
    """The mix's capacity in req/s from the bench's figures (1 / Σ share / req/s of the path pricing the route),
    and one line per route saying how it was priced."""
    lines, seconds_per_request = [], 0.0
    total_share = sum(mix.values())
    for key, share in mix.items():
        candidates = PRICED_AS.get(key)
        if candidates is None:
            raise SoakError(
                f"the mix has a route with no price: {key!r}; add it to PRICED_AS in loadtests/soak.py"
            )
        path = next((found for c in candidates if (found := bench_key(bench_rps, c))), None)
        if path is None or not bench_rps[path]:
            raise SoakError(f"{key} is priced as {' or '.join(candidates)}; the bench file has no such row")
        rps = bench_rps[path]
        seconds_per_request += (share / total_share) / rps
        lines.append({"route": key, "share": share / total_share, "priced_as": path, "bench_rps": rps})
    if seconds_per_request <= 0:
        raise SoakError("the expected mix is empty")
    return 1.0 / seconds_per_request, lines


# -- inputs ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SoakConfig:
    bench: Config
    seconds: int
    load: float
    rps_per_user: float
    spawn_seconds: float

    @classmethod
    def from_env(cls) -> SoakConfig:
        try:
            bench = Config.from_env()
        except BenchError as exc:
            raise SoakError(str(exc)) from None
        seconds = int(_number_env("SOAK_SECONDS", 600, 30, 7 * 86400))
        return cls(
            bench=bench,
            seconds=seconds,
            load=_number_env("SOAK_LOAD", 0.70, 0.01, 2.0),
            rps_per_user=_number_env("SOAK_RPS_PER_USER", 1.0, 0.01, 100.0),
            spawn_seconds=min(_number_env("SOAK_SPAWN_SECONDS", 30, 1, 3600), seconds / 4),
        )

    @property
    def rss_from_seconds(self) -> float:
        return min(RSS_FROM_SECONDS, self.seconds / 2)


def _number_env(name: str, default: float, low: float, high: float) -> float:
    raw = os.environ.get(name, str(default))
    try:
        value = float(raw)
    except ValueError:
        raise SoakError(f"{name} must be a number, not {raw!r}") from None
    if not low <= value <= high:
        raise SoakError(f"{name} must be between {low:g} and {high:g}, not {raw}")
    return value


def newest_bench_file(backend: str, directory: Path = RESULTS_DIR) -> Path | None:
    """The newest full run of `make bench` for the backend at one replica (a run limited by BENCH_ONLY, or at
    more replicas, does not price the mix)."""
    for path in sorted(directory.glob(f"bench-{backend}-*.json"), reverse=True):  # names sort by UTC time
        try:
            bench = json.loads(path.read_text()).get("bench", {})
        except (OSError, ValueError):
            continue
        if not bench.get("only") and bench.get("replicas", 1) == 1:
            return path
    return None


@dataclass(frozen=True)
class BenchFigures:
    path: Path
    started_at: str
    rps: dict[str, float]  # "GET /api/v1/repair/tickets/{ticket_no}" → req/s
    p99_ms: dict[str, float]

    @classmethod
    def read(cls, path: Path) -> BenchFigures:
        document = json.loads(path.read_text())
        rps, p99 = {}, {}
        for row in document["rows"]:
            if row.get("failure") or row["path"].startswith("reference ") or not row.get("requests"):
                continue
            key = row["path"].split(" (")[0]  # the label without "(wuhua.window token)" and such
            rps[key], p99[key] = float(row["requests_per_second"]), float(row["p99_ms"])
        return cls(path, str(document.get("started_at", "")), rps, p99)


def expected_mix() -> dict[str, float]:
    """The locustfile's expected share per route (read in a child process: importing Locust patches the process
    for gevent)."""
    code = "import json, loadtests.locustfile as m; print(json.dumps(m.expected_mix()))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    if done.returncode != 0:
        raise SoakError(f"cannot read the mix from {LOCUSTFILE.name}:\n{done.stderr[-2000:]}")
    return {str(k): float(v) for k, v in json.loads(done.stdout.strip().splitlines()[-1]).items()}


# -- watching the platform ---------------------------------------------------------------------------------------


@dataclass
class RssSampler:
    """VmRSS of every platform process every SAMPLE_SECONDS, in a thread, from `start()` until `stop()`; and the
    CPU time of those and of `also_cpu` (Locust), to tell which process was busy."""

    pids: dict[str, int]
    also_cpu: dict[str, int] = field(default_factory=dict)
    samples: dict[str, list[tuple[float, float | None]]] = field(default_factory=dict)
    cpu: dict[str, list[tuple[float, float | None]]] = field(default_factory=dict)  # cumulative CPU seconds
    started: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def sample(self) -> None:
        at = round(time.monotonic() - self.started, 1)
        for name, pid in self.pids.items():
            self.samples.setdefault(name, []).append((at, rss_mib(pid)))
        for name, pid in {**self.pids, **self.also_cpu}.items():
            try:
                used: float | None = cpu_seconds(pid)
            except (FileNotFoundError, ProcessLookupError):
                used = None
            self.cpu.setdefault(name, []).append((at, used))

    def cpu_percent(self, from_seconds: float = 0.0) -> dict[str, float]:
        """Each process's CPU in % of one core, from its first sample at or after `from_seconds` to its last."""
        shares = {}
        for name, samples in self.cpu.items():
            known = [(t, used) for t, used in samples if used is not None]
            base = next(((t, used) for t, used in known if t >= from_seconds), None)
            if base is not None and known[-1][0] > base[0]:
                shares[name] = 100 * (known[-1][1] - base[1]) / (known[-1][0] - base[0])
        return shares

    def start(self) -> None:
        self.started = time.monotonic()

        def loop() -> None:
            while True:
                self.sample()
                if self._stop.wait(SAMPLE_SECONDS):
                    return

        self._thread = threading.Thread(target=loop, name="rss-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop sampling, and take the last sample now (the end of the run)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        self.sample()


# -- running the mix ---------------------------------------------------------------------------------------------


@dataclass
class Plan:
    capacity: float
    target_rps: float
    users: int
    spawn_rate: float
    priced: list[dict[str, Any]]


def plan(config: SoakConfig, mix: Mapping[str, float], bench: BenchFigures) -> Plan:
    capacity, priced = mix_capacity(mix, bench.rps)
    target = config.load * capacity
    users = max(3, math.ceil(target / config.rps_per_user))
    return Plan(capacity, target, users, max(0.1, users / config.spawn_seconds), priced)


def run_locust(
    config: SoakConfig, soak_plan: Plan, platform_: Platform, workdir: Path, sampler: RssSampler
) -> tuple[Path, Path, int]:
    """Locust headless for the run's seconds; returns the CSV prefix, the summary JSON and its exit code."""
    prefix, summary, log_path = workdir / "locust", workdir / "summary.json", workdir / "locust.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOCUST_", "BST_"))}
    env.update(
        {
            "LOCUST_ADMIN_PASSWORD": platform_.admin_password,
            "LOCUST_VAR_DIR": platform_.values["var_dir"],
            "LOCUST_RPS_PER_USER": f"{config.rps_per_user:g}",
            "LOCUST_SUMMARY_JSON": str(summary),
        }
    )
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
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    sampler.also_cpu["locust"] = process.pid
    try:
        code = process.wait(config.seconds + 120)
    except subprocess.TimeoutExpired:
        say("Locust did not finish in time; stopping it")
        code = -1
    finally:
        stop_process(process, signal.SIGINT, 20, "Locust")
    for line in log_path.read_text(errors="replace").splitlines():
        if "loadtests.mix:" in line or "/ERROR/" in line or "/CRITICAL/" in line:
            say(f"locust | {line.split('] ', 1)[-1]}")
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


# -- the report --------------------------------------------------------------------------------------------------


def render(
    config: SoakConfig,
    bench: BenchFigures,
    soak_plan: Plan,
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
        f"mix capacity {soak_plan.capacity:,.0f} req/s (1 / Σ share ÷ req/s of the bench path pricing each route); "
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
    out += ["", "priced as (for the capacity): " + "; ".join(_pricing_note(soak_plan.priced)), ""]
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
    soak_plan = plan(config, mix, bench)
    say(
        f"bench figures from {_relative(bench_file)}: the mix's capacity is {soak_plan.capacity:,.0f} req/s; "
        f"offering {100 * config.load:.0f} % of it"
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
    sys.stdout.write("\n" + render(config, bench, soak_plan, mix, routes, sampler.samples, cpu, verdict))
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
