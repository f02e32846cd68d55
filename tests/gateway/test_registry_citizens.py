"""The mini-app registry through the real gateway, as citizens and mini-apps see it: consent, openids and mini-app
tokens (where they work, how they stop), and the catalogue and unified search (pinyin, ranking)."""

from __future__ import annotations

import asyncio
import time

import jwt
import pytest

from gateway.registry.seed import first_party_manifests
from tests.gateway.registry_support import authorize
from tests.helpers import listed_mini_app, manifest, new_app_id, sms_tokens


async def status_until(platform, token: str, path: str, wanted: int, seconds: float = 4.0) -> int:
    deadline = time.monotonic() + seconds
    async with platform.client(token) as client:
        while True:
            status = (await client.get(path)).status_code
            if status == wanted or time.monotonic() > deadline:
                return status
            await asyncio.sleep(0.1)


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
