"""Open311 GeoReport v2 through the real gateway and repair service: a client's form report becomes a dispatched
repair ticket, anyone reads it back (with the `georeport` client library) without personal data, and bad input
is answered in the spec's error format."""

from __future__ import annotations

import asyncio
import io
import json
import re

import pytest
from georeport import GeoReport
from PIL import Image
from sqlalchemy import func, select

from gateway.open311 import service as open311_service
from gateway.open311.models import Open311Report
from tests.helpers import admin_token, new_ip, new_phone, sms_tokens, staff_token

WUHUA = "530102"
LUQUAN = "530128"
# 撒营盘镇, 禄劝县: 18 km from the county's centre, far from every other county's
SAYINGPAN = (25.7539, 102.5653)
# next to 五华区沙朗户户通维修点
SHALANG = (25.1290, 102.6475)


async def new_client(platform, county: str | None = None) -> dict[str, str]:
    body = {"name": "12345热线", **({"county": county} if county else {})}
    async with platform.client(await admin_token(platform)) as client:
        reply = await client.post("/api/v1/admin/open311-clients", json=body)
    assert reply.status_code == 201, reply.text
    return reply.json()  # type: ignore[no-any-return]


def form(api_key: str, /, **fields: object) -> dict[str, str]:
    values: dict[str, object] = {
        "api_key": fields.pop("api_key", api_key),
        "service_code": "satellite",
        "lat": SAYINGPAN[0],
        "long": SAYINGPAN[1],
        "description": "户户通没有信号，机顶盒显示E04",
        "first_name": "奶奶",
        "last_name": "杨",
        "phone": new_phone(),
        **fields,
    }
    return {k: str(v) for k, v in values.items() if v is not None}


async def post_report(platform, data: dict[str, str]):
    async with platform.client() as client:
        return await client.post(
            "/open311/v2/requests.json", data=data, headers={"X-Forwarded-For": new_ip()}
        )


async def reports_of(platform, client_id: str) -> int:
    async with platform.app.state.runtime.db.reader() as session:
        return int(
            await session.scalar(
                select(func.count()).select_from(Open311Report).where(Open311Report.client_id == client_id)
            )
            or 0
        )


async def sms_to(platform, phone: str) -> list[str]:
    async with platform.client(await admin_token(platform)) as client:
        return [
            m["text"] for m in (await client.get("/api/v1/admin/sms-outbox", params={"phone": phone})).json()
        ]


async def test_a_form_report_is_dispatched_and_read_back_with_the_georeport_client(platform):
    key = await new_client(platform)
    phone = new_phone()
    reply = await post_report(
        platform,
        form(
            key["api_key"],
            phone=phone,
            description=f"杨奶奶家户户通没信号，电话{phone}",
            address_string="撒营盘镇某村3组12号",
            account_id="hotline-778",
            media_url="https://hotline.example.cn/p/1.jpg",
        ),
    )
    assert reply.status_code == 201, reply.text
    [created] = reply.json()
    ticket_no = created["service_request_id"]
    assert re.fullmatch(rf"BX{LUQUAN}\d{{10}}", ticket_no)  # the county from the point, via the region data
    assert created["account_id"] == "hotline-778" and "已派给" in created["service_notice"]

    # The ticket is a real repair ticket, filed as the Open311 client, dispatched under the same rule.
    county_admin = staff_token(platform, roles=["county_admin"], region=LUQUAN)
    async with platform.client(county_admin) as client:
        ticket = (await client.get(f"/api/v1/repair/tickets/{ticket_no}")).json()
    assert ticket["channel"] == "open311" and ticket["reporter_id"] == key["client_id"]
    assert ticket["assignee"]["outlet_id"] == "OUT-530128-02" and ticket["contact_phone"] == phone

    geo = GeoReport(f"{platform.gateway_url}/open311/v2", jurisdiction="53")
    services = await asyncio.to_thread(geo.get_service_list)
    assert {s["service_code"] for s in services} >= {"satellite", "dtmb", "emergency_broadcast", "ott"}
    satellite = next(s for s in services if s["service_code"] == "satellite")
    assert satellite["service_name"].startswith("直播卫星") and satellite["type"] == "realtime"
    assert satellite["metadata"] is False and satellite["group"] == "基本公共服务"

    [listed] = await asyncio.to_thread(geo.get_service_requests, service_request_id=ticket_no)
    one = await asyncio.to_thread(geo.get_service_request, ticket_no)
    assert listed == one
    assert one["service_request_id"] == ticket_no and one["status"] == "open"
    assert one["service_code"] == "satellite" and one["service_name"] == satellite["service_name"]
    assert one["expected_datetime"] == ticket["due_at"] and one["requested_datetime"] == ticket["created_at"]
    assert one["agency_responsible"] == ticket["assignee"]["name"]
    assert one["address"] == "云南省昆明市禄劝彝族苗族自治县" and one["address_id"] == LUQUAN
    assert (one["lat"], one["long"]) == (25.75, 102.57)
    assert one["media_url"] == "https://hotline.example.cn/p/1.jpg"
    # Nothing personal: no phone (even typed into the description), no name, no street address.
    text = json.dumps(one, ensure_ascii=False)
    assert phone not in text and "杨奶奶" not in text and "3组12号" not in text and phone[-4:] not in text
    assert one["description"] == "***家户户通没信号，电话***********"

    # The reporter is texted the dispatch notice on the phone the client gave.
    for _ in range(100):
        if any(ticket_no in t for t in await sms_to(platform, phone)):
            break
        await asyncio.sleep(0.1)
    assert any(ticket_no in t and "已派给" in t for t in await sms_to(platform, phone))


