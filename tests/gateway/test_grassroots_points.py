"""五个一 of the service points (hotline, public board, printable poster, window register) and the village agents'
回访, through the real gateway and repair service, with bad input for each."""

from __future__ import annotations

import csv
import io
import random
import uuid

from tests.gateway.grassroots_support import (
    LUOPING,
    SHIZONG,
    admin,
    agent,
    citizen,
    file,
    new_outlet,
    new_point,
    repair,
    report,
    somewhere,
    window,
)

UNSET = "530381"  # 宣威市: no test sets its hotline


def hotline_number() -> str:
    return f"0874-{random.randrange(1000000, 9999999)}"


# -- the service phone --------------------------------------------------------------------------------------------


async def test_a_county_without_a_hotline_shows_12345_and_its_admin_sets_one(platform):
    async with platform.client() as anyone:
        unset = await anyone.get(f"/api/v1/repair/counties/{UNSET}/hotline")
    assert unset.status_code == 200
    assert unset.json() == {
        "county": UNSET, "county_name": "宣威市", "phone": "12345", "hours": "全天", "configured": False
    }  # fmt: skip

    number = hotline_number()
    async with platform.client(admin(platform, SHIZONG)) as client:
        put = await client.put(
            f"/api/v1/repair/counties/{SHIZONG}/hotline", json={"phone": number, "hours": "8:00-20:00"}
        )
    assert put.status_code == 200, put.text
    async with platform.client() as anyone:
        read = (await anyone.get(f"/api/v1/repair/counties/{SHIZONG}/hotline")).json()
        page = await anyone.get(f"/r/{SHIZONG}", params={"k": "00000000", "s": "x"})
    assert read["phone"] == number and read["configured"] is True
    # The scan page carries it in its header (on every screen), callable.
    assert f'href="tel:{number.replace("-", "")}">{number}</a>' in page.text


async def test_a_hotline_is_refused_for_bad_input_and_outside_the_admins_region(platform):
    async with platform.client(admin(platform, SHIZONG)) as client:
        before = (await client.get(f"/api/v1/repair/counties/{SHIZONG}/hotline")).json()
        bad_phone = await client.put(f"/api/v1/repair/counties/{SHIZONG}/hotline", json={"phone": "call us"})
        extra = await client.put(
            f"/api/v1/repair/counties/{SHIZONG}/hotline", json={"phone": "12345", "fax": "1"}
        )
        foreign = await client.put(
            f"/api/v1/repair/counties/{LUOPING}/hotline", json={"phone": "0874-1234567"}
        )
        unknown = await client.put("/api/v1/repair/counties/539999/hotline", json={"phone": "0874-1234567"})
        after = (await client.get(f"/api/v1/repair/counties/{SHIZONG}/hotline")).json()
    async with platform.client(citizen(platform)) as client:
        as_citizen = await client.put(f"/api/v1/repair/counties/{SHIZONG}/hotline", json={"phone": "12345"})
    assert bad_phone.status_code == 422 and bad_phone.headers["content-type"].startswith(
        "application/problem+json"
    )
    assert extra.status_code == 422
    assert foreign.status_code == 403 and as_citizen.status_code == 403
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_county"
    assert after == before  # nothing changed


# -- the public board ---------------------------------------------------------------------------------------------


async def test_the_public_board_lists_the_service_points_with_address_hours_phone_and_scope(platform):
    township = await new_point(platform, SHIZONG, "township", somewhere(SHIZONG))
    bare = await new_point(platform, SHIZONG, "village", somewhere(SHIZONG))
    profile = {"address": "师宗县丹凤街道文化站一楼", "hours": "周一至周五 8:30-17:30", "phone": "0874-5551234",
               "scope": "户户通、地面数字电视、应急广播报修受理"}  # fmt: skip
    async with platform.client(admin(platform, SHIZONG)) as client:
        put = await client.put(f"/api/v1/repair/service-points/{township['point_id']}/profile", json=profile)
    assert put.status_code == 200, put.text
    async with platform.client() as anyone:
        board = await anyone.get(f"/api/v1/repair/counties/{SHIZONG}/board")
        hotline = (await anyone.get(f"/api/v1/repair/counties/{SHIZONG}/hotline")).json()
    assert board.status_code == 200
    body = board.json()
    assert body["county_name"] == "师宗县" and body["hotline"]["phone"] == hotline["phone"]
    points = {p["point_id"]: p for p in body["service_points"]}
    assert {k: points[township["point_id"]][k] for k in profile} == profile
    assert points[township["point_id"]]["name"] == township["name"]
    # A point without a profile yet still shows a number to call: the county's hotline.
    assert points[bare["point_id"]]["phone"] == hotline["phone"]


