"""The soak's verdict, as pure functions: what makes a soak PASS or FAIL."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from loadtests.soak.settings import P99_FACTOR, RSS_GROWTH_LIMIT

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
