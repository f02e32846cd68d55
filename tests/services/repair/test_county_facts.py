"""A report's county facts in one read: whether the county serves the category, its service points, its acceptance
timeouts; the same answers the separate reads gave."""

from __future__ import annotations

from services.kernel.auth import Principal
from services.repair.circles import (
    COUNTY_SETTINGS,
    DEFAULT_TOWNSHIP_ACCEPT_MINUTES,
    DEFAULT_VILLAGE_ACCEPT_MINUTES,
    response_settings,
    set_response_settings,
)
from services.repair.county_facts import county_facts
from services.repair.intake_hooks import county_points
from services.repair.models import ServicePoint
from services.repair.schemas import Category
from tests.services.repair.factories import COUNTY, LAT, LNG, outlet

ADMIN = Principal(sub="wuhua-admin", kind="staff", roles=frozenset({"county_admin"}), region=COUNTY)


async def test_a_county_with_nothing_set_up_serves_nothing_and_has_the_default_timeouts(session):
    facts = await county_facts(session, county=COUNTY, category=Category.SATELLITE)
    assert not facts.serves and list(facts.points) == []
    assert not facts.settings.customised
    assert facts.settings.village_accept_minutes == DEFAULT_VILLAGE_ACCEPT_MINUTES
    assert facts.settings.township_accept_minutes == DEFAULT_TOWNSHIP_ACCEPT_MINUTES


async def test_the_facts_are_what_the_separate_reads_say(session):
    await outlet(session, north_km=1.0, categories=("satellite",), active=False)  # inactive still counts
    session.add_all(
        [
            ServicePoint(point_id="F-V1", county=COUNTY, name="村", level="village", lat=LAT, lng=LNG),
            ServicePoint(point_id="F-T1", county=COUNTY, name="镇", level="township", lat=LAT + 0.1, lng=LNG),
        ]
    )
    await session.flush()
    saved = await set_response_settings(
        session=session, principal=ADMIN, county=COUNTY, village=20, township=75
    )

    session.info.pop(COUNTY_SETTINGS, None)
    facts = await county_facts(session, county=COUNTY, category=Category.SATELLITE)
    assert facts.serves
    assert not (await county_facts(session, county=COUNTY, category=Category.TRANSMITTER)).serves
    by_id = {p.point_id: (p.level, p.lat, p.lng) for p in facts.points}
    assert by_id == {p.point_id: (p.level, p.lat, p.lng) for p in await county_points(session, COUNTY)}
    assert by_id["F-V1"] == ("village", LAT, LNG)
    assert (
        facts.settings == saved and facts.settings.customised and facts.settings.village_accept_minutes == 20
    )
    assert saved.updated_at is not None  # the union kept the column type: the same time as the read alone
    # kept for the dispatch of the same transaction
    assert session.info[COUNTY_SETTINGS][COUNTY] == facts.settings == await response_settings(session, COUNTY)