async def test_a_profile_is_refused_for_bad_input_unknown_points_and_other_regions(platform):
    point = await new_point(platform, SHIZONG, "township", somewhere(SHIZONG))
    good = {"address": "某街道", "hours": "8:30-17:30", "phone": "0874-5551234", "scope": "报修受理"}
    path = f"/api/v1/repair/service-points/{point['point_id']}/profile"
    async with platform.client(admin(platform, SHIZONG)) as client:
        empty_address = await client.put(path, json={**good, "address": "  "})
        bad_phone = await client.put(path, json={**good, "phone": "打电话"})
        unknown = await client.put("/api/v1/repair/service-points/SP-530323-NOSUCH/profile", json=good)
    async with platform.client(admin(platform, LUOPING)) as client:
        foreign = await client.put(path, json=good)
    async with platform.client(window(platform, SHIZONG)) as client:
        wrong_role = await client.put(path, json=good)
    async with platform.client() as anyone:
        unknown_county = await anyone.get("/api/v1/repair/counties/539999/board")
        board = (await anyone.get(f"/api/v1/repair/counties/{SHIZONG}/board")).json()
    assert empty_address.status_code == 422 and bad_phone.status_code == 422
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_point"
    assert foreign.status_code == 403 and wrong_role.status_code == 403
    assert unknown_county.status_code == 404
    shown = next(p for p in board["service_points"] if p["point_id"] == point["point_id"])
    assert shown["address"] == ""  # nothing was written


# -- the printable poster -----------------------------------------------------------------------------------------


async def test_the_county_poster_prints_the_name_the_scan_code_the_hotline_and_the_scope(platform):
    number = hotline_number()
    async with platform.client(admin(platform, LUOPING)) as client:
        assert (
            await client.put(f"/api/v1/repair/counties/{LUOPING}/hotline", json={"phone": number})
        ).status_code == 200
    await new_outlet(platform, LUOPING, somewhere(LUOPING), categories=["satellite", "emergency_broadcast"])
    async with platform.client() as anyone:
        svg = await anyone.get(f"/api/v1/repair/counties/{LUOPING}/poster")
        page = await anyone.get(f"/api/v1/repair/counties/{LUOPING}/poster", params={"format": "html"})
        qr = await anyone.get(f"/api/v1/repair/counties/{LUOPING}/qr")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    text = svg.text
    assert "罗平县" in text and number in text and "直播卫星户户通" in text and "应急广播" in text
    assert (
        text.count("<svg") == 3 and "<path" in text
    )  # the poster, a frame, and in it the county's scan code
    assert svg.headers["x-qr-url"] == qr.headers["x-qr-url"]  # the very code the scan page accepts
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "@page" in page.text and f'id="hotline">{number}<' in page.text and "罗平县" in page.text


async def test_a_poster_for_an_unknown_county_is_a_404_problem_and_a_bad_format_a_422(platform):
    async with platform.client() as anyone:
        unknown = await anyone.get("/api/v1/repair/counties/539999/poster")
        bad_format = await anyone.get(f"/api/v1/repair/counties/{LUOPING}/poster", params={"format": "pdf"})
        not_a_county = await anyone.get("/api/v1/repair/counties/53/poster")
        unknown_point = await anyone.get(
            f"/api/v1/repair/counties/{LUOPING}/poster", params={"point": "SP-530324-NOSUCH"}
        )
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")
    assert unknown.json()["code"] == "unknown_county" and "县" in unknown.json()["detail"]
    assert bad_format.status_code == 422 and not_a_county.status_code == 422
    assert unknown_point.status_code == 404


