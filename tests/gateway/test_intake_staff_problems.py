"""Every problem window and department staff meet in intake has a Chinese `detail` and Chinese field notes."""

from __future__ import annotations

import random

from tests.gateway.test_intake_support import COUNTY, assert_problem, chinese, department_staff, new_citizen
from tests.helpers import staff_token


async def test_staff_facing_intake_problems_are_in_chinese(platform):
    """What window and department staff meet when something is wrong: a Chinese `detail`, Chinese field notes."""
    staff = department_staff(platform)
    window = staff_token(
        platform, roles=["window_staff"], region=COUNTY, subject=f"w-{random.randrange(10**9)}"
    )
    citizen, _ = new_citizen(platform)
    slots = "/api/v1/intake/slots"
    day = {"region": COUNTY, "window": "1号窗口", "day": "2099-03-02"}
    async with platform.client(window) as client:
        replies = [
            (await client.post(slots, json={**day, "starts": ["9点"]}), 422, "invalid_time"),
            (await client.post(slots, json={**day, "region": "532301", "starts": ["09:00"]}), 403, None),
            (await client.post(slots, json={**day, "day": "2099-3-2", "starts": ["09:00"]}), 422, None),
        ]
    async with platform.client(citizen) as client:
        replies.append((await client.post(slots, json={**day, "starts": ["09:00"]}), 403, "role_required"))
    async with platform.client(staff) as client:
        replies += [
            (
                await client.get("/api/v1/intake/applications", params={"cursor": "bad"}),
                422,
                "invalid_cursor",
            ),
            (await client.get("/api/v1/intake/flags", params={"day": "明天"}), 422, None),
            (await client.post("/api/v1/intake/items", json={"item_code": "X"}), 422, None),
            (await client.post("/api/v1/intake/items/NO-SUCH/suspend", json={"reason": "测试"}), 404, None),
            (
                await client.post("/api/v1/intake/applications/53010220990101000001X/accept", json={}),
                404,
                None,
            ),
        ]
    for reply, status, code in replies:
        body = assert_problem(reply, status, code or reply.json().get("code"))
        for error in body.get("errors") or []:
            assert chinese(error["message"]), body
