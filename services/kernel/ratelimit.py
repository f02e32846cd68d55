"""Fixed-window rate limits in Redis, shared by every replica: `await limiter.hit("sms:phone:<x>", 5, 3600)`."""

from __future__ import annotations

from redis.asyncio import Redis

from services.kernel.errors import RateLimited

_HIT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}
"""


class RateLimiter:
    def __init__(self, redis: Redis, namespace: str) -> None:
        self.redis = redis
        self.prefix = f"{namespace}:rl:"
        self._hit = redis.register_script(_HIT)

    async def hit(
        self, key: str, *, limit: int, window_seconds: int, message: str = "too many requests"
    ) -> int:
        """Count one use of `key`; raise RateLimited (with Retry-After) once it passes `limit` in the window."""
        count, ttl = await self._hit(keys=[self.prefix + key], args=[window_seconds])
        if int(count) > limit:
            raise RateLimited(message, retry_after=max(1, int(ttl)))
        return int(count)

    async def check(
        self, key: str, *, limit: int, message: str = "too many requests", code: str | None = None
    ) -> None:
        """Raise RateLimited when `key` is already at its limit, without counting a use."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.get(self.prefix + key)
        pipe.ttl(self.prefix + key)
        count, ttl = await pipe.execute()
        if count is not None and int(count) >= limit:
            raise RateLimited(message, code=code, retry_after=max(1, int(ttl)))

    async def reset(self, key: str) -> None:
        await self.redis.delete(self.prefix + key)
