"""The dispatch rule: the nearest qualifying outlet, ties to the fewer open tickets, the reporter's own choice."""

from __future__ import annotations

import pytest

from services.repair import dispatch
from services.repair.county_facts import county_facts
from services.repair.dispatch import great_circle_km, nearest_qualifying_outlet
from services.repair.schemas import Category
from tests.services.repair.factories import COUNTY, LAT, LNG, outlet


async def choose(session, excluded=frozenset(), **kwargs):
    return await nearest_qualifying_outlet(
        session,
        county=COUNTY,
        category=Category.SATELLITE,
        lat=LAT,
        lng=LNG,
        excluded=set(excluded),
        **kwargs,
    )


def test_great_circle_distance_kunming_to_jinghong():
    assert great_circle_km(25.0436, 102.7073, 22.0094, 100.7975) == pytest.approx(385, abs=10)
    assert great_circle_km(25.0, 102.7, 25.0, 102.7) == 0


async def test_nearest_wins_and_ties_go_to_fewer_open_tickets(session):
    far = await outlet(session, north_km=1.5)
    near_busy = await outlet(session, north_km=1, open_tickets=5)
    near_free = await outlet(session, north_km=-1, open_tickets=1)
    choice = await choose(session)
    assert choice.outlet.outlet_id == near_free
    assert choice.distance_km == pytest.approx(1.0, abs=0.01)
    verdicts = {c.outlet_id: c.verdict for c in choice.candidates}
    assert verdicts == {near_free: "chosen", near_busy: "farther", far: "farther"}


async def test_full_inactive_excluded_and_wrong_kind_outlets_never_qualify(session):
    full = await outlet(session, north_km=0.5, capacity=2, open_tickets=2)
    paused = await outlet(session, north_km=0.6, active=False)
    operator = await outlet(session, north_km=0.1, kind="operator", categories=("cable",))
    dtmb_only = await outlet(session, north_km=0.2, categories=("dtmb",))
    excluded = await outlet(session, north_km=0.7)
    far = await outlet(session, north_km=40)
    choice = await choose(session, excluded={excluded})
    assert choice.outlet.outlet_id == far  # found by growing the search past 32 km
    verdicts = {c.outlet_id: c.verdict for c in choice.candidates}
    assert (
        verdicts[full] == "at_capacity"
        and verdicts[paused] == "inactive"
        and verdicts[excluded] == "excluded"
    )
    assert operator not in verdicts and dtmb_only not in verdicts  # they do not serve satellite at all


async def test_a_reporters_choice_wins_only_when_it_qualifies(session):
    nearest = await outlet(session, north_km=0.5)
    chosen = await outlet(session, north_km=5)
    full = await outlet(session, north_km=6, capacity=1, open_tickets=1)
    assert (await choose(session, preferred=chosen)).outlet.outlet_id == chosen
    assert (await choose(session, preferred=full)).outlet.outlet_id == nearest


class Reads:
    """Counts the dispatch rule's reads (its `read_in`) from here on."""

    def __init__(self, monkeypatch) -> None:
        self.count = 0
        read_in = dispatch.read_in

        async def counted(*args, **kwargs):
            self.count += 1
            return await read_in(*args, **kwargs)

        monkeypatch.setattr(dispatch, "read_in", counted)


async def test_a_search_started_where_the_countys_last_one_settled_chooses_and_records_the_same(
    session, monkeypatch
):
    await outlet(session, north_km=1.5, capacity=1, open_tickets=1)  # full, within the first radius
    await outlet(session, north_km=3)  # the nearest that qualifies: a search from 2 km settles at 4 km
    await outlet(session, north_km=-6)  # seen only by a search of 8 km or more
    await outlet(session, north_km=30)
    dispatch._SETTLED.pop((COUNTY, Category.SATELLITE), None)
    reads = Reads(monkeypatch)
    fresh = await choose(session)
    fresh_reads, reads.count = reads.count, 0
    again = await choose(session)  # starts at 4 km: one read
    again_reads, reads.count = reads.count, 0
    dispatch._SETTLED[(COUNTY, Category.SATELLITE)] = 64.0  # as if the last report came from far away
    wide = await choose(session)
    wide_reads = reads.count
    assert (fresh_reads, again_reads, wide_reads) == (2, 1, 1)
    assert fresh == again == wide  # the same choice, distance and candidates with their verdicts
    assert [c.verdict for c in fresh.candidates] == ["at_capacity", "chosen"]  # nothing past 4 km recorded


async def test_a_search_from_the_box_read_with_the_county_facts_chooses_the_same_without_a_read(
    session, monkeypatch
):
    await outlet(session, north_km=1.5, capacity=1, open_tickets=1)
    await outlet(session, north_km=3)
    await outlet(session, north_km=-6)
    reads = Reads(monkeypatch)
    # from the first radius, and from where a far report left the county's search
    for settled in (None, 64.0):
        if settled is None:
            dispatch._SETTLED.pop((COUNTY, Category.SATELLITE), None)
        else:
            dispatch._SETTLED[(COUNTY, Category.SATELLITE)] = settled
        facts = await county_facts(session, county=COUNTY, category=Category.SATELLITE, near=(LAT, LNG))
        assert facts.outlets is not None and facts.outlets.radius == (settled or dispatch.FIRST_RADIUS_KM)
        searched = await choose(session)
        dispatch._SETTLED[(COUNTY, Category.SATELLITE)] = facts.outlets.radius
        reads.count = 0
        ahead = await choose(session, ahead=facts.outlets)
        assert (ahead.outlet.outlet_id, ahead.distance_km, ahead.candidates) == (
            searched.outlet.outlet_id,
            searched.distance_km,
            searched.candidates,
        )
        # from 2 km the box holds only the full outlet: 4 km next
        assert reads.count == (1 if settled is None else 0)


async def test_rows_read_ahead_for_another_point_are_not_used(session):
    await outlet(session, north_km=1)
    far = dispatch.BoxAhead(LAT + 1, LNG, dispatch.FIRST_RADIUS_KM, [])  # a point a hundred km away
    assert (await choose(session, ahead=far)).outlet is not None
