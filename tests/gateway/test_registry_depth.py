"""The registry in depth through the real gateway: gray releases that only go forward, their completion after 15
days and one-click rollback, emergency delisting, the unionid of first-party apps, same-source channels (同源发布)
and the review rules of self-service (nobody approves an app they registered or a version they submitted)."""

from __future__ import annotations

import datetime as dt
import random

import jwt
from sqlalchemy import update

from gateway.registry.models import MiniApp
from services.kernel.db import Database, utcnow
from tests.gateway.registry_support import authorize, decide, submit
from tests.helpers import (
    admin_token,
    citizen_token,
    listed_mini_app,
    manifest,
    new_app_id,
    new_department,
    registered_mini_app,
    sms_tokens,
    staff_access_token,
)


async def staff_view(platform, token: str, app_id: str) -> dict:
    async with platform.client(token) as client:
        reply = await client.get(f"/api/v1/admin/mini-apps/{app_id}")
    assert reply.status_code == 200, reply.text
    return reply.json()


async def in_gray(platform, percent: int = 30) -> dict:
    """A listed app (1.0.0) whose 1.1.0 is in gray release at `percent`."""
    app = await listed_mini_app(platform)
    assert (await submit(platform, app, "1.1.0")).status_code == 201
    approved = await decide(
        platform, app["reviewer"], app["app_id"], "1.1.0", "approve", {"gray_percent": percent}
    )
    assert approved.status_code == 200, approved.text
    return app


async def set_gray(platform, token: str, app_id: str, version: str, percent: int):
    async with platform.client(token) as client:
        return await client.put(
            f"/api/v1/mini-apps/{app_id}/gray", json={"version": version, "percent": percent}
        )


async def age_gray(platform, app_id: str, days: float) -> None:
    db = Database(platform.settings.database_url("gateway"))
    async with db.transaction() as session:
        await session.execute(
            update(MiniApp)
            .where(MiniApp.app_id == app_id)
            .values(gray_started_at=utcnow() - dt.timedelta(days=days))
        )
    await db.dispose()


# -- gray releases only go forward ------------------------------------------------------------------------------


async def test_the_gray_percentage_only_rises(platform):
    app = await in_gray(platform, 30)
    lower = await set_gray(platform, app["developer"], app["app_id"], "1.1.0", 20)
    assert lower.status_code == 409 and lower.json()["code"] == "gray_percent_lowered"
    assert "只能提高" in lower.json()["detail"]
    seen = await staff_view(platform, app["reviewer"], app["app_id"])
    assert (seen["gray_version"], seen["gray_percent"]) == ("1.1.0", 30)
    assert (await set_gray(platform, app["reviewer"], app["app_id"], "1.1.0", 20)).status_code == 409
    assert (await set_gray(platform, app["developer"], app["app_id"], "1.1.0", 30)).status_code == 200
    higher = await set_gray(platform, app["developer"], app["app_id"], "1.1.0", 50)
    assert higher.status_code == 200 and higher.json()["gray_percent"] == 50
    async with platform.client(app["developer"]) as client:
        events = (await client.get(f"/api/v1/mini-apps/{app['app_id']}/events")).json()
    assert [e["detail"]["percent"] for e in events if e["event"] == "gray_changed"] == [50, 30]


