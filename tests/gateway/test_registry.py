"""The mini-app registry through the real gateway: registration, submission and review, from the whole life of an
app (register, reject, resubmit, approve, authorize, delist, relist) to bad input, the review rules and the OpenAPI
document. Consent and the catalogue are in test_registry_citizens.py, gray release, monitoring, feedback and the
audit trail in test_registry_operations.py."""

from __future__ import annotations

import jwt
import pytest

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


# -- the OpenAPI document ----------------------------------------------------------------------------------------


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
