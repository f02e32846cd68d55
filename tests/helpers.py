"""Small helpers shared by tests."""

from __future__ import annotations

import random
import re
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