async def test_a_gray_release_goes_full_after_15_days_unless_paused(platform):
    left, paused = await in_gray(platform), await in_gray(platform)
    async with platform.client(paused["developer"]) as client:
        reply = await client.post(
            f"/api/v1/mini-apps/{paused['app_id']}/gray/pause", json={"reason": "观察崩溃率"}
        )
    assert reply.status_code == 200 and reply.json()["gray_paused"] is True
    for app in (left, paused):
        await age_gray(platform, app["app_id"], days=16)
    await platform.app.state.runtime.registry.complete_due_gray_releases()  # what the resync loop runs

    done = await staff_view(platform, left["reviewer"], left["app_id"])
    assert (done["listed_version"], done["gray_version"], done["previous_version"]) == (
        "1.1.0",
        None,
        "1.0.0",
    )
    async with platform.client() as anonymous:
        assert (await anonymous.get(f"/api/v1/mini-apps/{left['app_id']}")).json()["version"] == "1.1.0"
        events = (await anonymous.get(f"/api/v1/mini-apps/{left['app_id']}/events")).status_code
    assert events == 401
    async with platform.client(left["developer"]) as client:
        events = (await client.get(f"/api/v1/mini-apps/{left['app_id']}/events")).json()
    assert events[0]["event"] == "gray_completed" and events[0]["actor"] == "system"

    held = await staff_view(platform, paused["reviewer"], paused["app_id"])
    assert (held["listed_version"], held["gray_version"], held["gray_paused"]) == ("1.0.0", "1.1.0", True)
    async with platform.client(paused["developer"]) as client:
        resumed = await client.post(f"/api/v1/mini-apps/{paused['app_id']}/gray/resume")
    assert resumed.status_code == 200 and resumed.json()["gray_paused"] is False
    await platform.app.state.runtime.registry.complete_due_gray_releases()
    assert (await staff_view(platform, paused["reviewer"], paused["app_id"]))[
        "gray_version"
    ] == "1.1.0"  # 15 new days


async def test_one_click_rollback_ends_a_gray_release_or_returns_to_the_last_full_version(platform):
    app = await in_gray(platform, 40)
    async with platform.client(app["developer"]) as client:
        ended = await client.post(
            f"/api/v1/mini-apps/{app['app_id']}/rollback", json={"reason": "灰度中发现问题"}
        )
    assert ended.status_code == 200 and ended.json()["gray_version"] is None
    assert ended.json()["listed_version"] == "1.0.0"

    assert (await set_gray(platform, app["developer"], app["app_id"], "1.1.0", 100)).status_code == 200
    people = [citizen_token(platform) for _ in range(5)]
    async with platform.client(app["developer"]) as client:
        back = await client.post(f"/api/v1/mini-apps/{app['app_id']}/rollback", json={"reason": "新版本闪退"})
        again = await client.post(f"/api/v1/mini-apps/{app['app_id']}/rollback", json={"reason": "再回退"})
    assert back.status_code == 200, back.text
    assert (back.json()["listed_version"], back.json()["previous_version"]) == ("1.0.0", None)
    for person in people:
        async with platform.client(person) as client:
            assert (await client.get(f"/api/v1/mini-apps/{app['app_id']}")).json()["version"] == "1.0.0"
    assert again.status_code == 409 and again.json()["code"] == "nothing_to_roll_back"
    assert (await staff_view(platform, app["reviewer"], app["app_id"]))["listed_version"] == "1.0.0"
    outsider, _ = await staff_access_token(platform, "app_developer")
    async with platform.client(outsider) as client:
        refused = await client.post(
            f"/api/v1/mini-apps/{app['app_id']}/rollback", json={"reason": "不是我的"}
        )
    assert refused.status_code == 403


# -- delisting tells the user why -------------------------------------------------------------------------------


async def test_users_who_open_a_delisted_app_are_told_why(platform):
    for emergency, words in ((True, "紧急下架"), (False, "已下架")):
        app = await listed_mini_app(platform)
        async with platform.client(app["reviewer"]) as client:
            delisted = await client.post(
                f"/api/v1/admin/mini-apps/{app['app_id']}/delist",
                json={"reason": "发现数据泄露风险", "emergency": emergency},
            )
        assert delisted.status_code == 200
        async with platform.client(citizen_token(platform)) as client:
            opened = await client.get(f"/api/v1/mini-apps/{app['app_id']}/entry")
            shown = await client.get(f"/api/v1/mini-apps/{app['app_id']}")
        for reply in (opened, shown):
            assert reply.status_code == 410 and reply.json()["code"] == "gone"
            assert words in reply.json()["detail"] and "发现数据泄露风险" in reply.json()["detail"]


# -- unionid ----------------------------------------------------------------------------------------------------


