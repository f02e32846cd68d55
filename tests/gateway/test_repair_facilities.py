"""Public broadcast facilities through the real gateway and repair service: the asset register, inspections with
evidence, overdue inspections, platform-signed terminal heartbeats and their figures, and county repair fees."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import secrets
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import select, update

from services.kernel.db import Database
from services.repair.facility_models import BroadcastPlatform, Facility
from services.repair.heartbeats import health_figures
from tests.gateway.repair_support import file_ticket, technician, upload
from tests.helpers import sms_tokens, staff_token

WUHUA = "530102"
JINGHONG = "532801"


def admin(county: str = WUHUA) -> dict[str, object]:
    return {"roles": ["county_admin"], "region": county, "subject": f"admin-{secrets.token_hex(4)}"}


def new_code(prefix: str = "T") -> str:
    return f"{prefix}-{secrets.token_hex(5)}"


def facility(**fields: object) -> dict[str, object]:
    return {
        "county": WUHUA,
        "code": new_code(),
        "kind": "transmitter",
        "name": "五华山发射转播台",
        "lat": 25.05,
        "lng": 102.70,
        "township": "普吉街道",
        "village": "王家桥社区",
        **fields,
    }


async def create(platform, token: str, **fields: object) -> dict[str, object]:
    async with platform.client(token) as client:
        reply = await client.post("/api/v1/repair/facilities", json=facility(**fields))
    assert reply.status_code == 201, reply.text
    return reply.json()


# -- the register ------------------------------------------------------------------------------------------------


async def test_a_county_registers_its_facilities_and_other_counties_do_not_see_them(platform):
    token = staff_token(platform, **admin())
    foreign = staff_token(platform, **admin(JINGHONG))
    tower = await create(platform, token, inspection_interval_days=30)
    assert tower["kind"] == "transmitter" and tower["asset_id"].startswith("FA")
    assert tower["inspection_interval_days"] == 30 and tower["next_inspection_due"]
    assert tower["inspection_overdue"] is False
    async with platform.client(token) as client:
        listed = await client.get(
            "/api/v1/repair/facilities", params={"county": WUHUA, "kind": "transmitter"}
        )
        again = await client.post("/api/v1/repair/facilities", json=facility(code=tower["code"]))
        read = await client.get(f"/api/v1/repair/facilities/{tower['asset_id']}")
    assert tower["asset_id"] in [f["asset_id"] for f in listed.json()]
    assert again.status_code == 409 and again.json()["code"] == "facility_exists"
    assert read.status_code == 200 and read.json()["name"] == "五华山发射转播台"
    async with platform.client(foreign) as client:
        foreign_list = await client.get("/api/v1/repair/facilities", params={"county": WUHUA})
        foreign_read = await client.get(f"/api/v1/repair/facilities/{tower['asset_id']}")
        foreign_create = await client.post("/api/v1/repair/facilities", json=facility())
    assert [r.status_code for r in (foreign_list, foreign_read, foreign_create)] == [403, 403, 403]
    citizen = await sms_tokens(platform)
    async with platform.client(citizen["access_token"]) as client:
        assert (await client.get("/api/v1/repair/facilities", params={"county": WUHUA})).status_code == 403


async def test_bad_facility_input_is_refused_and_nothing_is_written(platform):
    token = staff_token(platform, **admin())
    code = new_code()
    async with platform.client(token) as client:
        bad_kind = await client.post("/api/v1/repair/facilities", json=facility(code=code, kind="satellite"))
        bad_code = await client.post("/api/v1/repair/facilities", json=facility(code="有 空格"))
        bad_interval = await client.post(
            "/api/v1/repair/facilities", json=facility(code=code, inspection_interval_days=0)
        )
        no_platform = await client.post(
            "/api/v1/repair/facilities",
            json=facility(code=code, kind="emergency_broadcast", platform_id="PF0000000000000000"),
        )
        elsewhere = await client.post(
            "/api/v1/repair/facilities", json=facility(code=code, lat=22.0, lng=100.8)
        )
        end_of_time = await client.get(
            "/api/v1/repair/facilities/terminal-health", params={"county": WUHUA, "from": "9999-12-31"}
        )
        unknown = await client.get("/api/v1/repair/facilities/FA" + "0" * 20)
        malformed = await client.get("/api/v1/repair/facilities/nonsense")
        listed = await client.get("/api/v1/repair/facilities", params={"county": WUHUA})
    for reply in (bad_kind, bad_code, bad_interval, no_platform, malformed, elsewhere, end_of_time):
        assert reply.status_code == 422, reply.text
        assert reply.json()["detail"]
    assert no_platform.json()["code"] == "unknown_platform"
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_facility"
    assert code not in [f["code"] for f in listed.json()]


# -- inspections -------------------------------------------------------------------------------------------------


async def test_an_inspection_with_evidence_moves_the_plan_and_overdue_assets_are_listed(platform):
    token = staff_token(platform, **admin())
    tower = await create(platform, token, inspection_interval_days=7)
    asset = tower["asset_id"]
    db = Database(platform.settings.database_url("repair"))
    try:
        async with db.transaction() as session:  # as if the planned day passed without a visit
            await session.execute(
                update(Facility)
                .where(Facility.asset_id == asset)
                .values(next_inspection_due=dt.datetime.now(dt.UTC) - dt.timedelta(days=2))
            )
    finally:
        await db.dispose()
    async with platform.client(token) as client:
        overdue = await client.get("/api/v1/repair/facilities/overdue-inspections", params={"county": WUHUA})
    assert asset in [f["asset_id"] for f in overdue.json()]
    assert next(f for f in overdue.json() if f["asset_id"] == asset)["inspection_overdue"] is True

    tech = technician(platform, "OUT-530102-01")
    async with platform.client(tech) as client:
        photo = (await upload(client)).json()["evidence_id"]
        no_evidence = await client.post(
            f"/api/v1/repair/facilities/{asset}/inspections", json={"result": "normal", "evidence": []}
        )
        others = await client.post(
            f"/api/v1/repair/facilities/{asset}/inspections",
            json={"result": "normal", "evidence": ["EV" + "1" * 20]},
        )
        done = await client.post(
            f"/api/v1/repair/facilities/{asset}/inspections",
            json={"result": "normal", "note": "天线、馈线、机房供电正常", "evidence": [photo]},
        )
        reused = await client.post(
            f"/api/v1/repair/facilities/{asset}/inspections", json={"result": "fault", "evidence": [photo]}
        )
        unknown = await client.post(
            f"/api/v1/repair/facilities/FA{'0' * 20}/inspections",
            json={"result": "normal", "evidence": [photo]},
        )
    assert no_evidence.status_code == 422
    assert others.status_code == 422 and others.json()["code"] == "unknown_evidence"
    assert done.status_code == 201, done.text
    assert done.json()["evidence_ids"] == [photo] and done.json()["result"] == "normal"
    assert reused.status_code == 422 and reused.json()["code"] == "evidence_taken"
    assert unknown.status_code == 404
    async with platform.client(token) as client:
        history = (await client.get(f"/api/v1/repair/facilities/{asset}/inspections")).json()
        after = (await client.get(f"/api/v1/repair/facilities/{asset}")).json()
        overdue_after = await client.get(
            "/api/v1/repair/facilities/overdue-inspections", params={"county": WUHUA}
        )
        plan = await client.put(
            f"/api/v1/repair/facilities/{asset}/inspection-plan", json={"interval_days": 90}
        )
        bad_plan = await client.put(
            f"/api/v1/repair/facilities/{asset}/inspection-plan", json={"interval_days": 0}
        )
    async with platform.client(token) as client:
        photo_for_staff = await client.get(f"/api/v1/repair/evidence/{photo}")
    async with platform.client(staff_token(platform, **admin(JINGHONG))) as client:
        photo_for_foreign = await client.get(f"/api/v1/repair/evidence/{photo}")
    assert photo_for_staff.status_code == 200 and photo_for_staff.content[:3] == b"\xff\xd8\xff"
    assert photo_for_foreign.status_code == 403
    assert [i["inspection_id"] for i in history] == [done.json()["inspection_id"]]
    assert after["inspection_overdue"] is False and after["last_inspected_at"]
    due = dt.datetime.fromisoformat(after["next_inspection_due"])
    assert dt.timedelta(days=6) < due - dt.datetime.now(dt.UTC) <= dt.timedelta(days=7)
    assert asset not in [f["asset_id"] for f in overdue_after.json()]
    assert plan.status_code == 200 and plan.json()["inspection_interval_days"] == 90
    assert bad_plan.status_code == 422
    foreign_tech = staff_token(
        platform, roles=["outlet_technician"], region=JINGHONG, subject="tech-x", outlet="OUT-532801-01"
    )
    async with platform.client(foreign_tech) as client:
        assert (
            await client.post(
                f"/api/v1/repair/facilities/{asset}/inspections",
                json={"result": "normal", "evidence": [photo]},
            )
        ).status_code == 403


# -- heartbeats --------------------------------------------------------------------------------------------------


def signed(
    platform_id: str, body: dict[str, object], sign, *, at: int | None = None, nonce: str | None = None
):
    raw = json.dumps(body, ensure_ascii=False).encode()
    timestamp = str(at if at is not None else int(time.time()))
    nonce = nonce or secrets.token_urlsafe(16)
    signature = sign(f"{platform_id}\n{timestamp}\n{nonce}\n".encode() + raw)
    headers = {
        "X-Platform-Id": platform_id,
        "X-Timestamp": timestamp,
        "X-Nonce": nonce,
        "X-Signature": signature,
        "Content-Type": "application/json",
    }
    return raw, headers


async def ed25519_platform(platform, token: str):
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    async with platform.client(token) as client:
        reply = await client.post(
            "/api/v1/repair/broadcast-platforms",
            json={
                "county": WUHUA,
                "name": "五华区应急广播平台",
                "scheme": "ed25519",
                "public_key": base64.b64encode(public).decode(),
            },
        )
    assert reply.status_code == 201, reply.text
    assert reply.json()["secret"] == ""

    def sign(data: bytes) -> str:
        return base64.urlsafe_b64encode(key.sign(data)).decode().rstrip("=")

    return reply.json()["platform_id"], sign


async def test_signed_heartbeats_are_accepted_and_forged_stale_or_replayed_ones_refused(platform):
    token = staff_token(platform, **admin())
    platform_id, sign = await ed25519_platform(platform, token)
    terminal = await create(platform, token, kind="emergency_broadcast", platform_id=platform_id)
    body = {"code": terminal["code"], "online": True, "broadcast_seconds": 300}
    raw, headers = signed(platform_id, body, sign)
    async with platform.client() as client:
        ok = await client.post("/api/v1/repair/heartbeats", content=raw, headers=headers)
        replay = await client.post("/api/v1/repair/heartbeats", content=raw, headers=headers)
        tampered_raw = json.dumps({**body, "broadcast_seconds": 299}).encode()
        _, fresh = signed(platform_id, body, sign)
        tampered = await client.post("/api/v1/repair/heartbeats", content=tampered_raw, headers=fresh)
        stale_raw, stale = signed(platform_id, body, sign, at=int(time.time()) - 3600)
        stale_reply = await client.post("/api/v1/repair/heartbeats", content=stale_raw, headers=stale)
        future_raw, future = signed(platform_id, body, sign, at=int(time.time()) + 400)
        future_reply = await client.post("/api/v1/repair/heartbeats", content=future_raw, headers=future)
        other_key = Ed25519PrivateKey.generate()
        forged_raw, forged = signed(
            platform_id, body, lambda d: base64.urlsafe_b64encode(other_key.sign(d)).decode()
        )
        forged_reply = await client.post("/api/v1/repair/heartbeats", content=forged_raw, headers=forged)
        unsigned = await client.post("/api/v1/repair/heartbeats", json=body)
        far_raw, far = signed(platform_id, body, sign, at=999_999_999_999)
        far_reply = await client.post("/api/v1/repair/heartbeats", content=far_raw, headers=far)
        unknown_raw, unknown_headers = signed(platform_id, {**body, "code": "NO-SUCH-TERMINAL"}, sign)
        unknown = await client.post("/api/v1/repair/heartbeats", content=unknown_raw, headers=unknown_headers)
        bad_raw, bad_headers = signed(platform_id, {**body, "broadcast_seconds": 99999}, sign)
        bad = await client.post("/api/v1/repair/heartbeats", content=bad_raw, headers=bad_headers)
    assert ok.status_code == 202, ok.text
    assert ok.json()["asset_id"] == terminal["asset_id"]
    assert replay.status_code == 409 and replay.json()["code"] == "nonce_reused"
    assert tampered.status_code == 401 and tampered.json()["code"] == "bad_signature"
    assert stale_reply.status_code == 401 and stale_reply.json()["code"] == "stale_timestamp"
    assert future_reply.status_code == 401 and future_reply.json()["code"] == "stale_timestamp"
    assert forged_reply.status_code == 401 and forged_reply.json()["code"] == "bad_signature"
    assert unsigned.status_code == 401
    assert far_reply.status_code == 401 and far_reply.json()["code"] == "stale_timestamp"
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_facility"
    assert bad.status_code == 422
    async with platform.client(token) as client:
        health = (
            await client.get("/api/v1/repair/facilities/terminal-health", params={"county": WUHUA})
        ).json()
    row = next(t for t in health["terminals"] if t["asset_id"] == terminal["asset_id"])
    assert row["heartbeats"] == 1  # only the good one was stored


async def test_an_hmac_platform_gets_its_secret_once_and_it_is_not_stored_in_the_clear(platform):
    token = staff_token(platform, **admin())
    async with platform.client(token) as client:
        reply = await client.post(
            "/api/v1/repair/broadcast-platforms",
            json={"county": WUHUA, "name": "五华区应急广播平台（HMAC）", "scheme": "hmac-sha256"},
        )
        with_key = await client.post(
            "/api/v1/repair/broadcast-platforms",
            json={"county": WUHUA, "name": "错误", "scheme": "hmac-sha256", "public_key": "abc"},
        )
        bad_key = await client.post(
            "/api/v1/repair/broadcast-platforms",
            json={"county": WUHUA, "name": "错误", "scheme": "ed25519", "public_key": "bm90LWEta2V5"},
        )
    assert reply.status_code == 201 and with_key.status_code == 422
    assert bad_key.status_code == 422 and bad_key.json()["code"] == "invalid_public_key"
    created = reply.json()
    secret = created["secret"]
    assert len(secret) >= 32
    async with platform.client(token) as client:
        listed = (await client.get("/api/v1/repair/broadcast-platforms", params={"county": WUHUA})).json()
    assert next(p for p in listed if p["platform_id"] == created["platform_id"])["secret"] == ""
    db = Database(platform.settings.database_url("repair"))
    try:
        async with db.reader() as session:
            stored = await session.scalar(
                select(BroadcastPlatform).where(BroadcastPlatform.platform_id == created["platform_id"])
            )
    finally:
        await db.dispose()
    assert stored is not None and secret not in stored.sealed_secret and stored.sealed_secret

    terminal = await create(platform, token, kind="emergency_broadcast", platform_id=created["platform_id"])
    quiet = await create(platform, token, kind="emergency_broadcast", platform_id=created["platform_id"])

    def sign(data: bytes) -> str:
        return hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()

    async with platform.client() as client:
        for online, code in ((True, terminal["code"]), (False, quiet["code"])):
            beat = {"code": code, "online": online, "broadcast_seconds": 120}
            raw, headers = signed(created["platform_id"], beat, sign)
            assert (
                await client.post("/api/v1/repair/heartbeats", content=raw, headers=headers)
            ).status_code == 202
        raw, headers = signed(
            created["platform_id"], {"code": terminal["code"], "online": True}, lambda d: "00" * 32
        )
        assert (
            await client.post("/api/v1/repair/heartbeats", content=raw, headers=headers)
        ).status_code == 401
    async with platform.client(token) as client:
        health = await client.get("/api/v1/repair/facilities/terminal-health", params={"county": WUHUA})
        bad_period = await client.get(
            "/api/v1/repair/facilities/terminal-health",
            params={"county": WUHUA, "from": "2026-03-01", "to": "2026-01-01"},
        )
    assert health.status_code == 200 and health.json()["online_target"] == 0.9
    rows = {t["asset_id"]: t for t in health.json()["terminals"]}
    online, offline = rows[terminal["asset_id"]], rows[quiet["asset_id"]]
    assert online["online_rate"] > 0 and online["broadcast_hours_per_day"] > 0
    assert (
        offline["online_rate"] == 0 and offline["below_online_target"] and offline["below_broadcast_target"]
    )
    assert offline["broadcast_hours_per_day"] == 0  # an offline beat broadcasts nothing
    assert bad_period.status_code == 422 and bad_period.json()["code"] == "invalid_period"
    foreign = staff_token(platform, **admin(JINGHONG))
    async with platform.client(foreign) as client:
        assert (
            await client.get("/api/v1/repair/facilities/terminal-health", params={"county": WUHUA})
        ).status_code == 403


def test_the_figures_follow_the_opinions_targets():
    start = dt.datetime(2026, 11, 1, tzinfo=dt.UTC) - dt.timedelta(hours=8)  # 2026-11-01 00:00 China
    end = start + dt.timedelta(days=2)
    slots = 2 * 24 * 12
    rate, hours = health_figures(
        start=start, end=end, online_slots=-(-slots * 9 // 10), broadcast_seconds=3 * 3600
    )
    assert rate >= 0.9 and hours == 1.5  # on target over two days: 90 % of 576 slots, 3 hours
    rate, hours = health_figures(
        start=start, end=end, online_slots=slots - 60, broadcast_seconds=3 * 3600 - 60
    )
    assert rate < 0.9 and hours < 1.5
    assert health_figures(start=start, end=end, online_slots=slots + 5, broadcast_seconds=0)[0] == 1.0


# -- fees --------------------------------------------------------------------------------------------------------


async def test_a_resolved_ticket_charges_only_approved_fees(platform):
    token = staff_token(platform, **admin())
    item = f"上门维修费{secrets.token_hex(2)}"
    schedule = {
        "items": [
            {"name": item, "amount_fen": 3000, "unit": "次"},
            {"name": "高频头更换", "amount_fen": 4500, "unit": "个"},
        ],
        "free_services": ["户户通设备首次安装调试", "信号调试"],
    }
    async with platform.client(token) as client:
        published = await client.put(f"/api/v1/repair/counties/{WUHUA}/fees", json=schedule)
        duplicate = await client.put(
            f"/api/v1/repair/counties/{WUHUA}/fees",
            json={"items": [schedule["items"][0], schedule["items"][0]]},
        )
        negative = await client.put(
            f"/api/v1/repair/counties/{WUHUA}/fees",
            json={"items": [{"name": "x", "amount_fen": -1, "unit": "次"}]},
        )
    assert published.status_code == 200, published.text
    assert duplicate.status_code == 422 and negative.status_code == 422
    async with platform.client() as client:
        public = await client.get(f"/api/v1/repair/counties/{WUHUA}/fees")
        unknown_county = await client.get("/api/v1/repair/counties/539999/fees")
    assert public.status_code == 200 and public.json()["items"][0] == schedule["items"][0]
    assert public.json()["free_services"] == schedule["free_services"]
    assert unknown_county.status_code == 404
    async with platform.client(staff_token(platform, **admin(JINGHONG))) as client:
        assert (await client.put(f"/api/v1/repair/counties/{WUHUA}/fees", json=schedule)).status_code == 403

    citizen = await sms_tokens(platform)
    ticket = await file_ticket(platform, citizen["access_token"], county=WUHUA)
    ticket_no = ticket["ticket_no"]
    async with platform.client(technician(platform, ticket["assignee"]["outlet_id"])) as client:
        await client.post(f"/api/v1/repair/tickets/{ticket_no}/accept")
        photo = (await upload(client)).json()["evidence_id"]
        resolve = f"/api/v1/repair/tickets/{ticket_no}/resolve"
        off_list = await client.post(
            resolve,
            json={"note": "更换馈线", "evidence": [photo], "fee": {"item": "馈线费", "amount_fen": 100}},
        )
        too_much = await client.post(
            resolve, json={"note": "上门维修", "evidence": [photo], "fee": {"item": item, "amount_fen": 3001}}
        )
        still = await client.get(f"/api/v1/repair/tickets/{ticket_no}")
        resolved = await client.post(
            resolve, json={"note": "上门维修", "evidence": [photo], "fee": {"item": item, "amount_fen": 3000}}
        )
    assert off_list.status_code == 422 and off_list.json()["code"] == "fee_not_approved"
    assert too_much.status_code == 422 and too_much.json()["code"] == "fee_above_approved"
    assert still.json()["status"] == "accepted"  # a refused fee changes nothing
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    assert any("30.00元" in event["note"] for event in resolved.json()["timeline"])
