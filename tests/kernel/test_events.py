"""The outbox, the relay and the consumers: nothing committed is lost, nothing is applied twice."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select, update

from services.cli import COMPONENTS
from services.kernel.consumers import EventConsumer
from services.kernel.db import Database, after_transaction, utcnow
from services.kernel.events import (
    Event,
    Outbox,
    OutboxRelay,
    dead_letter_stream,
    stream_name,
)
from services.kernel.migrations import upgrade
from services.kernel.redis_lean import LeanRedis
from services.repair.models import OutboxEvent, ProcessedEvent
from tests.helpers import wait_for


@dataclass
class Bus:
    db: Database
    url: str
    redis: object
    namespace: str
    lean_url: str | None = None  # the relay publishes through the lean client (as services do) when set
    leans: list[LeanRedis] = field(default_factory=list)

    def relay(self, **options) -> OutboxRelay:
        lean = LeanRedis(self.lean_url) if self.lean_url else None
        if lean is not None:
            self.leans.append(lean)
        return OutboxRelay(
            db=self.db,
            model=OutboxEvent,
            redis=self.redis,
            namespace=self.namespace,
            service="repair",
            lean=lean,
            **{"poll_seconds": 0.05, **options},
        )

    def stream(self) -> str:
        return stream_name(self.namespace, "repair")


@pytest.fixture(scope="module")
async def scratch_url(backend) -> str:
    url = await backend.scratch_database("events")
    await asyncio.to_thread(upgrade, COMPONENTS["repair"].migrations, url)
    return url


@pytest.fixture(params=["redis-py", "lean"])
async def bus(request, scratch_url, redis_handle, backend) -> AsyncIterator[Bus]:
    db = Database(scratch_url)
    async with (
        db.transaction() as session
    ):  # what earlier tests left unpublished is not this test's to publish
        await session.execute(
            update(OutboxEvent).where(OutboxEvent.published_at.is_(None)).values(published_at=utcnow())
        )
    namespace = f"bsttest{backend.token}:{uuid.uuid4().hex[:8]}"
    lean_url = redis_handle.url if request.param == "lean" else None
    bus = Bus(db, scratch_url, redis_handle.client, namespace, lean_url)
    yield bus
    for lean in bus.leans:
        await lean.close()
    await db.dispose()


class Recorder(EventConsumer):
    """Counts what it applied; fails the first `fail_times` deliveries of each event."""

    group = "recorder"
    sources = ("repair",)

    def __init__(self, *, fail_times: int = 0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.fail_times = fail_times
        self.attempts: dict[str, int] = {}
        self.applied: list[str] = []

    async def handle(self, session, event: Event) -> None:
        self.attempts[event.event_id] = self.attempts.get(event.event_id, 0) + 1
        if self.attempts[event.event_id] <= self.fail_times:
            raise RuntimeError("downstream not ready")
        self.record(session, event)

    def record(self, session, event: Event) -> None:
        """`applied` holds what was committed: a handler's work rolled back with its transaction is not."""
        after_transaction(session, lambda committed: committed and self.applied.append(event.event_id))


def recorder(bus: Bus, kind: type[Recorder] = Recorder, **kwargs) -> Recorder:
    return kind(
        db=bus.db,
        processed_model=ProcessedEvent,
        redis=bus.redis,
        namespace=bus.namespace,
        retry_after_seconds=0.1,
        max_deliveries=3,
        block_ms=10,
        **kwargs,
    )


async def add_event(bus: Bus, aggregate: str = "T-1", **payload) -> str:
    async with bus.db.transaction() as session:
        return Outbox(OutboxEvent).add(
            session,
            event_type="repair.ticket.resolved",
            aggregate_id=aggregate,
            payload=payload or {"ticket_no": aggregate, "level": "满意"},
        )


async def unpublished(bus: Bus) -> int:
    async with bus.db.reader() as session:
        return await session.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.published_at.is_(None))
        )


async def test_committed_event_is_published_once_with_its_payload(bus):
    event_id = await add_event(bus, "T-100", ticket_no="T-100", note="已修复")
    assert await bus.relay().publish_pending() >= 1
    assert await bus.relay().publish_pending() == 0
    assert await unpublished(bus) == 0
    entries = await bus.redis.xrange(bus.stream())
    events = [Event.from_fields(fields) for _, fields in entries]
    mine = [e for e in events if e.event_id == event_id]
    assert len(mine) == 1
    assert mine[0].payload == {"ticket_no": "T-100", "note": "已修复"}
    assert mine[0].source == "repair" and mine[0].event_type == "repair.ticket.resolved"
    # the entry's fields, byte for byte, are what `Event.to_fields` makes of the event (either client)
    [fields] = [f for _, f in entries if f[b"event_id"] == event_id.encode()]
    assert {k.decode(): v.decode() for k, v in fields.items()} == mine[0].to_fields()


