"""Pluggable SMS delivery. `outbox` keeps messages in the gateway's database (development and tests; admins read
them through the API); `log` writes them to the log. A carrier backend implements the same `send`."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import bindparam, insert
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity.models import SmsMessage
from services.kernel.db import utcnow
from services.kernel.reads import Change, connection_of, execute_in
from services.kernel.validators import mask_phone

log = logging.getLogger("bst.sms")


class SmsSender(Protocol):
    name: str

    async def send(self, session: AsyncSession, *, phone: str, text: str) -> None:
        """Deliver `text` to `phone`; called inside the transaction that caused the message."""
        ...

    async def send_many(self, session: AsyncSession, messages: Sequence[tuple[str, str]]) -> None:
        """Deliver each `(phone, text)`, as `send` does, at once (an event consumer's batch)."""
        ...


class OutboxSms:
    name = "outbox"

    async def send(self, session: AsyncSession, *, phone: str, text: str) -> None:
        # a Core insert compiled once, in the caller's transaction (an entity cost a unit-of-work flush per text)
        await self.send_many(session, [(phone, text)])

    async def send_many(self, session: AsyncSession, messages: Sequence[tuple[str, str]]) -> None:
        if not messages:
            return
        connection, now = await connection_of(session), utcnow()
        bound = [
            _OUTBOX_INSERT.bound(connection.dialect, {"phone": phone, "text": text, "sent_at": now})
            for phone, text in messages
        ]
        await execute_in(connection, bound[0][0], [values for _, values in bound])  # one executemany


_OUTBOX_INSERT = Change(
    insert(SmsMessage.__table__).values(  # type: ignore[arg-type]
        phone=bindparam("phone"), text=bindparam("text"), sent_at=bindparam("sent_at")
    )
)


class LogSms:
    name = "log"

    async def send(self, session: AsyncSession, *, phone: str, text: str) -> None:
        log.info("sms", extra={"phone": mask_phone(phone), "chars": len(text)})

    async def send_many(self, session: AsyncSession, messages: Sequence[tuple[str, str]]) -> None:
        for phone, text in messages:
            await self.send(session, phone=phone, text=text)


def sms_backend(name: str) -> SmsSender:
    return {"outbox": OutboxSms, "log": LogSms}[name]()
