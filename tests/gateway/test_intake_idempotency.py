"""`Idempotency-Key` on 一件事一次办 submissions and appointment bookings, as on single applications: claimed before
anything is written, scoped to the caller (and the person acted for; delegation tokens cannot reach these routes)."""

from __future__ import annotations

import asyncio
import random
import uuid

from tests.gateway.test_intake_support import (
    COUNTY,
    assert_problem,
    department_staff,
    my_numbers,
    new_citizen,
    new_item,
)
from tests.helpers import staff_token


async def new_bundle(platform) -> str:
    department = f"测试局{random.randrange(10**8)}"
    staff = department_staff(platform, department=department)
    first = await new_item(platform, staff, department=department, mode="online")
    second = await new_item(platform, staff, department=department, mode="complex")
    code = f"YJS-I{random.randrange(10**6)}"
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
    return code


def bundle_body(code: str, phone: str = "13900000000") -> dict:
    return {
        "bundle_code": code,
        "region": COUNTY,
        "form": {"phone": phone},
        "materials": [{"material_id": "plan", "file_id": "f1"}, {"material_id": "photo", "file_id": "f2"}],
    }


async def test_a_retried_bundle_submission_returns_the_first_bundle_and_a_reused_key_is_422(platform):
    code = await new_bundle(platform)
    citizen, _ = new_citizen(platform)
    other, _ = new_citizen(platform)
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    path = "/api/v1/intake/bundle-applications"
    async with platform.client(citizen) as client:
        first = await client.post(path, json=bundle_body(code), headers=headers)
        again = await client.post(path, json=bundle_body(code), headers=headers)
        changed = await client.post(path, json=bundle_body(code, phone="13911111111"), headers=headers)
        as_application = await client.post(
            "/api/v1/intake/applications",
            json={"item_code": "SC-GT-001", "region": COUNTY, "form": {}, "materials": []},
            headers=headers,
        )
    async with platform.client(other) as client:
        theirs = await client.post(path, json=bundle_body(code), headers=headers)
    assert first.status_code == 201, first.text
    assert again.status_code == 201 and again.json()["bundle_no"] == first.json()["bundle_no"]
    assert [a["application_no"] for a in again.json()["applications"]] == [
        a["application_no"] for a in first.json()["applications"]
    ]
    assert_problem(changed, 422, "idempotency_key_reused")
    assert_problem(as_application, 422, "idempotency_key_reused")  # the key already named a bundle
    assert theirs.status_code == 201 and theirs.json()["bundle_no"] != first.json()["bundle_no"]
    # The citizen's cases: the first bundle's, once.
    assert set(await my_numbers(platform, citizen)) == {
        a["application_no"] for a in first.json()["applications"]
    }


async def test_the_same_bundle_key_sent_at_once_makes_one_bundle(platform):
    code = await new_bundle(platform)
    citizen, _ = new_citizen(platform)
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    async with platform.client(citizen) as client:
        replies = await asyncio.gather(
            *(
                client.post("/api/v1/intake/bundle-applications", json=bundle_body(code), headers=headers)
                for _ in range(4)
            )
        )
    assert {r.status_code for r in replies} == {201}, [r.text for r in replies]
    assert len({r.json()["bundle_no"] for r in replies}) == 1
    assert len(await my_numbers(platform, citizen)) == 2  # the bundle's two cases, once


async def open_slots(platform, capacity: int) -> list[str]:
    window = staff_token(
        platform, roles=["window_staff"], region=COUNTY, subject=f"w-{random.randrange(10**9)}"
    )
    async with platform.client(window) as client:
        slots = await client.post(
            "/api/v1/intake/slots",
            json={
                "region": COUNTY,
                "window": f"{random.randrange(100)}号窗口",
                "day": "2099-03-02",
                "starts": ["09:00", "09:30"],
                "capacity": capacity,
            },
        )
    assert slots.status_code == 201, slots.text
    return [s["slot_id"] for s in slots.json()]


async def booked(platform, slot_id: str) -> int:
    citizen, _ = new_citizen(platform)
    async with platform.client(citizen) as client:
        day = (
            await client.get("/api/v1/intake/slots", params={"region": COUNTY, "day": "2099-03-02"})
        ).json()
    return next(s["booked"] for s in day if s["slot_id"] == slot_id)


async def test_a_retried_booking_takes_one_seat_and_a_reused_key_is_422(platform):
    slot, other_slot = await open_slots(platform, capacity=3)
    citizen, _ = new_citizen(platform)
    someone, _ = new_citizen(platform)
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    async with platform.client(citizen) as client:
        first = await client.post("/api/v1/intake/appointments", json={"slot_id": slot}, headers=headers)
        again = await client.post("/api/v1/intake/appointments", json={"slot_id": slot}, headers=headers)
        changed = await client.post(
            "/api/v1/intake/appointments", json={"slot_id": other_slot}, headers=headers
        )
        mine = (await client.get("/api/v1/intake/appointments")).json()
    async with platform.client(someone) as client:
        theirs = await client.post("/api/v1/intake/appointments", json={"slot_id": slot}, headers=headers)
    assert first.status_code == 201, first.text
    assert again.status_code == 201 and again.json()["appointment_id"] == first.json()["appointment_id"]
    assert_problem(changed, 422, "idempotency_key_reused")
    assert [a["appointment_id"] for a in mine] == [first.json()["appointment_id"]]
    assert theirs.status_code == 201 and theirs.json()["appointment_id"] != first.json()["appointment_id"]
    assert await booked(platform, slot) == 2  # the citizen once, someone else once
    assert await booked(platform, other_slot) == 0


async def test_the_same_booking_key_sent_at_once_takes_one_seat(platform):
    slot, _ = await open_slots(platform, capacity=5)
    citizen, _ = new_citizen(platform)
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    async with platform.client(citizen) as client:
        replies = await asyncio.gather(
            *(
                client.post("/api/v1/intake/appointments", json={"slot_id": slot}, headers=headers)
                for _ in range(4)
            )
        )
        mine = (await client.get("/api/v1/intake/appointments")).json()
    assert {r.status_code for r in replies} == {201}, [r.text for r in replies]
    assert len({r.json()["appointment_id"] for r in replies}) == 1
    assert len(mine) == 1
    assert await booked(platform, slot) == 1
