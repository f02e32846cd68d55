"""Broadcast-TV repair through the real gateway and services: what reporters, technicians and staff see."""

from __future__ import annotations

import asyncio
import io
import json
import re
import uuid

import pytest
from PIL import Image

from tests.gateway.reviews_support import texted_all
from tests.helpers import admin_token, delegate, new_phone, password_tokens, sms_tokens, staff_token

WUHUA = "530102"
LUQUAN = "530128"
JINGHONG = "532801"


def demo_password(platform) -> str:
    return json.loads((platform.settings.var_dir / "demo-accounts.json").read_text())["password"]


def jpeg(colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, format="JPEG")
    return out.getvalue()


async def county_qr_url(platform, county: str = WUHUA) -> str:
    async with platform.client() as client:
        reply = await client.get(f"/api/v1/repair/counties/{county}/qr", params={"format": "svg"})
    assert reply.status_code == 200
    return reply.headers["x-qr-url"]


def technician(platform, outlet_id: str, county: str = WUHUA) -> str:
    return staff_token(
        platform, roles=["outlet_technician"], region=county, subject=f"tech-{outlet_id}", outlet=outlet_id
    )


async def upload(
    client, data: bytes | None = None, name: str = "photo.jpg", content_type: str = "image/jpeg"
):
    return await client.post("/api/v1/repair/uploads", files={"file": (name, data or jpeg(), content_type)})


def report(**fields) -> dict[str, object]:
    return {
        "category": "satellite",
        "description": "户户通没有信号，电视一直显示无信号",
        "contact_name": "王大爷",
        "contact_phone": new_phone(),
        **fields,
    }


async def file_ticket(platform, token: str, **fields) -> dict[str, object]:
    async with platform.client(token) as client:
        reply = await client.post("/api/v1/repair/tickets", json=report(**fields))
    assert reply.status_code == 201, reply.text
    return reply.json()


# -- the county QR -----------------------------------------------------------------------------------------------


async def test_the_county_qr_png_decodes_to_the_url_the_ticket_endpoint_accepts(platform):
    zxingcpp = pytest.importorskip("zxingcpp")
    async with platform.client() as client:
        png = await client.get(f"/api/v1/repair/counties/{WUHUA}/qr", params={"format": "png"})
        svg = await client.get(f"/api/v1/repair/counties/{WUHUA}/qr")
    assert png.headers["content-type"] == "image/png"
    assert svg.headers["content-type"].startswith("image/svg+xml") and b"<svg" in svg.content
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert len(decoded) == 1
    url = decoded[0].text
    assert url == png.headers["x-qr-url"]
    assert url.startswith(platform.settings.public_url) and f"/r/{WUHUA}?" in url
    citizen = await sms_tokens(platform)
    ticket = await file_ticket(platform, citizen["access_token"], qr=url)
    assert ticket["county"] == WUHUA and ticket["channel"] == "qr"


async def test_forged_altered_and_withdrawn_codes_are_refused(platform):
    url = await county_qr_url(platform, LUQUAN)
    citizen = await sms_tokens(platform)
    altered = url.replace(f"/r/{LUQUAN}", f"/r/{WUHUA}")  # the same signature on another county
    forged = re.sub(r"s=[^&]+", "s=AAAAAAAAAAAAAAAAAAAAAA", url)
    foreign = url.replace(platform.settings.public_url, "https://evil.example.com")
    async with platform.client(citizen["access_token"]) as client:
        replies = {
            name: await client.post("/api/v1/repair/tickets", json=report(qr=code))
            for name, code in {"altered": altered, "forged": forged, "foreign": foreign}.items()
        }
        listed = (await client.get("/api/v1/repair/tickets", params={"mine": True})).json()["tickets"]
    for name, reply in replies.items():
        assert reply.status_code == 422, name
        assert reply.json()["code"] in ("qr_signature", "invalid_qr"), name
    assert listed == []  # nothing was written
    admin = await password_tokens(platform, "admin", __import__("tests.conftest").conftest.ADMIN_PASSWORD)
    kid = re.search(r"k=([0-9a-f]{8})", url).group(1)
    async with platform.client(admin["access_token"]) as client:
        rotated = await client.post(f"/api/v1/repair/counties/{LUQUAN}/qr-keys")
        revoked = await client.post(f"/api/v1/repair/counties/{LUQUAN}/qr-keys/{kid}/revoke")
    assert rotated.status_code == 201 and revoked.status_code == 200
    async with platform.client(citizen["access_token"]) as client:
        withdrawn = await client.post("/api/v1/repair/tickets", json=report(qr=url))
    assert withdrawn.status_code == 410
    new_url = await county_qr_url(platform, LUQUAN)
    assert new_url != url and rotated.json()["kid"] in new_url
    assert (await file_ticket(platform, citizen["access_token"], qr=new_url))["county"] == LUQUAN


