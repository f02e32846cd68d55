"""The API docs work offline, and every problem document speaks Chinese."""

from __future__ import annotations

import asyncio
import json
import re
from urllib.parse import urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from gateway.messages import CJK, is_chinese
from tests.gateway.test_console import chromium, needs_chromium
from tests.helpers import citizen_token, staff_token

EXTERNAL = re.compile(r"""(src|href)\s*=\s*["']?(https?:)?//|url\(\s*["']?(https?:)?//|@import""")


async def test_docs_pages_reference_no_external_url(platform):
    async with platform.client() as client:
        for path in ("/docs", "/redoc", "/", "/console/", "/console/dashboard"):
            page = await client.get(path)
            assert page.status_code == 200, path
            assert not EXTERNAL.search(page.text), path
            assert "default-src 'self'" in page.headers["content-security-policy"]
            for asset in re.findall(r'(?:src|href)="(/[^"]+)"', page.text):
                reply = await client.get(asset)
                assert reply.status_code == 200, asset


@needs_chromium
async def test_swagger_ui_and_redoc_render_without_leaving_the_gateway(platform, tmp_path):
    driver = await asyncio.to_thread(chromium, tmp_path / "profile", 1280, 900)
    try:

        def load(path: str, ready: str) -> set[str]:
            """The hosts the page reached; a request elsewhere must have been stopped by the page's CSP."""
            driver.get(platform.gateway_url + path)
            WebDriverWait(driver, 30).until(ec.presence_of_element_located((By.CSS_SELECTOR, ready)))
            sent, blocked = {}, set()
            for entry in driver.get_log("performance"):
                message = json.loads(entry["message"])["message"]
                params = message["params"]
                if message["method"] == "Network.requestWillBeSent" and params["request"]["url"].startswith(
                    "http"
                ):
                    sent[params["requestId"]] = urlsplit(params["request"]["url"]).netloc
                if message["method"] == "Network.loadingFailed" and params.get("blockedReason") == "csp":
                    blocked.add(params["requestId"])
            return {host for rid, host in sent.items() if rid not in blocked}

        here = {urlsplit(platform.gateway_url).netloc}
        assert await asyncio.to_thread(load, "/docs", ".opblock") == here
        assert await asyncio.to_thread(load, "/redoc", "[role=menuitem], .menu-content") == here
    finally:
        await asyncio.to_thread(driver.quit)


async def test_problem_details_are_chinese_with_the_english_kept(platform):
    technician = staff_token(platform, roles=["outlet_technician"], region="530102", outlet="OUT-530102-01")
    async with platform.client(citizen_token(platform)) as client:
        invalid = await client.post("/api/v1/repair/tickets", json={"category": "nope", "contact_phone": "1"})
        unknown_route = await client.get("/api/v1/no-such-thing")
        unknown_ticket = await client.get("/api/v1/repair/tickets/BX0000000000000000")
    async with platform.client() as client:
        not_signed_in = await client.get("/api/v1/me")
    async with platform.client(technician) as client:
        tickets = (await client.get("/api/v1/repair/tickets", params={"status": "resolved"})).json()[
            "tickets"
        ]
        forbidden = await client.post("/api/v1/repair/outlets", json={})
    for reply in (invalid, unknown_route, unknown_ticket, not_signed_in, forbidden):
        body = reply.json()
        assert reply.status_code >= 400 and is_chinese(body["detail"]), body
        assert CJK.search(body["title"]), body
    errors = {e["field"]: e for e in invalid.json()["errors"]}
    assert (
        errors["description"]["message"] == "必填" and errors["description"]["message_en"] == "Field required"
    )
    assert (
        errors["category"]["message"].startswith("应为以下之一：")
        and "satellite" in errors["category"]["message"]
    )
    assert all(CJK.search(e["message"]) for e in invalid.json()["errors"])
    assert (
        unknown_ticket.json()["detail"] == "找不到该报修单。"
        and "BX0000000000000000" in unknown_ticket.json()["detail_en"]
    )
    if tickets:  # a resolved ticket of the outlet: resolving it again names its state, in Chinese
        again = await platform.client(technician).post(
            f"/api/v1/repair/tickets/{tickets[0]['ticket_no']}/resolve", json={"note": "x", "evidence": ["e"]}
        )
        assert "resolveed" not in again.json()["detail"]


@pytest.mark.parametrize(
    ("code", "status", "english", "chinese"),
    [
        (
            "ticket_resolved",
            409,
            "ticket BX1 is resolved; it cannot be resolveed now",
            "该报修单当前为“已修复”，不能执行此操作。",
        ),
        (
            "ticket_closed",
            409,
            "ticket BX1 is closed; it cannot be rateed now",
            "该报修单当前为“已办结”，不能执行此操作。",
        ),
        ("gone", 410, "this mini-app has been delisted: 存在安全漏洞", "该应用已下架：存在安全漏洞"),
        (
            "role_required",
            403,
            "requires one of the roles: app_reviewer, platform_admin",
            "需要以下角色之一：应用审核员、平台管理员。",
        ),
        ("some_new_code", 409, "an English sentence from a new service", "当前状态下不能执行此操作。"),
        ("invalid_code", 401, "验证码错误", "验证码错误"),
    ],
)
def test_the_catalogue_gives_chinese_for_every_code(code, status, english, chinese):
    from gateway.messages import localize

    body = localize({"code": code, "status": status, "detail": english, "title": "x"})
    assert body["detail"] == chinese
    assert body.get("detail_en") == (english if english != chinese else None)


async def test_the_openapi_document_has_bearer_chinese_summaries_examples_and_problem_pages(platform):
    async with platform.client() as client:
        spec = (await client.get("/openapi.json")).json()
        unknown = await client.get(
            "/api/v1/repair/tickets/BX0000000000000000", headers={"Authorization": "Bearer x"}
        )
        page = await client.get(urlsplit(unknown.json()["type"]).path)
        nonsense = await client.get("/problems/no_such_code_at_all")
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    create = spec["paths"]["/api/v1/repair/tickets"]["post"]
    assert create["summary"] == "报修" and create["security"] == [{"bearerAuth": []}]
    assert create["requestBody"]["content"]["application/json"]["example"]["category"] == "satellite"
    for status in ("401", "403", "404", "409", "422", "429"):
        assert "application/problem+json" in create["responses"][status]["content"], status
    assert "security" not in spec["paths"]["/api/v1/mini-apps"]["get"]
    assert unknown.status_code == 401 and page.status_code == 200 and "请重新登录" in page.text
    assert nonsense.status_code == 404


async def test_a_delisted_app_answers_410_in_the_document_too(platform):
    async with platform.client() as client:
        spec = (await client.get("/openapi.json")).json()
    get_app = spec["paths"]["/api/v1/mini-apps/{app_id}"]["get"]
    assert {"404", "410", "503"} <= set(get_app["responses"]) and "security" not in get_app
