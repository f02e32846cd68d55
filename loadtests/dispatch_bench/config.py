"""The bench's settings: the county and the outlets' mix, `Config` from the environment, `BenchError` and `say`."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent  # loadtests/
RESULTS_DIR = HERE / "results"
COUNTY = "530102"  # 五华区
SPREAD_DEGREES = 0.25  # outlets and report points: uniform over centre ± this, in latitude and longitude
CHUNK = 5_000  # rows per executemany
SEED = 20261125
# (share in %, kind, categories): the seed's outlets, in proportion
MIX: list[tuple[int, str, tuple[str, ...]]] = [
    (45, "market", ("satellite", "dtmb")),
    (20, "market", ("satellite", "dtmb", "emergency_broadcast")),
    (5, "market", ("satellite",)),
    (10, "market", ("transmitter", "emergency_broadcast")),
    (5, "operator", ("cable",)),
    (5, "operator", ("iptv",)),
    (5, "operator", ("ott",)),
    (5, "operator", ("cable", "ott")),
]
AT_CAPACITY_SHARE = 0.10
INACTIVE_SHARE = 0.05


class BenchError(Exception):
    """The benchmark cannot go on; the message says why."""


def say(message: str) -> None:
    sys.stderr.write(f"dispatch_bench: {message}\n")
    sys.stderr.flush()


# -- configuration ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    backend: str
    postgres_url: str
    sizes: tuple[int, ...]
    decisions: int
    centre_decisions: int
    tickets: int

    @classmethod
    def from_env(cls) -> Config:
        backend = os.environ.get("BENCH_BACKEND", "embedded")
        if backend not in ("embedded", "postgres"):
            raise BenchError(f"BENCH_BACKEND must be 'embedded' or 'postgres', not {backend!r}")
        raw_sizes = os.environ.get("BENCH_SIZES", "10,1000,100000")
        try:
            sizes = tuple(int(part) for part in raw_sizes.split(",") if part.strip())
        except ValueError:
            raise BenchError(
                f"BENCH_SIZES must be whole numbers separated by commas, not {raw_sizes!r}"
            ) from None
        if not sizes or not all(1 <= n <= 200_000 for n in sizes):
            raise BenchError(f"BENCH_SIZES must each be between 1 and 200000, not {raw_sizes!r}")
        return cls(
            backend=backend,
            postgres_url=os.environ.get(
                "BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
            ),
            sizes=sizes,
            decisions=_int_env("BENCH_DECISIONS", 400, 1, 100_000),
            centre_decisions=_int_env("BENCH_CENTRE", 100, 0, 100_000),
            tickets=_int_env("BENCH_TICKETS", 100, 0, 100_000),
        )


def _int_env(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise BenchError(f"{name} must be a whole number, not {raw!r}") from None
    if not low <= value <= high:
        raise BenchError(f"{name} must be between {low} and {high}, not {value}")
    return value
