"""Events under faults: a consumer that dies between its effect and XACK applies the effect once; trimming the
stream never drops an entry a consumer group has not acknowledged, and a pending entry that is gone anyway is
reported (dead letter and error log), never skipped in silence; events Redis acknowledged and then lost (a
restart from a late append-only file, a failover) are published again."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import func, select

from services.cli import COMPONENTS
from services.kernel.db import Database
from services.kernel.events import dead_letter_stream
from services.kernel.migrations import upgrade
from services.repair.models import ProcessedEvent
from tests.kernel.test_events import Bus, Recorder, add_event

pytestmark = pytest.mark.security


class Killed(BaseException):
    """The process dies here (like SIGKILL): nothing after this line of the consumer runs."""


@pytest.fixture(scope="module")
async def events_url(backend) -> str:
    url = await backend.scratch_database("security_events")
    await asyncio.to_thread(upgrade, COMPONENTS["repair"].migrations, url)
    return url


@pytest.fixture
async def bus(events_url, redis_handle, backend):
    db = Database(events_url)
    yield Bus(db, events_url, redis_handle.client, f"bsttest{backend.token}:{uuid.uuid4().hex[:8]}")
    await db.dispose()


def consumer(bus: Bus, **kwargs) -> Recorder:
    return Recorder(
        db=bus.db,
        processed_model=ProcessedEvent,
        redis=bus.redis,
        namespace=bus.namespace,
        retry_after_seconds=0.05,
        max_deliveries=100,
        block_ms=10,
        **kwargs,
    )


async def processed(bus: Bus, event_id: str) -> int:
    async with bus.db.reader() as session:
        return await session.scalar(
            select(func.count()).select_from(ProcessedEvent).where(ProcessedEvent.event_id == event_id)
        )


async def test_a_consumer_killed_between_its_effect_and_xack_applies_the_effect_once(bus):
    first = consumer(bus)
    await first.ensure_groups()
    event_id = await add_event(bus)
    await bus.relay().publish_pending()

    async def die(*_args, **_kwargs):
        raise Killed

    first.redis = type("DyingRedis", (), {"xack": die, "__getattr__": lambda s, n: getattr(bus.redis, n)})()
    with pytest.raises(Killed):
        await first.poll_once()
    assert first.applied == [event_id] and await processed(bus, event_id) == 1  # the effect is committed
    assert (await bus.redis.xpending(bus.stream(), first.group))["pending"] == 1  # and not acknowledged

    second = consumer(bus)  # the restarted process: another consumer of the same group
    await asyncio.sleep(0.1)
    assert await second.retry_stale() == 1
    assert second.applied == []  # seen: not applied again
    assert await processed(bus, event_id) == 1
    assert (await bus.redis.xpending(bus.stream(), first.group))["pending"] == 0


async def test_trimming_never_drops_an_unacknowledged_entry(bus):
    # every event fails twice: in its read's transaction and alone right after; it stays pending, unacknowledged
    reader = consumer(bus, fail_times=2)
    await reader.ensure_groups()
    relay = bus.relay()
    relay.stream_maxlen = 10
    relay.batch = 500
    first_ids = [await add_event(bus, f"T-{n}") for n in range(150)]
    await relay.publish_pending()
    reader.batch = 150
    assert await reader.poll_once() == 0  # read, failed, pending
    for n in range(300):  # much more traffic than the stream keeps
        await add_event(bus, f"U-{n}")
    await relay.publish_pending()
    await relay.publish_pending()
    kept = {fields[b"event_id"].decode() for _, fields in await bus.redis.xrange(bus.stream())}
    assert set(first_ids) <= kept  # every pending entry is still there
    await asyncio.sleep(0.1)
    for _ in range(20):
        await reader.retry_stale()
        await reader.poll_once()
        if len(set(reader.applied)) == 450:
            break
        await asyncio.sleep(0.06)
    assert len(reader.applied) == len(set(reader.applied)) == 450  # each applied once, none lost
    # Once everything is acknowledged the relay may trim down to its bound.
    await add_event(bus, "V-1")
    await relay.publish_pending()
    assert await bus.redis.xlen(bus.stream()) < 460


async def test_a_pending_entry_deleted_anyway_is_reported_not_skipped_silently(bus):
    reader = consumer(bus, fail_times=1)
    await reader.ensure_groups()
    await add_event(bus)
    await bus.relay().publish_pending()
    assert await reader.poll_once() == 0
    [(message_id, _)] = await bus.redis.xrange(bus.stream())
    await bus.redis.xdel(bus.stream(), message_id)  # an operator's XTRIM or XDEL
    await asyncio.sleep(0.1)
    await reader.retry_stale()
    dead = await bus.redis.xrange(dead_letter_stream(bus.namespace, reader.group))
    assert [f[b"dead_message_id"] for _, f in dead] == [message_id]
    assert (await bus.redis.xpending(bus.stream(), reader.group))["pending"] == 0


async def redis_forgets_the_last(bus: Bus, count: int) -> None:
    """Redis restarts from an append-only file that missed its last `count` writes (killed under `appendfsync
    everysec` while a slow fsync held the writes back), or a replica that had not caught up takes over: the stream
    is as it was `count` entries ago, last generated id included."""
    entries = await bus.redis.xrange(bus.stream())
    await bus.redis.delete(bus.stream())
    for entry_id, fields in entries[:-count]:
        await bus.redis.xadd(bus.stream(), fields, id=entry_id)


async def event_ids_in_stream(bus: Bus) -> list[str]:
    return [fields[b"event_id"].decode() for _, fields in await bus.redis.xrange(bus.stream())]


@pytest.mark.parametrize("client", ["redis-py", "lean"])
async def test_events_redis_lost_after_acknowledging_them_are_published_again(bus, redis_handle, client):
    bus.lean_url = redis_handle.url if client == "lean" else None
    relay = bus.relay()
    try:
        sent = [await add_event(bus, f"T-{n}") for n in range(5)]
        assert await relay.publish_pending() == 5
        await redis_forgets_the_last(bus, 2)
        assert await event_ids_in_stream(bus) == sent[:3]

        later = await add_event(bus, "T-5")
        assert await relay.publish_pending() == 1  # the next round sees the stream behind what it sent
        assert sorted(await event_ids_in_stream(bus)) == sorted([*sent, later])  # each once
        assert await relay.publish_pending() == 0
        again = await add_event(bus, "T-6")
        await relay.publish_pending()
        assert await event_ids_in_stream(bus) == [*sent[:3], later, *sent[3:], again]  # nothing sent twice
    finally:
        for lean in bus.leans:
            await lean.close()


async def test_the_relay_publishes_again_only_what_it_sent_within_its_recheck_window(bus):
    relay = bus.relay(recheck_seconds=0.2)
    sent = [await add_event(bus, f"T-{n}") for n in range(3)]
    await relay.publish_pending()
    await asyncio.sleep(0.3)  # long persisted by any Redis: not remembered any more
    await redis_forgets_the_last(bus, 1)
    later = await add_event(bus, "T-3")
    await relay.publish_pending()
    assert await event_ids_in_stream(bus) == [*sent[:2], later]


async def test_a_stream_that_lost_nothing_gets_nothing_twice(bus):
    relay = bus.relay()
    sent = []
    for n in range(4):
        sent.append(await add_event(bus, f"T-{n}"))
        await relay.publish_pending()
    assert await event_ids_in_stream(bus) == sent
