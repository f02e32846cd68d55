"""Every bad input of application intake is a 4xx problem with a Chinese detail, and writes nothing."""

from __future__ import annotations

import asyncio
import random
import uuid

import pytest

from tests.gateway.test_intake_support import (
    COUNTY,
    MARKET,
    SHOP,
    assert_problem,
    delegated_token,
    department_staff,
    full_shop_body,
    my_numbers,
    new_citizen,
    new_item,
)


async def test_unknown_item_unoffered_region_suspended_item_and_bad_form_write_nothing(platform):
    citizen, _ = new_citizen(platform)
    staff = department_staff(platform)
    item = await new_item(platform, staff)
    async with platform.client(staff) as client:
        no_reason = await client.post(f"/api/v1/intake/items/{item['item_code']}/suspend", json={})
        suspended = await client.post(
            f"/api/v1/intake/items/{item['item_code']}/suspend", json={"reason": "系统升级"}
        )
        changes = (await client.get(f"/api/v1/intake/items/{item['item_code']}/changes")).json()
    assert_problem(no_reason, 422, "reason_required")
    assert suspended.json()["status"] == "suspended"
    assert [c["action"] for c in changes] == ["create", "publish", "suspend"] and changes[-1][
        "reason"
    ] == "系统升级"

    async with platform.client(citizen) as client:
        unknown = await client.post(
            "/api/v1/intake/applications", json={**full_shop_body(), "item_code": "NO-SUCH"}
        )
        elsewhere = await client.post(
            "/api/v1/intake/applications",
            json={**full_shop_body(), "item_code": "MZ-HY-001", "region": "532801"},
        )
        paused = await client.post(
            "/api/v1/intake/applications",
            json={
                "item_code": item["item_code"],
                "region": COUNTY,
                "form": {"phone": "13900000000"},
                "materials": [
                    {"material_id": "plan", "file_id": "f"},
                    {"material_id": "photo", "file_id": "g"},
                ],
            },
        )
        bad_form = await client.post(
            "/api/v1/intake/applications", json=full_shop_body(phone="12345", shop_name="")
        )
        no_material = await client.post(
            "/api/v1/intake/applications", json={**full_shop_body(), "materials": []}
        )
    assert_problem(unknown, 404, "unknown_service_item")
    assert_problem(elsewhere, 422, "item_not_offered")
    assert_problem(paused, 409, "item_not_available")
    problem = assert_problem(bad_form, 422, "invalid_form")
    fields = {e["field"]: e["message"] for e in problem["errors"]}
    assert set(fields) == {"form.phone", "form.shop_name"}
    assert fields["form.phone"] == "联系电话：格式不正确" and fields["form.shop_name"] == "字号名称：内容过短"
    assert_problem(no_material, 422, "materials_missing")
    assert await my_numbers(platform, citizen) == []


async def test_staff_outside_the_department_or_region_cannot_act_and_refusal_needs_a_reason(platform):
    citizen, _ = new_citizen(platform)
    async with platform.client(citizen) as client:
        created = await client.post("/api/v1/intake/applications", json=full_shop_body())
    number = created.json()["application_no"]
    other_department = department_staff(platform, department="公安厅")
    other_region = department_staff(platform, region="5328")
    window = department_staff(platform, region=COUNTY)  # same department, its region: allowed
    for token, code in ((other_department, "department_forbidden"), (other_region, "region_forbidden")):
        async with platform.client(token) as client:
            acted = await client.post(f"/api/v1/intake/applications/{number}/accept", json={})
            read = await client.get(f"/api/v1/intake/applications/{number}")
        assert_problem(acted, 403, code)
        assert_problem(read, 403, code)
    async with platform.client(window) as client:
        no_reason = await client.post(f"/api/v1/intake/applications/{number}/refuse", json={"reason": "  "})
        no_missing = await client.post(f"/api/v1/intake/applications/{number}/request-correction", json={})
    assert_problem(no_reason, 422, "reason_required")
    assert_problem(no_missing, 422, "missing_required")
    async with platform.client(citizen) as client:
        not_asked = await client.post(f"/api/v1/intake/applications/{number}/resubmit", json={})
        unchanged = (await client.get(f"/api/v1/intake/applications/{number}")).json()
    assert_problem(not_asked, 409, "not_awaiting_correction")
    assert unchanged["status"] == "submitted" and [t["action"] for t in unchanged["timeline"]] == [
        "submitted"
    ]
    async with platform.client(window) as client:
        refused = await client.post(
            f"/api/v1/intake/applications/{number}/refuse", json={"reason": "不属于本部门职权"}
        )
        twice = await client.post(f"/api/v1/intake/applications/{number}/accept", json={})
    assert refused.json()["status"] == "refused" and refused.json()["reason"] == "不属于本部门职权"
    assert_problem(twice, 409, "wrong_status")


