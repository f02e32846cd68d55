"""`python -m loadtests.soak` (`make soak`): the Locust mix priced with Locust itself, then run at 70 % of it for
ten minutes with the memory of every platform process watched; a PASS/FAIL verdict with its figures.

One run:
1. reads the newest `loadtests/results/bench-<backend>-*.json` (none: it says so and exits 2) for the bench's p99 per
   path (what the verdict judges against) and the bench's estimate of the mix's capacity (`bench_prices.py`, shown);
2. prices the mix (`pricing.py`): on a fresh platform, Locust runs the same mix with its people stepped up
   (SOAK_PRICE_STEPS) until a step fails, falls behind or its p99 jumps (`loadtests.mix.knee`); the capacity is the
   answered req/s of the last step that held (SOAK_PRICE_FILE reuses an earlier pricing);
3. starts a fresh platform exactly as `make bench` does (`loadtests.bench.Platform`: `python -m services.cli up` on
   fresh storage, `BST_TRUSTED_PROXIES=1`, the bootstrap admin's password made for the run);
4. runs the mix headless for SOAK_SECONDS at SOAK_LOAD of that capacity: SOAK_RPS_PER_USER requests per second
   per simulated person (`LOCUST_RPS_PER_USER`, Locust's `constant_throughput`), as many people as that takes,
   started over the first SOAK_SPAWN_SECONDS (Locust's figures restart when all are started: `--reset-stats`);
   reads VmRSS (and the CPU time) of every platform process every 10 s (`sampler.py`);
5. stops everything and prints the verdict (`verdict.py`): PASS only if no request was answered 5xx or left
   unanswered in the whole run, every route's p99 after the ramp is within 2× the bench's p99 for the same path
   (where the bench measured it), and no process's resident memory grew by 10 % or more from minute 2 to the end
   (in a run shorter than 4 minutes, from its middle). Exit 0 on PASS, 1 on FAIL, 2 when it could not run, 130
   when interrupted. The figures also go to `loadtests/results/soak-<backend>-<UTC time>.json`.

Environment:
    SOAK_SECONDS             how long the mix runs, ramp included (default 600)
    SOAK_LOAD                the share of the mix's capacity to offer (default 0.70)
    SOAK_RPS_PER_USER        requests per second per simulated person (default 1)
    SOAK_SPAWN_SECONDS       the ramp: people are started over this long (default 30, at most a quarter of the run)
    SOAK_PRICE_STEPS         the pricing's people per step, rising (default 25,50,100,…,1200)
    SOAK_PRICE_STEP_SECONDS  measured seconds per pricing step (default 40)
    SOAK_PRICE_FILE          an earlier `soak-price-*.json` to soak at instead of pricing again
    BENCH_BACKEND, BENCH_POSTGRES_URL, BENCH_REDIS_URL   as for `make bench` (embedded default, or postgres)

See loadtests/README.md, "The soak".
"""

from loadtests.soak.bench_prices import BenchFigures, mix_capacity, newest_bench_file
from loadtests.soak.settings import SoakConfig, SoakError
from loadtests.soak.verdict import Check, RouteResult, Verdict, judge

__all__ = [
    "BenchFigures",
    "Check",
    "RouteResult",
    "SoakConfig",
    "SoakError",
    "Verdict",
    "judge",
    "mix_capacity",
    "newest_bench_file",
]
