"""The test platform: every test runs on the embedded default (SQLite files, embedded Redis) and, when
BST_TEST_POSTGRES_URL / BST_TEST_REDIS_URL are set, again on PostgreSQL and Redis. Each run gets its own
databases, Redis namespace and var directory, and removes them at the end."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy.engine import make_url

from gateway.app import create_app
from services.cli import COMPONENTS, seed
from services.intake.grpc_server import SPEC as INTAKE
from services.kernel.migrations import upgrade
from services.kernel.redis import RedisHandle
from services.kernel.rpc import RunningService, start_service
from services.kernel.settings import DATABASE_NAMES, Settings
from services.licenses.grpc_server import SPEC as LICENSES
from services.repair.grpc_server import SPEC as REPAIR
from services.reviews.grpc_server import SPEC as REVIEWS

POSTGRES_URL = os.environ.get("BST_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("BST_TEST_REDIS_URL")
BACKENDS = ["embedded"] + (["postgres"] if POSTGRES_URL or REDIS_URL else [])
SPECS = [INTAKE, LICENSES, REVIEWS, REPAIR]
ADMIN_PASSWORD = "admin-" + secrets.token_urlsafe(12)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Backend:
    """Where one test run keeps its data."""

    name: str
    var_dir: Path
    token: str = field(default_factory=lambda: secrets.token_hex(4))
    database_urls: dict[str, str] = field(default_factory=dict)
    redis_url: str | None = None
    scratch_urls: dict[str, str] = field(default_factory=dict)

    async def scratch_database(self, name: str) -> str:
        """A new, empty database of this backend, removed at the end of the run."""
        if self.name == "postgres" and POSTGRES_URL:
            url = (await _create_postgres_databases(self.token, (name,)))[name]
        else:
            url = f"sqlite+aiosqlite:///{self.var_dir / f'scratch-{name}.db'}"
        self.scratch_urls[name] = url
        return url

    def settings(self, **overrides: object) -> Settings:
        values: dict[str, object] = {
            "env": "test",
            "var_dir": self.var_dir,
            "redis_url": self.redis_url,
            "redis_namespace": f"bsttest{self.token}",
            "secret_key": "test-secret-" + "x" * 40,
            "log_format": "text",
            "outbox_poll_seconds": 0.05,
            "event_linger_seconds": 0.01,
            "event_retry_after_seconds": 0.2,
            "event_max_deliveries": 3,
            "shutdown_grace_seconds": 2.0,
            "admin_password": ADMIN_PASSWORD,
            "trusted_proxies": 1,
            "repair_timer_seconds": 0.3,
        }
        values.update({f"{n}_database_url": u for n, u in self.database_urls.items()})
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]


async def _create_postgres_databases(token: str, names: tuple[str, ...] = DATABASE_NAMES) -> dict[str, str]:
    import asyncpg

    assert POSTGRES_URL
    base = make_url(POSTGRES_URL)
    conn = await asyncpg.connect(base.set(drivername="postgresql").render_as_string(hide_password=False))
    urls = {}
    try:
        for name in names:
            database = f"bst_t{token}_{name}"
            await conn.execute(f'CREATE DATABASE "{database}"')
            urls[name] = base.set(database=database).render_as_string(hide_password=False)
    finally:
        await conn.close()
    return urls


async def _drop_postgres_databases(urls: dict[str, str]) -> None:
    import asyncpg

    assert POSTGRES_URL
    base = make_url(POSTGRES_URL)
    conn = await asyncpg.connect(base.set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        for url in urls.values():
            await conn.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session", params=BACKENDS)
async def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Backend]:
    b = Backend(name=request.param, var_dir=tmp_path_factory.mktemp(f"var-{request.param}"))
    if b.name == "postgres":
        if POSTGRES_URL:
            b.database_urls = await _create_postgres_databases(b.token)
        b.redis_url = REDIS_URL
    try:
        yield b
    finally:
        if b.database_urls or (b.scratch_urls and POSTGRES_URL and b.name == "postgres"):
            await _drop_postgres_databases({**b.database_urls, **b.scratch_urls})
        if b.redis_url:
            from services.kernel.redis import connect

            client = connect(b.redis_url)
            async for key in client.scan_iter(match=f"bsttest{b.token}:*"):
                await client.delete(key)
            await client.aclose()


@pytest.fixture(scope="session")
async def redis_handle(backend: Backend) -> AsyncIterator[RedisHandle]:
    handle = RedisHandle(backend.redis_url, backend.var_dir)
    yield handle
    await handle.close()


@dataclass
class Platform:
    settings: Settings
    backend: Backend
    redis: RedisHandle
    services: dict[str, RunningService]
    gateway_url: str
    app: object

    @property
    def keys(self):  # type: ignore[no-untyped-def]
        return self.app.state.runtime.keys  # type: ignore[attr-defined]

    def client(self, token: str | None = None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(base_url=self.gateway_url, headers=headers, timeout=10)


@pytest.fixture(scope="session")
async def platform(backend: Backend, redis_handle: RedisHandle) -> AsyncIterator[Platform]:
    """The real gateway (uvicorn on a loopback port) in front of the four real gRPC services, migrated and seeded."""
    gateway_port = free_port()
    ports = {spec.name: free_port() for spec in SPECS}
    settings = backend.settings(
        redis_url=redis_handle.url,
        gateway_port=gateway_port,
        **{f"{name}_addr": f"127.0.0.1:{port}" for name, port in ports.items()},
    )
    for name in DATABASE_NAMES:
        await asyncio.to_thread(upgrade, COMPONENTS[name].migrations, settings.database_url(name))
    await seed(settings)
    app = create_app(settings, redis=redis_handle)
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=gateway_port, log_config=None, access_log=False, lifespan="on"
        )
    )
    serve_task = asyncio.create_task(server.serve())
    while not server.started:
        if serve_task.done():
            serve_task.result()
        await asyncio.sleep(0.02)
    services = {spec.name: await start_service(spec, settings, redis=redis_handle) for spec in SPECS}
    try:
        yield Platform(settings, backend, redis_handle, services, f"http://127.0.0.1:{gateway_port}", app)
    finally:
        for running in services.values():
            await running.stop(grace=1.0)
        server.should_exit = True
        await serve_task
