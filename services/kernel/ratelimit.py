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
# A Lua function, for other scripts to count limits first too: counters keys[1..n], ARGV from `first` on: each
# counter's window and limit. Returns nil, or {the position of the limit passed, its counter's ttl}.
LIMITS_LUA = """
local function hit_limits(n, keys, argv, first)
  for i = 1, n do
    local window, limit = argv[first + 2 * i - 2], tonumber(argv[first + 2 * i - 1])
    local count = redis.call('INCR', keys[i])
    if count == 1 then redis.call('EXPIRE', keys[i], window) end
    local ttl = redis.call('TTL', keys[i])
    if ttl < 0 then redis.call('EXPIRE', keys[i], window); ttl = tonumber(window) end
    if count > limit then return {i, ttl} end
  end
  return nil
end
"""
_HIT_ALL = LIMITS_LUA + "return hit_limits(#KEYS, KEYS, ARGV, 1) or {0}"

Limits = list[tuple[str, int, int, str]]  # (key, limit, window seconds, message)


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

    def limit_keys(self, limits: Limits) -> tuple[list[str], list[int]]:
        """The KEYS and ARGV of `LIMITS_LUA` for these limits."""
        args: list[int] = []
        for _, limit, window_seconds, _ in limits:
            args.extend((window_seconds, limit))
        return [self.prefix + key for key, *_ in limits], args

    @staticmethod
    def raise_if_passed(limits: Limits, position: int, ttl: int) -> None:
        """Raise RateLimited for the limit at `position` (1-based; 0: none passed)."""
        if position:
            raise RateLimited(limits[position - 1][3], retry_after=max(1, ttl))

    async def hit_all(self, limits: Limits) -> None:
        """`hit` each (key, limit, window_seconds, message) in turn, in one round trip: the first limit passed
        raises RateLimited, and the ones after it are not counted."""
        keys, args = self.limit_keys(limits)
        found = await self._hit_all(keys=keys, args=args)
        self.raise_if_passed(limits, int(found[0]), int(found[1]) if len(found) > 1 else 0)

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
