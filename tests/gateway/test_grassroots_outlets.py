"""The reporter's choice among nearby outlets, the outlets' 四有, the county's coverage, and "same fault?" duplicates,
through the real gateway and repair service, with bad input for each."""

from __future__ import annotations

import asyncio
import uuid

from tests.gateway.grassroots_support import (
    LUOPING,
    SHIZONG,
    admin,
    citizen,
    file,
    new_outlet,
    new_point,
    repair,
    report,
    somewhere,
    technician,
    window,
)
from tests.helpers import admin_token, new_phone, sms_tokens

FOUR_HAVES = {"licence_no": "92530324MA6K0000XY", "shop_address": "罗平县九龙街道振兴路18号", "technicians": 2,
              "spare_parts": True}  # fmt: skip


def north(at: tuple[float, float], metres: float) -> tuple[float, float]:
    return round(at[0] + metres / 111_320, 6), at[1]


# -- nearby outlets and the reporter's choice ---------------------------------------------------------------------


async def test_the_reporter_sees_the_qualifying_outlets_nearby_and_picks_one(platform):
    at = somewhere(LUOPING)
    near = await new_outlet(platform, LUOPING, north(at, 300), business_hours="08:00-20:00")
    far = await new_outlet(platform, LUOPING, north(at, 1500))
    paused = await new_outlet(platform, LUOPING, north(at, 100))
    operator = await new_outlet(platform, LUOPING, north(at, 50), kind="operator", categories=["cable"])
    async with platform.client(admin(platform, LUOPING)) as client:
        assert (
            await client.patch(f"/api/v1/repair/outlets/{paused['outlet_id']}", json={"active": False})
        ).status_code == 200
    resident = citizen(platform)
    query = {"county": LUOPING, "category": "satellite", "lat": at[0], "lng": at[1]}
    async with platform.client(resident) as client:
        nearby = await client.get("/api/v1/repair/outlets/nearby", params=query)
    assert nearby.status_code == 200, nearby.text
    outlets = nearby.json()["outlets"]
    ids = [o["outlet_id"] for o in outlets]
    # other tests of the session register outlets at random places in the county too: judge this test's own
    mine = {o["outlet_id"] for o in (near, far, paused, operator)}
    assert [i for i in ids if i in mine] == [near["outlet_id"], far["outlet_id"]]  # nearest first
    assert paused["outlet_id"] not in ids and operator["outlet_id"] not in ids  # only those that qualify
    first = next(o for o in outlets if o["outlet_id"] == near["outlet_id"])
    assert abs(first["distance_km"] - 0.3) < 0.01
    assert first["phone"] == near["phone"] and first["business_hours"] == "08:00-20:00"
    assert first["mean_rating"] == 0 and first["ratings"] == 0 and first["qualified"] is False

    # The resident picks the farther one: dispatch honours it, and it is recorded.
    ticket = await file(platform, resident, county=LUOPING, lat=at[0], lng=at[1], outlet_id=far["outlet_id"])
    assert ticket["assignee"]["outlet_id"] == far["outlet_id"]
    await repair(platform, LUOPING, ticket)
    async with platform.client(resident) as client:
        rated = await client.post(f"/api/v1/repair/tickets/{ticket['ticket_no']}/rating", json={"level": 4})
        again = (await client.get("/api/v1/repair/outlets/nearby", params=query)).json()["outlets"]
    assert rated.status_code == 200
    far_now = next(o for o in again if o["outlet_id"] == far["outlet_id"])
    assert far_now["mean_rating"] == 4 and far_now["ratings"] == 1


