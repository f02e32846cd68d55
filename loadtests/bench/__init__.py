"""`make bench`: measure the platform's hot paths against a bare FastAPI endpoint, with wrk.

One run starts the whole platform as `bst up` does (on the embedded default, or with BENCH_BACKEND=postgres on fresh
PostgreSQL databases and a fresh Redis namespace), a reference app served the same way as the gateway, and drives
both with wrk over loopback. It prints one table and writes the same figures as JSON to
`loadtests/results/bench-<backend>-<timestamp>.json`. Everything it starts, it stops; every run is bounded in time.

Environment:
    BENCH_BACKEND        embedded (default) or postgres
    BENCH_SECONDS        measured seconds per path (default 10), after a 3-second warm-up
    BENCH_CONNECTIONS    wrk connections (default 32)
    BENCH_WRK_THREADS    wrk threads for the platform paths (default 1; the reference runs with 1 and with 2)
    BENCH_POSTGRES_URL   default postgresql+asyncpg://postgres@127.0.0.1:5432/test (postgres backend only)
    BENCH_REDIS_URL      default redis://127.0.0.1:6379/0 (postgres backend only)
    BENCH_CEILING        1: also the lean ceilings of filing and (embedded) of the ticket read
                         (loadtests/filing_ceiling_app.py, read_ceiling_app.py), after the reference

The package: `targets` (what is measured), `platform` (the platform, its fixtures, the reference), `wrk`,
`procfs` (CPU and memory of processes, shared with the soak), `measure`, `report`, `main`.

See loadtests/README.md for what each column means."""

from __future__ import annotations

from loadtests.bench.platform import Platform, free_ports  # noqa: F401
from loadtests.bench.procfs import cpu_seconds, peak_rss_mib, rss_mib, stop_process  # noqa: F401
from loadtests.bench.targets import RESULTS_DIR, ROOT, TARGETS, BenchError, Config, Target  # noqa: F401
