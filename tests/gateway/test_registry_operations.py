"""The mini-app registry through the real gateway, once apps are live: gray release (a stable share, widening,
rollback, completion), per-app traffic and health probes (flagging, auto-delisting), citizen feedback to the
developers and the append-only audit trail."""

from __future__ import annotations

import datetime as dt

import httpx
import jwt
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from services.kernel.db import Database
from tests.gateway.registry_support import authorize, decide, submit
from tests.helpers import (
    citizen_token,
    listed_mini_app,
    manifest,
    registered_mini_app,
    sms_tokens,
    staff_access_token,
)

# -- gray release ------------------------------------------------------------------------------------------------


async def versions_seen(platform, app_id: str, people: list[str]) -> list[str]:
    seen = []
    for person in people:
        async with platform.client(person) as client:
            seen.append((await client.get(f"/api/v1/mini-apps/{app_id}")).json()["version"])
    return seen


async def test_gray_release_serves_a_stable_share_then_lists_or_rolls_back(platform):
    app = await listed_mini_app(platform)
    await submit(platform, app, "1.1.0")
    approved = await decide(
        platform, app["reviewer"], app["app_id"], "1.1.0", "approve", {"gray_percent": 30}
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["listed_version"] == "1.0.0" and approved.json()["gray_version"] == "1.1.0"

    people = [citizen_token(platform) for _ in range(60)]
    first = await versions_seen(platform, app["app_id"], people)
    assert first == await versions_seen(platform, app["app_id"], people)  # stable per person
    share = first.count("1.1.0") / len(first)
    assert 0.08 < share < 0.6 and set(first) == {"1.0.0", "1.1.0"}
    async with platform.client() as anonymous:
        assert (await anonymous.get(f"/api/v1/mini-apps/{app['app_id']}")).json()["version"] == "1.0.0"

    async with platform.client(app["developer"]) as client:
        wider = await client.put(
            f"/api/v1/mini-apps/{app['app_id']}/gray", json={"version": "1.1.0", "percent": 60}
        )
    assert wider.status_code == 200
    widened = await versions_seen(platform, app["app_id"], people)
    assert all(after == "1.1.0" for before, after in zip(first, widened, strict=True) if before == "1.1.0")

    async with platform.client(app["developer"]) as client:
        rolled = await client.post(
            f"/api/v1/mini-apps/{app['app_id']}/gray/rollback", json={"reason": "闪退率升高"}
        )
        nothing = await client.post(
            f"/api/v1/mini-apps/{app['app_id']}/gray/rollback", json={"reason": "再回滚"}
        )
    assert rolled.status_code == 200 and rolled.json()["gray_version"] is None
    assert nothing.status_code == 409 and nothing.json()["code"] == "no_gray_release"
    assert set(await versions_seen(platform, app["app_id"], people)) == {"1.0.0"}

    async with platform.client(app["reviewer"]) as client:
        full = await client.put(
            f"/api/v1/mini-apps/{app['app_id']}/gray", json={"version": "1.1.0", "percent": 100}
        )
        events = (await client.get(f"/api/v1/mini-apps/{app['app_id']}/events")).json()
    assert full.json()["listed_version"] == "1.1.0"
    assert set(await versions_seen(platform, app["app_id"], people[:5])) == {"1.1.0"}
    changes = [e for e in events if e["event"] in ("gray_changed", "gray_rolled_back")]
    assert [(e["event"], e["detail"].get("percent")) for e in reversed(changes)] == [
        ("gray_changed", 60),
        ("gray_rolled_back", 60),
        ("gray_changed", 100),
    ]
    assert changes[1]["reason"] == "闪退率升高"


async def test_a_first_version_cannot_be_gray(platform):
    app = await registered_mini_app(platform)
    await submit(platform, app)
    reviewer, _ = await staff_access_token(platform, "app_reviewer")
    reply = await decide(platform, reviewer, app["app_id"], "1.0.0", "approve", {"gray_percent": 10})
    assert reply.status_code == 409 and reply.json()["code"] == "no_listed_version"


# -- monitoring --------------------------------------------------------------------------------------------------


async def test_reviewers_read_per_app_traffic(platform):
    app = await listed_mini_app(platform)
    citizen = await sms_tokens(platform)
    token = (await authorize(platform, citizen["access_token"], app["app_id"], ["profile"])).json()[
        "access_token"
    ]
    async with platform.client(token) as client:
        for _ in range(3):
            assert (await client.get("/api/v1/open/userinfo")).status_code == 200
        assert (await client.get("/api/v1/open/phone")).status_code == 403
    async with platform.client(app["reviewer"]) as client:
        reading = await client.get(f"/api/v1/admin/mini-apps/{app['app_id']}/monitoring")
    async with platform.client(app["developer"]) as client:
        not_for_developers = await client.get(f"/api/v1/admin/mini-apps/{app['app_id']}/monitoring")
    traffic = reading.json()["traffic"]
    assert traffic["requests"] == 4 and traffic["client_errors"] == 1 and traffic["server_errors"] == 0
    assert traffic["error_rate"] == 0.25 and traffic["latency_ms_avg"] is not None
    assert not_for_developers.status_code == 403


async def test_an_app_failing_its_probe_long_enough_is_flagged_then_auto_delisted_when_configured(platform):
    registry = platform.app.state.runtime.registry
    failing = await listed_mini_app(platform, version=manifest(entry_url="https://broken.yn.gov.cn/app/"))
    also_failing = await listed_mini_app(platform, version=manifest(entry_url="https://down.yn.gov.cn/"))

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host in ("broken.yn.gov.cn", "down.yn.gov.cn"):
            return httpx.Response(503)
        return httpx.Response(200)

    transport = httpx.MockTransport(answer)
    start = dt.datetime.now(dt.UTC)
    await registry.probe.probe_once(now=start, transport=transport)
    async with platform.client(failing["reviewer"]) as client:
        health = (await client.get(f"/api/v1/admin/mini-apps/{failing['app_id']}/monitoring")).json()[
            "health"
        ]
        flagged = (await client.get("/api/v1/admin/mini-apps", params={"flagged": True, "limit": 200})).json()
    assert health["status"] == "down" and health["http_status"] == 503
    assert failing["app_id"] not in [a["app_id"] for a in flagged]  # not failing long enough yet

    later = start + dt.timedelta(seconds=platform.settings.miniapp_flag_after_seconds + 1)
    await registry.probe.probe_once(now=later, transport=transport)
    async with platform.client(failing["reviewer"]) as client:
        flagged = {
            a["app_id"]: a
            for a in (
                await client.get("/api/v1/admin/mini-apps", params={"flagged": True, "limit": 200})
            ).json()
        }
        events = (await client.get(f"/api/v1/mini-apps/{failing['app_id']}/events")).json()
        cleared = await client.post(
            f"/api/v1/admin/mini-apps/{failing['app_id']}/clear-flag", json={"comment": "已恢复"}
        )
    assert (
        flagged[failing["app_id"]]["status"] == "listed"
        and "无法访问" in flagged[failing["app_id"]]["flag_reason"]
    )
    assert events[0]["event"] == "flagged" and events[0]["actor"] == "system"
    assert cleared.status_code == 200 and cleared.json()["flagged"] is False

    platform.settings.miniapp_auto_delist = True
    try:
        await registry.probe.probe_once(now=later + dt.timedelta(seconds=60), transport=transport)
    finally:
        platform.settings.miniapp_auto_delist = False
    async with platform.client() as client:
        gone = await client.get(f"/api/v1/mini-apps/{also_failing['app_id']}")
    assert gone.status_code == 410 and "无法访问" in gone.json()["detail"]


# -- feedback and the audit trail --------------------------------------------------------------------------------


async def test_citizen_feedback_goes_to_the_apps_developers(platform):
    app = await listed_mini_app(platform)
    other = await registered_mini_app(platform)
    citizen = await sms_tokens(platform)
    citizen_id = jwt.decode(citizen["access_token"], options={"verify_signature": False})["sub"]
    openid = (await authorize(platform, citizen["access_token"], app["app_id"], ["profile"])).json()["openid"]
    async with platform.client(citizen["access_token"]) as client:
        sent = await client.post(
            f"/api/v1/mini-apps/{app['app_id']}/feedback", json={"kind": "bug", "content": "提交后页面空白"}
        )
        empty = await client.post(
            f"/api/v1/mini-apps/{app['app_id']}/feedback", json={"kind": "bug", "content": ""}
        )
    async with platform.client() as anonymous:
        anon = await anonymous.post(
            f"/api/v1/mini-apps/{app['app_id']}/feedback", json={"kind": "bug", "content": "匿名"}
        )
    async with platform.client(app["developer"]) as client:
        read = await client.get(f"/api/v1/mini-apps/{app['app_id']}/feedback")
    async with platform.client(other["developer"]) as client:
        foreign = await client.get(f"/api/v1/mini-apps/{app['app_id']}/feedback")
    assert sent.status_code == 201 and empty.status_code == 422 and anon.status_code == 401
    assert [(f["openid"], f["content"], f["version"]) for f in read.json()] == [
        (openid, "提交后页面空白", "1.0.0")
    ]
    assert citizen_id not in read.text
    assert foreign.status_code == 403


async def test_the_audit_trail_is_append_only(platform):
    app = await listed_mini_app(platform)
    db = Database(platform.settings.database_url("gateway"))
    try:
        for statement in ("UPDATE registry_events SET reason = 'changed'", "DELETE FROM registry_events"):
            with pytest.raises(DBAPIError):
                async with db.transaction() as session:
                    await session.execute(text(statement + " WHERE app_id = :app"), {"app": app["app_id"]})
    finally:
        await db.dispose()
