"""The soak's pricing inside Locust: the same people and journeys, their number stepped up until the mix stops holding
(`loadtests.mix.knee`). `loadtests/locustfile.py` exposes this shape only when LOCUST_STEPS is set.

    LOCUST_STEPS            people per step, in order ("100,200,300"); each step adds people to the last
    LOCUST_STEP_SECONDS     measured seconds per step (default 40)
    LOCUST_STEP_SETTLE      seconds between a step's last person started and its measurement (default 10)
    LOCUST_STEP_SPAWN_RATE  people started per second (default 25)
    LOCUST_STEPS_JSON       where to write the steps' figures (rewritten after every step)

The run stops after the first step that does not hold (`knee`: a step that broke without a failed request is
measured once more first), or after the last step. Locust's statistics are reset when
a step's measurement starts; the answers per status class (the harness's count) are taken as differences.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import asdict
from pathlib import Path

from locust import LoadTestShape

from loadtests.mix.harness import ANSWERS
from loadtests.mix.knee import Knee, Step, knee

log = logging.getLogger("loadtests.mix")


def _answers() -> dict[str, int]:
    totals: dict[str, int] = {}
    for counts in ANSWERS.values():
        for key, count in counts.items():
            totals[key] = totals.get(key, 0) + count
    return totals


class StepShape(LoadTestShape):
    """Steps of LOCUST_STEPS people, each settled and then measured; stops at the first step that breaks."""

    def __init__(self) -> None:
        super().__init__()
        self.users = [int(n) for n in os.environ.get("LOCUST_STEPS", "").split(",") if n.strip()]
        self.measure_seconds = float(os.environ.get("LOCUST_STEP_SECONDS", "40"))
        self.settle_seconds = float(os.environ.get("LOCUST_STEP_SETTLE", "10"))
        self.spawn_rate = float(os.environ.get("LOCUST_STEP_SPAWN_RATE", "25"))
        self.rps_per_user = float(os.environ.get("LOCUST_RPS_PER_USER", "1"))
        self.out = os.environ.get("LOCUST_STEPS_JSON")
        self.index = 0
        self.spawned_at: float | None = None  # when this step's people were all running
        self.measuring_since: float | None = None
        self.before: dict[str, int] = {}
        self.steps: list[Step] = []
        self.reasons: list[str | None] = []
        self.errors: list[list[dict[str, object]]] = []  # Locust's failures per step: route, error, count

    def tick(self) -> tuple[int, float] | None:
        if self.index >= len(self.users):
            return None
        target = self.users[self.index]
        now = time.monotonic()
        runner = self.runner
        if self.spawned_at is None:
            if runner is not None and runner.user_count >= target:
                self.spawned_at = now
        elif self.measuring_since is None:
            if now - self.spawned_at >= self.settle_seconds and runner is not None:
                runner.stats.reset_all()
                self.before = _answers()
                self.measuring_since = now
        elif now - self.measuring_since >= self.measure_seconds and runner is not None:
            found = self.record(runner, target, now - self.measuring_since)
            if found.broke is not None and not found.again:
                return None
            if found.broke is None:
                self.index += 1  # else: the same people, measured once more
            self.spawned_at = self.measuring_since = None
            if self.index >= len(self.users):
                return None
            target = self.users[self.index]
        return target, self.spawn_rate

    def record(self, runner: object, users: int, seconds: float) -> Knee:
        """Write the step's figures; the knee so far (whether to go on, measure again or stop)."""
        total = runner.stats.total  # type: ignore[attr-defined]
        after = _answers()
        delta = {k: after.get(k, 0) - self.before.get(k, 0) for k in after}
        requests = int(total.num_requests)
        step = Step(
            users=users,
            offered_rps=users * self.rps_per_user,
            seconds=round(seconds, 1),
            requests=requests,
            rps=requests / seconds if seconds > 0 else 0.0,
            p50_ms=float(total.get_response_time_percentile(0.5)) if requests else None,
            p99_ms=float(total.get_response_time_percentile(0.99)) if requests else None,
            failures=int(total.num_failures),
            server_errors=delta.get("5xx", 0),
            no_answer=delta.get("no_answer", 0),
        )
        self.steps.append(step)
        found = knee(self.steps)
        reason = found.reason if found.broke is step else None
        self.reasons.append(reason)
        log.info(
            "mix: step %d people: %.0f req/s answered of %.0f offered, p50 %s ms, p99 %s ms, %d failures: %s",
            users,
            step.rps,
            step.offered_rps,
            step.p50_ms,
            step.p99_ms,
            step.failures,
            (reason + (": measuring it once more" if found.again else "")) if reason else "holds",
        )
        errors = [
            {"route": f"{e.method} {e.name}", "error": str(e.error), "occurrences": e.occurrences}
            for e in runner.stats.errors.values()  # type: ignore[attr-defined]
        ]
        self.errors.append(errors)
        for error in errors:
            log.info(
                "mix: step %d people: failed %s ×%d: %s",
                users,
                error["route"],
                error["occurrences"],
                error["error"],
            )
        if self.out:
            document = {
                "steps": [
                    {**asdict(s), "broken": r, "errors": e}
                    for s, r, e in zip(self.steps, self.reasons, self.errors, strict=True)
                ]
            }
            Path(self.out).write_text(json.dumps(document, indent=2) + "\n")
        return found
