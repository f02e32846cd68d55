"""E-licenses through the real gateway and the real licenses service: issue → bind → wallet → 扫码亮证 → verify
online, offline and with the IETF reference library → replay refused → revoke → the use record."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import secrets
import time
import uuid
from dataclasses import replace

import jwt
import zxingcpp
from PIL import Image
from sqlalchemy import func, select

from services.kernel.db import Database
from services.kernel.events import Event, stream_name
from services.kernel.license_cache import ready_key
from services.kernel.sdjwt import jws_header
from services.kernel.sdjwt_offline import OfflineVerifier
from services.licenses.models import License
from tests.helpers import admin_token, create_staff, password_tokens, sms_tokens, staff_token
from tests.services.licenses.conftest import TRAFFIC, new_id_number

AUDIENCE = "https://jiaojing-checkpoint.example.gov.cn"


def issuer_token(platform, department: str = TRAFFIC) -> str:
    return staff_token(
        platform, roles=["license_issuer"], region="53", subject=str(uuid.uuid4()), department=department
    )


def driving_licence(number: str) -> dict:
    return {
        "type": "DRIVING-LICENSE",
        "holder": {"id_number": number},
        "fields": {
            "name": "张三",
            "id_number": number,
            "class": "C1",
            "file_no": "530100998877",
            "first_issued": "2016-03-01",
        },
    }


async def offline_verifier(platform) -> OfflineVerifier:
    async with platform.client() as client:
        jwks = (await client.get("/api/v1/licenses/issuers/jwks.json")).json()
        lst = await client.get("/api/v1/licenses/status-lists/1")
    assert lst.headers["content-type"].startswith("application/statuslist+jwt")
    verifier = OfflineVerifier(jwks)
    verifier.add_status_list(lst.text)
    return verifier


async def answering_itself(platform, presentation: str | None = None):  # type: ignore[no-untyped-def]
    """The gateway's own verifier, once the licenses service has marked its status cache ready and, given a
    presentation, once the gateway knows the key it was issued under (it reads the issuer keys again at most once
    a second: a key newer than its last read is handed to the service until then)."""
    redis = platform.redis.client
    for _ in range(100):
        if await redis.exists(ready_key(platform.settings.redis_namespace)):
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the licenses status cache never became ready")
    verifier = platform.app.state.runtime.license_verifier
    if presentation is not None:
        kid = jws_header(presentation.split("~", 1)[0]).get("kid")
        for _ in range(60):
            if await verifier._ensure_key(kid, time.time()):
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError(f"the gateway never learnt the issuer key {kid}")
    return verifier


async def test_issue_bind_present_verify_revoke_and_the_use_record(platform, monkeypatch) -> None:
    number = new_id_number()
    async with platform.client(issuer_token(platform)) as issuer:
        issued = await issuer.post("/api/v1/licenses", json=driving_licence(number))
    assert issued.status_code == 201, issued.text
    license_id = issued.json()["license_id"]
    assert issued.json()["holder"].endswith(number[-4:]) and issued.json()["kid"]

    citizen = (await sms_tokens(platform))["access_token"]
    async with platform.client(citizen) as client:
        empty = (await client.get("/api/v1/me/licenses")).json()
        bound = await client.post("/api/v1/me/real-name", json={"name": "张三", "id_number": number})
        wallet = (await client.get("/api/v1/me/licenses")).json()
        shown = [
            await client.post(
                f"/api/v1/me/licenses/{license_id}/presentations",
                json={"fields": ["name", "class"], "nonce": f"checkpoint-nonce-{i}", "audience": AUDIENCE},
            )
            for i in range(2)
        ]
    assert empty == {"linked": False, "licenses": []}
    assert bound.status_code == 200, bound.text
    assert wallet["linked"] and [w["license_id"] for w in wallet["licenses"]] == [license_id]
    assert wallet["licenses"][0]["status"] == "valid" and wallet["licenses"][0]["issuer"] == TRAFFIC
    assert all(s.status_code == 201 for s in shown), shown[0].text
    first, second = (s.json() for s in shown)
    text = first["presentation"]
    assert number not in text and first["qr_svg"].startswith("<svg")
    png = base64.b64decode(first["qr_png"].split(",", 1)[1])
    assert zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))[0].text == text  # one QR code holds it

    checkpoint = await offline_verifier(platform)
    offline = checkpoint.verify(text, nonce="checkpoint-nonce-0", audience=AUDIENCE)
    assert offline.valid and offline.fields == {"name": "张三", "class": "C1"}

    import sd_jwt.verifier
    from jwcrypto.jwk import JWK

    async with platform.client() as client:
        jwks = (await client.get("/api/v1/licenses/issuers/jwks.json")).json()
    monkeypatch.setattr(sd_jwt.verifier, "DEFAULT_SIGNING_ALG", "EdDSA")
    reference = sd_jwt.verifier.SDJWTVerifier(
        text,
        lambda iss, header: JWK(**next(k for k in jwks["keys"] if k["kid"] == header["kid"])),
        expected_aud=AUDIENCE,
        expected_nonce="checkpoint-nonce-0",
    ).get_verified_payload()
    assert (reference["name"], reference["class"]) == ("张三", "C1") and "id_number" not in reference

    body = {"presentation": text, "nonce": "checkpoint-nonce-0", "audience": AUDIENCE}
    gateway = await answering_itself(platform, text)
    answered = gateway.answered
    async with platform.client() as client:
        online = (await client.post("/api/v1/licenses/verify", json=body)).json()
        replay = (await client.post("/api/v1/licenses/verify", json=body)).json()
    assert online == {
        "valid": True,
        "reason": None,
        "message": None,
        "type": "DRIVING-LICENSE",
        "type_name": "机动车驾驶证",
        "issuer": TRAFFIC,
        "fields": {"name": "张三", "class": "C1"},
    }
    assert replay["valid"] is False and replay["reason"] == "presentation_replayed" and replay["message"]

    async with platform.client(issuer_token(platform)) as issuer:
        revoked = await issuer.post(
            f"/api/v1/licenses/{license_id}/revoke", json={"reason": "记满12分，依法注销"}
        )
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    later = {"presentation": second["presentation"], "nonce": "checkpoint-nonce-1", "audience": AUDIENCE}
    async with platform.client() as client:
        refused = (await client.post("/api/v1/licenses/verify", json=later)).json()
    assert (refused["valid"], refused["reason"]) == (False, "license_revoked")
    assert gateway.answered == answered + 3  # all three online answers came from the gateway itself
    stale = checkpoint.verify(second["presentation"], nonce="checkpoint-nonce-1", audience=AUDIENCE)
    assert stale.valid  # the checkpoint's cached list still says valid ...
    checkpoint = await offline_verifier(platform)  # ... until it refreshes
    fresh = checkpoint.verify(second["presentation"], nonce="checkpoint-nonce-1", audience=AUDIENCE)
    assert (fresh.valid, fresh.reason) == (False, "license_revoked")

    async with platform.client(citizen) as client:
        wallet = (await client.get("/api/v1/me/licenses")).json()
        uses = (await client.get(f"/api/v1/me/licenses/{license_id}/uses")).json()
    assert wallet["licenses"][0]["status"] == "revoked"
    kinds = [u["kind"] for u in uses]
    assert kinds.count("verification") == 1 and kinds.count("presentation") == 2
    assert kinds[-1] == "issued" and kinds[0] == "status"
    verification = next(u for u in uses if u["kind"] == "verification")
    assert verification["who"] == AUDIENCE and verification["purpose"] == "在线核验：准驾车型、姓名"


async def test_an_issuer_may_issue_only_their_departments_types(platform) -> None:
    number = new_id_number()
    async with platform.client(issuer_token(platform, "民政厅")) as issuer:
        refused = await issuer.post("/api/v1/licenses", json=driving_licence(number))
    assert refused.status_code == 403 and refused.json()["code"] == "issuer_not_authorised"
    assert "无权" in refused.json()["detail"]
    citizen = (await sms_tokens(platform))["access_token"]
    async with platform.client(citizen) as client:
        await client.post("/api/v1/me/real-name", json={"name": "张三", "id_number": number})
        assert (await client.get("/api/v1/me/licenses")).json() == {"linked": True, "licenses": []}
        as_citizen = await client.post("/api/v1/licenses", json=driving_licence(number))
    assert as_citizen.status_code == 403


async def test_bad_issue_input_is_a_problem_in_chinese(platform) -> None:
    number = new_id_number()
    body = driving_licence(number)
    body["fields"]["plate_no"] = "云A12345"
    async with platform.client(issuer_token(platform)) as issuer:
        unknown = await issuer.post("/api/v1/licenses", json=body)
        mismatch = await issuer.post(
            "/api/v1/licenses", json=driving_licence(number) | {"holder": {"id_number": new_id_number()}}
        )
        bad_number = await issuer.post("/api/v1/licenses", json=driving_licence("530102199001011234"))
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_field"
    assert "plate_no" in unknown.json()["detail"]
    assert mismatch.status_code == 422 and mismatch.json()["code"] == "holder_mismatch"
    assert bad_number.status_code == 422


async def test_types_jwks_and_status_lists_are_public(platform) -> None:
    async with platform.client() as client:
        types = (await client.get("/api/v1/licenses/types")).json()
        jwks = (await client.get("/api/v1/licenses/issuers/jwks.json")).json()
        missing = await client.get("/api/v1/licenses/status-lists/999")
    driving = next(t for t in types if t["type"] == "DRIVING-LICENSE")
    assert driving["department"] == TRAFFIC and {"name": "class", "label": "准驾车型"} in driving["fields"]
    assert all(k["kty"] == "OKP" and k["crv"] == "Ed25519" and "d" not in k for k in jwks["keys"])
    assert any(k["purpose"] == "status-list" for k in jwks["keys"])
    assert missing.status_code == 404


async def test_an_approved_application_lands_in_the_wallet_once(platform) -> None:
    """intake.application.concluded (approved), delivered twice, issues its result once."""
    citizen = await sms_tokens(platform)
    async with platform.client(citizen["access_token"]) as client:
        me = (await client.get("/api/v1/me")).json()
    application_no = f"YN{uuid.uuid4().hex[:12].upper()}"
    event = Event(
        event_id=str(uuid.uuid4()),
        event_type="intake.application.concluded",
        aggregate_id=application_no,
        payload={
            "application_no": application_no,
            "item_code": "X-1",
            "item_name": "个体工商户登记",
            "department": "市场监督管理局",
            "region": "530102",
            "applicant_id": me["id"],
            "agent_id": None,
            "channel": "app",
            "status": "concluded",
            "outcome": "approved",
            "concluded_at": "2026-11-30T10:00:00+08:00",
            "result_license_type": "",
            "result_fields": {},
        },
        occurred_at="2026-11-30T02:00:00Z",
        source="intake",
    )
    stream = stream_name(platform.settings.redis_namespace, "intake")
    redis = platform.redis.client
    await redis.xadd(stream, event.to_fields())
    await redis.xadd(stream, event.to_fields())  # delivered again
    await redis.xadd(
        stream, replace(event, event_id=str(uuid.uuid4())).to_fields()
    )  # the same conclusion published twice
    async with platform.client(citizen["access_token"]) as client:
        for _ in range(100):
            wallet = (await client.get("/api/v1/me/licenses")).json()
            if wallet["licenses"]:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)
        wallet = (await client.get("/api/v1/me/licenses")).json()
    assert [w["type"] for w in wallet["licenses"]] == ["APPROVAL-DOC"]
    doc = wallet["licenses"][0]
    assert doc["issuer"] == "市场监督管理局" and doc["fields"]["application_no"] == application_no
    assert json.dumps(doc, ensure_ascii=False).count(application_no) == 1


async def test_an_issuer_account_carries_its_department_in_its_token(platform) -> None:
    account = await create_staff(platform, roles=["license_issuer"], region="53", department=TRAFFIC)
    assert account["department"] == TRAFFIC
    token = (await password_tokens(platform, account["username"], account["password"]))["access_token"]
    assert jwt.decode(token, options={"verify_signature": False})["department"] == TRAFFIC
    async with platform.client(token) as issuer:
        issued = await issuer.post("/api/v1/licenses", json=driving_licence(new_id_number()))
    assert issued.status_code == 201, issued.text
    async with platform.client(await admin_token(platform)) as admin:
        homeless = await admin.post(
            "/api/v1/admin/accounts",
            json={
                "username": f"issuer{uuid.uuid4().hex[:8]}",
                "password": "a-strong-password-1",
                "display_name": "发证员",
                "roles": ["license_issuer"],
                "region": "53",
            },
        )
    assert homeless.status_code == 422 and homeless.json()["errors"][0]["field"] == "department"


async def test_the_same_idempotency_key_issues_once(platform) -> None:
    number = new_id_number()
    key = {"Idempotency-Key": f"issue-{uuid.uuid4().hex}"}
    async with platform.client(issuer_token(platform)) as issuer:
        first = await issuer.post("/api/v1/licenses", json=driving_licence(number), headers=key)
        again = await issuer.post("/api/v1/licenses", json=driving_licence(number), headers=key)
        other = await issuer.post("/api/v1/licenses", json=driving_licence(new_id_number()), headers=key)
    assert first.status_code == 201 and again.status_code == 201
    assert again.json()["license_id"] == first.json()["license_id"]
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"


async def test_simultaneous_repeats_of_one_idempotency_key_answer_the_first_license(platform) -> None:
    number, subject = new_id_number(), str(uuid.uuid4())
    token = staff_token(platform, roles=["license_issuer"], region="53", subject=subject, department=TRAFFIC)
    key = {"Idempotency-Key": f"issue-{uuid.uuid4().hex}"}
    async with platform.client(token) as issuer:
        replies = await asyncio.gather(
            *(issuer.post("/api/v1/licenses", json=driving_licence(number), headers=key) for _ in range(6))
        )
    assert [r.status_code for r in replies] == [201] * 6, [r.text for r in replies if r.status_code != 201]
    assert len({r.json()["license_id"] for r in replies}) == 1
    db = Database(platform.settings.database_url("licenses"))
    try:
        async with db.reader() as session:
            issued = await session.scalar(
                select(func.count()).select_from(License).where(License.issued_by == subject)
            )
    finally:
        await db.dispose()
    assert issued == 1


def new_credit_code() -> str:
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    first17 = "91530102" + "".join(chars[secrets.randbelow(31)] for _ in range(9))
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(chars.index(c) * w for c, w in zip(first17, weights, strict=True))
    return first17 + chars[(31 - total % 31) % 31]


async def test_a_legal_person_holds_its_business_licence_by_credit_code(platform) -> None:
    code = new_credit_code()
    fields = {
        "name": "昆明某某科技有限公司",
        "credit_code": code,
        "legal_rep": "赵六",
        "entity_type": "有限责任公司",
        "address": "昆明市五华区",
        "scope": "软件开发",
    }
    async with platform.client(issuer_token(platform, "市场监督管理局")) as issuer:
        issued = await issuer.post(
            "/api/v1/licenses",
            json={"type": "BUSINESS-LICENSE", "holder": {"credit_code": code}, "fields": fields},
        )
    assert issued.status_code == 201, issued.text
    citizen = (await sms_tokens(platform))["access_token"]
    async with platform.client(citizen) as client:
        await client.post("/api/v1/me/real-name", json={"name": "赵六", "id_number": new_id_number()})
        created = await client.post(
            "/api/v1/legal-persons", json={"credit_code": code, "name": fields["name"]}
        )
        acting = await client.post(
            "/api/v1/auth/token", json={"grant_type": "legal_person", "credit_code": code}
        )
        own = (await client.get("/api/v1/me/licenses")).json()
    assert created.status_code == 201 and acting.status_code == 200, acting.text
    assert own["licenses"] == []  # the person's wallet is not the company's
    async with platform.client(acting.json()["access_token"]) as company:
        wallet = (await company.get("/api/v1/me/licenses")).json()
        shown = await company.post(
            f"/api/v1/me/licenses/{issued.json()['license_id']}/presentations",
            json={"fields": ["name", "credit_code"]},
        )
    assert [w["type"] for w in wallet["licenses"]] == ["BUSINESS-LICENSE"], (wallet, shown.text)
    assert shown.status_code == 201, shown.text
    async with platform.client() as client:
        verified = (
            await client.post("/api/v1/licenses/verify", json={"presentation": shown.json()["presentation"]})
        ).json()
    assert verified["valid"] and verified["fields"] == {"name": fields["name"], "credit_code": code}