# -- reports and dispatch ----------------------------------------------------------------------------------------


async def test_a_citizen_report_goes_to_the_nearest_qualifying_outlet(platform):
    citizen = await sms_tokens(platform)
    # Right next to 五华区沙朗户户通维修点 (9.5 km north, 6 km west of the centre).
    ticket = await file_ticket(platform, citizen["access_token"], county=WUHUA, lat=25.1290, lng=102.6475)
    assert ticket["status"] == "dispatched"
    assert ticket["assignee"]["outlet_id"] == "OUT-530102-02"
    assert ticket["assignee"]["distance_km"] < 1.0
    assert ticket["assignee"]["phone"]
    assert re.fullmatch(r"BX530102\d{10}", ticket["ticket_no"])
    assert ticket["due_at"].endswith("+08:00")
    # Without a point, the county's centre decides: the nearest qualifying outlet to it, which among the seeded
    # ones is the 红云 station (other tests may have registered outlets of the county nearer still).
    from_centre = await file_ticket(platform, citizen["access_token"], county=WUHUA)
    async with platform.client(await admin_token(platform)) as client:
        decisions = (
            await client.get(f"/api/v1/repair/tickets/{from_centre['ticket_no']}/dispatch-decisions")
        ).json()
    candidates = {c["outlet_id"]: c for c in decisions[0]["candidates"]}
    chosen = candidates[from_centre["assignee"]["outlet_id"]]
    assert chosen["verdict"] == "chosen"
    assert all(
        c["distance_km"] >= chosen["distance_km"] for c in candidates.values() if c["verdict"] == "farther"
    )
    seeded = [c for k, c in candidates.items() if re.fullmatch(r"OUT-530102-0\d", k)]
    if seeded:
        assert min(seeded, key=lambda c: c["distance_km"])["outlet_id"] == "OUT-530102-01"


async def test_non_basic_categories_go_to_the_operator_and_facilities_to_whoever_serves_them(platform):
    citizen = await sms_tokens(platform)
    cable = await file_ticket(platform, citizen["access_token"], county=WUHUA, category="cable")
    iptv = await file_ticket(platform, citizen["access_token"], county=WUHUA, category="iptv")
    transmitter = await file_ticket(platform, citizen["access_token"], county=WUHUA, category="transmitter")
    assert cable["assignee"]["outlet_id"] == "OUT-530102-04"
    assert iptv["assignee"]["outlet_id"] == "OUT-530102-05"
    assert transmitter["assignee"]["outlet_id"] == "OUT-530102-03"


async def test_the_reporters_own_choice_wins_when_it_qualifies(platform):
    citizen = await sms_tokens(platform)
    chosen = await file_ticket(platform, citizen["access_token"], county=WUHUA, outlet_id="OUT-530102-02")
    async with platform.client(citizen["access_token"]) as client:
        not_qualifying = await client.post(
            "/api/v1/repair/tickets", json=report(county=WUHUA, outlet_id="OUT-530102-04")
        )
    assert chosen["assignee"]["outlet_id"] == "OUT-530102-02"
    # an operator outlet cannot take satellite: the choice is refused, not silently replaced
    assert not_qualifying.status_code == 422 and not_qualifying.json()["code"] == "outlet_not_qualified"


