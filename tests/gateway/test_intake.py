"""Application intake through the real gateway and the real intake service: a citizen's application from
submission to conclusion, with every deadline on the working-day calendar across 元旦 and 春节 2027."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest

from services.intake.numbers import is_valid_number
from tests.gateway.test_intake_support import (
    COUNTY,
    SHOP,
    Clock,
    department_staff,
    due,
    fake_licenses,
    new_citizen,
    shop_body,
)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


async def intake_events(platform, application_no: str) -> list[dict]:
    """The intake events of one application that reached the Redis stream (the relay publishes them)."""
    stream = f"{platform.settings.redis_namespace}:events:intake"
    for _ in range(100):
        entries = await platform.redis.client.xrange(stream)
        found = []
        for _, fields in entries:
            text = {k.decode(): v.decode() for k, v in fields.items()}
            if text["aggregate_id"] == application_no:
                found.append({"type": text["event_type"], **json.loads(text["payload"])})
        if found and found[-1]["type"] == "intake.application.concluded":
            return found
        await asyncio.sleep(0.05)
    return found


async def test_a_citizen_applies_corrects_and_is_concluded_on_working_days_across_new_year_and_spring_festival(
    platform, clock
):
    citizen, citizen_id = new_citizen(platform)
    staff = department_staff(platform)
    async with fake_licenses(platform) as licenses:
        licenses.give_id_card(citizen_id, "李四", "530102199001011234")
        clock.set(2026, 12, 30)  # a Wednesday
        async with platform.client(citizen) as client:
            item = (await client.get(f"/api/v1/intake/items/{SHOP}")).json()
            reply = await client.post(
                "/api/v1/intake/applications",
                json=shop_body(),
                headers={"Idempotency-Key": str(uuid.uuid4())},
            )
        assert reply.status_code == 201, reply.text
        application = reply.json()
        number = application["application_no"]
        # The ID card's material is waived and the name prefilled: the citizen was asked neither.
        assert {"id-card"} == set(application["waived_materials"])
        assert {"name", "id_number"} == set(application["prefilled"])
        assert application["form"]["name"] == "李四"
        assert item["mode"] == "online" and application["status"] == "submitted"
        # 统一赋码: county, date, sequence, check character
        assert number.startswith(COUNTY + "20261230") and is_valid_number(number)
        # online: an acceptance opinion within 2 working days: 31 Dec, then 元旦 (Fri 1 Jan 2027) and the
        # weekend are not working days -> Monday 4 January 2027.
        assert application["acceptance_due"] == due("2027-01-04")
        assert application["next_deadline"] == due("2027-01-04")
        call = licenses.calls[-1]
        assert call["subject"] == citizen_id and call["types"] == ["ID-CARD"]
        assert call["metadata"].get("x-request-id") and call["reader"] == "市场监督管理局"

        clock.set(2027, 1, 4)
        async with platform.client(staff) as client:
            asked = await client.post(
                f"/api/v1/intake/applications/{number}/request-correction",
                json={"missing": ["经营场所使用证明（须加盖产权单位公章）"]},
            )
        assert asked.status_code == 200, asked.text
        assert asked.json()["status"] == "correction_requested"
        assert asked.json()["next_deadline"] is None  # the clock waits for the applicant

        clock.set(2027, 2, 4)  # Thursday before 春节
        async with platform.client(citizen) as client:
            again = await client.post(
                f"/api/v1/intake/applications/{number}/resubmit",
                json={"materials": [{"material_id": "premises", "file_id": "F-premises-2"}]},
            )
        assert again.status_code == 200, again.text
        # The clock restarts: 春节 5-8 February 2027 (除夕 to 初三) and the make-up days 9-10 February for the two
        # that fell on the weekend are rest -> 11 and 12 February.
        assert again.json()["status"] == "submitted"
        assert again.json()["acceptance_due"] == due("2027-02-12")

        clock.set(2027, 2, 11)
        async with platform.client(staff) as client:
            accepted = await client.post(
                f"/api/v1/intake/applications/{number}/accept", json={"opinion": "材料齐全"}
            )
            receipt = await client.get(f"/api/v1/intake/applications/{number}/receipt")
        assert accepted.status_code == 200, accepted.text
        body = accepted.json()
        assert body["status"] == "accepted" and body["receipt_no"] == f"SL{number}"
        assert body["completion_due"] == due("2027-02-12")  # promised 1 working day
        assert receipt.json()["receipt_no"] == f"SL{number}" and "受理凭证" in receipt.json()["text"]

        clock.set(2027, 2, 12)
        async with platform.client(staff) as client:
            concluded = await client.post(
                f"/api/v1/intake/applications/{number}/conclude",
                json={"outcome": "approved", "result_fields": {"shop_name": "春城米线店"}},
            )
        assert concluded.status_code == 200, concluded.text
        assert concluded.json()["status"] == "concluded" and concluded.json()["outcome"] == "approved"

    async with platform.client(citizen) as client:
        mine = (await client.get("/api/v1/intake/applications", params={"mine": "true"})).json()
        seen = (await client.get(f"/api/v1/intake/applications/{number}")).json()
    assert [a["application_no"] for a in mine["items"]] == [number]
    assert [t["action"] for t in seen["timeline"]] == [
        "submitted",
        "request_correction",
        "resubmitted",
        "accept",
        "conclude",
    ]
    assert [t["status"] for t in seen["timeline"]] == [
        "submitted",
        "correction_requested",
        "submitted",
        "accepted",
        "concluded",
    ]
    events = await intake_events(platform, number)
    assert [e["type"].rsplit(".", 1)[1] for e in events] == [
        "submitted",
        "correction_requested",
        "submitted",
        "accepted",
        "concluded",
    ]
    concluded_event = events[-1]
    assert concluded_event["outcome"] == "approved"
    assert concluded_event["result_license_type"] == "BUSINESS-LICENSE"
    assert concluded_event["result_fields"] == {"shop_name": "春城米线店"}
    assert concluded_event["concluded_at"].startswith("2027-02-12T")
    assert concluded_event["applicant_id"] == citizen_id and concluded_event["notify_account_ids"] == [
        citizen_id
    ]
    assert "已办结" in concluded_event["notice"]


async def test_without_the_licenses_service_the_application_goes_on_without_prefill(platform):
    """Until licenses answers GetLicenseFacts, UNIMPLEMENTED means no facts: nothing prefilled, nothing waived."""
    citizen, _ = new_citizen(platform)
    async with platform.client(citizen) as client:
        bare = await client.post("/api/v1/intake/applications", json=shop_body())
        full_body = shop_body(name="王五", id_number="530102199001011234")
        full_body["materials"].append({"material_id": "id-card", "file_id": "F-id"})
        full = await client.post("/api/v1/intake/applications", json=full_body)
    assert bare.status_code == 422
    assert {e["field"] for e in bare.json()["errors"]} >= {"form.name", "form.id_number"}
    assert full.status_code == 201, full.text
    assert full.json()["prefilled"] == [] and full.json()["waived_materials"] == []
