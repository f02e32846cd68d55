"""Event consumers: a consumer group reads the streams of the services it follows and applies each event at most
once (a processed-event row per event, in the same transaction as what the event changes), retries what failed,
and moves what keeps failing to its dead-letter stream. The outbox and the relay that publish the events are in
`services.kernel.events`."""

from __future__ import annotations

import asyncio
import functools
import logging
import socket
import uuid
from collections.abc import Sequence
from typing import ClassVar

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError
from sqlalchemy import String, bindparam, func, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.background import reraise_if_cancelling, stop_task
from services.kernel.db import Database, UTCDateTime, utcnow
from services.kernel.events import Event, ProcessedEventMixin, dead_letter_stream, stream_name
from services.kernel.logging import request_id_var
from services.kernel.reads import Change, connection_of, returning_in

log = logging.getLogger("bst.events")


class EventConsumer:
    """Base class: subclasses name the `group`, the `sources` (services whose streams they read) and `handle`."""

    group: ClassVar[str]
    sources: ClassVar[Sequence[str]]

    def __init__(
        self,
        *,
        db: Database,
        processed_model: type[ProcessedEventMixin],
        redis: Redis,
        namespace: str,
        retry_after_seconds: float = 30.0,
        max_deliveries: int = 5,
        block_ms: int = 1000,
        batch: int = 32,
        linger_seconds: float = 0.0,
    ) -> None:
        self.db = db
        self.processed_model = processed_model
        self.redis = redis
        self.namespace = namespace
        self.streams = [stream_name(namespace, s) for s in self.sources]
        self.dead_letters = dead_letter_stream(namespace, self.group)
        self.retry_after_ms = int(retry_after_seconds * 1000)
        self.max_deliveries = max_deliveries
        self.block_ms = block_ms
        self.batch = batch
        self.linger_seconds = linger_seconds
        self.consumer_name = f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"
        self._task: asyncio.Task[None] | None = None

    async def handle(self, session: AsyncSession, event: Event) -> None:
        """Apply the event inside `session`'s transaction. Raise to have it retried later."""
        raise NotImplementedError

    async def prepare(self, session: AsyncSession, events: Sequence[Event]) -> None:
        """Before the events of one transaction are handled: read at once what their handlers will each need (one
        statement for the batch instead of one per event), keeping it in `session.info`. Default: nothing."""

    async def finish(self, session: AsyncSession) -> None:
        """After the transaction's events are handled, before it commits: write at once what the handlers left in
        `session.info` to write. Default: nothing."""

    def wants(self, event: Event) -> bool:
        """False for an event `handle` would do nothing with: it is acknowledged without a transaction (nothing
        to apply, so nothing to remember as applied)."""
        return True

    async def ensure_groups(self) -> None:
        for stream in self.streams:
            try:
                await self.redis.xgroup_create(stream, self.group, id="0", mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    async def process(self, stream: str, message_id: bytes, fields: dict[bytes, bytes]) -> bool:
        """Apply one message at most once and acknowledge it; False when it failed and stays pending."""
        try:
            event = Event.from_fields(fields)
        except (KeyError, ValueError, UnicodeDecodeError):
            log.error(
                "malformed event moved to dead letters", extra={"stream": stream, "id": message_id.decode()}
            )
            await self._dead_letter(stream, message_id, fields, "malformed")
            return True
        if not self.wants(event):
            await self.redis.xack(stream, self.group, message_id)
            return True
        if not await self._apply_alone(event):
            return False
        await self.redis.xack(stream, self.group, message_id)
        return True

    async def process_batch(self, stream: str, messages: Sequence[tuple[bytes, dict[bytes, bytes]]]) -> int:
        """Apply the messages of one read at most once each, in ONE transaction, then acknowledge them with ONE
        XACK; the number acknowledged. If any handler fails, that transaction is rolled back whole and each event
        is applied again in a transaction of its own: the one that fails stays pending, to be retried, and the
        others are applied.

        One transaction and one XACK per read instead of per event: on the ticket-filing bench the gateway's SMS
        consumer cost more CPU than the request itself. Its statements are per batch too: the events are claimed
        with one insert of their processed rows (`_claim`), the handlers' reads are made at once (`prepare`) and
        their writes (`finish`), with no savepoint per event. A failure of the commit itself acknowledges none of
        them: they are all delivered again and, having left no processed row, applied then."""
        if len(messages) == 1:
            return int(await self.process(stream, *messages[0]))
        done: list[bytes] = []
        wanted: list[tuple[bytes, Event]] = []
        dead = 0
        for message_id, fields in messages:
            try:
                event = Event.from_fields(fields)
            except (KeyError, ValueError, UnicodeDecodeError):
                log.error(
                    "malformed event moved to dead letters",
                    extra={"stream": stream, "id": message_id.decode()},
                )
                await self._dead_letter(stream, message_id, fields, "malformed")
                dead += 1
                continue
            if self.wants(event):
                wanted.append((message_id, event))
            else:
                done.append(message_id)
        if wanted:
            done.extend(await self._apply_together(wanted))
        if done:
            await self.redis.xack(stream, self.group, *done)
        return dead + len(done)

    async def _claim(self, session: AsyncSession, event_ids: Sequence[str]) -> set[str]:
        """Insert the processed rows of these events first, in the transaction that applies them; the ids that had
        none (the events to apply now). A concurrent consumer claiming the same event (one delivered again after a
        stall) waits on this insert on PostgreSQL, and then finds the row: the event is applied once."""
        connection, now = await connection_of(session), utcnow()
        ids = list(dict.fromkeys(event_ids))
        every, one = _claims(self.processed_model)
        if self.db.sqlite:  # inline: a statement per event costs no round trip
            rows = [
                row
                for event_id in ids
                for row in await returning_in(connection, one, consumer=self.group, event_id=event_id, at=now)
            ]
        else:
            rows = await returning_in(connection, every, consumer=self.group, event_ids=ids, at=now)
        return {row[0] for row in rows}

    async def _apply(self, session: AsyncSession, events: Sequence[Event]) -> None:
        """Apply, in `session`'s transaction, the events not applied before (each once, even if delivered twice)."""
        fresh = await self._claim(session, [event.event_id for event in events])
        if not fresh:
            return
        await self.prepare(session, [event for event in events if event.event_id in fresh])
        for event in events:
            if event.event_id not in fresh:
                continue
            fresh.discard(event.event_id)
            token = request_id_var.set(event.request_id)
            try:
                await self.handle(session, event)
            finally:
                request_id_var.reset(token)
        await self.finish(session)

    async def _apply_together(self, wanted: list[tuple[bytes, Event]]) -> list[bytes]:
        if len(wanted) == 1:
            return [wanted[0][0]] if await self._apply_alone(wanted[0][1]) else []
        try:
            async with self.db.transaction() as session:
                await self._apply(session, [event for _, event in wanted])
        except Exception:
            reraise_if_cancelling()
            log.warning(
                "a batch of events failed; applying them one by one",
                exc_info=True,
                extra={"group": self.group, "events": len(wanted)},
            )
            return [message_id for message_id, event in wanted if await self._apply_alone(event)]
        return [message_id for message_id, _ in wanted]

    async def _apply_alone(self, event: Event) -> bool:
        """One event in a transaction of its own; False when it failed (it stays pending, to be retried)."""
        token = request_id_var.set(event.request_id)
        try:
            async with self.db.transaction() as session:
                await self._apply(session, [event])
        except Exception:
            reraise_if_cancelling()
            log.exception(
                "event handler failed; it will be retried",
                extra={"event_type": event.event_type, "event_id": event.event_id, "group": self.group},
            )
            return False
        finally:
            request_id_var.reset(token)
        return True

    async def poll_once(self, *, block_ms: int | None = None) -> int:
        """Read and process new messages once; the number processed."""
        response = await self.redis.xreadgroup(
            self.group,
            self.consumer_name,
            dict.fromkeys(self.streams, ">"),
            count=self.batch,
            block=block_ms if block_ms is not None else self.block_ms,
        )
        done = 0
        for stream, messages in response or []:
            done += await self.process_batch(stream.decode(), messages)
        return done

    async def retry_stale(self) -> int:
        """Take over messages pending longer than retry_after; dead-letter the ones delivered too often."""
        done = 0
        for stream in self.streams:
            pending = await self.redis.xpending_range(
                stream, self.group, min="-", max="+", count=100, idle=self.retry_after_ms
            )
            for entry in pending:
                message_id = entry["message_id"]
                claimed = await self.redis.xclaim(
                    stream, self.group, self.consumer_name, self.retry_after_ms, [message_id]
                )
                if not claimed and await self.redis.xrange(stream, message_id, message_id, count=1):
                    continue  # another consumer took it
                if not claimed or claimed[0][1] is None:  # deleted before it was processed: say so, loudly
                    log.error(
                        "a pending event was deleted from the stream before it was processed",
                        extra={"stream": stream, "id": message_id.decode(), "group": self.group},
                    )
                    await self._dead_letter(stream, message_id, {}, "deleted before it was processed")
                    continue
                _, fields = claimed[0]
                if entry["times_delivered"] >= self.max_deliveries:
                    await self._dead_letter(stream, message_id, fields, "too many deliveries")
                else:
                    done += await self.process(stream, message_id, fields)
        return done

    async def _dead_letter(
        self, stream: str, message_id: bytes, fields: dict[bytes, bytes], reason: str
    ) -> None:
        record = {k.decode(): v for k, v in fields.items()}
        record.update({"dead_reason": reason, "dead_stream": stream, "dead_message_id": message_id.decode()})
        await self.redis.xadd(self.dead_letters, record)  # type: ignore[arg-type]
        await self.redis.xack(stream, self.group, message_id)
        log.error(
            "event dead-lettered", extra={"stream": stream, "id": message_id.decode(), "reason": reason}
        )

    async def run(self) -> None:
        """Read, apply, acknowledge, over and over. A read that took some messages but fewer than a batch is
        followed by `linger_seconds` of waiting: under load the next read then takes many events, applied in one
        transaction (on the filing bench, reads of one or two events each cost the gateway's SMS consumer a
        transaction per report); after a quiet spell the first event is applied at once."""
        await self.ensure_groups()
        loops = 0
        while True:
            try:
                done = await self.poll_once()
                loops += 1
                if loops % 10 == 0:
                    await self.retry_stale()
            except (RedisError, OSError) as exc:
                reraise_if_cancelling()
                log.warning(
                    "event consumer lost Redis; retrying", extra={"group": self.group, "error": str(exc)}
                )
                await asyncio.sleep(1.0)
                continue
            if self.linger_seconds and 0 < done < self.batch:
                await asyncio.sleep(self.linger_seconds)

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name=f"consumer-{self.group}")

    async def stop(self) -> None:
        await stop_task(self._task)
        self._task = None


@functools.cache
def _claims(model: type[ProcessedEventMixin]) -> tuple[Change, Change]:
    """The claims of `EventConsumer._claim`, compiled once: every id of a read at once (PostgreSQL, an array), and
    one id (SQLite)."""
    table = model.__table__  # type: ignore[attr-defined]
    columns = ("consumer", "event_id", "processed_at")
    every = (
        postgresql_insert(table)
        .from_select(
            columns,
            select(
                bindparam("consumer", type_=String()),
                func.unnest(bindparam("event_ids", type_=postgresql.ARRAY(String()))),
                bindparam("at", type_=UTCDateTime()),
            ),
        )
        .on_conflict_do_nothing()
        .returning(table.c.event_id)
    )
    one = (
        sqlite_insert(table)
        .values(consumer=bindparam("consumer"), event_id=bindparam("event_id"), processed_at=bindparam("at"))
        .on_conflict_do_nothing()
        .returning(table.c.event_id)
    )
    return Change(every), Change(one)
