"""Two gateway replicas on the same databases and Redis: a delisting on one is enforced by the other within a
second (Redis pub/sub invalidates every replica's in-process catalogue)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from services.kernel.settings import DATABASE_NAMES, SERVICE_NAMES
from tests.conftest import free_port
from tests.helpers import manifest, new_app_id, new_department, sms_tokens, staff_access_token

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def second_gateway(platform, tmp_path) -> AsyncIterator[str]:
    """Another gateway process (`python -m gateway`) sharing the platform's databases, Redis and services."""
    settings = platform.settings
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BST_")}
    env.update(
        {
            "BST_ENV": "test",
            "BST_VAR_DIR": str(settings.var_dir),
            "BST_REDIS_URL": str(settings.redis_url),
            "BST_REDIS_NAMESPACE": settings.redis_namespace,
            "BST_SECRET_KEY": str(settings.secret_key),
            "BST_PUBLIC_URL": settings.public_url,
            "BST_GATEWAY_PORT": str(port),
            "BST_TRUSTED_PROXIES": str(settings.trusted_proxies),
            "BST_LOG_FORMAT": "text",
            "BST_LOG_LEVEL": "WARNING",
            **{f"BST_{n.upper()}_DATABASE_URL": settings.database_url(n) for n in DATABASE_NAMES},
            **{f"BST_{n.upper()}_ADDR": settings.service_addr(n) for n in SERVICE_NAMES},
        }
    )
    log_path = tmp_path / "second-gateway.log"
    with log_path.open("w") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "gateway", cwd=ROOT, env=env, stdout=log, stderr=asyncio.subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        async with httpx.AsyncClient(base_url=url, timeout=2) as client:
            while True:
                if process.returncode is not None:
                    pytest.fail(f"the second gateway exited:\n{log_path.read_text()}")
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"the second gateway did not start:\n{log_path.read_text()}")
                await asyncio.sleep(0.1)
        yield url
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                process.kill()
                await process.wait()


async def seconds_until(url: str, token: str | None, path: str, status: int, limit: float = 5.0) -> float:
    """How long until `path` on the gateway at `url` answers `status` (polled every 10 ms)."""
    started = time.monotonic()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=2) as client:
        while (await client.get(path)).status_code != status:
            if time.monotonic() - started > limit:
                break
            await asyncio.sleep(0.01)
    return time.monotonic() - started


def client(url: str, token: str | None = None) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {token}"} if token else {}, timeout=10
    )


async def test_full_life_across_two_replicas(platform, second_gateway):
    """register → submit → reject → submit again → approve → a citizen authorizes and the app calls within its
    scope (and not outside it) → delisted on replica one, refused by replica two within a second → relisted on
    replica two, served by replica one within a second."""
    one = platform.gateway_url
    developer, _ = await staff_access_token(platform, "app_developer")
    reviewer, _ = await staff_access_token(platform, "app_reviewer")
    app_id = new_app_id()
    app_path, admin_path = f"/api/v1/mini-apps/{app_id}", f"/api/v1/admin/mini-apps/{app_id}"
    async with client(one, developer) as dev:
        registered = await dev.post(
            "/api/v1/mini-apps",
            json={
                "app_id": app_id,
                "name": "公积金提取",
                "department": new_department(),
                "category": "住房",
                "description": "住房公积金提取申请与进度查询",
            },
        )
        first = await dev.post(f"{app_path}/versions", json=manifest("1.0.0"))
    assert registered.status_code == 201 and first.json()["status"] == "pending_review"
    async with client(second_gateway, reviewer) as rev:  # a decision through replica two
        rejected = await rev.post(f"{admin_path}/versions/1.0.0/reject", json={"reason": "缺少隐私政策"})
    assert rejected.status_code == 200
    async with client(one, developer) as dev:
        assert (await dev.get(f"{app_path}/versions")).json()[0]["reason"] == "缺少隐私政策"
        again = await dev.post(f"{app_path}/versions", json=manifest("1.0.1"))
    assert again.json()["status"] == "pending_review"
    async with client(one, reviewer) as rev:
        approved = await rev.post(f"{admin_path}/versions/1.0.1/approve", json={})
    assert approved.json()["status"] == "listed"
    assert await seconds_until(second_gateway, None, app_path, 200) < 1.0  # listed on replica two too

    citizen = await sms_tokens(platform)
    async with client(one, citizen["access_token"]) as person:
        granted = await person.post(f"{app_path}/authorize", json={"scopes": ["profile"]})
    token = granted.json()["access_token"]
    async with client(second_gateway, token) as app:
        within = await app.get("/api/v1/open/userinfo")
        outside = await app.get("/api/v1/open/phone")
    assert within.status_code == 200 and within.json()["openid"] == granted.json()["openid"]
    assert outside.status_code == 403 and outside.json()["code"] == "insufficient_scope"

    async with client(one, reviewer) as rev:
        delisted = await rev.post(f"{admin_path}/delist", json={"reason": "紧急下架"})
    assert delisted.status_code == 200
    refused_after = await seconds_until(second_gateway, token, "/api/v1/open/userinfo", 401)
    assert refused_after < 1.0, (
        f"replica two still accepted the token {refused_after:.2f} s after the delisting"
    )
    async with client(second_gateway, token) as app:
        refused = await app.get("/api/v1/open/userinfo")
    async with client(second_gateway) as anyone:
        gone = await anyone.get(app_path)
        entry = await anyone.get(f"{app_path}/entry")
        catalogue = await anyone.get("/api/v1/mini-apps", params={"q": "公积金提取", "limit": 100})
    assert refused.json()["code"] == "app_delisted"
    assert gone.status_code == 410 and "紧急下架" in gone.json()["detail"]
    assert entry.status_code == 410
    assert app_id not in [a["app_id"] for a in catalogue.json()]

    async with client(second_gateway, reviewer) as rev:
        assert (await rev.post(f"{admin_path}/relist")).status_code == 200
    assert await seconds_until(one, token, "/api/v1/open/userinfo", 200) < 1.0
    async with client(one) as anyone:
        assert (await anyone.get(app_path)).json()["version"] == "1.0.1"
