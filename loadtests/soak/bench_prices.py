"""What the bench measured, and what the mix would cost in its terms (the wrk bench's estimate of the mix's capacity,
shown beside the capacity the Locust pricing measures; and the bench's p99 per path, which the verdict judges
against)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loadtests.bench import (
    RESULTS_DIR,
    ROOT,
)
from loadtests.soak.settings import LOCUSTFILE, SoakError

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
    "POST /api/v1/auth/delegations/[id]/confirm": (TICKET_WRITE,),
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
                f"the mix has a route with no price: {key!r}; add it to PRICED_AS in loadtests/soak/bench_prices.py"
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