# -- the window register ------------------------------------------------------------------------------------------


async def test_a_walk_in_becomes_a_window_ticket_and_a_line_of_the_days_register(platform):
    at = somewhere(SHIZONG)
    await new_outlet(platform, SHIZONG, at)
    point = await new_point(platform, SHIZONG, "township", at)
    staff = window(platform, SHIZONG)
    path = f"/api/v1/repair/service-points/{point['point_id']}/walk-ins"
    body = report(contact_name="=HYPERLINK(1)", lat=at[0], lng=at[1], address="丹凤村三组")
    key = str(uuid.uuid4())
    async with platform.client(staff) as client:
        first = await client.post(path, json=body, headers={"Idempotency-Key": key})
        again = await client.post(path, json=body, headers={"Idempotency-Key": key})
        ticket = (await client.get(f"/api/v1/repair/tickets/{first.json()['ticket_no']}")).json()
        register = await client.get(path, params={"day": first.json()["day"]})
        exported = await client.get(path, params={"day": first.json()["day"], "format": "csv"})
    assert first.status_code == 201, first.text
    assert again.json()["ticket_no"] == first.json()["ticket_no"]  # a retry writes no second line
    assert ticket["channel"] == "window" and ticket["status"] == "dispatched" and ticket["county"] == SHIZONG
    lines = [w for w in register.json() if w["ticket_no"] == first.json()["ticket_no"]]
    assert len(register.json()) == 1 and len(lines) == 1  # the point is this test's own
    assert lines[0]["contact_phone"] == body["contact_phone"] and lines[0]["address"] == "丹凤村三组"
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["日期", "时间", "报修单号"] and rows[1][2] == first.json()["ticket_no"]
    assert rows[1][4] == "'=HYPERLINK(1)"  # a spreadsheet will not run it


async def test_the_register_refuses_bad_input_other_roles_and_other_regions(platform):
    at = somewhere(SHIZONG)
    await new_outlet(platform, SHIZONG, at)
    point = await new_point(platform, SHIZONG, "township", at)
    path = f"/api/v1/repair/service-points/{point['point_id']}/walk-ins"
    async with platform.client(window(platform, SHIZONG)) as client:
        no_description = await client.post(path, json=report(description=""))
        bad_phone = await client.post(path, json=report(contact_phone="12"))
        with_channel = await client.post(path, json=report(channel="qr"))
        bad_day = await client.get(path, params={"day": "2026-13-45"})
        unknown = await client.post("/api/v1/repair/service-points/SP-530323-NOSUCH/walk-ins", json=report())
        register = await client.get(path)
    async with platform.client(window(platform, LUOPING)) as client:
        foreign = await client.post(path, json=report())
    async with platform.client(citizen(platform)) as client:
        as_citizen = await client.post(path, json=report())
        citizen_reads = await client.get(path)
    async with platform.client(admin(platform, SHIZONG)) as client:
        admin_writes = await client.post(path, json=report())
    for refused in (no_description, bad_phone, with_channel, bad_day):
        assert refused.status_code == 422, refused.text
    assert unknown.status_code == 404
    assert foreign.status_code == 403 and as_citizen.status_code == 403 and citizen_reads.status_code == 403
    assert admin_writes.status_code == 403  # window staff write the register
    assert register.json() == []  # nothing was written


# -- village agents: 回访 ------------------------------------------------------------------------------------------


