"""The soak's settings and limits, its error and its voice."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from loadtests.bench import (
    BenchError,
    Config,
)

LOCUSTFILE = Path(__file__).resolve().parent.parent / "locustfile.py"
SAMPLE_SECONDS = 10.0
P99_FACTOR = 2.0
RSS_GROWTH_LIMIT = 0.10
RSS_FROM_SECONDS = 120.0  # "from minute 2": the first minute and a half of a run fills caches and pools
# The pricing's steps (simulated people, at SOAK_RPS_PER_USER each): fine where a shared 2-core machine's knee lies
DEFAULT_PRICE_STEPS = (25, 50, 100, 150, 200, 250, 300, 400, 500, 600, 700, 800, 1000, 1200)


class SoakError(Exception):
    """The soak cannot run; the message says why."""


def say(message: str) -> None:
    sys.stderr.write(f"soak: {message}\n")
    sys.stderr.flush()


# -- inputs ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SoakConfig:
    bench: Config
    seconds: int
    load: float
    rps_per_user: float
    spawn_seconds: float
    price_steps: tuple[int, ...] = DEFAULT_PRICE_STEPS
    price_step_seconds: float = 40.0
    price_file: Path | None = None  # an earlier pricing to reuse instead of measuring again

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
            price_steps=_steps_env("SOAK_PRICE_STEPS"),
            price_step_seconds=_number_env("SOAK_PRICE_STEP_SECONDS", 40, 10, 600),
            price_file=Path(os.environ["SOAK_PRICE_FILE"]) if os.environ.get("SOAK_PRICE_FILE") else None,
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


def _steps_env(name: str) -> tuple[int, ...]:
    raw = os.environ.get(name)
    if not raw:
        return DEFAULT_PRICE_STEPS
    try:
        steps = tuple(int(n) for n in raw.split(",") if n.strip())
    except ValueError:
        raise SoakError(f'{name} must be people per step, rising ("100,200,300"), not {raw!r}') from None
    if not steps or any(n < 1 for n in steps) or list(steps) != sorted(set(steps)):
        raise SoakError(f'{name} must be people per step, rising ("100,200,300"), not {raw!r}')
    return steps
