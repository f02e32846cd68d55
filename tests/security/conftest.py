"""Fixtures for attacks and faults: a Redis of the test's own that can be stopped and started, and a gateway with
the repair service on it (the shared platform's databases, already migrated and seeded)."""

from __future__ import annotations

import asyncio
import secrets
import signal
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from gateway.app import create_app
from services.kernel.redis import RedisHandle, RedisServerProcess
from services.kernel.rpc import RunningService, start_service
from services.kernel.settings import Settings
from services.repair.grpc_server import SPEC as REPAIR
from tests.conftest import Platform, free_port


class OwnRedis:
    """A redis-server child on a fixed unix socket: `stop()` kills it, `start()` brings it back with its data."""

    def __init__(self, directory: Path) -> None:
        self.server = RedisServerProcess(directory)
        self.url = self.server.url
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        self.process = await asyncio.to_thread(
            subprocess.Popen, self.server.argv(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(200):
            if self.server.socket.exists():
                return
            await asyncio.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    async def stop(self, sig: int = signal.SIGKILL) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            await asyncio.to_thread(self.process.wait, 10)
        self.server.socket.unlink(missing_ok=True)

    async def close(self) -> None:
        await self.stop(signal.SIGTERM)
        self.server.close()


@dataclass
class OwnPlatform:
    settings: Settings
    redis: OwnRedis
    gateway_url: str
    app: object
    repair: RunningService

    def client(self, token: str | None = None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(base_url=self.gateway_url, headers=headers, timeout=10)


@pytest.fixture
async def own_platform(platform: Platform, tmp_path: Path) -> AsyncIterator[OwnPlatform]:
    redis = OwnRedis(tmp_path / "redis")
    await redis.start()
    try:
        port = free_port()
        settings = platform.settings.model_copy(
            update={
                "redis_url": redis.url,
                "redis_namespace": f"bstown{secrets.token_hex(4)}",
                "gateway_port": port,
                "repair_addr": f"127.0.0.1:{free_port()}",
            }
        )
        app = create_app(settings)
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="on")
        )
        serving = asyncio.create_task(server.serve())
        while not server.started:
            if serving.done():
                serving.result()
            await asyncio.sleep(0.02)
        service_redis = RedisHandle(redis.url, tmp_path)
        repair = await start_service(REPAIR, settings, redis=service_redis)
        try:
            yield OwnPlatform(settings, redis, f"http://127.0.0.1:{port}", app, repair)
        finally:
            if redis.process is None or redis.process.poll() is not None:
                await redis.start()  # let everything close cleanly
            await repair.stop(grace=1.0)
            server.should_exit = True
            await serving
            await service_redis.close()
    finally:
        await redis.close()  # the redis-server child never outlives the test