async def test_a_choice_that_does_not_qualify_is_refused_and_files_nothing(platform):
    at = somewhere(LUOPING)
    await new_outlet(platform, LUOPING, at)
    paused = await new_outlet(platform, LUOPING, north(at, 200))
    operator = await new_outlet(platform, LUOPING, north(at, 50), kind="operator", categories=["cable"])
    elsewhere = await new_outlet(platform, SHIZONG, somewhere(SHIZONG))
    async with platform.client(admin(platform, LUOPING)) as client:
        await client.patch(f"/api/v1/repair/outlets/{paused['outlet_id']}", json={"active": False})
    resident = citizen(platform)
    async with platform.client(resident) as client:
        refused = {
            name: await client.post(
                "/api/v1/repair/tickets",
                json=report(county=LUOPING, lat=at[0], lng=at[1], outlet_id=outlet_id),
            )
            for name, outlet_id in (
                ("paused", paused["outlet_id"]),
                ("wrong kind", operator["outlet_id"]),
                ("other county", elsewhere["outlet_id"]),
                ("unknown", "OUT-530324-NOSUCH"),
            )
        }
        mine = (await client.get("/api/v1/repair/tickets", params={"mine": True})).json()
    for name, reply in refused.items():
        assert reply.status_code == 422, name
        assert reply.json()["code"] == "outlet_not_qualified", name
        assert reply.json()["errors"][0]["field"] == "outlet_id", name
    assert mine["tickets"] == []  # nothing was filed


async def test_nearby_outlets_refuse_bad_input(platform):
    async with platform.client(citizen(platform)) as client:
        bad_category = await client.get(
            "/api/v1/repair/outlets/nearby", params={"county": LUOPING, "category": "radio"}
        )
        no_county = await client.get("/api/v1/repair/outlets/nearby", params={"category": "satellite"})
        unknown = await client.get(
            "/api/v1/repair/outlets/nearby", params={"county": "539999", "category": "dtmb"}
        )
        outside = await client.get(
            "/api/v1/repair/outlets/nearby",
            params={"county": LUOPING, "category": "satellite", "lat": 39.9, "lng": 116.4},
        )
        half_point = await client.get(
            "/api/v1/repair/outlets/nearby", params={"county": LUOPING, "category": "satellite", "lat": 24.9}
        )
        forged = await client.get(
            "/api/v1/repair/outlets/nearby",
            params={"qr": "https://example.com/r/530324?k=1&s=2", "category": "dtmb"},
        )
    async with platform.client() as anyone:
        anonymous = await anyone.get(
            "/api/v1/repair/outlets/nearby", params={"county": LUOPING, "category": "dtmb"}
        )
    assert bad_category.status_code == 422 and no_county.status_code == 422 and half_point.status_code == 422
    assert unknown.status_code == 404
    assert outside.status_code == 422 and outside.json()["code"] == "point_outside_county"
    assert forged.status_code == 422
    assert anonymous.status_code == 401


# -- 四有 and coverage ---------------------------------------------------------------------------------------------


async def test_the_four_haves_are_checked_all_at_once(platform):
    outlet = await new_outlet(platform, LUOPING, somewhere(LUOPING))
    path = f"/api/v1/repair/outlets/{outlet['outlet_id']}/qualification"
    other_township = await new_point(platform, SHIZONG, "township", somewhere(SHIZONG))
    async with platform.client(admin(platform, LUOPING)) as client:
        nothing = await client.put(path, json={})
        no_parts = await client.put(path, json={**FOUR_HAVES, "spare_parts": False, "technicians": 0})
        bad_licence = await client.put(path, json={**FOUR_HAVES, "licence_no": "abc"})
        foreign_township = await client.put(
            path, json={**FOUR_HAVES, "township_point_id": other_township["point_id"]}
        )
        unknown = await client.put("/api/v1/repair/outlets/OUT-530324-NOSUCH/qualification", json=FOUR_HAVES)
        coverage = (await client.get(f"/api/v1/repair/counties/{LUOPING}/coverage")).json()
        good = await client.put(path, json=FOUR_HAVES)
    async with platform.client(admin(platform, SHIZONG)) as client:
        foreign = await client.put(path, json=FOUR_HAVES)
    assert nothing.status_code == 422 and nothing.json()["code"] == "four_haves_missing"
    assert {e["field"] for e in nothing.json()["errors"]} == {
        "licence_no", "shop_address", "technicians", "spare_parts"
    }  # fmt: skip
    assert {e["field"] for e in no_parts.json()["errors"]} == {"technicians", "spare_parts"}
    assert bad_licence.status_code == 422 and foreign_township.status_code == 422
    assert unknown.status_code == 404 and foreign.status_code == 403
    assert outlet["outlet_id"] in {o["outlet_id"] for o in coverage["unqualified"]}  # none was recorded
    assert good.status_code == 200, good.text
    assert good.json()["technicians"] == 2 and good.json()["spare_parts"] is True


