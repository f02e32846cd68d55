"""The gateway's live resources, made once at startup and kept on `app.state`."""

from __future__ import annotations

import asyncio
import datetime as dt

from gateway.clients import ServiceClients
from gateway.identity.keys import KeyStore
from services.kernel.auth import TokenVerifier
from services.kernel.db import Database
from services.kernel.redis import RedisHandle
from services.kernel.settings import Settings

ACCESS_TOKEN_SECONDS = 600


class GatewayRuntime:
    def __init__(self, settings: Settings, *, redis: RedisHandle | None = None) -> None:
        self.settings = settings
        self.db = Database(settings.database_url("gateway"), pool_size=settings.database_pool_size)
        self._owns_redis = redis is None
        self.redis = redis or RedisHandle(settings.redis_url, settings.var_dir)
        self.keys = KeyStore(
            self.db, settings.resolved_secret_key(), token_lifetime=dt.timedelta(seconds=ACCESS_TOKEN_SECONDS)
        )
        self.verifier = TokenVerifier(self.keys, issuer=settings.issuer, audience=settings.jwt_audience)
        self.clients = ServiceClients(settings)

    async def start(self) -> None:
        await self.keys.load()

    async def check(self) -> dict[str, str]:
        checks: dict[str, str] = {}
        for name, probe in (("database", self.db.ping), ("redis", self.redis.client.ping)):
            try:
                await asyncio.wait_for(probe(), timeout=2.0)
                checks[name] = "ok"
            except Exception as exc:  # any failure means not ready; say what it was
                checks[name] = f"{type(exc).__name__}: {exc}"[:200]
        checks.update(await self.clients.health())
        return checks

    async def close(self) -> None:
        await self.clients.close()
        await self.db.dispose()
        if self._owns_redis:
            await self.redis.close()
