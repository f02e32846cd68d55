"""Repair's cursors and dates, and mini-app feedback from a token whose account is gone: 4xx problems in Chinese,
never a 500, nothing written."""

from __future__ import annotations

import base64
import json
import re

import pytest

from tests.helpers import citizen_token, listed_mini_app, staff_token

pytestmark = pytest.mark.security

WUHUA = "530102"
CJK = re.compile(r"[\u4e00-\u9fff]")


def cursor_of(*parts: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode()


def assert_problem(reply, status: int, code: str) -> None:
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith("application/problem+json")
    problem = reply.json()
    assert problem["code"] == code and CJK.search(problem["detail"]), problem


@pytest.mark.parametrize(
    "cursor",
    [
        cursor_of("2026-11-30T10:00:00", "BX5301022611300001"),  # well-formed, naive time
        cursor_of("2026-11-30T10:00:00+08:00", 2**64 + 1),  # a number beyond 64 bits
        cursor_of(2**64 + 1, "BX5301022611300001"),
        cursor_of("0001-01-01T00:00:00+14:00", "BX5301022611300001"),  # before the calendar once in UTC
        cursor_of("2026-11-30T10:00:00+08:00"),
        "not-a-cursor!",
    ],
)
async def test_a_bad_ticket_cursor_is_422_not_500(platform, cursor):
    async with platform.client(citizen_token(platform)) as client:
        reply = await client.get("/api/v1/repair/tickets", params={"mine": True, "cursor": cursor})
    assert_problem(reply, 422, "invalid_cursor")


async def test_a_cursor_of_ours_still_pages(platform):
    good = cursor_of("2026-11-30T10:00:00+08:00", "BX5301022611300001")
    async with platform.client(citizen_token(platform)) as client:
        reply = await client.get("/api/v1/repair/tickets", params={"mine": True, "cursor": good})
    assert reply.status_code == 200 and reply.json()["tickets"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"since": "2026-13-01"},
        {"since": "yesterday"},
        {"since": "0001-01-01T00:00:00+14:00"},
        {"until": "9999-12-31T23:59:59-14:00"},
    ],
)
async def test_a_bad_stats_time_is_422_not_500(platform, params):
    admin = staff_token(platform, roles=["county_admin"], region=WUHUA)
    async with platform.client(admin) as client:
        reply = await client.get("/api/v1/repair/stats", params={"county": WUHUA, **params})
        fine = await client.get("/api/v1/repair/stats", params={"county": WUHUA, "since": "2026-11-01"})
    assert_problem(reply, 422, "invalid_time")
    assert fine.status_code == 200, fine.text


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "9999-12", "0001-01"])
async def test_a_bad_export_month_is_422_not_500(platform, month):
    admin = staff_token(platform, roles=["county_admin"], region=WUHUA)
    async with platform.client(admin) as client:
        reply = await client.get("/api/v1/repair/stats/export", params={"county": WUHUA, "month": month})
    assert_problem(reply, 422, "invalid_month")


async def test_feedback_from_a_token_whose_account_is_gone_is_401_and_writes_nothing(platform):
    app = await listed_mini_app(platform)
    orphan = citizen_token(platform, "citizen-account-that-does-not-exist")
    async with platform.client(orphan) as client:
        reply = await client.post(
            f"/api/v1/mini-apps/{app['app_id']}/feedback", json={"kind": "bug", "content": "页面打不开"}
        )
    assert_problem(reply, 401, "account_gone")
    async with platform.client(app["developer"]) as client:
        feedback = await client.get(f"/api/v1/mini-apps/{app['app_id']}/feedback")
    assert feedback.status_code == 200 and feedback.json() == []