async def test_rolled_back_change_publishes_nothing(bus):
    aggregate = (
        f"T-{uuid.uuid4().hex[:8]}"  # other tests' rows may share the database: look for this one only
    )
    with pytest.raises(RuntimeError):
        async with bus.db.transaction() as session:
            Outbox(OutboxEvent).add(
                session, event_type="repair.ticket.resolved", aggregate_id=aggregate, payload={}
            )
            raise RuntimeError("the change failed")
    relay = bus.relay()
    while await relay.publish_pending() == relay.batch:
        pass
    published = [Event.from_fields(fields) for _, fields in await bus.redis.xrange(bus.stream())]
    assert aggregate not in {e.aggregate_id for e in published}


async def test_consumer_applies_each_event_once_even_when_published_twice(bus):
    consumer = recorder(bus)
    await consumer.ensure_groups()
    event_id = await add_event(bus)
    await bus.relay().publish_pending()
    # The relay crashed after publishing and before marking the row sent: the same event goes out again.
    entries = await bus.redis.xrange(bus.stream())
    await bus.redis.xadd(bus.stream(), entries[-1][1])
    assert await consumer.poll_once() == 2
    assert consumer.applied == [event_id]
    assert (await bus.redis.xpending(bus.stream(), consumer.group))["pending"] == 0


async def test_failing_handler_is_retried_until_it_succeeds(bus):
    consumer = recorder(bus, fail_times=1)
    await consumer.ensure_groups()
    event_id = await add_event(bus)
    await bus.relay().publish_pending()
    assert await consumer.poll_once() == 0
    assert consumer.applied == []
    await asyncio.sleep(0.15)
    assert await consumer.retry_stale() == 1
    assert consumer.applied == [event_id]
    assert (await bus.redis.xpending(bus.stream(), consumer.group))["pending"] == 0


async def test_event_that_keeps_failing_goes_to_dead_letters(bus):
    consumer = recorder(bus, fail_times=99)
    await consumer.ensure_groups()
    event_id = await add_event(bus)
    await bus.relay().publish_pending()
    await consumer.poll_once()
    for _ in range(4):
        await asyncio.sleep(0.15)
        await consumer.retry_stale()
    dead = await bus.redis.xrange(dead_letter_stream(bus.namespace, consumer.group))
    assert [fields[b"event_id"].decode() for _, fields in dead] == [event_id]
    assert dead[0][1][b"dead_reason"] == b"too many deliveries"
    assert consumer.applied == []
    assert (await bus.redis.xpending(bus.stream(), consumer.group))["pending"] == 0


async def test_running_relay_and_consumer_deliver_end_to_end(bus):
    relay, consumer = bus.relay(), recorder(bus)
    relay.start()
    consumer.start()
    try:
        ids = [await add_event(bus, f"T-{i}") for i in range(5)]
        relay.wake()
        for _ in range(100):
            if set(ids) <= set(consumer.applied):
                break
            await asyncio.sleep(0.05)
    finally:
        await relay.stop()
        await consumer.stop()
    assert set(ids) <= set(consumer.applied)


KILLED_WRITER = """
import asyncio, os, signal, sys
from services.kernel.db import Database, utcnow
from services.kernel.events import Outbox
from services.repair.models import OutboxEvent

async def main():
    db = Database(sys.argv[1])
    async with db.transaction() as session:
        event_id = Outbox(OutboxEvent).add(session, event_type="repair.ticket.created", aggregate_id="T-KILL",
                                           payload={"ticket_no": "T-KILL"})
    print(event_id, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # dies after the commit, before any relay could publish

asyncio.run(main())
"""


async def test_process_killed_between_commit_and_publish_loses_no_event(bus):
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        KILLED_WRITER,
        bus.url,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ},
    )
    out, err = await proc.communicate()
    assert proc.returncode == -signal.SIGKILL, err.decode()
    event_id = out.decode().strip()
    assert event_id

    # A new process (here: a fresh relay) starts and publishes what the dead one committed.
    consumer = recorder(bus)
    await consumer.ensure_groups()
    await bus.relay().publish_pending()
    await consumer.poll_once()
    assert event_id in consumer.applied
    assert await unpublished(bus) == 0


async def test_event_payload_is_json_with_chinese_text_as_is(bus):
    aggregate = f"T-中文-{uuid.uuid4().hex[:8]}"  # the database is the module's: this test's row alone
    await add_event(bus, aggregate, ticket_no=aggregate)
    async with bus.db.reader() as session:
        row = (await session.scalars(select(OutboxEvent).where(OutboxEvent.aggregate_id == aggregate))).one()
    assert json.loads(row.payload) == {"ticket_no": aggregate}
    assert "中文" in row.payload


class Choosy(Recorder):
    """Applies only the events whose payload says `wanted`."""

    group = "choosy"

    def wants(self, event: Event) -> bool:
        return bool(event.payload.get("wanted"))


