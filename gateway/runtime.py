"""The gateway's live resources, made once at startup and kept on `app.state`."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from gateway.clients import ServiceClients
from gateway.identity.delegation import Delegations
from gateway.identity.keys import KeyStore
from gateway.identity.passkeys import Passkeys
from gateway.identity.qrlogin import QrLogins
from gateway.identity.service import Identity
from gateway.identity.sms import sms_backend
from gateway.license_verify import LicenseVerifier
from gateway.notify.consumers import RepairSms
from gateway.notify.models import ProcessedEvent
from gateway.registry.service import Registry
from services.kernel import workdays
from services.kernel.auth import TokenVerifier
from services.kernel.db import Database
from services.kernel.ratelimit import RateLimiter
from services.kernel.redis import RedisHandle
from services.kernel.revocation import RevocationList
from services.kernel.settings import Settings

log = logging.getLogger("bst.gateway")


class GatewayRuntime:
    def __init__(self, settings: Settings, *, redis: RedisHandle | None = None) -> None:
        self.settings = settings
        self.db = Database(settings.database_url("gateway"), pool_size=settings.database_pool_size)
        self._owns_redis = redis is None
        self.redis = redis or RedisHandle(settings.redis_url, settings.var_dir)
        self.keys = KeyStore(
            self.db,
            settings.resolved_secret_key(),
            token_lifetime=dt.timedelta(seconds=settings.access_token_seconds),
        )
        self.revocations = RevocationList(self.redis.client, settings.redis_namespace)
        self.verifier = TokenVerifier(
            self.keys,
            issuer=settings.issuer,
            audience=settings.jwt_audience,
            is_revoked=self.revocations.is_revoked,
        )
        self.limiter = RateLimiter(self.redis.client, settings.redis_namespace)
        self.identity = Identity.build(
            settings, self.keys, self.limiter, self.revocations, sms_backend(settings.sms_backend)
        )
        self.passkeys = Passkeys(settings, self.identity, self.redis.client, self.limiter)
        self.delegations = Delegations(self.identity, self.redis.client, settings.redis_namespace)
        self.qr_logins = QrLogins(self.redis.client, settings.redis_namespace, settings.public_url)
        self.clients = ServiceClients(settings)
        self.license_verifier = LicenseVerifier(
            self.clients, self.limiter, self.redis.url, settings.redis_namespace, settings.public_url
        )
        self.sms_consumer = RepairSms(
            db=self.db,
            processed_model=ProcessedEvent,
            redis=self.redis.client,
            namespace=settings.redis_namespace,
            retry_after_seconds=settings.event_retry_after_seconds,
            max_deliveries=settings.event_max_deliveries,
            linger_seconds=settings.event_linger_seconds,
        )
        self.sms_consumer.identity = self.identity
        self.registry = Registry(
            settings,
            self.db,
            self.keys,
            redis=self.redis.client,
            verifier=self.verifier,
            revocations=self.revocations,
            limiter=self.limiter,
            clients=self.clients,
        )

    async def start(self) -> None:
        workdays.configure(workdays.directory_for(self.settings.var_dir))  # official schedules, for /readyz
        await self.keys.load()
        await self.revocations.refresh()
        self.revocations.start()
        self.sms_consumer.start()
        await self.registry.start()
        if self.settings.admin_password:
            async with self.db.transaction() as session:
                created = await self.identity.ensure_bootstrap_admin(
                    session=session, password=self.settings.admin_password
                )
            if created:
                log.info("bootstrap admin account 'admin' created")

    async def check(self) -> dict[str, str]:
        checks: dict[str, str] = {}
        for name, probe in (("database", self.db.ping), ("redis", self.redis.client.ping)):
            try:
                await asyncio.wait_for(probe(), timeout=2.0)
                checks[name] = "ok"
            except (
                Exception
            ) as exc:  # any failure means not ready: name the dependency, keep the details in the log
                log.warning("readiness check failed", extra={"dependency": name, "error": f"{exc}"[:200]})
                checks[name] = "unavailable"
        checks.update(await self.clients.health())
        return checks

    async def close(self) -> None:
        await self.registry.stop()
        await self.sms_consumer.stop()
        await self.revocations.stop()
        await self.clients.close()
        await self.license_verifier.close()
        await self.db.dispose()
        if self._owns_redis:
            await self.redis.close()