async def test_registration_checks_the_four_haves_and_records_them_with_the_outlet(platform):
    def outlet(name: str, **extra: object) -> dict[str, object]:
        at = somewhere(LUOPING)
        return {"county": LUOPING, "name": name, "kind": "market", "categories": ["satellite"], "lat": at[0],
                "lng": at[1], "phone": "0874-8123456", **extra}  # fmt: skip

    names = {k: f"{k}{uuid.uuid4().hex[:6]}" for k in ("完整", "缺件", "空白", "未登记", "乡镇")}
    other_township = await new_point(platform, SHIZONG, "township", somewhere(SHIZONG))
    async with platform.client(admin(platform, LUOPING)) as client:
        complete = await client.post(
            "/api/v1/repair/outlets", json=outlet(names["完整"], qualification=FOUR_HAVES)
        )
        no_parts = await client.post(
            "/api/v1/repair/outlets",
            json=outlet(names["缺件"], qualification={**FOUR_HAVES, "spare_parts": False}),
        )
        empty = await client.post("/api/v1/repair/outlets", json=outlet(names["空白"], qualification={}))
        foreign_township = await client.post(
            "/api/v1/repair/outlets",
            json=outlet(
                names["乡镇"], qualification={**FOUR_HAVES, "township_point_id": other_township["point_id"]}
            ),
        )
        without = await client.post("/api/v1/repair/outlets", json=outlet(names["未登记"]))
        listed = {
            o["name"]: o
            for o in (await client.get("/api/v1/repair/outlets", params={"county": LUOPING})).json()
        }
        coverage = (await client.get(f"/api/v1/repair/counties/{LUOPING}/coverage")).json()
    assert complete.status_code == 201, complete.text
    assert complete.json()["four_haves_on_record"] is True and complete.json()["name"] == names["完整"]
    assert no_parts.status_code == 422 and no_parts.json()["code"] == "four_haves_missing"
    assert [e["field"] for e in no_parts.json()["errors"]] == ["qualification.spare_parts"]
    assert "四有" in no_parts.json()["detail"]
    assert {e["field"] for e in empty.json()["errors"]} == {
        "qualification.licence_no", "qualification.shop_address", "qualification.technicians",
        "qualification.spare_parts",
    }  # fmt: skip
    assert foreign_township.status_code == 422 and foreign_township.json()["code"] == "unknown_township"
    assert without.status_code == 201 and without.json()["four_haves_on_record"] is False  # as before
    # Refused registrations wrote nothing; the accepted ones are listed, 四有 on record or flagged.
    assert names["缺件"] not in listed and names["空白"] not in listed and names["乡镇"] not in listed
    assert listed[names["完整"]]["outlet_id"] == complete.json()["outlet_id"]
    unqualified = {o["outlet_id"] for o in coverage["unqualified"]}
    assert complete.json()["outlet_id"] not in unqualified
    assert without.json()["outlet_id"] in unqualified


