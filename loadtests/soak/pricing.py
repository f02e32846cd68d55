"""The soak's price, measured with the load generator the soak uses: Locust runs the same mix on a fresh platform with
its people stepped up (`loadtests.mix.steps`) until a step stops holding (`loadtests.mix.knee`: a failure, the
offered rate not answered, or a sharp p99 rise); the mix's capacity is the answered rate of the last step that held.
Written to `loadtests/results/soak-price-<backend>-<UTC time>.json`; SOAK_PRICE_FILE reuses such a file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from loadtests.bench import RESULTS_DIR, ROOT, Platform, stop_process
from loadtests.mix.knee import Knee, Step, knee
from loadtests.soak.sampler import RssSampler
from loadtests.soak.settings import LOCUSTFILE, SoakConfig, SoakError, say

SETTLE_SECONDS = 10.0
SPAWN_RATE = 25.0


@dataclass(frozen=True)
class Pricing:
    path: Path
    steps: list[Step]
    knee: Knee
    cpu_percent: dict[str, float]  # each process over the whole pricing run, % of one core
    errors: list[list[dict[str, Any]]]  # per step: Locust's failures (route, error, occurrences)

    @property
    def capacity(self) -> float:
        if self.knee.capacity_rps is None:
            raise SoakError(
                f"the pricing's first step did not hold ({self.knee.reason}): no capacity to soak at"
            )
        return self.knee.capacity_rps

    @property
    def pace(self) -> float:
        """The share of the offered rate answered at the first (lightest) step: what one person's pacing yields."""
        first = self.steps[0] if self.steps else None
        return min(1.0, first.rps / first.offered_rps) if first and first.offered_rps and first.rps else 1.0

    def summary(self) -> str:
        held = self.knee.held
        line = (
            f"held at {held.users:,} people: {held.rps:,.0f} req/s answered, p99 {held.p99_ms:,.0f} ms"
            if held and held.p99_ms is not None
            else "no step held"
        )
        if self.knee.broke is not None:
            line += f"; broke at {self.knee.broke.users:,} people: {self.knee.reason}"
        else:
            line += "; every step held (the knee is above the last step: add steps to SOAK_PRICE_STEPS)"
        return line


def locust_env(platform_: Platform, rps_per_user: float, extra: dict[str, str]) -> dict[str, str]:
    """The environment Locust runs in: none of the caller's LOCUST_ or BST_ variables, the platform's passwords."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOCUST_", "BST_"))}
    env.update(
        {
            "LOCUST_ADMIN_PASSWORD": platform_.admin_password,
            "LOCUST_VAR_DIR": platform_.values["var_dir"],
            "LOCUST_RPS_PER_USER": f"{rps_per_user:g}",
            **extra,
        }
    )
    return env


def run_locust_process(
    command: list[str], env: dict[str, str], log_path: Path, timeout: float, sampler: RssSampler
) -> int:
    """Locust until it exits (or `timeout` seconds, then stopped), its CPU sampled; its mix lines and errors said
    again here. Its exit code (-1 when it had to be stopped)."""
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
        code = process.wait(timeout)
    except subprocess.TimeoutExpired:
        say("Locust did not finish in time; stopping it")
        code = -1
    finally:
        stop_process(process, signal.SIGINT, 20, "Locust")
    for line in log_path.read_text(errors="replace").splitlines():
        if "loadtests.mix:" in line or "/ERROR/" in line or "/CRITICAL/" in line:
            say(f"locust | {line.split('] ', 1)[-1]}")
    return code


def price(config: SoakConfig) -> Pricing:
    """Start a fresh platform, step the mix up on it, stop it; the steps and where the mix stopped holding."""
    started = dt.datetime.now(dt.UTC)
    steps_seconds = len(config.price_steps) * (config.price_step_seconds + SETTLE_SECONDS + 10)
    say(
        f"pricing: Locust steps of {', '.join(map(str, config.price_steps))} people at "
        f"{config.rps_per_user:g} req/s each, {SETTLE_SECONDS:.0f} s settling + {config.price_step_seconds:.0f} s "
        f"measured per step, until a step stops holding (at most {steps_seconds / 60:.0f} min)"
    )
    with tempfile.TemporaryDirectory(prefix="bst-soak-price-") as tmp:
        workdir = Path(tmp)
        platform_ = Platform(config.bench, workdir)
        try:
            platform_.configure()
            platform_.start()
            sampler = RssSampler(dict(platform_.pids))
            sampler.start()
            try:
                out, code = _run_steps(config, platform_, workdir, sampler, steps_seconds)
            finally:
                sampler.stop()
        finally:
            say("pricing: stopping the platform")
            platform_.stop()
        if not out.exists():
            raise SoakError(
                f"the pricing measured no step (Locust exit code {code}); see the Locust lines above"
            )
        document = json.loads(out.read_text())
    steps = [Step(**{k: v for k, v in s.items() if k not in ("broken", "errors")}) for s in document["steps"]]
    errors = [s.get("errors", []) for s in document["steps"]]
    path = RESULTS_DIR / f"soak-price-{config.bench.backend}-{started:%Y%m%dT%H%M%SZ}.json"
    result = Pricing(path, steps, knee(steps), sampler.cpu_percent(), errors)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(pricing_document(result, config, started), ensure_ascii=False, indent=2) + "\n"
    )
    say(f"pricing: {result.summary()}; written to {path.name}")
    return result


def _run_steps(
    config: SoakConfig, platform_: Platform, workdir: Path, sampler: RssSampler, steps_seconds: float
) -> tuple[Path, int]:
    out, log_path = workdir / "steps.json", workdir / "locust-price.log"
    env = locust_env(
        platform_,
        config.rps_per_user,
        {
            "LOCUST_STEPS": ",".join(map(str, config.price_steps)),
            "LOCUST_STEP_SECONDS": f"{config.price_step_seconds:g}",
            "LOCUST_STEP_SETTLE": f"{SETTLE_SECONDS:g}",
            "LOCUST_STEP_SPAWN_RATE": f"{SPAWN_RATE:g}",
            "LOCUST_STEPS_JSON": str(out),
        },
    )
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--only-summary"]
    command += ["--host", platform_.base_url, "--stop-timeout", "10"]
    code = run_locust_process(command, env, log_path, steps_seconds + 180, sampler)
    return out, code


def pricing_document(result: Pricing, config: SoakConfig, started: dt.datetime) -> dict[str, Any]:
    return {
        "started_at": started.isoformat(timespec="seconds"),
        "backend": config.bench.backend,
        "rps_per_user": config.rps_per_user,
        "step_seconds": config.price_step_seconds,
        "settle_seconds": SETTLE_SECONDS,
        "load_average_after": os.getloadavg(),
        "steps": [{**asdict(s), "errors": e} for s, e in zip(result.steps, result.errors, strict=True)],
        "capacity_rps": result.knee.capacity_rps,
        "held_users": result.knee.held.users if result.knee.held else None,
        "broke_users": result.knee.broke.users if result.knee.broke else None,
        "reason": result.knee.reason,
        "cpu_percent": result.cpu_percent,
    }


def read_pricing(path: Path) -> Pricing:
    """An earlier pricing (SOAK_PRICE_FILE), its knee found again from its steps."""
    try:
        document = json.loads(path.read_text())
        steps = [Step(**{k: v for k, v in s.items() if k != "errors"}) for s in document["steps"]]
        errors = [s.get("errors", []) for s in document["steps"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SoakError(f"cannot read the pricing {path}: {exc}") from None
    return Pricing(path, steps, knee(steps), dict(document.get("cpu_percent", {})), errors)
