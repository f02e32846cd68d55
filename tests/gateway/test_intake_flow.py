"""Intake beyond the main path: worklists, 容缺受理, 告知承诺, special procedures, instant items, bundles and
appointments, through the real gateway."""

from __future__ import annotations

import random

import pytest

from services.intake import transitions
from tests.gateway.test_intake_support import (
    COUNTY,
    Clock,
    assert_problem,
    department_staff,
    due,
    full_shop_body,
    new_citizen,
    new_item,
)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


def item_body(item: dict) -> dict:
    return {
        "item_code": item["item_code"],
        "region": COUNTY,
        "form": {"phone": "13900000000"},
        "materials": [{"material_id": "plan", "file_id": "f1"}, {"material_id": "photo", "file_id": "f2"}],
    }


async def test_worklist_pages_oldest_deadline_first_with_overdue_filter(platform, clock):
    department = f"测试局{random.randrange(10**8)}"
    staff = department_staff(platform, department=department)
    item = await new_item(platform, staff, department=department, mode="complex")
    citizen, _ = new_citizen(platform)
    numbers = []
    for day in (9, 7, 8):  # submitted on 7, 8, 9 December 2026: due 3 working days later
        clock.set(2026, 12, day)
        async with platform.client(citizen) as client:
            reply = await client.post("/api/v1/intake/applications", json=item_body(item))
        assert reply.status_code == 201, reply.text
        numbers.append((reply.json()["acceptance_due"], reply.json()["application_no"]))
    assert sorted(d for d, _ in numbers) == [due("2026-12-10"), due("2026-12-11"), due("2026-12-14")]
    clock.set(2026, 12, 14)
    seen, cursor = [], None
    async with platform.client(staff) as client:
        while True:
            params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            page = (await client.get("/api/v1/intake/applications", params=params)).json()
            seen += [(a["next_deadline"], a["application_no"]) for a in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        overdue = (await client.get("/api/v1/intake/applications", params={"overdue": "true"})).json()
        soon = (await client.get("/api/v1/intake/applications", params={"overdue": "soon"})).json()
        other = department_staff(platform, department=department, region="5328")
    assert seen == sorted(numbers)
    assert [a["next_deadline"] for a in overdue["items"]] == [due("2026-12-10"), due("2026-12-11")]
    assert all(a["overdue"] for a in overdue["items"])
    assert [a["next_deadline"] for a in soon["items"]] == [due("2026-12-14")]
    async with platform.client(other) as client:
        empty = (await client.get("/api/v1/intake/applications")).json()
    assert empty["items"] == []
    # The day's flags reach the department (the timer does this every working day; here it is called once).
    runtime = platform.services["intake"].runtime
    async with runtime.db.transaction() as session:
        await transitions.flag_due_applications(session=session, outbox=runtime.outbox)
    async with platform.client(staff) as client:
        flags = (await client.get("/api/v1/intake/flags")).json()
    async with platform.client(other) as client:
        none = (await client.get("/api/v1/intake/flags")).json()
    assert sorted(f["kind"] for f in flags) == ["due_soon", "overdue", "overdue"]
    assert {f["application_no"] for f in flags} == {n for _, n in numbers}
    assert all("超期" in f["text"] or "即将到期" in f["text"] for f in flags)
    assert none == []


async def test_deficiency_promise_and_a_special_procedure_that_pauses_the_completion_clock(platform, clock):
    department = f"测试局{random.randrange(10**8)}"
    staff = department_staff(platform, department=department)
    item = await new_item(platform, staff, department=department, mode="online", promised_days=5)
    citizen, _ = new_citizen(platform)
    clock.set(2027, 3, 1)  # a Monday
    async with platform.client(citizen) as client:
        numbers = [
            (await client.post("/api/v1/intake/applications", json=item_body(item))).json()["application_no"]
            for _ in range(3)
        ]
    clock.set(2027, 3, 2)
    async with platform.client(staff) as client:
        key = await client.post(
            f"/api/v1/intake/applications/{numbers[0]}/accept-with-deficiency",
            json={"material_id": "plan", "due_days": 3},
        )
        deficiency = await client.post(
            f"/api/v1/intake/applications/{numbers[0]}/accept-with-deficiency",
            json={"material_id": "photo", "due_days": 3},
        )
        promise = await client.post(f"/api/v1/intake/applications/{numbers[1]}/accept-on-promise", json={})
        accepted = await client.post(f"/api/v1/intake/applications/{numbers[2]}/accept", json={})
        started = await client.post(
            f"/api/v1/intake/applications/{numbers[2]}/special-procedures", json={"procedure": "现场勘验"}
        )
        unknown = await client.post(
            f"/api/v1/intake/applications/{numbers[1]}/special-procedures", json={"procedure": "听证"}
        )
        blocked = await client.post(
            f"/api/v1/intake/applications/{numbers[2]}/conclude", json={"outcome": "approved"}
        )
    assert_problem(key, 422, "key_material")
    body = deficiency.json()
    assert body["status"] == "accepted" and body["acceptance_kind"] == "deficiency"
    assert body["deficiency_due"] == due("2027-03-05") and body["next_deadline_kind"] == "deficiency"
    assert body["completion_due"] == due("2027-03-09")
    assert promise.json()["acceptance_kind"] == "promise"
    assert accepted.json()["completion_due"] == due("2027-03-09")
    assert started.json()["procedure"] == "现场勘验" and started.json()["procedure_until"] == due(
        "2027-03-05"
    )
    assert started.json()["next_deadline_kind"] == "procedure"
    assert_problem(unknown, 422, "unknown_procedure")
    assert_problem(blocked, 409, "procedure_running")
    clock.set(2027, 3, 4)  # two working days later
    async with platform.client(staff) as client:
        ended = await client.post(f"/api/v1/intake/applications/{numbers[2]}/special-procedures/end")
        verified = await client.post(
            f"/api/v1/intake/applications/{numbers[1]}/verify-promise", json={"opinion": "现场核查属实"}
        )
        denied = await client.post(
            f"/api/v1/intake/applications/{numbers[1]}/conclude", json={"outcome": "denied"}
        )
    # the completion clock stood still for the 2 working days of the procedure: 9 March -> 11 March
    assert ended.json()["completion_due"] == due("2027-03-11") and ended.json()["procedure"] is None
    assert verified.json()["timeline"][-1]["action"] == "verify_promise"
    assert_problem(denied, 422, "reasons_required")


async def test_an_instant_item_is_accepted_on_receipt_with_a_receipt(platform, clock):
    department = f"测试局{random.randrange(10**8)}"
    staff = department_staff(platform, department=department)
    item = await new_item(platform, staff, department=department, mode="instant", promised_days=1)
    citizen, _ = new_citizen(platform)
    clock.set(2026, 12, 31)
    async with platform.client(citizen) as client:
        created = (await client.post("/api/v1/intake/applications", json=item_body(item))).json()
        receipt = await client.get(f"/api/v1/intake/applications/{created['application_no']}/receipt")
    assert created["status"] == "accepted" and created["acceptance_kind"] == "instant"
    assert created["completion_due"] == due("2027-01-04")  # 元旦 and the weekend skipped
    assert receipt.status_code == 200 and receipt.json()["receipt_no"] == created["receipt_no"]


async def test_window_staff_file_for_an_applicant_and_the_channel_is_recorded(platform):
    from tests.helpers import staff_token

    window = staff_token(
        platform, roles=["window_staff"], region=COUNTY, subject=f"w-{random.randrange(10**9)}"
    )
    _, applicant = new_citizen(platform)
    async with platform.client(window) as client:
        missing = await client.post("/api/v1/intake/applications", json=full_shop_body())
        filed = await client.post(
            "/api/v1/intake/applications", json={**full_shop_body(), "applicant_id": applicant}
        )
    assert_problem(missing, 422, "applicant_required")
    assert filed.status_code == 201 and filed.json()["channel"] == "window"
    assert filed.json()["applicant_id"] == applicant


async def test_a_bundle_is_split_into_cases_and_concluded_as_one(platform):
    department = f"测试局{random.randrange(10**8)}"
    staff = department_staff(platform, department=department)
    first = await new_item(platform, staff, department=department, mode="online")
    second = await new_item(platform, staff, department=department, mode="instant")
    code = f"YJS-T{random.randrange(10**6)}"
    async with platform.client(staff) as client:
        created = await client.post(
            "/api/v1/intake/bundles",
            json={
                "bundle_code": code,
                "name": "测试“一件事”",
                "item_codes": [first["item_code"], second["item_code"]],
                "regions": [COUNTY],
                "department": department,
            },
        )
    assert created.status_code == 201, created.text
    citizen, _ = new_citizen(platform)
    async with platform.client(citizen) as client:
        submitted = await client.post(
            "/api/v1/intake/bundle-applications",
            json={
                "bundle_code": code,
                "region": COUNTY,
                "form": {"phone": "13900000000"},
                "materials": [
                    {"material_id": "plan", "file_id": "f1"},
                    {"material_id": "photo", "file_id": "f2"},
                ],
            },
        )
    assert submitted.status_code == 201, submitted.text
    bundle = submitted.json()
    assert {a["item_code"] for a in bundle["applications"]} == {first["item_code"], second["item_code"]}
    assert {a["bundle_no"] for a in bundle["applications"]} == {bundle["bundle_no"]}
    async with platform.client(staff) as client:
        for case in bundle["applications"]:
            if case["status"] == "submitted":
                await client.post(f"/api/v1/intake/applications/{case['application_no']}/accept", json={})
            done = await client.post(
                f"/api/v1/intake/applications/{case['application_no']}/conclude", json={"outcome": "approved"}
            )
            assert done.status_code == 200, done.text
    async with platform.client(citizen) as client:
        result = (await client.get(f"/api/v1/intake/bundle-applications/{bundle['bundle_no']}")).json()
    assert result["status"] == "concluded" and result["outcome"] == "approved"


async def test_appointments_book_cancel_no_show_and_a_full_slot(platform, clock):
    from tests.helpers import staff_token

    window = staff_token(
        platform, roles=["window_staff"], region=COUNTY, subject=f"w-{random.randrange(10**9)}"
    )
    clock.set(2027, 3, 1)
    async with platform.client(window) as client:
        weekend = await client.post(
            "/api/v1/intake/slots",
            json={"region": COUNTY, "window": "3号窗口", "day": "2027-03-06", "starts": ["09:00"]},
        )
        slots = await client.post(
            "/api/v1/intake/slots",
            json={
                "region": COUNTY,
                "window": "3号窗口",
                "day": "2099-03-02",
                "starts": ["09:00", "09:30"],
                "capacity": 1,
            },
        )
    assert_problem(weekend, 422, "not_working_day")
    assert slots.status_code == 201, slots.text
    slot = slots.json()[0]["slot_id"]
    first, _ = new_citizen(platform)
    second, _ = new_citizen(platform)
    async with platform.client(first) as client:
        booked = await client.post("/api/v1/intake/appointments", json={"slot_id": slot})
    async with platform.client(second) as client:
        full = await client.post("/api/v1/intake/appointments", json={"slot_id": slot})
        others = await client.post(f"/api/v1/intake/appointments/{booked.json()['appointment_id']}/cancel")
    assert booked.status_code == 201 and booked.json()["status"] == "booked"
    assert_problem(full, 409, "slot_full")
    assert_problem(others, 404, "unknown_appointment")
    async with platform.client(first) as client:
        cancelled = await client.post(f"/api/v1/intake/appointments/{booked.json()['appointment_id']}/cancel")
    async with platform.client(second) as client:
        now_free = await client.post("/api/v1/intake/appointments", json={"slot_id": slot})
    async with platform.client(window) as client:
        no_show = await client.post(
            f"/api/v1/intake/appointments/{now_free.json()['appointment_id']}/no-show"
        )
        day = (
            await client.get("/api/v1/intake/slots", params={"region": COUNTY, "day": "2099-03-02"})
        ).json()
    assert cancelled.json()["status"] == "cancelled" and now_free.status_code == 201
    assert no_show.json()["status"] == "no_show"
    assert [s["booked"] for s in day if s["slot_id"] == slot] == [1]
