"""While Redis is down: sign-in, SMS codes, scan-to-login and sign-out answer 503 with Retry-After; reads and
ticket creation go on; an account disabled meanwhile is revoked everywhere once Redis is back; /readyz names the
failing dependency and nothing of its internals."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.conftest import ADMIN_PASSWORD
from tests.helpers import create_staff, latest_code, new_ip, new_phone

pytestmark = pytest.mark.security


async def sign_in(own, username: str, password: str) -> dict:
    async with own.client() as client:
        reply = await client.post(
            "/api/v1/auth/token",
            headers={"X-Forwarded-For": new_ip()},
            json={"grant_type": "password", "username": username, "password": password},
        )
    assert reply.status_code == 200, reply.text
    return reply.json()


async def citizen(own, platform) -> dict:
    phone = new_phone()
    async with own.client() as client:
        sent = await client.post(
            "/api/v1/auth/sms-code", json={"phone": phone}, headers={"X-Forwarded-For": new_ip()}
        )
        assert sent.status_code == 202, sent.text
        code = await latest_code(platform, phone)
        reply = await client.post(
            "/api/v1/auth/token", json={"grant_type": "sms", "phone": phone, "code": code}
        )
    assert reply.status_code == 200, reply.text
    return reply.json()


async def test_a_redis_outage_is_503_with_retry_after_and_revocations_catch_up(platform, own_platform):
    own = own_platform
    admin = await sign_in(own, "admin", ADMIN_PASSWORD)
    person = await citizen(own, platform)
    staff = await create_staff(platform, roles=["window_staff"], region="530102")
    staff_tokens = await sign_in(own, staff["username"], staff["password"])

    await own.redis.stop()
    async with own.client() as anonymous, own.client(person["access_token"]) as signed_in:
        refused = {
            "sms-code": await anonymous.post(
                "/api/v1/auth/sms-code", json={"phone": new_phone()}, headers={"X-Forwarded-For": new_ip()}
            ),
            "password": await anonymous.post(
                "/api/v1/auth/token",
                headers={"X-Forwarded-For": new_ip()},
                json={"grant_type": "password", "username": staff["username"], "password": staff["password"]},
            ),
            "sms-sign-in": await anonymous.post(
                "/api/v1/auth/token", json={"grant_type": "sms", "phone": new_phone(), "code": "123456"}
            ),
            "qr-login": await anonymous.post("/api/v1/auth/qr-sessions"),
            "logout": await signed_in.post(
                "/api/v1/auth/logout", json={"refresh_token": person["refresh_token"]}
            ),
        }
        me = await signed_in.get("/api/v1/me")
        ticket = await signed_in.post(
            "/api/v1/repair/tickets",
            json={
                "county": "530102",
                "category": "satellite",
                "description": "户户通没有信号，电视一直显示无信号",
                "contact_name": "王大爷",
                "contact_phone": new_phone(),
            },
        )
        readiness = await anonymous.get("/readyz")
    async with own.client(admin["access_token"]) as client:
        disabled = await client.patch(f"/api/v1/admin/accounts/{staff['id']}", json={"status": "disabled"})
        at_once = await client.get("/api/v1/me")  # the admin still works
    async with own.client(staff_tokens["access_token"]) as client:
        on_this_gateway = await client.get("/api/v1/me")

    for name, reply in refused.items():
        assert reply.status_code == 503, (name, reply.status_code, reply.text)
        assert int(reply.headers["retry-after"]) > 0, name
        assert reply.json()["code"] == "dependency_unavailable", name
    assert me.status_code == 200
    assert ticket.status_code == 201, ticket.text
    assert readiness.status_code == 503 and readiness.json()["checks"]["redis"] == "unavailable"
    assert ".sock" not in readiness.text and "/tmp" not in readiness.text and "unix" not in readiness.text
    assert disabled.status_code == 200 and at_once.status_code == 200
    assert on_this_gateway.status_code == 401  # this process applies it at once

    await own.redis.start()
    key = f"{own.settings.redis_namespace}:auth:revoked"
    redis = own.app.state.runtime.redis.client
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if await redis.zscore(key, f"sub:{staff['id']}") is not None:
                break
        except Exception:  # the client reconnects on its next call
            pass
        await asyncio.sleep(0.2)
    assert await redis.zscore(key, f"sub:{staff['id']}") is not None  # written for every verifier
    async with own.client(person["access_token"]) as client:
        out = await client.post("/api/v1/auth/logout", json={"refresh_token": person["refresh_token"]})
    assert out.status_code == 204
