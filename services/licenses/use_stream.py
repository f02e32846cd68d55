"""The use record of the verifications the gateway accepted itself: it appends each to a Redis stream before it
answers (services/kernel/license_cache.py); this consumer group writes them to `license_uses` in groups, one
transaction per group, each event at most once (its id is kept in `processed_events` in the same transaction),
and acknowledges them after the commit. A crash before the acknowledgement only delays a record: the events stay
pending and are taken over (`retry_stale`).

Reading the use record first drains the stream (`drain`), so the holder sees every verification answered so far.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import TYPE_CHECKING, Any, ClassVar

from redis.exceptions import RedisError
from sqlalchemy import insert, select

from services.kernel.consumers import EventConsumer
from services.kernel.db import utcnow
from services.kernel.events import Event
from services.kernel.license_cache import USES_EVENT, USES_SOURCE, verifier_name
from services.licenses.models import LicenseUse

if TYPE_CHECKING:
    from services.licenses.presentations import Presentations

log = logging.getLogger("bst.licenses")
GROUP_SIZE = 500


class LicenseUses(EventConsumer):
    group: ClassVar[str] = "licenses-uses"
    sources: ClassVar[tuple[str, ...]] = (USES_SOURCE,)
    presentations: Presentations | None = None  # set when the service registers

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.batch = GROUP_SIZE
        self._lock = asyncio.Lock()

    async def process_batch(self, stream: str, messages: Any) -> int:
        """One read's events written in one transaction (`_write`), under the lock `drain` takes too."""
        async with self._lock:
            return await self._write(stream, messages)

    async def drain(self) -> None:
        """Write every event appended so far (and wait for a group being written): read-your-writes."""
        try:
            async with self._lock:
                while True:
                    response = await self.redis.xreadgroup(
                        self.group, self.consumer_name, dict.fromkeys(self.streams, ">"), count=self.batch
                    )
                    messages = [(s, m) for s, m in response or [] if m]
                    if not messages:
                        return
                    for stream, batch in messages:
                        await self._write(stream.decode(), batch)
        except RedisError as exc:
            log.warning("use record not drained before reading", extra={"error": str(exc)})

    async def process(self, stream: str, message_id: bytes, fields: dict[bytes, bytes]) -> bool:
        """One event taken over from a stalled consumer (`retry_stale`)."""
        async with self._lock:
            return bool(await self._write(stream, [(message_id, fields)]))

    async def _write(self, stream: str, messages: Any) -> int:
        assert self.presentations is not None, "LicenseUses.presentations is set at registration"
        """Write `messages` ((id, fields) pairs) in one transaction and acknowledge them; the number written."""
        events: list[tuple[bytes, Event]] = []
        for message_id, fields in messages:
            try:
                event = Event.from_fields(fields)
                if event.event_type != USES_EVENT:
                    raise ValueError(event.event_type)
            except (KeyError, ValueError, UnicodeDecodeError):
                await self._dead_letter(stream, message_id, fields, "malformed")
                continue
            events.append((message_id, event))
        if not events:
            return 0
        model = self.processed_model
        try:
            async with self.db.transaction() as session:
                ids = [e.event_id for _, e in events]
                seen = set(
                    await session.scalars(
                        select(model.event_id).where(model.consumer == self.group, model.event_id.in_(ids))
                    )
                )
                fresh = {e.event_id: e.payload for _, e in events if e.event_id not in seen}
                found = await self.presentations.licenses_at(
                    session, {(int(p["list_id"]), int(p["index"])) for p in fresh.values()}
                )
                rows = []
                for payload in fresh.values():
                    license = found.get((int(payload["list_id"]), int(payload["index"])))
                    if license is None:
                        log.error("a verified license is not in the database", extra={"payload": payload})
                        continue
                    rows.append(await self._row(session, license, payload))
                marks = [{"consumer": self.group, "event_id": i, "processed_at": utcnow()} for i in fresh]
                if rows:
                    await session.execute(insert(LicenseUse), rows)
                if marks:
                    await session.execute(insert(model), marks)
        except Exception:
            log.exception("use records not written; they will be retried", extra={"count": len(events)})
            return 0
        written = [message_id for message_id, _ in events]
        # This group alone reads the stream: a record written leaves it, so that it does not grow.
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.xack(stream, self.group, *written)
            pipe.xdel(stream, *written)
            await pipe.execute()
        return len(events)

    async def _row(self, session: Any, license: Any, payload: dict[str, Any]) -> dict[str, Any]:
        assert self.presentations is not None
        return await self.presentations.verification_use(
            session,
            license_id=license.id,
            type_code=license.type,
            fields=list(payload["fields"]),
            who=verifier_name(str(payload["verifier"]), str(payload["audience"])),
            at=dt.datetime.fromisoformat(payload["at"]),
        )
