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

# Several limits in one round trip, in order, as `hit` one after the other: stops at the first one passed.
# KEYS: the counters. ARGV: per counter its window and its limit. Returns {0} or {its position, ttl}.
_HIT_ALL = """
for i, key in ipairs(KEYS) do
  local window, limit = ARGV[2 * i - 1], tonumber(ARGV[2 * i])
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('EXPIRE', key, window) end
  local ttl = redis.call('TTL', key)
  if ttl < 0 then redis.call('EXPIRE', key, window); ttl = tonumber(window) end
  if n > limit then return {i, ttl} end
end
return {0}
"""


class RateLimiter:
    def __init__(self, redis: Redis, namespace: str) -> None:
        self.redis = redis
        self.prefix = f"{namespace}:rl:"
        self._hit = redis.register_script(_HIT)
        self._hit_all = redis.register_script(_HIT_ALL)

    async def hit(
        self, key: str, *, limit: int, window_seconds: int, message: str = "too many requests"
    ) -> int:
        """Count one use of `key`; raise RateLimited (with Retry-After) once it passes `limit` in the window."""
        count, ttl = await self._hit(keys=[self.prefix + key], args=[window_seconds])
        if int(count) > limit:
            raise RateLimited(message, retry_after=max(1, int(ttl)))
        return int(count)

    async def hit_all(self, limits: list[tuple[str, int, int, str]]) -> None:
        """`hit` each (key, limit, window_seconds, message) in turn, in one round trip: the first limit passed
        raises RateLimited, and the ones after it are not counted."""
        args: list[int] = []
        for _, limit, window_seconds, _ in limits:
            args.extend((window_seconds, limit))
        found = await self._hit_all(keys=[self.prefix + key for key, *_ in limits], args=args)
        if int(found[0]):
            raise RateLimited(limits[int(found[0]) - 1][3], retry_after=max(1, int(found[1])))

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