async def test_states_map_to_open_and_closed_and_the_list_filters(platform):
    key = await new_client(platform, county=WUHUA)
    reply = await post_report(
        platform, form(key["api_key"], lat=SHALANG[0], long=SHALANG[1], service_code="satellite")
    )
    assert reply.status_code == 201, reply.text
    ticket_no = reply.json()[0]["service_request_id"]
    assert ticket_no.startswith(f"BX{WUHUA}")
    tech = staff_token(
        platform, roles=["outlet_technician"], region=WUHUA, subject="tech-o311", outlet="OUT-530102-02"
    )
    async with platform.client(tech) as client:
        assert (await client.post(f"/api/v1/repair/tickets/{ticket_no}/accept")).status_code == 200
    async with platform.client() as client:
        accepted = (await client.get(f"/open311/v2/requests/{ticket_no}.json")).json()[0]
    assert accepted["status"] == "open" and "已接单" in accepted["status_notes"]

    async with platform.client(tech) as client:
        photo = await client.post("/api/v1/repair/uploads", files={"file": ("p.png", png(), "image/png")})
        assert photo.status_code == 201, photo.text
        resolved = await client.post(
            f"/api/v1/repair/tickets/{ticket_no}/resolve",
            json={"note": "重新对星", "evidence": [photo.json()["evidence_id"]]},
        )
        assert resolved.status_code == 200, resolved.text
    async with platform.client() as client:
        closed = await client.get(
            "/open311/v2/requests.json", params={"status": "closed", "jurisdiction_id": WUHUA}
        )
        still_open = await client.get(
            "/open311/v2/requests.json", params={"status": "open", "service_code": "satellite,dtmb"}
        )
        other_code = await client.get("/open311/v2/requests.json", params={"service_code": "iptv"})
        elsewhere = await client.get("/open311/v2/requests.json", params={"jurisdiction_id": "5328"})
    [mine] = [r for r in closed.json() if r["service_request_id"] == ticket_no]
    assert mine["status"] == "closed" and mine["status_notes"].startswith("维修网点已修复")
    for reply in (still_open, other_code, elsewhere):
        assert reply.status_code == 200 and ticket_no not in {r["service_request_id"] for r in reply.json()}


async def test_app_reports_are_listed_without_their_description(platform):
    citizen = await sms_tokens(platform)
    async with platform.client(citizen["access_token"]) as client:
        filed = await client.post(
            "/api/v1/repair/tickets",
            json={
                "county": WUHUA,
                "category": "dtmb",
                "description": "我是李四，住红云街道8号",
                "contact_name": "李四",
                "contact_phone": new_phone(),
            },
        )
    assert filed.status_code == 201, filed.text
    async with platform.client() as client:
        [public] = (await client.get(f"/open311/v2/requests/{filed.json()['ticket_no']}.json")).json()
    assert public["description"] == "地面数字电视故障" and public["lat"] is None
    assert "李四" not in json.dumps(public, ensure_ascii=False)


async def test_a_county_bound_client_files_in_its_county_only(platform):
    key = await new_client(platform, county=WUHUA)
    by_address = await post_report(
        platform, form(key["api_key"], lat=None, long=None, address_string="沙朗乡某村")
    )
    assert by_address.status_code == 201 and by_address.json()[0]["service_request_id"].startswith(
        f"BX{WUHUA}"
    )
    # a point in 景洪 (the repair service's rule: no farther from the county's centre than any county reaches)
    elsewhere = await post_report(platform, form(key["api_key"], lat=22.0, long=100.8))
    other_id = await post_report(platform, form(key["api_key"], lat=None, long=None, address_id=LUQUAN))
    for reply in (elsewhere, other_id):
        assert reply.status_code == 400, reply.text
        [error] = reply.json()
        assert error["code"] == 400 and re.search(r"[\u4e00-\u9fff]", error["description"])
    assert await reports_of(platform, key["client_id"]) == 1


async def test_a_retry_with_the_same_idempotency_key_files_once(platform):
    key = await new_client(platform)
    data = form(key["api_key"])
    async with platform.client() as client:
        first, again = [
            await client.post(
                "/open311/v2/requests.json", data=data, headers={"Idempotency-Key": "hotline-42"}
            )
            for _ in range(2)
        ]
        changed = await client.post(
            "/open311/v2/requests.json",
            data={**data, "description": "另一台机顶盒"},
            headers={"Idempotency-Key": "hotline-42"},
        )
    assert first.status_code == again.status_code == 201, again.text
    assert first.json()[0]["service_request_id"] == again.json()[0]["service_request_id"]
    assert changed.status_code == 400 and changed.json()[0]["code"] == 400
    assert await reports_of(platform, key["client_id"]) == 1


