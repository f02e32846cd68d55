"""Small helpers shared by tests."""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Callable
from typing import Any

from gateway.identity.tokens import issue_access_token
from tests.conftest import ADMIN_PASSWORD


def staff_token(
    platform: Any, *, roles: list[str], region: str, subject: str = "staff-1", **extra: Any
) -> str:
    """An access token signed by the gateway's own key, as identity would issue it to a staff account."""
    settings = platform.settings
    return issue_access_token(
        platform.keys,
        issuer=settings.issuer,
        audience=settings.jwt_audience,
        subject=subject,
        lifetime_seconds=600,
        kind="staff",
        roles=roles,
        region=region,
        **extra,
    )


def new_phone() -> str:
    return f"139{random.randrange(10**8):08d}"


def new_ip() -> str:
    """A distinct client address (sent as X-Forwarded-For; the test gateway trusts one proxy hop)."""
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


async def password_tokens(platform: Any, username: str, password: str) -> dict[str, Any]:
    async with platform.client() as client:
        reply = await client.post(
            "/api/v1/auth/token",
            json={"grant_type": "password", "username": username, "password": password},
            headers={"X-Forwarded-For": new_ip()},
        )
    assert reply.status_code == 200, reply.text
    return reply.json()  # type: ignore[no-any-return]


async def admin_token(platform: Any) -> str:
    return str((await password_tokens(platform, "admin", ADMIN_PASSWORD))["access_token"])


async def latest_code(platform: Any, phone: str) -> str:
    token = await admin_token(platform)
    async with platform.client(token) as client:
        messages = (await client.get("/api/v1/admin/sms-outbox", params={"phone": phone})).json()
    match = re.search(r"验证码为(\d{6})", messages[0]["text"])
    assert match, messages
    return match.group(1)


async def delegation_code(platform: Any, phone: str) -> str:
    """The code of the newest delegation request SMS sent to `phone` (what the resident reads out to the agent)."""
    async with platform.client(await admin_token(platform)) as client:
        messages = (await client.get("/api/v1/admin/sms-outbox", params={"phone": phone})).json()
    for message in messages:
        match = re.search(r"申请代您办理业务，验证码(\d{6})", message["text"])
        if match:
            return match.group(1)
    raise AssertionError(f"no delegation code sent to {phone}: {messages}")


async def delegate(platform: Any, agent_token: str, name: str, phone: str) -> dict[str, Any]:
    """A village agent acts for a resident with their consent: ask, read the SMS code, confirm. The token answer."""
    async with platform.client(agent_token) as client:
        asked = await client.post(
            "/api/v1/auth/delegations", json={"resident": {"name": name, "phone": phone}}
        )
        assert asked.status_code == 202, asked.text
        code = await delegation_code(platform, phone)
        confirmed = await client.post(
            f"/api/v1/auth/delegations/{asked.json()['delegation_id']}/confirm", json={"code": code}
        )
    assert confirmed.status_code == 200, confirmed.text
    return confirmed.json()  # type: ignore[no-any-return]


async def sms_tokens(platform: Any, phone: str | None = None) -> dict[str, Any]:
    """Sign a citizen in the way the app does: ask for a code, read it from the SMS outbox, exchange it."""
    phone = phone or new_phone()
    async with platform.client() as client:
        sent = await client.post(
            "/api/v1/auth/sms-code", json={"phone": phone}, headers={"X-Forwarded-For": new_ip()}
        )
        assert sent.status_code == 202, sent.text
        code = await latest_code(platform, phone)
        reply = await client.post(
            "/api/v1/auth/token", json={"grant_type": "sms", "phone": phone, "code": code}
        )
    assert reply.status_code == 200, reply.text
    return reply.json()  # type: ignore[no-any-return]


async def create_staff(platform: Any, **account: Any) -> dict[str, Any]:
    body = {
        "username": f"staff{random.randrange(10**9)}",
        "password": "a-strong-password-1",
        "display_name": "测试人员",
        **account,
    }
    async with platform.client(await admin_token(platform)) as client:
        reply = await client.post("/api/v1/admin/accounts", json=body)
    assert reply.status_code == 201, reply.text
    return {**reply.json(), "password": body["password"]}


# -- the mini-app registry --------------------------------------------------------------------------------------


def citizen_token(platform: Any, subject: str | None = None) -> str:
    """A citizen's access token signed by the gateway's key, without the SMS round trip (for many people at once)."""
    settings = platform.settings
    return issue_access_token(
        platform.keys,
        issuer=settings.issuer,
        audience=settings.jwt_audience,
        subject=subject or f"citizen-{random.randrange(10**12)}",
        lifetime_seconds=600,
    )


async def staff_access_token(platform: Any, *roles: str, region: str = "53") -> tuple[str, str]:
    """A new staff account with `roles`, signed in by password: (its access token, its account id)."""
    account = await create_staff(platform, roles=list(roles), region=region)
    tokens = await password_tokens(platform, account["username"], account["password"])
    return str(tokens["access_token"]), str(account["id"])


def new_app_id() -> str:
    return f"t{random.randrange(10**10)}.app"


def new_department() -> str:
    return f"测试厅{random.randrange(10**8)}"


def manifest(version: str = "1.0.0", **fields: Any) -> dict[str, Any]:
    return {
        "version": version,
        "entry_url": "https://example.yn.gov.cn/app/",
        "scopes": ["profile", "phone"],
        "changelog": "测试版本",
        **fields,
    }


async def registered_mini_app(platform: Any, **app: Any) -> dict[str, Any]:
    """A new developer registers a new app for a new department: {app_id, department, developer, developer_id}."""
    developer, developer_id = await staff_access_token(platform, "app_developer")
    body = {
        "app_id": new_app_id(),
        "name": "测试应用",
        "department": new_department(),
        "category": "测试",
        "description": "测试用的移动政务服务应用",
        **app,
    }
    async with platform.client(developer) as client:
        reply = await client.post("/api/v1/mini-apps", json=body)
    assert reply.status_code == 201, reply.text
    return {**body, "developer": developer, "developer_id": developer_id}


async def listed_mini_app(
    platform: Any, *, version: dict[str, Any] | None = None, **app: Any
) -> dict[str, Any]:
    """A registered app whose first version a reviewer approved: the dict of `registered_mini_app` + `reviewer`."""
    registered = await registered_mini_app(platform, **app)
    reviewer, _ = await staff_access_token(platform, "app_reviewer")
    body = version or manifest()
    async with platform.client(registered["developer"]) as client:
        submitted = await client.post(f"/api/v1/mini-apps/{registered['app_id']}/versions", json=body)
    assert submitted.status_code == 201, submitted.text
    async with platform.client(reviewer) as client:
        approved = await client.post(
            f"/api/v1/admin/mini-apps/{registered['app_id']}/versions/{body['version']}/approve", json={}
        )
    assert approved.status_code == 200, approved.text
    return {**registered, "reviewer": reviewer}


async def wait_for(condition: Callable[[], object], timeout: float = 10.0) -> None:
    """Until `condition()` is true (background tasks work asynchronously), at most `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)