async def test_first_party_apps_share_a_unionid_that_third_party_apps_never_see(platform):
    first, second, third = [await listed_mini_app(platform) for _ in range(3)]
    async with platform.client(first["developer"]) as client:
        developer_try = await client.put(
            f"/api/v1/admin/mini-apps/{first['app_id']}/first-party", json={"first_party": True}
        )
    assert developer_try.status_code == 403
    async with platform.client(await admin_token(platform)) as client:
        for app in (first, second):
            flagged = await client.put(
                f"/api/v1/admin/mini-apps/{app['app_id']}/first-party", json={"first_party": True}
            )
            assert flagged.status_code == 200 and flagged.json()["first_party"] is True
    citizen = (await sms_tokens(platform))["access_token"]
    granted = {}
    for app in (first, second, third):
        reply = await authorize(platform, citizen, app["app_id"], ["profile"])
        assert reply.status_code == 200, reply.text
        granted[app["app_id"]] = reply.json()
    one, two, other = (granted[a["app_id"]] for a in (first, second, third))
    assert one["unionid"] and one["unionid"] == two["unionid"] and one["openid"] != two["openid"]
    assert other["unionid"] is None and one["unionid"] not in str(other)
    claims = {
        k: jwt.decode(v["access_token"], options={"verify_signature": False}) for k, v in granted.items()
    }
    assert claims[first["app_id"]]["unionid"] == one["unionid"] and "unionid" not in claims[third["app_id"]]
    async with platform.client(one["access_token"]) as client:
        assert (await client.get("/api/v1/open/userinfo")).json()["unionid"] == one["unionid"]
    async with platform.client(other["access_token"]) as client:
        info = (await client.get("/api/v1/open/userinfo")).json()
    assert info["unionid"] is None and info["openid"] == other["openid"]
    another = await authorize(
        platform, (await sms_tokens(platform))["access_token"], first["app_id"], ["profile"]
    )
    assert another.json()["unionid"] != one["unionid"]  # one per person


# -- same-source publishing (同源发布) ---------------------------------------------------------------------------


async def test_a_version_serves_each_channel_with_its_own_entry_and_minimum_client(platform):
    name = f"同源{random.randrange(10**6)}"
    channels = [
        {"channel": "app", "entry_url": "https://app.example.yn.gov.cn/h5/", "min_client_version": "3.2.0"},
        {"channel": "pc", "entry_url": "https://www.example.yn.gov.cn/portal/"},
    ]
    app = await listed_mini_app(platform, name=name, version=manifest("1.0.0", channels=channels))
    async with platform.client() as client:
        on_pc = (await client.get("/api/v1/mini-apps", params={"q": name, "channel": "pc"})).json()
        on_app = (await client.get("/api/v1/mini-apps", params={"q": name, "channel": "app"})).json()
        on_terminal = (
            await client.get("/api/v1/mini-apps", params={"q": name, "channel": "terminal"})
        ).json()
        anywhere = (await client.get("/api/v1/mini-apps", params={"q": name})).json()
        found = (await client.get("/api/v1/search", params={"q": name, "channel": "pc"})).json()
        not_found = (await client.get("/api/v1/search", params={"q": name, "channel": "terminal"})).json()
        one = await client.get(f"/api/v1/mini-apps/{app['app_id']}", params={"channel": "terminal"})
        opened = await client.get(f"/api/v1/mini-apps/{app['app_id']}/entry", params={"channel": "pc"})
    assert [(e["entry_url"], e["min_client_version"], e["channel"]) for e in on_pc] == [
        ("https://www.example.yn.gov.cn/portal/", None, "pc")
    ]
    assert [(e["entry_url"], e["min_client_version"]) for e in on_app] == [
        ("https://app.example.yn.gov.cn/h5/", "3.2.0")
    ]
    assert on_terminal == [] and [e["app_id"] for e in anywhere] == [app["app_id"]]
    assert anywhere[0]["channels"] == ["app", "pc"]
    assert [h["mini_app"]["entry_url"] for h in found if h["kind"] == "mini_app"] == [
        channels[1]["entry_url"]
    ]
    assert [h for h in not_found if h["kind"] == "mini_app"] == []
    assert one.status_code == 404 and one.json()["code"] == "not_on_channel"
    assert opened.status_code == 307 and opened.headers["location"] == channels[1]["entry_url"]
    async with platform.client(app["developer"]) as client:
        versions = (await client.get(f"/api/v1/mini-apps/{app['app_id']}/versions")).json()
    assert [c["channel"] for c in versions[0]["channels"]] == ["app", "pc"]