async def test_idempotency_key_returns_the_first_ticket(platform):
    citizen = await sms_tokens(platform)
    body = report(county=WUHUA)
    key = str(uuid.uuid4())
    async with platform.client(citizen["access_token"]) as client:
        first = await client.post("/api/v1/repair/tickets", json=body, headers={"Idempotency-Key": key})
        again = await client.post("/api/v1/repair/tickets", json=body, headers={"Idempotency-Key": key})
        other_body = await client.post(
            "/api/v1/repair/tickets",
            json={**body, "description": "另一个问题"},
            headers={"Idempotency-Key": key},
        )
        mine = (await client.get("/api/v1/repair/tickets", params={"mine": True})).json()["tickets"]
    assert first.status_code == 201 and again.status_code in (200, 201)
    assert again.json()["ticket_no"] == first.json()["ticket_no"]
    assert other_body.status_code == 422
    assert [t["ticket_no"] for t in mine] == [first.json()["ticket_no"]]


async def test_the_same_key_sent_at_once_three_times_creates_one_ticket(platform):
    citizen = await sms_tokens(platform)
    body = report(county=WUHUA)
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    async with platform.client(citizen["access_token"]) as client:
        replies = await asyncio.gather(
            *(client.post("/api/v1/repair/tickets", json=body, headers=headers) for _ in range(3))
        )
        mine = (await client.get("/api/v1/repair/tickets", params={"mine": True})).json()["tickets"]
    assert all(r.status_code in (200, 201) for r in replies), [r.text for r in replies]
    assert len({r.json()["ticket_no"] for r in replies}) == 1
    assert len(mine) == 1


async def test_window_staff_register_walk_in_and_phone_reports(platform):
    window = await password_tokens(platform, "wuhua.window", demo_password(platform))
    async with platform.client(window["access_token"]) as client:
        walk_in = await client.post("/api/v1/repair/tickets", json=report(county=WUHUA, channel="window"))
        by_phone = await client.post("/api/v1/repair/tickets", json=report(county=WUHUA, channel="phone"))
        no_channel = await client.post("/api/v1/repair/tickets", json=report(county=WUHUA))
    assert walk_in.json()["channel"] == "window" and by_phone.json()["channel"] == "phone"
    assert no_channel.status_code == 422


async def test_bad_reports_are_refused_and_write_nothing(platform):
    citizen = await sms_tokens(platform)
    cases = {
        "unknown county": (report(county="530199"), 404),
        "county outside Yunnan": (report(county="110101"), 404),
        "latitude out of range": (report(county=WUHUA, lat=95.0, lng=102.7), 422),
        "longitude out of range": (report(county=WUHUA, lat=25.0, lng=190.0), 422),
        "point in another county": (report(county=WUHUA, lat=22.0, lng=100.8), 422),
        "half a point": (report(county=WUHUA, lat=25.0), 422),
        "unknown category": (report(county=WUHUA, category="radio"), 422),
        "no category outlet": (report(county=JINGHONG, category="transmitter", lat=None), 201),
        "malformed phone": (report(county=WUHUA, contact_phone="12345"), 422),
        "landline without area code": (report(county=WUHUA, contact_phone="12345678"), 422),
        "landline number starting 0": (report(county=WUHUA, contact_phone="0871-01234567"), 422),
        "landline too short": (report(county=WUHUA, contact_phone="0871-123456"), 422),
        "Beijing landline of 7 digits": (report(county=WUHUA, contact_phone="010-2345678"), 422),
        "two dashes": (report(county=WUHUA, contact_phone="0871-1234-5678"), 422),
        "no county": (report(), 422),
    }
    async with platform.client(citizen["access_token"]) as client:
        for name, (body, expected) in cases.items():
            body = {k: v for k, v in body.items() if v is not None}
            reply = await client.post("/api/v1/repair/tickets", json=body)
            assert reply.status_code == expected, (name, reply.text)
            assert reply.status_code < 500
        mine = (await client.get("/api/v1/repair/tickets", params={"mine": True})).json()["tickets"]
    assert len(mine) == 1  # only the one valid report


async def test_uploads_are_checked_by_type_and_size(platform):
    citizen = await sms_tokens(platform)
    async with platform.client(citizen["access_token"]) as client:
        photo = await upload(client)
        text = await upload(client, b"not a picture at all", "notes.txt", "text/plain")
        disguised = await upload(client, b"MZ\x90\x00 executable", "photo.jpg", "image/jpeg")
        huge = await upload(client, b"\xff\xd8\xff" + b"0" * (8 << 20), "big.jpg")
        fetched = await client.get(f"/api/v1/repair/evidence/{photo.json()['evidence_id']}")
    assert photo.status_code == 201 and photo.json()["content_type"] == "image/jpeg"
    assert text.status_code == 422 and disguised.status_code == 422
    assert huge.status_code == 422 and huge.json()["code"] == "too_large"
    assert fetched.status_code == 200 and fetched.content == jpeg()
    other = await sms_tokens(platform)
    async with platform.client(other["access_token"]) as client:
        assert (await client.get(f"/api/v1/repair/evidence/{photo.json()['evidence_id']}")).status_code == 403


