"""Events between services: a transactional outbox, a relay to Redis Streams, and idempotent consumers.

- `Outbox.add(session, ...)` writes the event in the caller's transaction, beside the change that causes it.
- `OutboxRelay` publishes committed rows to the service's stream (`<ns>:events:<service>`) and marks them sent.
  A crash between publish and mark publishes again: consumers see the same event id twice and skip it.
  Redis may lose the last writes it acknowledged (a crash under `appendfsync everysec`, a failover to a replica
  that had not caught up): the relay publishes again what it sent in the last `recheck_seconds` and the stream
  no longer holds.
  It trims the stream to about `stream_maxlen` entries, never below the oldest entry a group has not acknowledged.
- `EventConsumer` reads streams through a consumer group, handles each event in one transaction that also
  records the event id (so the effect happens once), acknowledges after the commit, claims events another
  consumer left pending, and moves an event that keeps failing to a dead-letter stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import BigInteger, Integer, String, Text, bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from services.kernel.background import reraise_if_cancelling, stop_task
from services.kernel.db import Database, UTCDateTime, utcnow
from services.kernel.logging import request_id_var
from services.kernel.reads import Change, Read, change_in, execute_in, read_in
from services.kernel.redis_lean import LeanRedis
from services.kernel.rows import add_row

log = logging.getLogger("bst.events")


def _stream_id(value: bytes | str) -> tuple[int, int]:
    text = value.decode() if isinstance(value, bytes) else value
    ms, _, seq = text.partition("-")
    return int(ms), int(seq or 0)


def stream_name(namespace: str, service: str) -> str:
    return f"{namespace}:events:{service}"


def dead_letter_stream(namespace: str, group: str) -> str:
    return f"{namespace}:dead:{group}"


class OutboxMixin:
    """The outbox table; each service declares `class OutboxEvent(OutboxMixin, Base)`."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    event_type: Mapped[str] = mapped_column(String(100))
    aggregate_id: Mapped[str] = mapped_column(String(100))
    payload: Mapped[str] = mapped_column(Text)
    request_id: Mapped[str] = mapped_column(String(64), default="-")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True, default=None)