async def test_the_coverage_report_flags_townships_without_an_outlet_and_lists_village_repairers(platform):
    a_at, b_at = somewhere(LUOPING), somewhere(LUOPING)
    town_a = await new_point(platform, LUOPING, "township", a_at)
    town_b = await new_point(platform, LUOPING, "township", b_at)
    village = await new_point(platform, LUOPING, "village", north(a_at, 800))
    outlet = await new_outlet(platform, LUOPING, north(a_at, 400))
    async with platform.client(admin(platform, LUOPING)) as client:
        qualified = await client.put(
            f"/api/v1/repair/outlets/{outlet['outlet_id']}/qualification",
            json={**FOUR_HAVES, "township_point_id": town_a["point_id"]},
        )
        repairer = await client.post(
            f"/api/v1/repair/service-points/{village['point_id']}/repairers",
            json={"name": "张师傅", "phone": "13987654321"},
        )
        on_township = await client.post(
            f"/api/v1/repair/service-points/{town_a['point_id']}/repairers",
            json={"name": "王", "phone": "13987654321"},
        )
        bad_phone = await client.post(
            f"/api/v1/repair/service-points/{village['point_id']}/repairers",
            json={"name": "王", "phone": "1"},
        )
        report_ = await client.get(f"/api/v1/repair/counties/{LUOPING}/coverage")
    assert qualified.status_code == 200 and repairer.status_code == 201
    assert on_township.status_code == 422 and bad_phone.status_code == 422
    assert report_.status_code == 200
    townships = {t["point_id"]: t for t in report_.json()["townships"]}
    a, b = townships[town_a["point_id"]], townships[town_b["point_id"]]
    assert {"outlet_id": outlet["outlet_id"], "name": outlet["name"], "qualified": True} in a["outlets"]
    assert a["uncovered"] is False
    assert [r["name"] for r in a["village_repairers"] if r["point_id"] == village["point_id"]] == ["张师傅"]
    if not any(o["qualified"] for o in b["outlets"]):  # another test's outlet may lie nearer to it
        assert b["uncovered"] is True and b["name"] in report_.json()["uncovered"]
    assert a["name"] not in report_.json()["uncovered"]


async def test_coverage_is_for_staff_in_region(platform):
    async with platform.client(citizen(platform)) as client:
        as_citizen = await client.get(f"/api/v1/repair/counties/{LUOPING}/coverage")
    async with platform.client(admin(platform, SHIZONG)) as client:
        foreign = await client.get(f"/api/v1/repair/counties/{LUOPING}/coverage")
        unknown = await client.get("/api/v1/repair/counties/539999/coverage")
    async with platform.client(window(platform, LUOPING)) as client:
        as_window = await client.get(f"/api/v1/repair/counties/{LUOPING}/coverage")
    assert as_citizen.status_code == 403 and foreign.status_code == 403
    assert unknown.status_code == 404 and as_window.status_code == 200


# -- duplicates ----------------------------------------------------------------------------------------------------