async def test_an_idempotency_key_belongs_to_its_caller_and_the_person_acted_for(platform):
    citizen, resident = new_citizen(platform)
    other, _ = new_citizen(platform)
    key = str(uuid.uuid4())
    headers = {"Idempotency-Key": key}
    async with platform.client(citizen) as client:
        first = await client.post("/api/v1/intake/applications", json=full_shop_body(), headers=headers)
        again = await client.post("/api/v1/intake/applications", json=full_shop_body(), headers=headers)
        changed = await client.post(
            "/api/v1/intake/applications", json=full_shop_body(shop_name="别的店"), headers=headers
        )
    async with platform.client(other) as client:
        theirs = await client.post("/api/v1/intake/applications", json=full_shop_body(), headers=headers)
    agent = delegated_token(platform, resident, agent=f"agent-{random.randrange(10**9)}")
    async with platform.client(agent) as client:
        for_resident = await client.post(
            "/api/v1/intake/applications", json=full_shop_body(), headers=headers
        )
    assert first.status_code == 201 and again.status_code == 201
    assert again.json()["application_no"] == first.json()["application_no"]
    assert_problem(changed, 422, "idempotency_key_reused")
    assert theirs.status_code == 201 and theirs.json()["application_no"] != first.json()["application_no"]
    assert for_resident.status_code == 201
    assert for_resident.json()["application_no"] != first.json()["application_no"]
    assert for_resident.json()["channel"] == "agent" and for_resident.json()["applicant_id"] == resident
    # The resident sees both; the agent only what the agent filed.
    assert set(await my_numbers(platform, citizen)) == {
        first.json()["application_no"],
        for_resident.json()["application_no"],
    }
    assert await my_numbers(platform, agent) == [for_resident.json()["application_no"]]
    async with platform.client(agent) as client:
        hidden = await client.get(f"/api/v1/intake/applications/{first.json()['application_no']}")
    assert_problem(hidden, 404, "unknown_application")


async def test_catalogue_keepers_are_department_staff_in_region(platform):
    staff = department_staff(platform)
    other_department = department_staff(platform, department="公安厅")
    prefecture_item = {
        "item_code": f"T-{random.randrange(10**8)}",
        "name": "越权事项",
        "department": MARKET,
        "regions": ["5301"],
        "mode": "instant",
        "promised_days": 1,
    }
    async with platform.client(staff) as client:
        too_wide = await client.post("/api/v1/intake/items", json=prefecture_item)
        bad_schema = await client.post(
            "/api/v1/intake/items",
            json={
                **prefecture_item,
                "regions": [COUNTY],
                "form_schema": {"type": "object", "properties": {"a": {"type": 5}}},
            },
        )
    async with platform.client(other_department) as client:
        not_theirs = await client.post("/api/v1/intake/items", json={**prefecture_item, "regions": [COUNTY]})
    assert_problem(too_wide, 403, "region_forbidden")
    assert_problem(bad_schema, 422, "invalid_item")
    assert_problem(not_theirs, 403, "department_forbidden")
    item = await new_item(platform, staff, mobile=True)
    adjusted = {
        k: item[k]
        for k in (
            "name",
            "department",
            "regions",
            "mode",
            "statutory_days",
            "form_schema",
            "materials",
            "special_procedures",
            "mobile",
        )
    }
    async with platform.client(staff) as client:
        put = await client.put(
            f"/api/v1/intake/items/{item['item_code']}", json={**adjusted, "promised_days": 3}
        )
        changes = (await client.get(f"/api/v1/intake/items/{item['item_code']}/changes")).json()
    assert put.json()["promised_days"] == 3 and put.json()["revision"] == 2
    assert changes[-1]["action"] == "adjust" and "promised_days" in changes[-1]["changed_fields"]
    async with platform.client() as client:
        page = (await client.get("/api/v1/intake/items", params={"region": COUNTY, "mobile": "true"})).json()
        elsewhere = (await client.get("/api/v1/intake/items", params={"region": "532801"})).json()
    assert item["item_code"] in {i["item_code"] for i in page["items"]}
    assert all(i["mobile"] for i in page["items"])
    assert item["item_code"] not in {i["item_code"] for i in elsewhere["items"]}


@pytest.mark.parametrize("role", ["outlet_technician", "app_reviewer"])
async def test_other_staff_cannot_apply(platform, role):
    from tests.helpers import staff_token

    token = staff_token(platform, roles=[role], region=COUNTY, subject=f"s-{random.randrange(10**9)}")
    async with platform.client(token) as client:
        reply = await client.post("/api/v1/intake/applications", json={**full_shop_body(), "item_code": SHOP})
    assert_problem(reply, 403, "role_required")


async def test_the_same_key_sent_twice_at_once_makes_one_application(platform):
    citizen, _ = new_citizen(platform)
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    async with platform.client(citizen) as client:
        replies = await asyncio.gather(
            *(
                client.post("/api/v1/intake/applications", json=full_shop_body(), headers=headers)
                for _ in range(4)
            )
        )
    assert {r.status_code for r in replies} == {201}
    assert len({r.json()["application_no"] for r in replies}) == 1
    assert len(await my_numbers(platform, citizen)) == 1
