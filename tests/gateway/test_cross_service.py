"""The services together, through the real gateway and the real gRPC services, no fakes (issue 11, "Done when"):
an ID-card e-license issued → bound → an application whose name it prefills and whose ID card it proves (双免),
the read in the holder's use record → 补齐补正 → resubmitted → accepted → approved → the result in the wallet exactly
once (licenses consumer) → a review invitation (reviews consumer) → the SMS notices. And a village agent's
delegated token files for a resident but reads nothing else of the resident's."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

from services.kernel.events import stream_name
from tests.gateway.identity_support import platform_demo_password
from tests.gateway.test_intake_support import Clock, due
from tests.helpers import admin_token, create_staff, delegate, new_phone, password_tokens, sms_tokens
from tests.services.licenses.conftest import new_id_number

SHOP = "SC-GT-001"  # 个体工商户设立登记 (市场监督管理局, online): name and ID number from an ID card; ID card waived
MARKET = "市场监督管理局"
POLICE = "公安厅"  # issues ID-CARD (services/licenses/seed.py)
COUNTY = "530102"  # 五华区
LUQUAN = "530128"  # 禄劝县, the demo village agent's county

T = TypeVar("T")


async def until(probe: Callable[[], Awaitable[T]], done: Callable[[T], bool], *, seconds: float = 15) -> T:
    """Poll `probe` until `done` holds, for at most `seconds` (event-driven effects arrive asynchronously)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        value = await probe()
        if done(value):
            return value
        assert asyncio.get_running_loop().time() < deadline, f"not reached in {seconds} s: {value!r}"
        await asyncio.sleep(0.05)


async def staff_account(platform: Any, **account: Any) -> str:
    created = await create_staff(platform, **account)
    return str((await password_tokens(platform, created["username"], created["password"]))["access_token"])


def id_card(number: str) -> dict[str, Any]:
    return {
        "type": "ID-CARD",
        "holder": {"id_number": number},
        "fields": {
            "name": "王春花",
            "id_number": number,
            "sex": "女",
            "ethnicity": "彝族",
            "birth_date": f"{number[6:10]}-{number[10:12]}-{number[12:14]}",
            "address": "昆明市五华区华山南路12号",
        },
    }


def shop_application(region: str = COUNTY, shop: str = "春城米线店") -> dict[str, Any]:
    """Only what no e-license answers: the name, the ID number and the ID card are left out."""
    return {
        "item_code": SHOP,
        "region": region,
        "form": {"shop_name": shop, "address": "五华区华山南路12号", "phone": "13912345678"},
        "materials": [{"material_id": "premises", "file_id": f"F-premises-{uuid.uuid4().hex[:8]}"}],
    }


async def sms_texts(platform: Any, phone: str) -> list[str]:
    async with platform.client(await admin_token(platform)) as client:
        reply = await client.get("/api/v1/admin/sms-outbox", params={"phone": phone})
    assert reply.status_code == 200, reply.text
    return [m["text"] for m in reply.json()]


async def consumed(platform: Any, source: str, group: str, after: str) -> bool:
    """Whether consumer `group` has read and acknowledged every entry of `source`'s stream up to `after`."""
    stream = stream_name(platform.settings.redis_namespace, source)
    groups = await platform.redis.client.xinfo_groups(stream)
    info = next((g for g in groups if _text(g["name"]) == group), None)
    if info is None:
        return False
    last = tuple(int(p) for p in _text(info["last-delivered-id"]).split("-"))
    return last >= tuple(int(p) for p in after.split("-")) and int(info["pending"]) == 0


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


async def redeliver_conclusion(platform: Any, application_no: str) -> str:
    """Put the application's `intake.application.concluded` event on intake's stream again, as a redelivery
    would; returns the new entry's id."""
    stream = stream_name(platform.settings.redis_namespace, "intake")
    redis = platform.redis.client
    for _, fields in reversed(await redis.xrange(stream)):
        values = {_text(k): _text(v) for k, v in fields.items()}
        if values.get("aggregate_id") == application_no and values.get("event_type", "").endswith(
            ".concluded"
        ):
            return _text(await redis.xadd(stream, fields))
    raise AssertionError(f"no concluded event of {application_no} on {stream}")