# -- the life of a ticket ----------------------------------------------------------------------------------------


async def test_wrong_transitions_are_409_with_the_current_state(platform):
    citizen = await sms_tokens(platform)
    ticket = await file_ticket(platform, citizen["access_token"], county=WUHUA)
    tech = technician(platform, ticket["assignee"]["outlet_id"])
    async with platform.client(tech) as client:
        resolve_early = await client.post(
            f"/api/v1/repair/tickets/{ticket['ticket_no']}/resolve",
            json={"note": "修好了", "evidence": ["EV" + "0" * 20]},
        )
        accepted = await client.post(f"/api/v1/repair/tickets/{ticket['ticket_no']}/accept")
        accept_again = await client.post(f"/api/v1/repair/tickets/{ticket['ticket_no']}/accept")
    async with platform.client(citizen["access_token"]) as client:
        cancel_late = await client.post(f"/api/v1/repair/tickets/{ticket['ticket_no']}/cancel")
        rate_early = await client.post(
            f"/api/v1/repair/tickets/{ticket['ticket_no']}/rating", json={"level": 5}
        )
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    for reply in (resolve_early, accept_again, cancel_late, rate_early):
        assert reply.status_code == 409
    assert resolve_early.json()["code"] == "ticket_dispatched"
    assert accept_again.json()["code"] == "ticket_accepted"


async def test_a_technician_cannot_act_on_another_outlets_ticket(platform):
    citizen = await sms_tokens(platform)
    ticket = await file_ticket(platform, citizen["access_token"], county=WUHUA)
    other = technician(
        platform, "OUT-530102-02" if ticket["assignee"]["outlet_id"] != "OUT-530102-02" else "OUT-530102-01"
    )
    async with platform.client(other) as client:
        accept = await client.post(f"/api/v1/repair/tickets/{ticket['ticket_no']}/accept")
        read = await client.get(f"/api/v1/repair/tickets/{ticket['ticket_no']}")
    assert accept.status_code == 403 and accept.json()["code"] == "not_your_ticket"
    assert read.status_code == 403


async def test_county_admins_see_their_county_only(platform):
    citizen = await sms_tokens(platform)
    ticket = await file_ticket(platform, citizen["access_token"], county=WUHUA)
    jinghong_admin = staff_token(platform, roles=["county_admin"], region=JINGHONG)
    wuhua_admin = await password_tokens(platform, "wuhua.admin", demo_password(platform))
    async with platform.client(jinghong_admin) as client:
        read = await client.get(f"/api/v1/repair/tickets/{ticket['ticket_no']}")
        listed = await client.get("/api/v1/repair/tickets", params={"county": WUHUA})
        stats = await client.get("/api/v1/repair/stats", params={"county": WUHUA})
        outlets = await client.get("/api/v1/repair/outlets", params={"county": WUHUA})
        create = await client.post(
            "/api/v1/repair/outlets",
            json={
                "county": WUHUA,
                "name": "越权网点",
                "kind": "market",
                "categories": ["satellite"],
                "lat": 25.04,
                "lng": 102.7,
                "phone": "0871-1234567",
            },
        )
    for reply in (read, listed, stats, outlets, create):
        assert reply.status_code == 403, reply.text
    async with platform.client(wuhua_admin["access_token"]) as client:
        own = await client.get(f"/api/v1/repair/tickets/{ticket['ticket_no']}")
        page = (await client.get("/api/v1/repair/tickets", params={"county": WUHUA, "limit": 100})).json()
    assert own.status_code == 200
    assert ticket["ticket_no"] in [t["ticket_no"] for t in page["tickets"]]


