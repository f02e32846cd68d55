"""The soak's pricing rule, as pure functions: where the Locust mix stops holding, and what the soak then offers."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from loadtests.mix.knee import Step, broken, knee
from loadtests.soak.pricing import Pricing
from loadtests.soak.settings import SoakError


def step(users: int, *, pace: float = 0.95, p99: float = 60.0, failures: int = 0, **more: object) -> Step:
    return Step(
        users=users,
        offered_rps=float(users),
        seconds=40.0,
        requests=int(users * pace * 40),
        rps=users * pace,
        p50_ms=10.0,
        p99_ms=p99,
        failures=failures,
        **more,  # type: ignore[arg-type]
    )


def test_the_knee_is_the_last_step_before_errors_appear():
    steps = [step(50), step(100), step(200), step(300, failures=4, server_errors=4)]
    found = knee(steps)
    assert found.held == steps[2]
    assert found.capacity_rps == pytest.approx(190.0)
    assert found.broke == steps[3]
    assert found.reason is not None and "4 5xx" in found.reason


def test_a_sharp_p99_rise_breaks_a_step_but_a_low_p99_never_does():
    assert broken(step(200, p99=300.0), step(100, p99=120.0)) is not None  # 2.5 × and over the floor
    assert broken(step(200, p99=90.0), step(100, p99=20.0)) is None  # 4.5 ×, but a 90 ms p99 is no jump
    assert broken(step(200, p99=230.0), step(100, p99=120.0)) is None  # under 2 ×


def test_falling_behind_the_offered_rate_breaks_a_step_relative_to_the_first_steps_pace():
    first = step(50, pace=0.90)  # the pacing's own shortfall: journeys that sleep between their requests
    assert broken(step(100, pace=0.88), first, first) is None
    reason = broken(step(400, pace=0.70), step(300, pace=0.88), first)
    assert reason is not None and "offered" in reason


def test_every_step_holding_prices_at_the_last_and_no_step_holding_prices_nothing():
    steps = [step(50), step(100)]
    assert knee(steps).capacity_rps == pytest.approx(95.0) and knee(steps).broke is None
    none = knee([step(50, failures=1)])
    assert none.capacity_rps is None and none.held is None
    pricing = Pricing(Path("p.json"), [step(50, failures=1)], none, {}, [[]])
    with pytest.raises(SoakError):
        _ = pricing.capacity


def test_the_pace_is_the_first_steps_share_of_the_offered_rate():
    steps = [step(50, pace=0.9), step(100, pace=0.95)]
    pricing = Pricing(Path("p.json"), steps, knee(steps), {}, [[], []])
    assert pricing.pace == pytest.approx(0.9)
    assert "held at 100 people" in pricing.summary()
    assert Pricing(Path("p.json"), [], knee([]), {}, []).pace == 1.0


def test_a_step_with_nothing_answered_does_not_hold():
    assert broken(replace(step(50), requests=0, rps=0.0), None) == "no request was answered"


def test_a_step_that_broke_without_a_failure_is_measured_once_more_before_it_counts():
    noisy = [step(25, p99=120.0), step(50, p99=270.0)]
    assert knee(noisy).again  # a p99 jump alone: measure the same people again
    passed = knee([*noisy, step(50, p99=130.0), step(100, p99=140.0)])
    assert passed.broke is None and passed.held is not None and passed.held.users == 100
    confirmed = knee([*noisy, step(50, p99=280.0)])
    assert confirmed.broke is not None and confirmed.broke.users == 50 and not confirmed.again
    assert confirmed.held is not None and confirmed.held.users == 25
    failing = knee([step(25), step(50, failures=2)])
    assert not failing.again and failing.capacity_rps == pytest.approx(23.75)  # errors are never noise
