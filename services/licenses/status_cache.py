"""The licenses' status in Redis, for the gateway's own online verification (services/kernel/license_cache.py).

A suspension or revocation is written to Redis BEFORE its transaction commits (if Redis fails, the change fails):
the gateway refuses the license from the moment the issuer's call returns, and a commit that then fails leaves
at worst a refusal too many, which the next reconciliation removes. A reinstatement is removed AFTER it
commits. Every change bumps a version (and a suspension or revocation is written again after its commit), so
that a reconciliation that read the database meanwhile does not undo it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import select

from services.kernel.db import Database
from services.kernel.license_cache import (
    READY_TTL_SECONDS,
    RECONCILE_SCRIPT,
    RECONCILE_SECONDS,
    ready_key,
    status_key,
    version_key,
)
from services.licenses.models import License, StatusList
from services.licenses.schemas import LicenseStatus

if TYPE_CHECKING:
    from services.kernel.rpc import Runtime

log = logging.getLogger("bst.licenses")


class StatusCache:
    def __init__(self, redis: Redis, namespace: str) -> None:
        self.redis = redis
        self.namespace = namespace
        self._reconcile = redis.register_script(RECONCILE_SCRIPT)

    async def refuse(self, list_id: int, index: int, status: str) -> None:
        """Before the commit of a suspension or revocation."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(status_key(self.namespace, list_id), str(index), status)
            pipe.incr(version_key(self.namespace))
            await pipe.execute()

    async def confirm(self, list_id: int, index: int, status: str) -> None:
        """After that commit, the same again: a reconciliation that read the database before the commit and
        replaced the hash in between cannot have dropped the entry for good."""
        try:
            await self.refuse(list_id, index, status)
        except (
            RedisError
        ) as exc:  # written before the commit; only such a racing reconciliation could miss it
            log.warning("license status not confirmed in the cache", extra={"error": str(exc)})

    async def accept(self, list_id: int, index: int) -> None:
        """After the commit of a reinstatement (if this fails the license stays refused until reconciled)."""
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.hdel(status_key(self.namespace, list_id), str(index))
                pipe.incr(version_key(self.namespace))
                await pipe.execute()
        except RedisError as exc:
            log.warning("license reinstatement not cached yet", extra={"error": str(exc)})

    async def reconcile(self, db: Database) -> bool:
        """Make the hashes the database's truth and mark the cache ready; False if a change raced it."""
        version = (await self.redis.get(version_key(self.namespace))) or b"0"
        async with db.reader() as session:
            lists = list(await session.scalars(select(StatusList.id)))
            rows = await session.execute(
                select(License.status_list_id, License.status_index, License.status).where(
                    License.status != LicenseStatus.VALID
                )
            )
            entries: dict[int, list[str]] = {list_id: [] for list_id in lists}
            for list_id, index, status in rows:
                entries.setdefault(list_id, []).extend((str(index), str(status)))
        keys = [version_key(self.namespace), ready_key(self.namespace)]
        args: list[str | int] = [version.decode() if isinstance(version, bytes) else str(version)]
        args.append(READY_TTL_SECONDS)
        for list_id, pairs in entries.items():
            keys.append(status_key(self.namespace, list_id))
            args.extend((len(pairs) // 2, *pairs))
        return bool(await self._reconcile(keys=keys, args=args))


async def run_status_cache(runtime: Runtime) -> None:
    """Leader task: reconcile the status cache now and every RECONCILE_SECONDS (which keeps it marked ready)."""
    cache = StatusCache(runtime.redis.client, runtime.settings.redis_namespace)  # type: ignore[arg-type]
    while True:
        try:
            done = await cache.reconcile(runtime.db)
        except (RedisError, OSError) as exc:
            log.warning("license status cache not reconciled; will retry", extra={"error": str(exc)})
            done = False
        await asyncio.sleep(RECONCILE_SECONDS if done else 0.5)
