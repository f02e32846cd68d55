"""The soak's verdict and the mix's capacity, as pure functions: what makes a soak PASS or FAIL."""

from __future__ import annotations

import pytest

from loadtests.soak import RouteResult, SoakError, judge, mix_capacity

TICKET = "GET /api/v1/repair/tickets/[no]"
CATALOGUE = "GET /api/v1/mini-apps"


def route(name: str = TICKET, **figures: object) -> RouteResult:
    values: dict[str, object] = {
        "route": name,
        "requests": 1_000,
        "requests_per_second": 10.0,
        "p50_ms": 20.0,
        "p99_ms": 200.0,
        "bench_p99_ms": 256.6 if name == TICKET else None,
    }
    return RouteResult(**{**values, **figures})  # type: ignore[arg-type]


def steady(mib: float = 100.0, growth: float = 0.0) -> list[tuple[float, float | None]]:
    """A sample every 10 s for 10 minutes; the first minute climbs (warm-up), then `growth` spread evenly."""
    samples: list[tuple[float, float | None]] = []
    for t in range(0, 610, 10):
        if t < 120:
            samples.append((float(t), mib * (0.5 + 0.5 * t / 120)))
        else:
            samples.append((float(t), mib * (1 + growth * (t - 120) / 480)))
    return samples


def failed(verdict) -> list[str]:  # type: ignore[no-untyped-def]
    return [check.name for check in verdict.checks if not check.passed]


def test_a_clean_run_passes_and_says_why():
    verdict = judge(
        [route(), route(CATALOGUE, p99_ms=3_000.0)],
        {"gateway": steady(growth=0.05), "repair": steady()},
        rss_from_seconds=120,
    )
    assert verdict.passed, verdict.checks
    names = [check.name for check in verdict.checks]
    assert f"p99 {TICKET}" in names
    assert f"p99 {CATALOGUE}" not in names  # the bench never measured it: its p99 is shown, not judged
    assert "RSS gateway" in names and "RSS repair" in names


def test_one_5xx_or_unanswered_request_fails():
    assert failed(judge([route(server_errors=1)], {}, rss_from_seconds=120)) == [
        "no 5xx, no request left unanswered"
    ]
    assert failed(judge([route(CATALOGUE, no_answer=2)], {}, rss_from_seconds=120)) == [
        "no 5xx, no request left unanswered"
    ]


def test_unexpected_4xx_are_reported_but_do_not_decide():
    assert judge([route(unexpected_4xx=5)], {}, rss_from_seconds=120).passed


def test_p99_over_twice_the_bench_fails():
    assert judge([route(p99_ms=513.0)], {}, rss_from_seconds=120).passed
    verdict = judge([route(p99_ms=514.0)], {}, rss_from_seconds=120)
    assert failed(verdict) == [f"p99 {TICKET}"]
    assert "514 ms > 2 × the bench's 257 ms" in verdict.checks[-1].detail


def test_memory_growth_counts_from_minute_two_only():
    # doubling during the first two minutes is warm-up, not a leak
    assert judge([route()], {"repair": steady(growth=0.09)}, rss_from_seconds=120).passed
    verdict = judge([route()], {"repair": steady(growth=0.10)}, rss_from_seconds=120)
    assert failed(verdict) == ["RSS repair"]
    assert "+10.0 %" in verdict.checks[-1].detail


def test_a_process_gone_before_the_end_fails():
    samples = steady()
    samples[-3] = (samples[-3][0], None)
    assert failed(judge([route()], {"intake": samples}, rss_from_seconds=120)) == ["RSS intake"]


def test_a_run_with_no_requests_fails():
    assert "the mix ran" in failed(judge([], {"gateway": steady()}, rss_from_seconds=120))


def test_the_mix_capacity_adds_up_each_routes_cost():
    bench = {
        "GET /api/v1/repair/tickets/{ticket_no}": 200.0,
        "GET /api/v1/repair/counties?within=530102": 800.0,
    }
    capacity, priced = mix_capacity({TICKET: 0.5, CATALOGUE: 0.5}, bench)
    # half the requests cost 1/200 s, half 1/800 s (the catalogue, which this bench did not measure, is priced as
    # the cheapest read through a service): 0.003125 s per request on average
    assert capacity == pytest.approx(320.0)
    assert {line["route"]: line["priced_as"] for line in priced} == {
        TICKET: "GET /api/v1/repair/tickets/{ticket_no}",
        CATALOGUE: "GET /api/v1/repair/counties?within=530102",
    }


def test_a_route_the_bench_measured_is_priced_by_its_own_row():
    bench = {
        "GET /api/v1/repair/counties?within=530102": 800.0,
        "GET /api/v1/mini-apps?q=%E5%B9%BF%E7%94%B5": 2_000.0,
    }
    capacity, priced = mix_capacity({CATALOGUE: 1.0}, bench)
    assert capacity == pytest.approx(2_000.0)
    assert priced[0]["priced_as"] == "GET /api/v1/mini-apps?q=%E5%B9%BF%E7%94%B5"


def test_a_route_without_a_price_stops_the_soak():
    with pytest.raises(SoakError, match="no price"):
        mix_capacity({"GET /api/v1/somewhere-new": 1.0}, {})


def test_redis_growth_is_shown_but_a_service_growing_fails():
    from loadtests.soak import judge

    growing = [(60.0, 100.0), (600.0, 120.0)]
    verdict = judge([], {"redis": growing, "repair": [(60.0, 100.0), (600.0, 101.0)]}, rss_from_seconds=60)
    by_name = {c.name.split(" (")[0]: c for c in verdict.checks}
    assert by_name["RSS redis"].passed and "+20.0 %" in by_name["RSS redis"].detail
    assert by_name["RSS repair"].passed
    failing = judge([], {"gateway": growing}, rss_from_seconds=60)
    assert not {c.name: c for c in failing.checks}["RSS gateway"].passed


def test_the_soak_is_priced_by_the_newest_full_single_replica_bench(tmp_path):
    import json

    from loadtests.soak import newest_bench_file

    def write(name: str, **bench: object) -> None:
        (tmp_path / name).write_text(json.dumps({"bench": bench}))

    assert newest_bench_file("embedded", tmp_path) is None
    write("bench-embedded-20261125T100000Z.json", only=[], replicas=1)
    write("bench-embedded-20261125T110000Z.json", only=["search"], replicas=1)
    write("bench-embedded-20261125T120000Z.json", only=[], replicas=2)
    write("bench-postgres-20261125T130000Z.json", only=[], replicas=1)
    assert newest_bench_file("embedded", tmp_path) == tmp_path / "bench-embedded-20261125T100000Z.json"