async def test_a_village_agent_visits_the_villages_repaired_ticket_and_the_resident_rates_it(platform):
    at = somewhere(SHIZONG)
    agent_id, other_id = f"agent-{uuid.uuid4().hex[:8]}", f"agent-{uuid.uuid4().hex[:8]}"
    await new_outlet(platform, SHIZONG, at)
    village = await new_point(platform, SHIZONG, "village", at, agents=[agent_id])
    await new_point(platform, SHIZONG, "village", somewhere(SHIZONG), agents=[other_id])
    resident = citizen(platform)
    ticket = await file(platform, resident, county=SHIZONG, lat=at[0], lng=at[1])
    mine, other = agent(platform, SHIZONG, agent_id), agent(platform, SHIZONG, other_id)
    async with platform.client(mine) as client:
        before_repair = (await client.get("/api/v1/repair/visits")).json()
    await repair(platform, SHIZONG, ticket)
    async with platform.client(other) as client:
        others_list = (await client.get("/api/v1/repair/visits")).json()
        others_visit = await client.post(
            f"/api/v1/repair/visits/{ticket['ticket_no']}", json={"reached": True, "restored": True}
        )
    async with platform.client(mine) as client:
        to_visit = (await client.get("/api/v1/repair/visits")).json()
        missing_field = await client.post(
            f"/api/v1/repair/visits/{ticket['ticket_no']}", json={"reached": True}
        )
        visit = await client.post(
            f"/api/v1/repair/visits/{ticket['ticket_no']}",
            json={"reached": True, "restored": True, "note": "电视已能收看"},
        )
        visited = (await client.get("/api/v1/repair/visits", params={"done": True})).json()
        agent_rates = await client.post(
            f"/api/v1/repair/tickets/{ticket['ticket_no']}/rating", json={"level": 5}
        )
    assert all(t["ticket_no"] != ticket["ticket_no"] for t in before_repair)  # not repaired yet
    assert all(t["ticket_no"] != ticket["ticket_no"] for t in others_list)
    assert others_visit.status_code == 403 and others_visit.json()["code"] == "not_your_village"
    listed = next(t for t in to_visit if t["ticket_no"] == ticket["ticket_no"])
    assert (
        listed["point_id"] == village["point_id"] and listed["status"] == "resolved" and not listed["rated"]
    )
    assert missing_field.status_code == 422
    assert visit.status_code == 200, visit.text
    assert visit.json()["status"] == "closed" and visit.json()["rating_invited"] is True
    assert any(t["ticket_no"] == ticket["ticket_no"] for t in visited)
    assert agent_rates.status_code == 403  # the agent guides; the resident rates
    async with platform.client(resident) as client:
        notes = (await client.get("/api/v1/me/notifications")).json()
        rated = await client.post(f"/api/v1/repair/tickets/{ticket['ticket_no']}/rating", json={"level": 4})
        timeline = (await client.get(f"/api/v1/repair/tickets/{ticket['ticket_no']}")).json()["timeline"]
    assert any(n["kind"] == "rate_invitation" and "本人" in n["text"] for n in notes)
    assert rated.status_code == 200 and rated.json()["rating"]["level"] == 4
    assert [e["action"] for e in timeline][-2:] == ["closed", "rated"]


async def test_visits_are_for_village_agents_only(platform):
    async with platform.client(citizen(platform)) as client:
        as_citizen = await client.get("/api/v1/repair/visits")
        bad_no = await client.post(
            "/api/v1/repair/visits/not-a-ticket", json={"reached": True, "restored": True}
        )
    async with platform.client(window(platform, SHIZONG)) as client:
        as_window = await client.get("/api/v1/repair/visits")
    async with platform.client(agent(platform, SHIZONG, f"agent-{uuid.uuid4().hex[:8]}")) as client:
        nothing = await client.get("/api/v1/repair/visits")
        unknown = await client.post(
            "/api/v1/repair/visits/BX530323260101999999", json={"reached": True, "restored": True}
        )
    async with platform.client() as anyone:
        anonymous = await anyone.get("/api/v1/repair/visits")
    assert as_citizen.status_code == 403 and as_window.status_code == 403 and anonymous.status_code == 401
    assert bad_no.status_code == 422
    assert nothing.status_code == 200 and nothing.json() == []  # an agent of no village point
    assert unknown.status_code == 404


async def test_the_scan_page_of_an_unknown_county_still_gives_a_number_to_call(platform):
    async with platform.client() as anyone:
        page = await anyone.get("/r/539999", params={"k": "00000000", "s": "x"})
    assert page.status_code == 200
    assert 'href="tel:12345">12345</a>' in page.text  # the province's 政务服务便民热线
    assert "伪造" not in page.text and "涂改" not in page.text
