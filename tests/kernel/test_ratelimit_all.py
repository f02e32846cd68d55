"""Several rate limits in one Redis round trip count exactly as the same `hit`s one after the other."""

from __future__ import annotations

import uuid

import pytest

from services.kernel.errors import RateLimited
from services.kernel.ratelimit import RateLimiter


async def test_hit_all_stops_at_the_first_limit_passed(redis_handle) -> None:
    limiter = RateLimiter(redis_handle.client, f"rltest{uuid.uuid4().hex[:8]}")
    limits = [("a", 5, 60, "甲过多"), ("b", 2, 60, "乙过多"), ("c", 100, 60, "丙过多")]
    await limiter.hit_all(limits)
    await limiter.hit_all(limits)
    with pytest.raises(RateLimited) as raised:
        await limiter.hit_all(limits)
    assert raised.value.message == "乙过多" and 0 < raised.value.retry_after <= 60
    counts = [await redis_handle.client.get(limiter.prefix + key) for key in "abc"]
    assert counts == [b"3", b"3", b"2"]  # the one after the limit passed was not counted
    assert 0 < await redis_handle.client.ttl(limiter.prefix + "a") <= 60