class ProcessedEventMixin:
    """Event ids a consumer group has applied; each service declares `ProcessedEvent(ProcessedEventMixin, Base)`."""

    __tablename__ = "processed_events"

    consumer: Mapped[str] = mapped_column(String(60), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    processed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


@dataclass(frozen=True, slots=True)
class Event:
    event_id: str
    event_type: str
    aggregate_id: str
    payload: dict[str, Any]
    occurred_at: str
    source: str
    request_id: str = "-"

    def to_fields(self) -> dict[str, str]:
        return {
            "event_id": self.event_id,
            "event_type": self.event_type,
            "aggregate_id": self.aggregate_id,
            "payload": encode_payload(self.payload),
            "occurred_at": self.occurred_at,
            "source": self.source,
            "request_id": self.request_id,
        }

    @classmethod
    def from_fields(cls, fields: dict[bytes, bytes]) -> Event:
        text = {k.decode(): v.decode() for k, v in fields.items() if k != b"payload"}
        payload = orjson.loads(fields[b"payload"])  # bytes as they came (orjson checks the UTF-8 itself)
        if not isinstance(payload, dict):
            raise ValueError("an event's payload is a JSON object")
        return cls(
            event_id=text["event_id"],
            event_type=text["event_type"],
            aggregate_id=text["aggregate_id"],
            payload=payload,
            occurred_at=text["occurred_at"],
            source=text["source"],
            request_id=text.get("request_id", "-"),
        )


def encode_payload(payload: dict[str, Any]) -> str:
    """An event's payload as stored and published: compact JSON, Chinese text as is (orjson; keys that are not
    text become text, as `json.dumps` makes them)."""
    return orjson.dumps(payload, option=orjson.OPT_NON_STR_KEYS).decode()


def new_event_id() -> str:
    """A random (version 4) UUID in its text form, as `str(uuid.uuid4())` without the UUID object (a third of its
    time; the license verification makes one per request)."""
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40
    raw[8] = raw[8] & 0x3F | 0x80
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class Outbox:
    """Writes events into a service's outbox table, inside the caller's transaction."""

    def __init__(self, model: type[OutboxMixin]) -> None:
        self.model = model

    def add(
        self, session: AsyncSession, *, event_type: str, aggregate_id: str, payload: dict[str, Any]
    ) -> str:
        event_id = new_event_id()
        add_row(
            session,
            self.model,
            event_id=event_id,
            event_type=event_type,
            aggregate_id=aggregate_id,
            payload=encode_payload(payload),
            request_id=request_id_var.get(),
            created_at=utcnow(),
        )
        return event_id


class OutboxRelay:
    """Publishes committed outbox rows to the service's Redis Stream, oldest first."""

    def __init__(
        self,
        *,
        db: Database,
        model: type[OutboxMixin],
        redis: Redis,
        namespace: str,
        service: str,
        poll_seconds: float = 0.5,
        batch: int = 100,
        retention: dt.timedelta = dt.timedelta(days=7),
        stream_maxlen: int = 1_000_000,
        lean: LeanRedis | None = None,
        linger_seconds: float = 0.0,
        recheck_seconds: float = 10.0,
    ) -> None:
        self.db = db
        self.model = model
        self.redis = redis
        self.lean = lean  # publishes through this lean client when given (services/kernel/redis_lean.py)
        self.stream = stream_name(namespace, service)
        self.service = service
        self.poll_seconds = poll_seconds
        self.linger_seconds = linger_seconds
        self.batch = batch
        self.retention = retention
        self.stream_maxlen = stream_maxlen
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # Lean statements (compiled once: services.kernel.reads): the relay runs after every committed change.
        self._rows_by_id = select(
            model.id,
            model.event_id,
            model.event_type,
            model.aggregate_id,
            model.payload,
            model.request_id,
            model.created_at,
        )
        unpublished = (
            self._rows_by_id.where(model.published_at.is_(None)).order_by(model.id).limit(bindparam("batch"))
        )
        self._unpublished = Read(unpublished)
        self._unpublished_locked = Read(unpublished.with_for_update(skip_locked=True))
        self._published = Change(
            update(model).where(model.id == bindparam("row_id")).values(published_at=bindparam("at"))
        )
        # PostgreSQL: a batch marked with one statement (one per row was most of the relay's round trips)
        self._published_all = Change(
            update(model)
            .where(model.id == func.any(bindparam("row_ids", type_=postgresql.ARRAY(BigInteger()))))
            .values(published_at=bindparam("at"))
        )
        self._since_trim = 0
        # What went out lately, (stream entry id, outbox row id, when), oldest first: the entries a Redis that
        # restarted or failed over may have lost although it acknowledged them. Redis writes its append-only file
        # at most ~2 s late (`appendfsync everysec`); `recheck_seconds` keeps well beyond that.
        self.recheck_seconds = recheck_seconds
        self._recent: deque[tuple[tuple[int, int], int, float]] = deque()

    def wake(self) -> None:
        """Publish now rather than at the next poll (call after committing an event)."""
        self._wake.set()

    async def publish_pending(self) -> int:
        """Publish one batch of committed, unpublished rows; the number published.

        PostgreSQL: the rows are locked (SKIP LOCKED, so replicas share the work) while they are published.
        SQLite: the rows are read and published outside any write transaction, then marked in a short one, so the
        Redis round trip never holds this process's writer turn (every report would wait behind it). Two
        processes on one SQLite file may then publish a row twice; consumers are idempotent."""
        if self.db.sqlite:
            async with self.db.reads() as reads:
                rows = await reads.all(self._unpublished, batch=self.batch)
            if not rows:
                return 0
            await self._publish(rows)
            async with self.db.transaction() as session:
                await self._mark(session, rows)
        else:
            async with self.db.transaction() as session:
                rows = await read_in(await session.connection(), self._unpublished_locked, batch=self.batch)
                if not rows:
                    return 0
                await self._publish(rows)
                await self._mark(session, rows)
        # The stream is measured once it may have grown by 1 % of its bound (XLEN and XINFO on every publish of
        # one event were a third of the relay's round trips).
        self._since_trim += len(rows)
        if self._since_trim >= max(1, self.stream_maxlen // 100):
            self._since_trim = 0
            await self.trim()
        return len(rows)

    def _forget_old(self) -> None:
        horizon = time.monotonic() - self.recheck_seconds
        while self._recent and self._recent[0][2] < horizon:
            self._recent.popleft()

    def _lost_since(self, newest: Sequence[Any]) -> list[int]:
        """The outbox rows sent lately whose entries are past the stream's newest entry (`newest`: XREVRANGE's
        answer, before this round's entries): Redis lost them, having acknowledged them.

        A Redis that restarted from its append-only file, or a replica promoted in its place, holds the stream
        as it last persisted it. Those events are marked published in the outbox, so nothing else would send
        them again; consumers skip an event they have applied, should one come twice."""
        self._forget_old()
        if not self._recent:
            return []
        last = _stream_id(newest[0][0]) if newest else (0, 0)
        if self._recent[-1][0] <= last:
            return []
        lost = [row_id for entry_id, row_id, _ in self._recent if entry_id > last]
        self._recent = deque(item for item in self._recent if item[0] <= last)
        return lost

    def _remember(self, rows: Sequence[Any], entry_ids: Sequence[Any]) -> None:
        now = time.monotonic()
        for row, entry_id in zip(rows, entry_ids, strict=True):
            self._recent.append((_stream_id(entry_id), row.id, now))

    async def _publish_again(self, row_ids: list[int]) -> None:
        async with self.db.reader() as session:
            rows = (await session.execute(self._rows_by_id.where(self.model.id.in_(row_ids)))).all()
        log.warning(
            "Redis lost events it had acknowledged (a restart or a failover); publishing them again",
            extra={"stream": self.stream, "events": len(rows)},
        )
        await self._publish(sorted(rows, key=lambda row: row.id))

    async def _publish(self, rows: Sequence[Any]) -> None:
        """One XADD per row, in one pipeline. The payload goes as stored: `Outbox.add` wrote it the way
        `Event.to_fields` would (`encode_payload`), so there is nothing to decode and encode again.

        The pipeline first reads the stream's newest entry: if it is older than entries sent in the last
        `recheck_seconds`, Redis lost those, and they go out again after this round's."""
        fields = [
            {
                "event_id": row.event_id,
                "event_type": row.event_type,
                "aggregate_id": row.aggregate_id,
                "payload": row.payload,
                "occurred_at": row.created_at.isoformat(),
                "source": self.service,
                "request_id": row.request_id,
            }
            for row in rows
        ]
        if self.lean is not None:
            commands: list[list[str | bytes | int]] = [["XREVRANGE", self.stream, "+", "-", "COUNT", 1]]
            for entry in fields:
                command: list[str | bytes | int] = ["XADD", self.stream, "*"]
                for name, value in entry.items():
                    command += (name, value)
                commands.append(command)
            replies = await self.lean.pipeline(commands)
        else:
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.xrevrange(self.stream, "+", "-", count=1)
                for entry in fields:
                    pipe.xadd(self.stream, entry)  # type: ignore[arg-type]
                replies = await pipe.execute()
        lost = self._lost_since(replies[0])  # type: ignore[arg-type]
        self._remember(rows, replies[1:])
        if lost:
            await self._publish_again(lost)

    async def _mark(self, session: AsyncSession, rows: Sequence[Any]) -> None:
        connection = await session.connection()
        now = utcnow()
        if connection.dialect.name == "postgresql":
            await change_in(connection, self._published_all, row_ids=[r.id for r in rows], at=now)
            return
        bound = [self._published.bound(connection.dialect, {"row_id": r.id, "at": now}) for r in rows]
        await execute_in(connection, bound[0][0], [values for _, values in bound])

    async def trim(self) -> int:
        """Keep the stream near `stream_maxlen` entries without ever dropping one that a consumer group has not
        acknowledged: trim only below the oldest entry any group still has pending or has not read yet."""
        if await self.redis.xlen(self.stream) <= self.stream_maxlen:
            return 0
        newest = await self.redis.xrevrange(self.stream, "+", "-", count=self.stream_maxlen)
        target = _stream_id(newest[-1][0])
        for group in await self.redis.xinfo_groups(self.stream):
            target = min(target, _stream_id(group["last-delivered-id"]))
            if group["pending"]:
                summary = await self.redis.xpending(self.stream, group["name"])
                target = min(target, _stream_id(summary["min"]))
        if target <= (0, 0):
            return 0
        return int(await self.redis.xtrim(self.stream, minid=f"{target[0]}-{target[1]}", approximate=True))

    async def purge_published(self) -> None:
        cutoff = utcnow() - self.retention
        async with self.db.transaction() as session:
            await session.execute(delete(self.model).where(self.model.published_at < cutoff))

    async def run(self) -> None:
        """Publish what is pending, then wait for a wake (a commit) or the next poll. A round that published
        something is followed by `linger_seconds` of waiting, so that under load a round publishes the events of
        many commits in one transaction and one pipeline instead of one commit's each; after a quiet spell the
        first commit's events go at once."""
        rounds = 0
        while True:
            published = 0
            try:
                while (count := await self.publish_pending()) == self.batch:
                    published += count
                published += count
                rounds += 1
                if rounds % 10_000 == 0:
                    await self.purge_published()
            except (RedisError, OSError) as exc:
                reraise_if_cancelling()
                log.warning("outbox relay could not publish; will retry", extra={"error": str(exc)})
            except Exception:
                reraise_if_cancelling()
                log.exception("outbox relay failed; will retry")
            if published and self.linger_seconds:
                await asyncio.sleep(self.linger_seconds)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
            self._wake.clear()

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name=f"outbox-relay-{self.service}")

    async def stop(self) -> None:
        await stop_task(self._task)
        self._task = None
