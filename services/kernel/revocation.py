"""Revoked accounts and sessions, known to every verifier within seconds.

When an admin disables an account or someone signs out, the gateway records `sub:<id>` or `sid:<id>` with the
time in a Redis sorted set. Every process keeps a copy refreshed every `refresh_seconds`; the verifier refuses a
token whose subject or session was revoked at or after the token was issued. Entries older than the longest
access-token lifetime are dropped: by then every token they could refuse has expired anyway.
"""

from __future__ import annotations

import asyncio
import logging
import time

from redis.asyncio import Redis
from redis.exceptions import RedisError

from services.kernel.auth import Principal
from services.kernel.background import reraise_if_cancelling, stop_task

log = logging.getLogger("bst.revocation")


class RevocationList:
    def __init__(
        self, redis: Redis, namespace: str, *, horizon_seconds: int = 900, refresh_seconds: float = 1.0
    ) -> None:
        self.redis = redis
        self.key = f"{namespace}:auth:revoked"
        self.horizon_seconds = horizon_seconds
        self.refresh_seconds = refresh_seconds
        self._revoked: dict[str, float] = {}
        self._pending: dict[str, float] = {}  # revoked while Redis was down, not yet written there
        self._task: asyncio.Task[None] | None = None

    def is_revoked(self, principal: Principal) -> bool:
        if not self._revoked:
            return False
        issued_at = float(principal.claims.get("iat", 0))
        for member in (f"sub:{principal.sub}", f"sid:{principal.claims.get('sid')}"):
            revoked_at = self._revoked.get(member)
            if revoked_at is not None and issued_at <= revoked_at:
                return True
        return False

    async def revoke(
        self, *, subject: str | None = None, session: str | None = None, queue_if_down: bool = False
    ) -> None:
        """Record a revocation for every verifier. With `queue_if_down`, a Redis outage does not refuse it: this
        process applies it at once and the others once Redis is back (the refresh loop writes it first)."""
        now = time.time()
        members = {f"sub:{subject}": now} if subject else {}
        if session:
            members[f"sid:{session}"] = now
        if not members:
            return
        try:
            await self.redis.zadd(self.key, members)  # type: ignore[arg-type]
        except (RedisError, OSError):
            if not queue_if_down:
                raise
            log.warning("redis is down; the revocation is kept here and written when it is back")
            self._pending.update(members)
        self._revoked.update(members)

    async def restore(self, *, subject: str) -> None:
        await self.redis.zrem(self.key, f"sub:{subject}")
        self._pending.pop(f"sub:{subject}", None)
        self._revoked.pop(f"sub:{subject}", None)

    async def refresh(self) -> None:
        if self._pending:
            pending = dict(self._pending)
            await self.redis.zadd(self.key, pending)  # type: ignore[arg-type]
            for member, at in pending.items():
                if self._pending.get(member) == at:
                    del self._pending[member]
        cutoff = time.time() - self.horizon_seconds
        pipe = self.redis.pipeline(transaction=False)
        pipe.zremrangebyscore(self.key, "-inf", cutoff)
        pipe.zrangebyscore(self.key, cutoff, "+inf", withscores=True)
        _, rows = await pipe.execute()
        self._revoked = {m.decode() if isinstance(m, bytes) else m: float(s) for m, s in rows}
        self._revoked.update(self._pending)

    async def run(self) -> None:
        while True:
            try:
                await self.refresh()
            except (RedisError, OSError) as exc:
                reraise_if_cancelling()
                log.warning("could not refresh the revocation list", extra={"error": str(exc)})
            await asyncio.sleep(self.refresh_seconds)

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="revocation-list")

    async def stop(self) -> None:
        await stop_task(self._task)
        self._task = None