async def test_an_event_the_consumer_does_not_want_is_acknowledged_and_not_recorded(bus):
    consumer = Choosy(
        db=bus.db,
        processed_model=ProcessedEvent,
        redis=bus.redis,
        namespace=bus.namespace,
        retry_after_seconds=0.1,
        max_deliveries=3,
        block_ms=10,
    )
    await consumer.ensure_groups()
    skipped = await add_event(bus, wanted=False)
    taken = await add_event(bus, wanted=True)
    await bus.relay().publish_pending()
    assert await consumer.poll_once() == 2
    assert consumer.applied == [taken]
    assert (await bus.redis.xpending(bus.stream(), consumer.group))["pending"] == 0
    async with bus.db.reader() as session:
        recorded = set(
            (
                await session.scalars(
                    select(ProcessedEvent.event_id).where(
                        ProcessedEvent.consumer == consumer.group,
                        ProcessedEvent.event_id.in_([skipped, taken]),
                    )
                )
            ).all()
        )
    assert recorded == {taken}


class FailsOne(Recorder):
    """Fails (every time) the events whose payload says so, after writing a processed row of its own for them."""

    group = "fails-one"

    async def handle(self, session, event: Event) -> None:
        if event.payload.get("fail"):
            session.add(ProcessedEvent(consumer="written-by-a-failed-handler", event_id=event.event_id))
            await session.flush()
            raise RuntimeError("this one is refused")
        self.record(session, event)


async def test_one_read_is_applied_in_one_transaction_and_a_failing_event_alone_stays_pending(bus):
    consumer = FailsOne(
        db=bus.db, processed_model=ProcessedEvent, redis=bus.redis, namespace=bus.namespace, block_ms=10
    )
    await consumer.ensure_groups()
    relay = bus.relay()
    while await relay.publish_pending() == relay.batch:  # what other tests left unpublished goes out first
        pass
    await bus.redis.xtrim(bus.stream(), maxlen=0)  # and is not read here: only this test's three events are
    ids = [
        await add_event(bus, "T-B1", ticket_no="T-B1"),
        await add_event(bus, "T-B2", ticket_no="T-B2", fail=True),
        await add_event(bus, "T-B3", ticket_no="T-B3"),
    ]
    await bus.relay().publish_pending()
    assert await consumer.poll_once() == 2
    # the read's one transaction is rolled back at the refused event (the first one's work with it), then each
    # event is applied alone: the first and third are, the refused one is not
    assert consumer.applied == [ids[0], ids[2]]
    pending = await bus.redis.xpending_range(bus.stream(), consumer.group, min="-", max="+", count=10)
    assert len(pending) == 1  # the refused one, to be retried (and dead-lettered in the end)
    async with bus.db.reader() as session:
        rows = set(
            await session.scalars(select(ProcessedEvent.event_id).where(ProcessedEvent.event_id.in_(ids)))
        )
    assert rows == {ids[0], ids[2]}  # the failed handler's own write was rolled back with its transaction


def test_event_ids_are_distinct_version_4_uuids() -> None:
    import uuid

    from services.kernel.events import new_event_id

    ids = [new_event_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    for text in ids[:200]:
        parsed = uuid.UUID(text)
        assert str(parsed) == text and parsed.version == 4 and parsed.variant == uuid.RFC_4122


class CountsTransactions(Recorder):
    """Records how many events each transaction applied (`prepare` runs once per transaction)."""

    group = "counts-transactions"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.transactions: list[int] = []

    async def prepare(self, session, events) -> None:
        self.transactions.append(len(events))


async def test_a_lingering_consumer_applies_what_arrived_while_it_waited_in_one_transaction(bus):
    consumer = recorder(bus, CountsTransactions, linger_seconds=0.5)
    relay = bus.relay()
    consumer.start()
    try:
        first = await add_event(bus, "T-L0")
        await relay.publish_pending()
        await wait_for(lambda: first in consumer.applied)  # the first after a quiet spell goes at once
        later = []
        for i in range(1, 6):  # published one by one while the consumer lingers
            later.append(await add_event(bus, f"T-L{i}"))
            await relay.publish_pending()
        await wait_for(lambda: set(later) <= set(consumer.applied))
    finally:
        await consumer.stop()
    assert consumer.transactions == [1, 5]
    assert consumer.applied == [first, *later]


async def test_a_lingering_relay_publishes_the_events_of_several_commits_in_one_round(bus):
    relay = bus.relay(poll_seconds=5.0, linger_seconds=0.5)
    rounds: list[int] = []
    publish = relay._publish

    async def counted(rows) -> None:
        rounds.append(len(rows))
        await publish(rows)

    relay._publish = counted  # type: ignore[method-assign]
    relay.start()
    try:
        first = await add_event(bus, "T-R0")
        relay.wake()
        await wait_for(lambda: rounds == [1])  # the first after a quiet spell goes at once
        later = []
        for i in range(1, 4):  # three commits, each waking the relay while it lingers
            later.append(await add_event(bus, f"T-R{i}"))
            relay.wake()
        await wait_for(lambda: sum(rounds) == 4)
    finally:
        await relay.stop()
    assert rounds == [1, 3]
    published = [fields[b"event_id"].decode() for _, fields in await bus.redis.xrange(bus.stream())]
    assert published == [first, *later]
