"""Where the mix stops holding: the rule that prices the soak from Locust's own stepped runs (pure; no Locust import,
so that the soak's process can use it without gevent's patches).

A step is a number of simulated people, each paced at LOCUST_RPS_PER_USER, held for a settling time and then
measured. The step *holds* when, over its measured seconds, no request failed (a 5xx, no answer, or a status the
journey did not expect, such as a 429), the platform kept pace — its answered share of the offered rate stayed at
least `SHORTFALL` of the first step's (the pacing never reaches 100 % exactly: a journey that sleeps between its
requests, such as a report read back twice, takes longer than its pacing interval) — and the p99 did not jump:
at most `P99_RISE` × the previous held step's (a p99 under `P99_FLOOR_MS` never counts as a jump).
A step that breaks without a failed request is measured once more before it counts (a burst of another program on a
shared machine passes; a knee repeats). The mix's capacity is the answered rate of the last step that held before
the first that did not.
"""

from __future__ import annotations

from dataclasses import dataclass

SHORTFALL = 0.90  # below 90 % of the first step's pace, the platform (or Locust) is not keeping up
P99_RISE = 2.0  # "p99 rises sharply": more than double the previous step's
P99_FLOOR_MS = 100.0  # a p99 under 100 ms is not a sharp rise, whatever its ratio


@dataclass(frozen=True)
class Step:
    """One step of the pricing: what was offered and what came back over its measured seconds."""

    users: int
    offered_rps: float
    seconds: float
    requests: int
    rps: float
    p50_ms: float | None
    p99_ms: float | None
    failures: int  # Locust's failures: 5xx, no answer, an unexpected status
    server_errors: int = 0
    no_answer: int = 0


def broken(step: Step, previous: Step | None, first: Step | None = None) -> str | None:
    """Why the step does not hold, or None when it does (`previous`: the step before it, which held; `first`: the
    first step, whose pace is the reference)."""
    if step.requests == 0:
        return "no request was answered"
    if step.failures:
        return (
            f"{step.failures:,} failed requests ({step.server_errors:,} 5xx, {step.no_answer:,} unanswered, "
            f"{step.failures - step.server_errors - step.no_answer:,} unexpected statuses)"
        )
    pace = step.rps / step.offered_rps if step.offered_rps else 0.0
    reference = first.rps / first.offered_rps if first is not None and first.offered_rps else 1.0
    if pace < SHORTFALL * reference:
        return (
            f"answered {step.rps:,.0f} of the {step.offered_rps:,.0f} req/s offered ({100 * pace:.0f} %, the first "
            f"step {100 * reference:.0f} %: < {100 * SHORTFALL:.0f} % of its pace)"
        )
    if (
        previous is not None
        and previous.p99_ms
        and step.p99_ms is not None
        and step.p99_ms > P99_FLOOR_MS
        and step.p99_ms > P99_RISE * previous.p99_ms
    ):
        return f"p99 rose from {previous.p99_ms:,.0f} ms to {step.p99_ms:,.0f} ms (> {P99_RISE:g} ×)"
    return None


@dataclass(frozen=True)
class Knee:
    capacity_rps: float | None  # the answered rate of the last step that held; None when the first did not
    held: Step | None
    broke: Step | None  # the first step that did not hold (and, without failures, did not hold again either)
    reason: str | None
    again: bool = (
        False  # the last step broke without a failure and has not been repeated: measure it once more
    )


def knee(steps: list[Step]) -> Knee:
    """The last step that held before the first that did not (steps in the order they ran). A step that broke
    without a failed request (a p99 jump or falling behind: on a shared machine, possibly another program's burst)
    is measured once more at the same number of people; if the repeat holds, the pricing goes on from it."""
    held: Step | None = None
    for index, step in enumerate(steps):
        reason = broken(step, held, steps[0])
        if reason is None:
            held = step
            continue
        repeat = index > 0 and steps[index - 1].users == step.users
        repeated = index + 1 < len(steps) and steps[index + 1].users == step.users
        if repeated and not step.failures:
            continue  # judged by its repeat
        again = index == len(steps) - 1 and not step.failures and not repeat
        return Knee(held.rps if held else None, held, step, reason, again)
    return Knee(held.rps if held else None, held, None, None)
