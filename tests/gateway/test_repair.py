"""Broadcast-TV repair through the real gateway and services: the county QR, filing reports and where they are
dispatched, and uploads."""

from __future__ import annotations

import asyncio
import io
import re
import uuid

import pytest
from PIL import Image

from tests.gateway.repair_support import (
    JINGHONG,
    LUQUAN,
    WUHUA,
    county_qr_url,
    demo_password,
    file_ticket,
    jpeg,
    report,
    upload,
)
from tests.helpers import admin_token, password_tokens, sms_tokens

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