async def test_a_county_named_in_the_address_is_found_without_a_point(platform):
    key = await new_client(platform)
    reply = await post_report(
        platform,
        form(key["api_key"], lat=None, long=None, address_string="昆明市禄劝彝族苗族自治县撒营盘镇"),
    )
    assert reply.status_code == 201, reply.text
    assert reply.json()[0]["service_request_id"].startswith(f"BX{LUQUAN}")


@pytest.mark.parametrize(
    ("fields", "status", "words"),
    [
        ({"api_key": "o311_wrong"}, 403, "api_key"),
        ({"api_key": ""}, 403, "api_key"),
        ({"service_code": "water_leak"}, 400, "服务编码"),
        ({"lat": None, "long": None}, 400, "位置"),
        ({"lat": "north", "long": "102.5"}, 400, "十进制度数"),
        ({"lat": "95", "long": "102.5"}, 400, "lat"),
        ({"lat": "", "long": "102.5"}, 400, "经纬度须同时填写"),
        ({"long": None}, 400, "经纬度须同时填写"),
        ({"lat": "39.9", "long": "116.4"}, 400, "不在云南省内"),
        ({"lat": None, "long": None, "address_string": "某小区"}, 400, "无法从地址中确定"),
        ({"lat": None, "long": None, "address_id": "110101"}, 400, "县级行政区划代码"),
        ({"phone": "12345"}, 400, "手机号码"),
        ({"phone": None}, 400, "手机号码"),
        ({"email": "not-an-email"}, 400, "邮箱"),
        ({"media_url": "javascript:alert(1)"}, 400, "网址"),
        ({"description": "很" * 501}, 400, "500"),
        ({"jurisdiction_id": "5328"}, 400, "辖区"),
    ],
)
async def test_bad_reports_are_refused_in_the_spec_format_and_file_nothing(platform, fields, status, words):
    key = await new_client(platform)
    reply = await post_report(platform, form(key["api_key"], **fields))
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith("application/json")
    [error] = reply.json()
    assert error["code"] == status and words in error["description"], error
    assert await reports_of(platform, key["client_id"]) == 0


async def test_reads_refuse_bad_criteria_and_unknown_ids(platform):
    async with platform.client() as client:
        unknown = await client.get("/open311/v2/requests/BX530102200101010001.json")
        malformed = await client.get("/open311/v2/requests/nope.json")
        bad_status = await client.get("/open311/v2/requests.json", params={"status": "pending"})
        bad_code = await client.get("/open311/v2/requests.json", params={"service_code": "water"})
        too_long = await client.get(
            "/open311/v2/requests.json",
            params={"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
        )
        no_zone = await client.get("/open311/v2/requests.json", params={"start_date": "2026-01-01"})
        definition = await client.get("/open311/v2/services/satellite.json")
        no_service = await client.get("/open311/v2/services/water.json")
    for reply in (unknown, malformed, no_service):
        assert reply.status_code == 404 and reply.json()[0]["code"] == 404, reply.text
    for reply in (bad_status, bad_code, too_long, no_zone):
        assert reply.status_code == 400 and reply.json()[0]["code"] == 400, reply.text
    assert definition.json() == {"service_code": "satellite", "attributes": []}


async def test_client_keys_are_shown_once_revocable_audited_and_rate_limited(platform, monkeypatch):
    key = await new_client(platform)
    admin = await admin_token(platform)
    async with platform.client(admin) as client:
        listed = (await client.get("/api/v1/admin/open311-clients")).json()
        audit = (await client.get("/api/v1/admin/audit", params={"subject": key["client_id"]})).json()
    mine = next(c for c in listed if c["client_id"] == key["client_id"])
    assert "api_key" not in mine and key["api_key"] not in json.dumps(listed)
    assert [e["event"] for e in audit] == ["open311_client_created"]

    monkeypatch.setattr(open311_service, "REPORTS_PER_MINUTE", 1)
    assert (await post_report(platform, form(key["api_key"]))).status_code == 201
    limited = await post_report(platform, form(key["api_key"]))
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    assert limited.json()[0]["code"] == 429

    async with platform.client(admin) as client:
        revoked = await client.post(f"/api/v1/admin/open311-clients/{key['client_id']}/revoke")
        again = await client.post(f"/api/v1/admin/open311-clients/{key['client_id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert again.status_code == 409
    refused = await post_report(platform, form(key["api_key"]))
    assert refused.status_code == 403 and refused.json()[0]["code"] == 403


async def test_only_platform_admins_manage_clients(platform):
    county_admin = staff_token(platform, roles=["county_admin"], region=WUHUA)
    async with platform.client(county_admin) as client:
        reply = await client.post("/api/v1/admin/open311-clients", json={"name": "某系统"})
    assert reply.status_code == 403
    async with platform.client(await admin_token(platform)) as client:
        bad = await client.post("/api/v1/admin/open311-clients", json={"name": "某系统", "county": "110101"})
    assert bad.status_code == 422


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 200, 30)).save(out, format="PNG")
    return out.getvalue()