@pytest.fixture
def clock(monkeypatch):
    """The intake service's clock (its rules run in the test's process); the other services keep real time."""
    return Clock(monkeypatch)


async def test_an_e_license_prefills_and_waives_then_the_case_ends_in_the_wallet_and_a_review(
    platform, clock
):
    # An issuing department issues an ID-card e-license to a citizen's ID number.
    number = new_id_number()
    issuer = await staff_account(platform, roles=["license_issuer"], region="53", department=POLICE)
    async with platform.client(issuer) as client:
        issued = await client.post("/api/v1/licenses", json=id_card(number))
    assert issued.status_code == 201, issued.text
    id_card_id = issued.json()["license_id"]

    # The citizen signs in by SMS, binds that number and finds the card in the wallet.
    phone = new_phone()
    citizen = (await sms_tokens(platform, phone))["access_token"]
    async with platform.client(citizen) as client:
        bound = await client.post("/api/v1/me/real-name", json={"name": "王春花", "id_number": number})
        wallet = (await client.get("/api/v1/me/licenses")).json()
        me = (await client.get("/api/v1/me")).json()
    assert bound.status_code == 200, bound.text
    assert wallet["linked"] and [(w["license_id"], w["type"]) for w in wallet["licenses"]] == [
        (id_card_id, "ID-CARD")
    ]

    # The citizen applies without typing name or ID number and without uploading the ID card (双免), on
    # Wednesday 30 December 2026.
    clock.set(2026, 12, 30)
    async with platform.client(citizen) as client:
        item = (await client.get(f"/api/v1/intake/items/{SHOP}")).json()
        submitted = await client.post(
            "/api/v1/intake/applications",
            json=shop_application(),
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
    assert item["department"] == MARKET
    assert {m["material_id"]: m.get("license_type") for m in item["materials"]}["id-card"] == "ID-CARD"
    assert submitted.status_code == 201, submitted.text
    application = submitted.json()
    number_ = application["application_no"]
    assert application["status"] == "submitted"
    # online: an acceptance opinion within 2 working days: 31 December, then 元旦 (Friday 1 January 2027) and the
    # weekend are rest -> Monday 4 January 2027.
    assert application["acceptance_due"] == due("2027-01-04") == application["next_deadline"]
    assert {"name", "id_number"} <= set(application["prefilled"])
    assert application["waived_materials"] == ["id-card"]

    # The holder sees intake's read of the card, for this case and with its purpose.
    async with platform.client(citizen) as client:
        uses = (await client.get(f"/api/v1/me/licenses/{id_card_id}/uses")).json()
        detail = (await client.get(f"/api/v1/intake/applications/{number_}")).json()
    reads = [u for u in uses if u["kind"] == "read"]
    assert len(reads) == 1 and reads[0]["case_ref"] == number_, uses
    assert reads[0]["purpose"] and (
        "个体工商户设立登记" in reads[0]["purpose"] or number_ in reads[0]["purpose"]
    )
    assert detail["form"]["name"] == "王春花" and detail["form"]["id_number"] == number

    # Staff of the item's department in the county: 补齐补正 → resubmitted → accepted → approved.
    staff = await staff_account(platform, roles=["department_staff"], region=COUNTY, department=MARKET)
    clock.set(2027, 1, 4)
    async with platform.client(staff) as client:
        correction = await client.post(
            f"/api/v1/intake/applications/{number_}/request-correction",
            json={"missing": ["经营场所使用证明须加盖产权人印章"]},
        )
    assert correction.status_code == 200, correction.text
    assert correction.json()["status"] == "correction_requested"
    assert correction.json()["next_deadline"] is None  # the clock waits for the applicant
    clock.set(2027, 2, 4)  # the Thursday before 春节
    async with platform.client(citizen) as client:
        resubmitted = await client.post(
            f"/api/v1/intake/applications/{number_}/resubmit",
            json={"materials": [{"material_id": "premises", "file_id": "F-premises-stamped"}]},
        )
    assert resubmitted.status_code == 200, resubmitted.text
    assert resubmitted.json()["status"] == "submitted"
    # The clock restarts: 春节 (除夕 5 February to 8 February 2027) and the two rest days made up for its
    # weekend (9-10 February) are not working days -> 11 and 12 February.
    assert resubmitted.json()["acceptance_due"] == due("2027-02-12")
    result_fields = {
        "name": "春城米线店",
        "credit_code": "92530102MA6K0000X1",
        "legal_rep": "王春花",
        "entity_type": "个体工商户",
        "address": "五华区华山南路12号",
        "scope": "餐饮服务",
    }
    async with platform.client(staff) as client:
        clock.set(2027, 2, 11)
        accepted = await client.post(f"/api/v1/intake/applications/{number_}/accept", json={})
        clock.set(2027, 2, 12)
        concluded = await client.post(
            f"/api/v1/intake/applications/{number_}/conclude",
            json={"outcome": "approved", "result_fields": result_fields},
        )
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted", accepted.text
    assert accepted.json()["completion_due"] == due("2027-02-12")  # promised 1 working day
    assert concluded.status_code == 200 and concluded.json()["status"] == "concluded", concluded.text
    actions = [t["action"] for t in concluded.json()["timeline"]]
    assert actions == ["submitted", "request_correction", "resubmitted", "accept", "conclude"], actions

    # The licenses consumer puts the result into the applicant's wallet (一端出件) ...
    async def wallet_now() -> dict[str, Any]:
        async with platform.client(citizen) as client:
            return (await client.get("/api/v1/me/licenses")).json()  # type: ignore[no-any-return]

    def results(w: dict[str, Any]) -> list[dict[str, Any]]:
        return [x for x in w["licenses"] if x["license_id"] != id_card_id]

    wallet = await until(wallet_now, lambda w: bool(results(w)))
    # ... exactly once, even when the conclusion is delivered again.
    again = await redeliver_conclusion(platform, number_)
    await until(lambda: consumed(platform, "intake", "licenses", again), bool)
    wallet = await wallet_now()
    [result] = results(wallet)
    assert result["type"] == "BUSINESS-LICENSE" and result["issuer"] == MARKET and result["status"] == "valid"
    assert result["fields"] == result_fields

    # The reviews consumer invites the applicant to review the case, once.
    async def invitations() -> list[dict[str, Any]]:
        async with platform.client(citizen) as client:
            reply = await client.get("/api/v1/me/review-invitations")
        assert reply.status_code == 200, reply.text
        body = reply.json()
        return [i for i in (body["items"] if isinstance(body, dict) else body) if i["case_id"] == number_]

    await until(lambda: consumed(platform, "intake", "reviews", again), bool)
    [invitation] = await until(invitations, bool)
    assert invitation["case_type"] == "application" and invitation["kind"] == "first"
    assert invitation["unit"] == MARKET and invitation["status"] == "open"

    # The applicant was texted at each step: submitted, 补齐补正, accepted, concluded, invited to review.
    def notices(texts: list[str]) -> list[str]:
        return [t for t in texts if number_ in t or "评价" in t]

    texts = await until(lambda: sms_texts(platform, phone), lambda t: len(notices(t)) >= 5)
    case_texts = [t for t in texts if number_ in t]
    assert any("补齐补正" in t and "经营场所使用证明须加盖产权人印章" in t for t in case_texts), texts
    assert any("受理" in t for t in case_texts), texts
    assert any("办结" in t and "准予" in t for t in case_texts), texts
    assert any("评价" in t for t in texts), texts
    assert all(number not in t for t in texts)  # no ID number in any SMS
    assert me["id"] and all(me["id"] not in t for t in texts)


async def test_a_delegated_agent_files_for_a_resident_but_reads_nothing_else_of_theirs(platform):
    # The resident has an ID card in the wallet and an application of their own.
    resident_phone = new_phone()
    number = new_id_number()
    issuer = await staff_account(platform, roles=["license_issuer"], region="53", department=POLICE)
    async with platform.client(issuer) as client:
        issued = await client.post("/api/v1/licenses", json=id_card(number))
    assert issued.status_code == 201, issued.text
    own = (await sms_tokens(platform, resident_phone))["access_token"]
    async with platform.client(own) as client:
        bound = await client.post("/api/v1/me/real-name", json={"name": "王春花", "id_number": number})
        mine = await client.post("/api/v1/intake/applications", json=shop_application(LUQUAN, "自家小卖部"))
    assert bound.status_code == 200, bound.text
    assert mine.status_code == 201, mine.text
    own_no = mine.json()["application_no"]

    # A village agent, with the resident's consent, gets a token acting for them.
    agent = await password_tokens(platform, "luquan.agent", platform_demo_password(platform))
    delegation = await delegate(platform, agent["access_token"], "王春花", resident_phone)
    token = delegation["access_token"]
    async with platform.client(own) as client:
        resident_id = (await client.get("/api/v1/me")).json()["id"]
    assert delegation["resident_id"] == resident_id

    # The agent files for the resident: the resident is the applicant, the agent is recorded.
    async with platform.client(token) as client:
        filed = await client.post(
            "/api/v1/intake/applications",
            json=shop_application(LUQUAN, "代办小卖部"),
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
    assert filed.status_code == 201, filed.text
    filed_no = filed.json()["application_no"]
    async with platform.client(token) as client:
        read_filed = await client.get(f"/api/v1/intake/applications/{filed_no}")
        read_own = await client.get(f"/api/v1/intake/applications/{own_no}")
        listed = await client.get("/api/v1/intake/applications", params={"mine": "true"})
        wallet = await client.get("/api/v1/me/licenses")
        license_id = issued.json()["license_id"]
        uses = await client.get(f"/api/v1/me/licenses/{license_id}/uses")
    assert read_filed.status_code == 200, read_filed.text
    body = read_filed.json()
    assert body["applicant_id"] == resident_id and body["channel"] == "agent" and body["agent_id"]
    # Nothing else of the resident's: not their own application, not in the list, not their wallet.
    assert read_own.status_code in (403, 404), read_own.text
    assert [a["application_no"] for a in listed.json()["items"]] == [filed_no]
    assert wallet.status_code == 403, wallet.text
    assert uses.status_code == 403, uses.text
    assert json.dumps(wallet.json(), ensure_ascii=False).count(number) == 0
    # The resident, signed in as themself, sees both.
    async with platform.client(own) as client:
        listed_own = (await client.get("/api/v1/intake/applications", params={"mine": "true"})).json()
    assert {a["application_no"] for a in listed_own["items"]} == {own_no, filed_no}


async def test_an_approval_concluded_as_the_contract_says_lands_as_the_approval_document(platform):
    """`conclude {outcome: "approved"}` without the result license's fields: the wallet gets the sealed approval
    document (办件结果) naming the case, not a business license with blank fields."""
    phone = new_phone()
    citizen = (await sms_tokens(platform, phone))["access_token"]
    body = shop_application()
    body["form"] |= {"name": "赵六", "id_number": new_id_number()}
    body["materials"].append({"material_id": "id-card", "file_id": "F-id-1"})
    async with platform.client(citizen) as client:
        submitted = await client.post("/api/v1/intake/applications", json=body)
    assert submitted.status_code == 201, submitted.text
    assert submitted.json()["prefilled"] == [] and submitted.json()["waived_materials"] == []
    number_ = submitted.json()["application_no"]
    staff = await staff_account(platform, roles=["department_staff"], region=COUNTY, department=MARKET)
    async with platform.client(staff) as client:
        accepted = await client.post(f"/api/v1/intake/applications/{number_}/accept", json={})
        concluded = await client.post(
            f"/api/v1/intake/applications/{number_}/conclude", json={"outcome": "approved"}
        )
    assert accepted.status_code == 200 and concluded.status_code == 200, concluded.text

    async def wallet_now() -> dict[str, Any]:
        async with platform.client(citizen) as client:
            return (await client.get("/api/v1/me/licenses")).json()  # type: ignore[no-any-return]

    wallet = await until(wallet_now, lambda w: bool(w["licenses"]))
    [doc] = wallet["licenses"]
    assert doc["type"] == "APPROVAL-DOC" and doc["issuer"] == MARKET
    assert doc["fields"]["application_no"] == number_ and doc["fields"]["item_name"] == "个体工商户设立登记"
    assert all(doc["fields"].values())
