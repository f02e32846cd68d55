"""Smaller hardening: nosniff everywhere, every status in the OpenAPI, documents and metrics off in production,
uploads refused before the body is read, password lockout per account and source."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from gateway.app import create_app
from services.kernel.settings import DATABASE_NAMES, Settings
from tests.helpers import create_staff, new_ip

pytestmark = pytest.mark.security

# Statuses any route can answer: token refusals, body limits, bad input, limits, a dependency away, a defect.
COMMON_STATUSES = (401, 403, 404, 409, 413, 422, 429, 500, 503)


async def test_every_answer_says_nosniff(platform):
    async with platform.client() as client:
        answers = [
            await client.get("/healthz"),
            await client.get("/openapi.json"),
            await client.get("/api/v1/no-such-route"),
            await client.get("/api/v1/me"),
            await client.post("/api/v1/auth/sms-code", json={"phone": "1"}),
            await client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-jwt"}),
        ]
    assert [a.status_code for a in answers] == [200, 200, 404, 401, 422, 401]
    assert all(a.headers.get("x-content-type-options") == "nosniff" for a in answers)


def statuses_of(path: str) -> tuple[int, ...]:
    """Open311 (GeoReport v2) takes no token and answers bad input with the spec's 400, not 401 or 422."""
    if path.startswith("/open311/"):
        return (400, *(s for s in COMMON_STATUSES if s not in (401, 422)))
    return COMMON_STATUSES


async def test_every_operation_documents_the_problem_statuses(platform):
    async with platform.client() as client:
        document = (await client.get("/openapi.json")).json()
    missing = {
        f"{method.upper()} {path}": sorted(
            s for s in statuses_of(path) if str(s) not in operation["responses"]
        )
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }
    assert {k: v for k, v in missing.items() if v} == {}
    problem = document["paths"]["/api/v1/auth/token"]["post"]["responses"]["429"]
    assert "application/problem+json" in problem["content"]


async def test_docs_openapi_and_metrics_are_off_in_production(tmp_path):
    settings = Settings(
        env="production",
        var_dir=tmp_path,
        secret_key="s" * 40,
        redis_url="redis://127.0.0.1:1/0",
        metrics_token="m" * 32,
        **{f"{name}_database_url": f"sqlite+aiosqlite:///{tmp_path}/{name}.db" for name in DATABASE_NAMES},
    )
    app = create_app(settings)  # no lifespan: these answers need no database
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        docs = await client.get("/docs")
        openapi = await client.get("/openapi.json")
        metrics = await client.get("/metrics")
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer " + "x" * 32})
        scraped = await client.get("/metrics", headers={"Authorization": "Bearer " + "m" * 32})
    assert docs.status_code == openapi.status_code == metrics.status_code == wrong.status_code == 404
    assert scraped.status_code == 200 and "bst_http_requests_total" in scraped.text
    assert all(r.headers["x-content-type-options"] == "nosniff" for r in (docs, metrics, scraped))


async def test_an_upload_without_a_valid_token_is_refused_before_its_body_is_read(platform):
    """The client announces 5 MB and sends 1 KB: the answer must come without the rest of the body."""
    port = int(platform.gateway_url.rsplit(":", 1)[1])
    for authorization in ("", "Authorization: Bearer forged.token.here\r\n"):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            (
                "POST /api/v1/repair/uploads HTTP/1.1\r\nHost: gateway\r\n"
                f"{authorization}"
                "Content-Type: multipart/form-data; boundary=xyz\r\nContent-Length: 5000000\r\n\r\n"
            ).encode()
            + b"--xyz\r\n"
            + b"x" * 1024
        )
        await writer.drain()
        try:
            status_line = await asyncio.wait_for(reader.readline(), timeout=5)
        finally:
            writer.close()
        assert status_line.startswith(b"HTTP/1.1 401"), status_line


async def test_a_body_over_the_largest_upload_is_413_at_once(platform):
    port = int(platform.gateway_url.rsplit(":", 1)[1])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"POST /api/v1/auth/sms-code HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
        b"Content-Length: 900000000\r\n\r\n{"
    )
    await writer.drain()
    try:
        status_line = await asyncio.wait_for(reader.readline(), timeout=5)
    finally:
        writer.close()
    assert status_line.startswith(b"HTTP/1.1 413"), status_line


async def test_failures_from_one_network_do_not_lock_the_account_out_elsewhere(platform):
    staff = await create_staff(platform, roles=["platform_admin"], region="53")
    attacker, owner = new_ip(), new_ip()

    async def attempt(ip: str, password: str) -> httpx.Response:
        async with platform.client() as client:
            return await client.post(
                "/api/v1/auth/token",
                headers={"X-Forwarded-For": ip},
                json={"grant_type": "password", "username": staff["username"], "password": password},
            )

    failures = [(await attempt(attacker, "wrong-password")).status_code for _ in range(6)]
    from_attacker = await attempt(attacker, staff["password"])
    from_owner = await attempt(owner, staff["password"])
    assert failures == [401] * 5 + [429]
    assert from_attacker.status_code == 429 and from_attacker.json()["code"] == "account_locked"
    assert from_owner.status_code == 200, from_owner.text
