"""The mini-app registry through the real gateway: what developers, reviewers, citizens and mini-apps see."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import httpx
import jwt
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from gateway.registry.seed import first_party_manifests
from services.kernel.db import Database
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


async def submit(platform, app: dict, version: str = "1.0.0", **fields):
    async with platform.client(app["developer"]) as client:
        return await client.post(
            f"/api/v1/mini-apps/{app['app_id']}/versions", json=manifest(version, **fields)
        )


async def decide(platform, token: str, app_id: str, version: str, decision: str, body: dict | None = None):
    async with platform.client(token) as client:
        return await client.post(
            f"/api/v1/admin/mini-apps/{app_id}/versions/{version}/{decision}",
            json=body if body is not None else {},
        )


async def authorize(platform, citizen: str, app_id: str, scopes: list[str]) -> httpx.Response:
    async with platform.client(citizen) as client:
        return await client.post(f"/api/v1/mini-apps/{app_id}/authorize", json={"scopes": scopes})


async def status_until(platform, token: str, path: str, wanted: int, seconds: float = 4.0) -> int:
    deadline = time.monotonic() + seconds
    async with platform.client(token) as client:
        while True:
            status = (await client.get(path)).status_code
            if status == wanted or time.monotonic() > deadline:
                return status
            await asyncio.sleep(0.1)


# -- the whole life ----------------------------------------------------------------------------------------------


async def test_full_life_register_reject_resubmit_approve_authorize_delist_relist(platform):
    developer, _ = await staff_access_token(platform, "app_developer")
    reviewer, _ = await staff_access_token(platform, "app_reviewer")
    app_id, department = new_app_id(), new_department()

    async with platform.client(developer) as dev:
        registered = await dev.post(
            "/api/v1/mini-apps",
            json={
                "app_id": app_id,
                "name": "社保查询",
                "department": department,
                "category": "社会保障",
                "description": "查询养老、医疗保险缴费记录",
                "keywords": ["养老保险"],
            },
        )
        assert registered.status_code == 201, registered.text
        assert registered.json()["status"] == "unlisted"

        first = await dev.post(f"/api/v1/mini-apps/{app_id}/versions", json=manifest("1.0.0"))
        assert first.status_code == 201 and first.json()["status"] == "pending_review"

    async with platform.client() as anyone:
        assert (await anyone.get(f"/api/v1/mini-apps/{app_id}")).status_code == 404  # never approved

    rejected = await decide(platform, reviewer, app_id, "1.0.0", "reject", {"reason": "隐私政策缺失"})
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"

    async with platform.client(developer) as dev:
        versions = (await dev.get(f"/api/v1/mini-apps/{app_id}/versions")).json()
        assert versions[0]["status"] == "rejected" and versions[0]["reason"] == "隐私政策缺失"
        again = await dev.post(f"/api/v1/mini-apps/{app_id}/versions", json=manifest("1.0.1"))
        assert again.status_code == 201 and again.json()["status"] == "pending_review"

    approved = await decide(platform, reviewer, app_id, "1.0.1", "approve", {"comment": "已补充隐私政策"})
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "listed" and approved.json()["listed_version"] == "1.0.1"

    async with platform.client() as anyone:
        listed = await anyone.get(f"/api/v1/mini-apps/{app_id}")
        catalogue = (await anyone.get("/api/v1/mini-apps", params={"q": "社保查询"})).json()
    assert listed.status_code == 200 and listed.json()["version"] == "1.0.1"
    assert app_id in [a["app_id"] for a in catalogue]

    # A citizen authorizes the app for `profile`; the app calls within its scope, and not outside it.
    citizen = await sms_tokens(platform)
    async with platform.client(citizen["access_token"]) as client:
        prompt = (
            await client.get(f"/api/v1/mini-apps/{app_id}/authorize", params={"scopes": ["profile"]})
        ).json()
    assert prompt["needs_consent"] is True and prompt["scopes"][0]["scope"] == "profile"
    granted = await authorize(platform, citizen["access_token"], app_id, ["profile"])
    assert granted.status_code == 200, granted.text
    openid, app_token = granted.json()["openid"], granted.json()["access_token"]
    claims = jwt.decode(app_token, options={"verify_signature": False})
    assert claims["aud"] == app_id and claims["sub"] == openid and claims["scope"] == "profile"
    citizen_id = jwt.decode(citizen["access_token"], options={"verify_signature": False})["sub"]
    assert citizen_id not in app_token and citizen_id not in openid  # the app never learns the account id

    async with platform.client(app_token) as app:
        me = await app.get("/api/v1/open/userinfo")
        phone = await app.get("/api/v1/open/phone")
    assert me.status_code == 200 and me.json()["openid"] == openid
    assert phone.status_code == 403 and phone.json()["code"] == "insufficient_scope"

    # Delisted: gone from the catalogue, 410 with the reason, its token refused.
    async with platform.client(reviewer) as rev:
        delisted = await rev.post(f"/api/v1/admin/mini-apps/{app_id}/delist", json={"reason": "存在安全漏洞"})
    assert delisted.status_code == 200 and delisted.json()["status"] == "delisted"
    async with platform.client() as anyone:
        gone = await anyone.get(f"/api/v1/mini-apps/{app_id}")
        catalogue = (await anyone.get("/api/v1/mini-apps", params={"q": "社保查询"})).json()
    assert (
        gone.status_code == 410 and gone.json()["code"] == "gone" and "存在安全漏洞" in gone.json()["detail"]
    )
    assert app_id not in [a["app_id"] for a in catalogue]
    async with platform.client(app_token) as app:
        refused = await app.get("/api/v1/open/userinfo")
    assert refused.status_code == 401 and refused.json()["code"] == "app_delisted"
    async with platform.client(developer) as dev:
        mine = {a["app_id"]: a for a in (await dev.get("/api/v1/mini-apps/mine")).json()}
    assert mine[app_id]["status"] == "delisted" and mine[app_id]["status_reason"] == "存在安全漏洞"

    # Relisted: back with the same version; the token works again.
    async with platform.client(reviewer) as rev:
        relisted = await rev.post(f"/api/v1/admin/mini-apps/{app_id}/relist")
    assert relisted.status_code == 200 and relisted.json()["status"] == "listed"
    async with platform.client() as anyone:
        assert (await anyone.get(f"/api/v1/mini-apps/{app_id}")).json()["version"] == "1.0.1"
    async with platform.client(app_token) as app:
        assert (await app.get("/api/v1/open/userinfo")).status_code == 200

    # Every decision is in the audit trail, with who and why.
    async with platform.client(reviewer) as rev:
        events = (await rev.get(f"/api/v1/mini-apps/{app_id}/events")).json()
    trail = [(e["event"], e["version"], e["reason"]) for e in reversed(events)]
    assert trail == [
        ("registered", None, None),
        ("submitted", "1.0.0", None),
        ("rejected", "1.0.0", "隐私政策缺失"),
        ("submitted", "1.0.1", None),
        ("approved", "1.0.1", "已补充隐私政策"),
        ("delisted", "1.0.1", "存在安全漏洞"),
        ("relisted", "1.0.1", None),
    ]
    assert len({e["actor"] for e in events if e["event"] in ("rejected", "approved", "delisted")}) == 1
    assert all(e["at"] for e in events)


# -- bad input ---------------------------------------------------------------------------------------------------


async def test_a_duplicate_app_id_is_409(platform):
    app = await registered_mini_app(platform)
    async with platform.client(app["developer"]) as client:
        again = await client.post(
            "/api/v1/mini-apps",
            json={k: app[k] for k in ("app_id", "name", "department", "category", "description")},
        )
    assert again.status_code == 409 and again.json()["code"] == "app_exists"


async def test_approving_a_version_that_is_not_pending_is_409(platform):
    app = await listed_mini_app(platform)
    twice = await decide(platform, app["reviewer"], app["app_id"], "1.0.0", "approve")
    assert twice.status_code == 409 and twice.json()["code"] == "version_not_pending"
    await submit(platform, app, "1.1.0")
    assert (
        await decide(platform, app["reviewer"], app["app_id"], "1.1.0", "reject", {"reason": "不通过"})
    ).is_success
    after_reject = await decide(platform, app["reviewer"], app["app_id"], "1.1.0", "approve")
    assert after_reject.status_code == 409 and after_reject.json()["code"] == "version_not_pending"
    unknown = await decide(platform, app["reviewer"], app["app_id"], "9.9.9", "approve")
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_version"


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}])
async def test_a_reject_or_delist_without_a_reason_is_422(platform, body):
    app = await listed_mini_app(platform)
    await submit(platform, app, "1.1.0")
    reject = await decide(platform, app["reviewer"], app["app_id"], "1.1.0", "reject", body)
    async with platform.client(app["reviewer"]) as client:
        delist = await client.post(f"/api/v1/admin/mini-apps/{app['app_id']}/delist", json=body)
        still = await client.get(f"/api/v1/admin/mini-apps/{app['app_id']}")
    for reply in (reject, delist):
        assert reply.status_code == 422 and reply.json()["code"] == "invalid_input"
        assert [e["field"] for e in reply.json()["errors"]] == ["reason"]
    assert still.json()["status"] == "listed" and still.json()["pending_version"] == "1.1.0"


@pytest.mark.parametrize(
    "entry_url",
    ["http://example.yn.gov.cn/app/", "https://evil.example.com/app/", "https://gov.cn.evil.com/"],
)
async def test_an_http_or_unlisted_host_entry_url_is_422(platform, entry_url):
    app = await registered_mini_app(platform)
    reply = await submit(platform, app, entry_url=entry_url)
    assert reply.status_code == 422 and reply.json()["code"] == "invalid_input"
    assert [e["field"] for e in reply.json()["errors"]] == ["entry_url"]


async def test_a_developer_acting_on_another_departments_app_is_403(platform):
    app = await listed_mini_app(platform)
    other = await registered_mini_app(platform)  # another developer, another department
    intruder = {**app, "developer": other["developer"]}
    version = await submit(platform, intruder, "2.0.0")
    async with platform.client(other["developer"]) as client:
        versions = await client.get(f"/api/v1/mini-apps/{app['app_id']}/versions")
        gray = await client.put(
            f"/api/v1/mini-apps/{app['app_id']}/gray", json={"version": "1.0.0", "percent": 5}
        )
        feedback = await client.get(f"/api/v1/mini-apps/{app['app_id']}/feedback")
        claim = await client.post(
            "/api/v1/mini-apps",
            json={
                "app_id": new_app_id(),
                "name": "冒名应用",
                "department": app["department"],
                "category": "测试",
                "description": "以他人部门名义注册",
            },
        )
    for reply in (version, versions, gray, feedback, claim):
        assert reply.status_code == 403, reply.text
        assert reply.json()["code"] == "not_your_department"


async def test_a_delisted_apps_token_is_401(platform):
    app = await listed_mini_app(platform)
    citizen = await sms_tokens(platform)
    token = (await authorize(platform, citizen["access_token"], app["app_id"], ["profile"])).json()[
        "access_token"
    ]
    async with platform.client(app["reviewer"]) as client:
        await client.post(
            f"/api/v1/admin/mini-apps/{app['app_id']}/delist", json={"reason": "违规收集个人信息"}
        )
    async with platform.client(token) as client:
        reply = await client.get("/api/v1/open/userinfo")
    assert reply.status_code == 401 and reply.json()["code"] == "app_delisted"


async def test_an_unknown_scope_is_422(platform):
    app = await registered_mini_app(platform)
    in_manifest = await submit(platform, app, scopes=["profile", "bank.account"])
    assert in_manifest.status_code == 422 and in_manifest.json()["code"] == "invalid_input"
    assert [e["field"] for e in in_manifest.json()["errors"]] == ["scopes.1"]
    listed = await listed_mini_app(platform)
    citizen = await sms_tokens(platform)
    asked = await authorize(platform, citizen["access_token"], listed["app_id"], ["bank.account"])
    assert asked.status_code == 422 and [e["field"] for e in asked.json()["errors"]] == ["scopes.0"]


# -- review rules ------------------------------------------------------------------------------------------------


async def test_a_reviewer_cannot_decide_on_their_own_departments_app(platform):
    app = await registered_mini_app(platform)
    await submit(platform, app)
    insider, insider_id = await staff_access_token(platform, "app_reviewer")
    async with platform.client(await admin_token(platform)) as admin:
        joined = await admin.post(
            "/api/v1/admin/mini-app-members", json={"department": app["department"], "account_id": insider_id}
        )
    assert joined.status_code == 201, joined.text
    for decision, body in (("approve", {}), ("reject", {"reason": "自己审自己"})):
        reply = await decide(platform, insider, app["app_id"], "1.0.0", decision, body)
        assert reply.status_code == 403 and reply.json()["code"] == "own_department"
    outsider, _ = await staff_access_token(platform, "app_reviewer")
    assert (await decide(platform, outsider, app["app_id"], "1.0.0", "approve")).status_code == 200


async def test_only_reviewers_decide_and_only_developers_register(platform):
    app = await registered_mini_app(platform)
    await submit(platform, app)
    citizen = citizen_token(platform)
    assert (await decide(platform, app["developer"], app["app_id"], "1.0.0", "approve")).status_code == 403
    assert (await decide(platform, citizen, app["app_id"], "1.0.0", "approve")).status_code == 403
    async with platform.client() as anonymous:
        assert (
            await anonymous.post(f"/api/v1/admin/mini-apps/{app['app_id']}/delist", json={"reason": "理由"})
        ).status_code == 401
    async with platform.client(citizen) as client:
        reply = await client.post(
            "/api/v1/mini-apps",
            json={
                "app_id": new_app_id(),
                "name": "应用",
                "department": "某局",
                "category": "c",
                "description": "d",
            },
        )
    assert reply.status_code == 403 and reply.json()["code"] == "role_required"


async def test_versions_must_grow_and_one_is_reviewed_at_a_time(platform):
    app = await listed_mini_app(platform)
    same = await submit(platform, app, "1.0.0")
    lower = await submit(platform, app, "0.9.9")
    pre = await submit(platform, app, "1.0.0-beta.1")  # a pre-release of 1.0.0 precedes it
    assert same.status_code == 409 and same.json()["code"] == "version_exists"
    for reply in (lower, pre):
        assert reply.status_code == 422 and [e["field"] for e in reply.json()["errors"]] == ["version"]
    not_semver = await submit(platform, app, "v2")
    assert not_semver.status_code == 422 and not_semver.json()["errors"][0]["field"] == "version"
    assert (await submit(platform, app, "1.1.0")).status_code == 201
    second = await submit(platform, app, "1.2.0")
    assert second.status_code == 409 and second.json()["code"] == "review_in_progress"
    async with platform.client() as anyone:  # the listed version keeps serving while 1.1.0 is reviewed
        assert (await anyone.get(f"/api/v1/mini-apps/{app['app_id']}")).json()["version"] == "1.0.0"


async def test_a_draft_is_submitted_later(platform):
    app = await registered_mini_app(platform)
    draft = await submit(platform, app, "0.1.0", draft=True)
    assert draft.status_code == 201 and draft.json()["status"] == "draft"
    early = await decide(
        platform, (await staff_access_token(platform, "app_reviewer"))[0], app["app_id"], "0.1.0", "approve"
    )
    assert early.status_code == 409 and early.json()["code"] == "version_not_pending"
    async with platform.client(app["developer"]) as client:
        submitted = await client.post(f"/api/v1/mini-apps/{app['app_id']}/versions/0.1.0/submit")
        again = await client.post(f"/api/v1/mini-apps/{app['app_id']}/versions/0.1.0/submit")
    assert submitted.status_code == 200 and submitted.json()["status"] == "pending_review"
    assert again.status_code == 409 and again.json()["code"] == "version_not_draft"


async def test_reserved_and_malformed_app_ids_are_422(platform):
    developer, _ = await staff_access_token(platform, "app_developer")
    async with platform.client(developer) as client:
        for app_id in (platform.settings.jwt_audience, "mine", "Has Space", "ab"):
            reply = await client.post(
                "/api/v1/mini-apps",
                json={
                    "app_id": app_id,
                    "name": "应用",
                    "department": new_department(),
                    "category": "c",
                    "description": "d",
                },
            )
            assert reply.status_code == 422, app_id
            assert [e["field"] for e in reply.json()["errors"]] == ["app_id"]


async def test_delist_and_relist_only_from_the_right_state(platform):
    app = await listed_mini_app(platform)
    unlisted = await registered_mini_app(platform)
    async with platform.client(app["reviewer"]) as client:
        relist_listed = await client.post(f"/api/v1/admin/mini-apps/{app['app_id']}/relist")
        delist_unlisted = await client.post(
            f"/api/v1/admin/mini-apps/{unlisted['app_id']}/delist", json={"reason": "测试下架"}
        )
        await client.post(f"/api/v1/admin/mini-apps/{app['app_id']}/delist", json={"reason": "下架整改"})
        delist_twice = await client.post(
            f"/api/v1/admin/mini-apps/{app['app_id']}/delist", json={"reason": "再下架"}
        )
        unknown = await client.post("/api/v1/admin/mini-apps/no.such.app/delist", json={"reason": "测试下架"})
    assert relist_listed.status_code == 409 and relist_listed.json()["code"] == "not_delisted"
    assert delist_unlisted.status_code == 409 and delist_unlisted.json()["code"] == "not_listed"
    assert delist_twice.status_code == 409 and delist_twice.json()["code"] == "not_listed"
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_app"


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


# -- consent and mini-app tokens ---------------------------------------------------------------------------------


async def test_openid_is_stable_per_app_and_differs_between_apps_and_people(platform):
    one, two = await listed_mini_app(platform), await listed_mini_app(platform)
    alice, bob = (await sms_tokens(platform))["access_token"], (await sms_tokens(platform))["access_token"]
    a1 = (await authorize(platform, alice, one["app_id"], ["profile"])).json()["openid"]
    a1_again = (await authorize(platform, alice, one["app_id"], ["profile", "phone"])).json()["openid"]
    a2 = (await authorize(platform, alice, two["app_id"], ["profile"])).json()["openid"]
    b1 = (await authorize(platform, bob, one["app_id"], ["profile"])).json()["openid"]
    assert a1 == a1_again and len({a1, a2, b1}) == 3


async def test_consent_is_remembered_and_revocable_from_the_user_space(platform):
    app = await listed_mini_app(platform)
    citizen = (await sms_tokens(platform))["access_token"]
    token = (await authorize(platform, citizen, app["app_id"], ["profile", "phone"])).json()["access_token"]
    async with platform.client(citizen) as client:
        prompt = (await client.get(f"/api/v1/mini-apps/{app['app_id']}/authorize")).json()
        mine = (await client.get("/api/v1/me/mini-apps")).json()
    assert prompt["needs_consent"] is False and all(s["granted"] for s in prompt["scopes"])
    assert [(c["app_id"], sorted(c["scopes"])) for c in mine] == [(app["app_id"], ["phone", "profile"])]
    async with platform.client(token) as client:
        phone = (await client.get("/api/v1/open/phone")).json()
    assert "****" in phone["phone_masked"]

    async with platform.client(citizen) as client:
        revoked = await client.delete(f"/api/v1/me/mini-apps/{app['app_id']}")
        again = await client.delete(f"/api/v1/me/mini-apps/{app['app_id']}")
        prompt = (await client.get(f"/api/v1/mini-apps/{app['app_id']}/authorize")).json()
        mine = (await client.get("/api/v1/me/mini-apps")).json()
    assert revoked.status_code == 204 and again.status_code == 404
    assert prompt["needs_consent"] is True and mine == []
    assert await status_until(platform, token, "/api/v1/open/userinfo", 401) == 401


async def test_signing_out_stops_the_apps_tokens_too(platform):
    app = await listed_mini_app(platform)
    citizen = await sms_tokens(platform)
    token = (await authorize(platform, citizen["access_token"], app["app_id"], ["profile"])).json()[
        "access_token"
    ]
    async with platform.client(citizen["access_token"]) as client:
        assert (await client.post("/api/v1/auth/logout")).status_code == 204
    assert await status_until(platform, token, "/api/v1/open/userinfo", 401) == 401


async def test_tokens_only_work_where_they_belong(platform):
    app = await listed_mini_app(platform)
    citizen = await sms_tokens(platform)
    token = (await authorize(platform, citizen["access_token"], app["app_id"], ["profile"])).json()[
        "access_token"
    ]
    async with platform.client(token) as client:
        on_platform_route = await client.get("/api/v1/me")
    async with platform.client(citizen["access_token"]) as client:
        platform_token_on_open_route = await client.get("/api/v1/open/userinfo")
    async with platform.client() as client:
        no_token = await client.get("/api/v1/open/userinfo")
    assert on_platform_route.status_code == 401
    assert platform_token_on_open_route.status_code == 401
    assert no_token.status_code == 401
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    async with platform.client(forged) as client:
        assert (await client.get("/api/v1/open/userinfo")).status_code == 401


async def test_a_scope_the_manifest_does_not_ask_for_is_refused(platform):
    app = await listed_mini_app(platform, version=manifest(scopes=["profile"]))
    citizen = await sms_tokens(platform)
    reply = await authorize(platform, citizen["access_token"], app["app_id"], ["profile", "phone"])
    assert reply.status_code == 422 and [e["field"] for e in reply.json()["errors"]] == ["scopes.1"]


async def test_only_citizens_authorize(platform):
    app = await listed_mini_app(platform)
    reply = await authorize(platform, app["reviewer"], app["app_id"], ["profile"])
    assert reply.status_code == 403 and reply.json()["code"] == "citizen_required"
    async with platform.client() as anonymous:
        assert (
            await anonymous.post(f"/api/v1/mini-apps/{app['app_id']}/authorize", json={"scopes": ["profile"]})
        ).status_code == 401


async def test_the_repair_app_sees_its_citizens_tickets_without_account_ids(platform):
    citizen = await sms_tokens(platform)
    citizen_id = jwt.decode(citizen["access_token"], options={"verify_signature": False})["sub"]
    async with platform.client(citizen["access_token"]) as client:
        filed = await client.post(
            "/api/v1/repair/tickets",
            json={
                "county": "530102",
                "category": "satellite",
                "description": "户户通没有信号",
                "contact_name": "王大爷",
                "contact_phone": "13900001111",
            },
        )
    assert filed.status_code == 201, filed.text
    granted = await authorize(
        platform, citizen["access_token"], "bst.repair-scan", ["profile", "repair.tickets"]
    )
    assert granted.status_code == 200, granted.text
    async with platform.client(granted.json()["access_token"]) as app:
        page = await app.get("/api/v1/open/repair/tickets")
    assert page.status_code == 200, page.text
    assert [t["ticket_no"] for t in page.json()["tickets"]] == [filed.json()["ticket_no"]]
    assert citizen_id not in page.text


# -- catalogue and search ----------------------------------------------------------------------------------------


async def test_the_first_party_apps_are_listed_from_their_manifests(platform):
    async with platform.client() as client:
        apps = {a["app_id"]: a for a in (await client.get("/api/v1/mini-apps", params={"limit": 100})).json()}
    shipped = first_party_manifests()
    assert {app.app_id for app, _ in shipped} == {
        "bst.repair-scan",
        "bst.license-wallet",
        "bst.application-tracker",
    }
    for app, version in shipped:
        assert apps[app.app_id]["version"] == version.version
        assert apps[app.app_id]["entry_url"] == version.entry_url


@pytest.mark.parametrize("q", ["广电报修", "广电", "gdbx", "guangdian", "guang dian", "GDBX", "dianbao"])
async def test_pinyin_initials_and_chinese_all_find_the_repair_app(platform, q):
    async with platform.client() as client:
        hits = (await client.get("/api/v1/mini-apps", params={"q": q})).json()
    assert hits and hits[0]["app_id"] == "bst.repair-scan"


async def test_unified_search_finds_apps_and_service_items_together(platform):
    async with platform.client() as client:
        hits = (await client.get("/api/v1/search", params={"q": "户户通"})).json()
        by_category = (await client.get("/api/v1/search", params={"q": "", "category": "广播电视"})).json()
        elsewhere = (await client.get("/api/v1/search", params={"q": "结婚", "region": "532801"})).json()
        here = (await client.get("/api/v1/search", params={"q": "结婚", "region": "530102"})).json()
        bad_region = await client.get("/api/v1/search", params={"region": "990000"})
    kinds = {(h["kind"], (h["mini_app"] or h["service_item"])["name"]) for h in hits}
    assert ("service_item", "广播电视户户通设施维修") in kinds and ("mini_app", "广电报修") in kinds
    item = next(h["service_item"] for h in hits if h["kind"] == "service_item")
    assert item["mini_apps"] == ["bst.repair-scan"]
    assert hits == sorted(hits, key=lambda h: -h["score"])
    assert {h["kind"] for h in by_category} == {"mini_app", "service_item"}
    assert all((h["mini_app"] or h["service_item"])["category"] == "广播电视" for h in by_category)
    assert not elsewhere and [h["service_item"]["code"] for h in here] == ["MZ-HY-001"]
    assert bad_region.status_code == 422


async def test_ranking_prefers_better_matches_then_more_use(platform):
    stem = f"排序测试{new_app_id()[1:5]}"
    exact = await listed_mini_app(platform, name=stem)
    busy = await listed_mini_app(platform, name=f"{stem}繁忙版")
    quiet = await listed_mini_app(platform, name=f"{stem}冷门版")
    citizen = (await sms_tokens(platform))["access_token"]
    for _ in range(3):
        await authorize(platform, citizen, busy["app_id"], ["profile"])
    await platform.app.state.runtime.registry.resync()  # use counts are read every few seconds
    async with platform.client() as client:
        hits = [a["app_id"] for a in (await client.get("/api/v1/mini-apps", params={"q": stem})).json()]
    assert hits == [exact["app_id"], busy["app_id"], quiet["app_id"]]


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


async def test_the_registry_is_in_the_openapi_document(platform):
    async with platform.client() as client:
        paths = (await client.get("/openapi.json")).json()["paths"]
    for path in (
        "/api/v1/mini-apps",
        "/api/v1/mini-apps/{app_id}/versions",
        "/api/v1/admin/mini-apps/{app_id}/versions/{version}/approve",
        "/api/v1/admin/mini-apps/{app_id}/versions/{version}/reject",
        "/api/v1/admin/mini-apps/{app_id}/delist",
        "/api/v1/admin/mini-apps/{app_id}/relist",
        "/api/v1/mini-apps/{app_id}",
        "/api/v1/mini-apps/{app_id}/authorize",
    ):
        assert path in paths, path
