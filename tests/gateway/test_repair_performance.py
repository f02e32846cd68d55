"""A county's monthly data review chain and the annual assessment of its outlets, through the real gateway and the
repair service. Each test works in a county of its own, picked at random among those the demo data leaves empty."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import secrets

from services.kernel import regions
from services.repair.assessment import outlet_measures, score_of
from services.repair.common import CHINA
from tests.gateway.repair_support import file_ticket, technician, upload
from tests.helpers import sms_tokens, staff_token

BUSY = {"530102", "530128", "532801"}  # the demo data's counties


def quiet_county() -> regions.Region:
    return random.choice([c for c in regions.counties() if c.adcode not in BUSY])


def this_month() -> str:
    return dt.datetime.now(CHINA).strftime("%Y-%m")


def token(platform, role: str, county: str, **extra: object) -> str:
    return staff_token(
        platform, roles=[role], region=county, subject=f"{role}-{secrets.token_hex(4)}", **extra
    )


# -- the monthly review chain ------------------------------------------------------------------------------------


async def test_the_month_is_signed_off_village_then_township_then_county_and_each_step_is_frozen(platform):
    region = quiet_county()
    county = region.adcode
    month = this_month()
    path = f"/api/v1/repair/counties/{county}/monthly-reviews/{month}"
    agent, window, admin = (
        token(platform, r, county) for r in ("village_agent", "window_staff", "county_admin")
    )
    await new_outlet(platform, admin, region, "县城维修网点")
    async with platform.client(admin) as client:
        fresh = await client.get(path)
        county_first = await client.post(f"{path}/county", json={"signer_name": "张县长"})
    async with platform.client(window) as client:
        township_first = await client.post(f"{path}/township", json={"signer_name": "王站长"})
    assert (
        fresh.status_code == 200 and fresh.json()["next_stage"] == "village" and fresh.json()["steps"] == []
    )
    assert county_first.status_code == 409 and county_first.json()["code"] == "review_out_of_order"
    assert township_first.status_code == 409 and township_first.json()["code"] == "review_out_of_order"

    async with platform.client(agent) as client:
        unsigned = await client.post(f"{path}/village", json={"signer_name": "  "})
        village = await client.post(
            f"{path}/village", json={"signer_name": "李村官", "note": "本村数据核对无误"}
        )
        again = await client.post(f"{path}/village", json={"signer_name": "李村官"})
        agent_township = await client.post(f"{path}/township", json={"signer_name": "李村官"})
    assert unsigned.status_code == 422
    assert village.status_code == 201, village.text
    frozen = village.json()["steps"][0]
    assert frozen["stage"] == "village" and frozen["signer_name"] == "李村官" and frozen["signed_by"]
    assert again.status_code == 409 and again.json()["code"] == "review_submitted"
    assert agent_township.status_code == 403

    citizen = await sms_tokens(platform)  # a report filed after the village step
    await file_ticket(platform, citizen["access_token"], county=county)
    async with platform.client(window) as client:
        township = await client.post(f"{path}/township", json={"signer_name": "王站长"})
    assert township.status_code == 201, township.text
    steps = township.json()["steps"]
    assert steps[0] == frozen  # the village snapshot did not move
    assert steps[1]["figures"]["tickets"] == frozen["figures"]["tickets"] + 1
    assert township.json()["current"]["tickets"] == steps[1]["figures"]["tickets"]

    # another county's admin (never this county's: a random pick was once this one, and its submission took the step)
    other = random.choice([c for c in regions.counties() if c.adcode not in BUSY and c.adcode != county])
    foreign = token(platform, "county_admin", other.adcode)
    async with platform.client(window) as client:
        window_county = await client.post(f"{path}/county", json={"signer_name": "王站长"})
    async with platform.client(foreign) as client:
        foreign_read = await client.get(path)
        foreign_submit = await client.post(f"{path}/county", json={"signer_name": "外县"})
    assert foreign_read.status_code == 403 and foreign_submit.status_code == 403
    assert window_county.status_code == 403
    async with platform.client(admin) as client:
        done = await client.post(f"{path}/county", json={"signer_name": "张县长"})
    assert done.status_code == 201 and done.json()["next_stage"] == ""
    assert [s["stage"] for s in done.json()["steps"]] == ["village", "township", "county"]


async def test_bad_review_input_is_refused(platform):
    county = quiet_county().adcode
    admin = token(platform, "county_admin", county)
    next_year = dt.datetime.now(CHINA).year + 1
    async with platform.client(admin) as client:
        bad_month = await client.get(f"/api/v1/repair/counties/{county}/monthly-reviews/2026-13")
        future = await client.post(
            f"/api/v1/repair/counties/{county}/monthly-reviews/{next_year}-01/village",
            json={"signer_name": "某"},
        )
        bad_stage = await client.post(
            f"/api/v1/repair/counties/{county}/monthly-reviews/{this_month()}/city",
            json={"signer_name": "某"},
        )
        unknown_county = await client.get(f"/api/v1/repair/counties/539999/monthly-reviews/{this_month()}")
        untouched = await client.get(f"/api/v1/repair/counties/{county}/monthly-reviews/{next_year - 1}-01")
    assert bad_month.status_code == 422 and bad_month.json()["code"] == "invalid_month"
    assert future.status_code == 422 and future.json()["code"] == "month_not_begun"
    assert bad_stage.status_code == 422
    assert unknown_county.status_code in (403, 404)
    assert untouched.json()["steps"] == []


# -- the annual assessment ---------------------------------------------------------------------------------------


async def new_outlet(platform, admin: str, county: regions.Region, name: str) -> str:
    async with platform.client(admin) as client:
        reply = await client.post(
            "/api/v1/repair/outlets",
            json={
                "county": county.adcode,
                "name": name,
                "kind": "market",
                "categories": ["satellite"],
                "lat": county.lat,
                "lng": county.lng,
                "phone": "0871-6543210",
            },
        )
    assert reply.status_code == 201, reply.text
    return str(reply.json()["outlet_id"])


async def repaired(platform, county: str, outlet: str, level: int, *, close: bool) -> None:
    citizen = await sms_tokens(platform)
    ticket = await file_ticket(platform, citizen["access_token"], county=county, outlet_id=outlet)
    assert ticket["assignee"]["outlet_id"] == outlet
    number = ticket["ticket_no"]
    async with platform.client(technician(platform, outlet, county)) as client:
        assert (await client.post(f"/api/v1/repair/tickets/{number}/accept")).status_code == 200
        photo = (await upload(client)).json()["evidence_id"]
        resolved = await client.post(
            f"/api/v1/repair/tickets/{number}/resolve", json={"note": "已修复", "evidence": [photo]}
        )
        assert resolved.status_code == 200, resolved.text
    if close:
        async with platform.client(token(platform, "window_staff", county)) as client:
            followed = await client.post(
                f"/api/v1/repair/tickets/{number}/follow-up", json={"reached": True, "restored": True}
            )
            assert followed.status_code == 200, followed.text
    async with platform.client(citizen["access_token"]) as client:
        assert (
            await client.post(f"/api/v1/repair/tickets/{number}/rating", json={"level": level})
        ).status_code == 200


async def test_outlets_are_scored_by_the_countys_scheme_and_the_weak_listed_for_replacement(platform):
    county = quiet_county()
    admin = token(platform, "county_admin", county.adcode)
    year = dt.datetime.now(CHINA).year
    base = f"/api/v1/repair/counties/{county.adcode}"
    async with platform.client(admin) as client:
        none_yet = await client.get(f"{base}/assessments/{year}")
    assert none_yet.status_code == 404 and none_yet.json()["code"] == "no_assessment_scheme"
    good = await new_outlet(platform, admin, county, "优质维修网点")
    poor = await new_outlet(platform, admin, county, "待整改维修网点")
    await repaired(platform, county.adcode, good, 5, close=True)
    await repaired(platform, county.adcode, poor, 1, close=False)

    weights = {
        "share_24h": 20,
        "circles": 10,
        "rating": 40,
        "complaints": 30,
        "inspections": 0,
        "terminal_online": 0,
    }
    async with platform.client(admin) as client:
        over = await client.put(
            f"{base}/assessment-scheme", json={"weights": {**weights, "rating": 41}, "target_score": 80}
        )
        crossed = await client.put(
            f"{base}/assessment-scheme", json={"weights": weights, "target_score": 60, "replace_below": 70}
        )
        published = await client.put(
            f"{base}/assessment-scheme", json={"weights": weights, "target_score": 80, "replace_below": 60}
        )
        table = await client.get(f"{base}/assessments/{year}")
        export = await client.get(f"{base}/assessments/{year}/export")
        bad_year = await client.get(f"{base}/assessments/1999")
    assert over.status_code == 422 and crossed.status_code == 422
    assert published.status_code == 200 and published.json()["weights"] == weights
    assert table.status_code == 200, table.text
    rows = {r["outlet_id"]: r for r in table.json()["outlets"]}
    assert rows[good]["score"] == 100.0 and rows[good]["verdict"] == "ok"
    assert rows[poor]["measures"]["rating"] == 0.2 and rows[poor]["measures"]["complaints"] == 0.0
    assert rows[poor]["score"] < 60 and rows[poor]["verdict"] == "replace"
    assert poor in table.json()["replacement"] and good not in table.json()["rectification"]
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    text = export.content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0][0] == "网点编号" and "满意度（权重40）" in lines[0]
    assert {line[0]: line[-1] for line in lines[1:]}[poor] == "解约更换"
    assert bad_year.status_code == 422

    foreign = token(platform, "county_admin", "532801")
    technician_token = technician(platform, good, county.adcode)
    for caller in (foreign, technician_token):
        async with platform.client(caller) as client:
            assert (await client.get(f"{base}/assessments/{year}")).status_code == 403
            assert (
                await client.put(f"{base}/assessment-scheme", json={"weights": weights})
            ).status_code == 403


def test_a_measure_without_data_neither_helps_nor_hurts():
    weights = {
        "share_24h": 50,
        "circles": 0,
        "rating": 50,
        "complaints": 0,
        "inspections": 0,
        "terminal_online": 0,
    }
    assert score_of(weights, {"share_24h": 0.5, "rating": None}) == 50.0
    assert score_of(weights, {"share_24h": 0.5, "rating": 1.0}) == 75.0
    assert score_of(weights, {"share_24h": None, "rating": None}) is None
    measures = outlet_measures([], [True, False, True, True], [0.95, 0.85])
    assert measures["inspections"] == 0.75 and round(measures["terminal_online"] or 0, 2) == 0.9
    assert measures["rating"] is None and measures["share_24h"] is None