async def test_channels_are_checked_like_the_entry_url(platform):
    app = await registered_mini_app(platform)
    twice = [
        {"channel": "pc", "entry_url": "https://a.yn.gov.cn/"},
        {"channel": "pc", "entry_url": "https://b.yn.gov.cn/"},
    ]
    foreign = [{"channel": "terminal", "entry_url": "https://evil.example.com/"}]
    unknown = [{"channel": "tv", "entry_url": "https://a.yn.gov.cn/"}]
    for channels in (twice, foreign, unknown):
        reply = await submit(platform, app, "1.0.0", channels=channels)
        assert reply.status_code == 422, reply.text
    async with platform.client(app["developer"]) as client:
        assert (await client.get(f"/api/v1/mini-apps/{app['app_id']}/versions")).json() == []


# -- self-service review rules ----------------------------------------------------------------------------------


async def test_nobody_approves_an_app_they_registered_or_a_version_they_submitted(platform):
    registrar, _ = await staff_access_token(platform, "platform_admin")
    submitter, _ = await staff_access_token(platform, "platform_admin")
    app_id = new_app_id()
    async with platform.client(registrar) as client:
        registered = await client.post(
            "/api/v1/mini-apps",
            json={
                "app_id": app_id,
                "name": "自审应用",
                "department": new_department(),
                "category": "测试",
                "description": "平台管理员登记的应用",
            },
        )
    assert registered.status_code == 201, registered.text
    async with platform.client(submitter) as client:
        submitted = await client.post(f"/api/v1/mini-apps/{app_id}/versions", json=manifest("1.0.0"))
    assert submitted.status_code == 201, submitted.text

    own_app = await decide(platform, registrar, app_id, "1.0.0", "approve")
    own_submission = await decide(platform, submitter, app_id, "1.0.0", "approve")
    rejected_by_self = await decide(platform, submitter, app_id, "1.0.0", "reject", {"reason": "自己驳回"})
    assert own_app.status_code == 403 and own_app.json()["code"] == "own_app"
    assert own_submission.status_code == 403 and own_submission.json()["code"] == "own_submission"
    assert rejected_by_self.status_code == 403
    assert "不能审核" in own_app.json()["detail"]
    seen = await staff_view(platform, registrar, app_id)
    assert (seen["status"], seen["pending_version"], seen["listed_version"]) == ("unlisted", "1.0.0", None)

    reviewer, _ = await staff_access_token(platform, "app_reviewer")
    assert (await decide(platform, reviewer, app_id, "1.0.0", "approve")).status_code == 200


async def test_a_developer_who_is_also_a_reviewer_cannot_approve_their_own_app(platform):
    both, _ = await staff_access_token(platform, "app_developer", "app_reviewer")
    async with platform.client(both) as client:
        mine = await client.post(
            "/api/v1/mini-apps",
            json={
                "app_id": new_app_id(),
                "name": "自审应用",
                "department": new_department(),
                "category": "测试",
                "description": "开发者兼审核人登记的应用",
            },
        )
        assert mine.status_code == 201, mine.text
        mine = mine.json()
        submitted = await client.post(f"/api/v1/mini-apps/{mine['app_id']}/versions", json=manifest("1.0.0"))
        assert submitted.status_code == 201
    reply = await decide(platform, both, mine["app_id"], "1.0.0", "approve")
    assert reply.status_code == 403
    assert (await staff_view(platform, both, mine["app_id"]))["status"] == "unlisted"