async def test_a_neighbour_sees_the_same_fault_joins_it_and_is_told_of_its_progress(platform):
    at = somewhere(LUOPING)
    await new_outlet(platform, LUOPING, at)
    first = await file(platform, citizen(platform), county=LUOPING, lat=at[0], lng=at[1])
    neighbour_phone = new_phone()
    neighbour = (await sms_tokens(platform, neighbour_phone))["access_token"]
    here = north(at, 60)
    query = {"county": LUOPING, "category": "satellite", "lat": here[0], "lng": here[1]}
    async with platform.client(neighbour) as client:
        offered = await client.get("/api/v1/repair/duplicates", params=query)
        other_category = await client.get("/api/v1/repair/duplicates", params={**query, "category": "dtmb"})
        far_away = north(at, 450)
        too_far = await client.get(
            "/api/v1/repair/duplicates", params={**query, "lat": far_away[0], "lng": far_away[1]}
        )
        joined = await client.post(
            f"/api/v1/repair/tickets/{first['ticket_no']}/join", json={"lat": here[0], "lng": here[1]}
        )
        again = await client.post(
            f"/api/v1/repair/tickets/{first['ticket_no']}/join", json={"lat": here[0], "lng": here[1]}
        )
        mine = (await client.get("/api/v1/repair/tickets", params={"mine": True})).json()
    assert offered.status_code == 200, offered.text
    match = [t for t in offered.json()["tickets"] if t["ticket_no"] == first["ticket_no"]]
    assert len(match) == 1 and 55 <= match[0]["distance_m"] <= 65 and match[0]["joined"] == 0
    assert offered.json()["radius_m"] == 200 and offered.json()["days"] == 7
    assert "contact_phone" not in match[0]  # no personal data of the first reporter
    assert all(t["ticket_no"] != first["ticket_no"] for t in other_category.json()["tickets"])
    assert all(t["ticket_no"] != first["ticket_no"] for t in too_far.json()["tickets"])
    assert joined.status_code == 200 and joined.json()["already"] is False
    assert again.json()["already"] is True
    assert mine["tickets"] == []  # joining files no new ticket

    async with platform.client(technician(platform, LUOPING, first["assignee"]["outlet_id"])) as client:
        assert (await client.post(f"/api/v1/repair/tickets/{first['ticket_no']}/accept")).status_code == 200
    async with platform.client(neighbour) as client:
        notes = (await client.get("/api/v1/me/notifications")).json()
        offered_again = (await client.get("/api/v1/repair/duplicates", params=query)).json()
    kinds = {n["kind"] for n in notes if n["ticket_no"] == first["ticket_no"]}
    assert {"joined", "accepted"} <= kinds, notes
    assert next(t for t in offered_again["tickets"] if t["ticket_no"] == first["ticket_no"])["joined"] == 1
    texts: list[str] = []
    for _ in range(50):  # and by SMS, like the reporter: the gateway texts the event's notice
        async with platform.client(await admin_token(platform)) as client:
            outbox = await client.get("/api/v1/admin/sms-outbox", params={"phone": neighbour_phone})
        texts = [m["text"] for m in outbox.json()]
        if any("接单" in t for t in texts):
            break
        await asyncio.sleep(0.1)
    assert any(first["ticket_no"] in t and "接单" in t for t in texts), texts


async def test_joining_is_refused_when_it_is_not_the_same_fault_or_not_a_residents(platform):
    at = somewhere(LUOPING)
    await new_outlet(platform, LUOPING, at)
    reporter = citizen(platform)
    first = await file(platform, reporter, county=LUOPING, lat=at[0], lng=at[1])
    closed = await file(platform, citizen(platform), county=LUOPING, lat=at[0], lng=at[1])
    await repair(platform, LUOPING, closed)
    path = f"/api/v1/repair/tickets/{first['ticket_no']}/join"
    far = north(at, 900)
    async with platform.client(citizen(platform)) as client:
        too_far = await client.post(path, json={"lat": far[0], "lng": far[1]})
        no_point = await client.post(path, json={})
        resolved = await client.post(
            f"/api/v1/repair/tickets/{closed['ticket_no']}/join", json={"lat": at[0], "lng": at[1]}
        )
        unknown = await client.post(
            "/api/v1/repair/tickets/BX530324260101999999/join", json={"lat": at[0], "lng": at[1]}
        )
        bad_days = await client.get(
            "/api/v1/repair/duplicates",
            params={"county": LUOPING, "category": "satellite", "lat": at[0], "lng": at[1], "days": 0},
        )
    async with platform.client(reporter) as client:
        own = await client.post(path, json={"lat": at[0], "lng": at[1]})
    async with platform.client(window(platform, LUOPING)) as client:
        as_staff = await client.post(path, json={"lat": at[0], "lng": at[1]})
    async with platform.client() as anyone:
        anonymous = await anyone.post(path, json={"lat": at[0], "lng": at[1]})
    assert too_far.status_code == 422 and too_far.json()["code"] == "not_a_duplicate"
    assert no_point.status_code == 422 and bad_days.status_code == 422
    assert resolved.status_code == 409 and own.status_code == 409
    assert unknown.status_code == 404
    assert as_staff.status_code == 403 and anonymous.status_code == 401