async def test_reject_sends_the_ticket_to_the_next_nearest_and_the_decision_is_recorded(platform):
    citizen = await sms_tokens(platform)
    ticket = await file_ticket(platform, citizen["access_token"], county=WUHUA, lat=25.1290, lng=102.6475)
    first = ticket["assignee"]["outlet_id"]
    async with platform.client(technician(platform, first)) as client:
        no_reason = await client.post(f"/api/v1/repair/tickets/{ticket['ticket_no']}/reject", json={})
        rejected = await client.post(
            f"/api/v1/repair/tickets/{ticket['ticket_no']}/reject", json={"reason": "师傅外出培训，无法上门"}
        )
    assert no_reason.status_code == 422
    assert rejected.status_code == 200
    second = rejected.json()["assignee"]["outlet_id"]
    assert rejected.json()["status"] == "dispatched" and second not in (first, "OUT-530102-04")
    admin = await password_tokens(platform, "wuhua.admin", demo_password(platform))
    async with platform.client(admin["access_token"]) as client:
        decisions = (
            await client.get(f"/api/v1/repair/tickets/{ticket['ticket_no']}/dispatch-decisions")
        ).json()
    assert [d["reason"] for d in decisions] == ["report", "reject"]
    assert decisions[0]["chosen_outlet_id"] == first and decisions[1]["chosen_outlet_id"] == second
    verdicts = {c["outlet_id"]: c["verdict"] for c in decisions[1]["candidates"]}
    assert verdicts[first] == "excluded" and verdicts[second] == "chosen"
    assert all(c["distance_km"] >= 0 for c in decisions[1]["candidates"])


async def test_full_outlets_leave_the_ticket_on_the_county_queue_until_one_frees_up(platform):
    admin = await password_tokens(platform, "admin", __import__("tests.conftest").conftest.ADMIN_PASSWORD)
    async with platform.client(admin["access_token"]) as client:
        created = await client.post(
            "/api/v1/repair/outlets",
            json={
                "county": "530103",
                "name": "盘龙区唯一户户通点",
                "kind": "market",
                "categories": ["satellite"],
                "lat": 25.12,
                "lng": 102.75,
                "phone": "0871-65550000",
                "capacity": 1,
            },
        )
    assert created.status_code == 201, created.text
    outlet = created.json()["outlet_id"]
    citizen = await sms_tokens(platform)
    first = await file_ticket(platform, citizen["access_token"], county="530103")
    queued = await file_ticket(platform, citizen["access_token"], county="530103")
    assert first["assignee"]["outlet_id"] == outlet
    assert queued["status"] == "pending_dispatch" and queued.get("assignee") is None
    async with platform.client(technician(platform, outlet, "530103")) as client:
        await client.post(f"/api/v1/repair/tickets/{first['ticket_no']}/accept")
        photo = (await upload(client)).json()["evidence_id"]
        await client.post(
            f"/api/v1/repair/tickets/{first['ticket_no']}/resolve",
            json={"note": "更换高频头", "evidence": [photo]},
        )
    for _ in range(50):  # the repair service's timers retry the queue
        async with platform.client(citizen["access_token"]) as client:
            now = (await client.get(f"/api/v1/repair/tickets/{queued['ticket_no']}")).json()
        if now["status"] == "dispatched":
            break
        await asyncio.sleep(0.2)
    assert now["status"] == "dispatched" and now["assignee"]["outlet_id"] == outlet


async def test_outlets_are_managed_by_their_county(platform):
    wuhua_admin = await password_tokens(platform, "wuhua.admin", demo_password(platform))
    async with platform.client(wuhua_admin["access_token"]) as client:
        bad_kind = await client.post(
            "/api/v1/repair/outlets",
            json={
                "county": WUHUA,
                "name": "x",
                "kind": "operator",
                "categories": ["satellite"],
                "lat": 25.04,
                "lng": 102.7,
                "phone": "0871-1",
            },
        )
        outside = await client.post(
            "/api/v1/repair/outlets",
            json={
                "county": WUHUA,
                "name": "x",
                "kind": "market",
                "categories": ["satellite"],
                "lat": 27.9,
                "lng": 99.7,
                "phone": "0871-1234567",
            },
        )
        created = await client.post(
            "/api/v1/repair/outlets",
            json={
                "county": WUHUA,
                "name": "五华区普吉户户通点",
                "kind": "market",
                "categories": ["satellite", "dtmb"],
                "lat": 25.08,
                "lng": 102.68,
                "phone": "0871-65119999",
            },
        )
        outlet_id = created.json()["outlet_id"]
        paused = await client.patch(
            f"/api/v1/repair/outlets/{outlet_id}", json={"active": False, "capacity": 5}
        )
        listed = (await client.get("/api/v1/repair/outlets", params={"county": WUHUA})).json()
    assert bad_kind.status_code == 422 and outside.status_code == 422
    assert created.status_code == 201
    assert paused.json()["active"] is False and paused.json()["capacity"] == 5
    assert outlet_id in {o["outlet_id"] for o in listed}


async def test_an_agent_files_for_a_resident_through_the_whole_life_to_the_statistics(platform):
    """The issue's end-to-end story: an agent files for a resident → nearest outlet → reject → next outlet →
    accepted → resolved with a photo → follow-up → rated → counted in the county's statistics and reviews."""
    agent = await password_tokens(platform, "luquan.agent", demo_password(platform))
    resident_phone = new_phone()
    delegation = await delegate(platform, agent["access_token"], "杨奶奶", resident_phone)
    qr = await county_qr_url(platform, LUQUAN)
    # 撒营盘镇: 18 km north and 9 km east of the county centre.
    ticket = await file_ticket(
        platform,
        delegation["access_token"],
        qr=qr,
        lat=25.7539,
        lng=102.5653,
        contact_name="杨奶奶",
        contact_phone=resident_phone,
        address="撒营盘镇某村3组",
    )
    assert (
        ticket["channel"] == "agent"
        and ticket["agent_id"]
        and ticket["reporter_id"] == delegation["resident_id"]
    )
    assert ticket["assignee"]["outlet_id"] == "OUT-530128-02"
    first = ticket["assignee"]["outlet_id"]
    ticket_no = ticket["ticket_no"]

    async with platform.client(technician(platform, first, LUQUAN)) as client:
        rejected = (
            await client.post(f"/api/v1/repair/tickets/{ticket_no}/reject", json={"reason": "本网点今日无人"})
        ).json()
    second = rejected["assignee"]["outlet_id"]
    assert second != first and rejected["status"] == "dispatched"

    async with platform.client(technician(platform, second, LUQUAN)) as client:
        assert (await client.post(f"/api/v1/repair/tickets/{ticket_no}/accept")).json()[
            "status"
        ] == "accepted"
        photo = (await upload(client)).json()["evidence_id"]
        resolved = await client.post(
            f"/api/v1/repair/tickets/{ticket_no}/resolve",
            json={"note": "锅体偏移，重新对星后信号恢复", "evidence": [photo]},
        )
    assert resolved.json()["status"] == "resolved" and photo in resolved.json()["evidence_ids"]

    async with platform.client(agent["access_token"]) as client:
        closed = await client.post(
            f"/api/v1/repair/tickets/{ticket_no}/follow-up",
            json={"reached": True, "restored": True, "note": "电话回访，已恢复收看"},
        )
    assert closed.json()["status"] == "closed"

    # the resident rates; the agent only records the resident's rating with consent (六(一)2(3)): not in its own
    # name, and with the delegation it waits for the resident's confirmation (their own rating replaces it)
    async with platform.client(agent["access_token"]) as client:
        by_agent = await client.post(f"/api/v1/repair/tickets/{ticket_no}/rating", json={"level": 1})
    assert by_agent.status_code == 403 and by_agent.json()["code"] == "consent_required"
    async with platform.client(delegation["access_token"]) as client:
        recorded = await client.post(f"/api/v1/repair/tickets/{ticket_no}/rating", json={"level": 1})
    assert recorded.status_code == 202 and recorded.json()["rating"] is None
    admin = await password_tokens(platform, "admin", __import__("tests.conftest").conftest.ADMIN_PASSWORD)
    # texted the invitation and the closing first, so the sign-in code is the newest message
    await texted_all(
        platform, admin["access_token"], resident_phone, f"{ticket_no}已办理完毕", "办结", "代您记录"
    )
    resident = await sms_tokens(platform, resident_phone)  # the resident signs in and rates it themselves
    async with platform.client(resident["access_token"]) as client:
        rated = await client.post(
            f"/api/v1/repair/tickets/{ticket_no}/rating", json={"level": 5, "comment": "师傅很负责"}
        )
        again = await client.post(f"/api/v1/repair/tickets/{ticket_no}/rating", json={"level": 1})
    async with platform.client(agent["access_token"]) as client:
        seen_by_agent = (await client.get(f"/api/v1/repair/tickets/{ticket_no}")).json()
    assert rated.status_code == 200 and rated.json()["rating"]["level"] == 5
    assert again.status_code == 409
    actions = [e["action"] for e in seen_by_agent["timeline"]]
    assert actions == [
        "reported",
        "dispatched",
        "rejected",
        "dispatched",
        "accepted",
        "resolved",
        "closed",
        "rating_recorded",  # the agent's, pending; replaced by the resident's own
        "rated",
    ]

    async with platform.client(resident["access_token"]) as client:  # and sees it all
        mine = (await client.get("/api/v1/repair/tickets", params={"mine": True})).json()["tickets"]
        notes = (await client.get("/api/v1/me/notifications")).json()
        summary = (await client.get("/api/v1/me/summary")).json()
    assert [t["ticket_no"] for t in mine] == [ticket_no]
    assert {n["kind"] for n in notes} >= {"filed_for_you", "dispatched", "accepted", "resolved", "closed"}
    assert summary["repair_tickets"] == 1

    async with platform.client(admin["access_token"]) as client:
        stats = (await client.get("/api/v1/repair/stats", params={"county": LUQUAN})).json()
        prefecture = (await client.get("/api/v1/repair/stats", params={"county": "5301"})).json()
        csv_reply = await client.get(
            "/api/v1/repair/stats/export", params={"county": LUQUAN, "month": closed.json()["created_at"][:7]}
        )
    statuses = {c["key"]: c["count"] for c in stats["by_status"]}
    assert statuses.get("closed", 0) >= 1
    assert stats["restored_within_24h_share"] > 0 and stats["mean_rating"] > 0
    assert any(o["outlet_id"] == second and o["ratings"] >= 1 for o in stats["outlets"])
    assert prefecture["total"] >= stats["total"]
    assert csv_reply.headers["content-type"].startswith("text/csv")
    assert ticket_no in csv_reply.text and resident_phone not in csv_reply.text

    for _ in range(50):  # the gateway texts the resident what the app shows, through the SMS backend
        async with platform.client(admin["access_token"]) as client:
            texts = [
                m["text"]
                for m in (
                    await client.get("/api/v1/admin/sms-outbox", params={"phone": resident_phone})
                ).json()
            ]
        if any("办结" in t for t in texts):
            break
        await asyncio.sleep(0.1)
    assert any(ticket_no in t and "派给" in t for t in texts)
    assert any(ticket_no in t and "办结" in t for t in texts)

    for _ in range(50):  # the rating travels to the reviews service as an event
        async with platform.client() as client:
            indicators = (await client.get("/api/v1/reviews/indicators", params={"region": LUQUAN})).json()
        if indicators["total"] >= 1:
            break
        await asyncio.sleep(0.1)
    assert {lv["level"]: lv["count"] for lv in indicators["levels"]}[5] >= 1


async def test_tickets_list_pages_with_a_cursor(platform):
    citizen = await sms_tokens(platform)
    numbers = [
        (await file_ticket(platform, citizen["access_token"], county=WUHUA))["ticket_no"] for _ in range(5)
    ]
    seen: list[str] = []
    cursor = ""
    async with platform.client(citizen["access_token"]) as client:
        while True:
            page = (
                await client.get(
                    "/api/v1/repair/tickets",
                    params={"mine": True, "limit": 2, **({"cursor": cursor} if cursor else {})},
                )
            ).json()
            seen += [t["ticket_no"] for t in page["tickets"]]
            if not page["next_cursor"]:
                break
            cursor = page["next_cursor"]
    assert seen == list(reversed(numbers))


async def test_admin_token_is_needed_for_the_stats(platform):
    citizen = await sms_tokens(platform)
    async with platform.client(citizen["access_token"]) as client:
        assert (await client.get("/api/v1/repair/stats", params={"county": WUHUA})).status_code == 403
    assert await admin_token(platform)
