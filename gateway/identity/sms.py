"""Pluggable SMS delivery. `outbox` keeps messages in the gateway's database (development and tests; admins read
them through the API); `log` writes them to the log. A carrier backend implements the same `send`."""

from __future__ import annotations

import logging
from typing import Protocol

from sqlalchemy import bindparam, insert
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity.models import SmsMessage
from services.kernel.db import utcnow
from services.kernel.reads import Change, change_in, connection_of
from services.kernel.validators import mask_phone

log = logging.getLogger("bst.sms")


class SmsSender(Protocol):
    name: str

    async def send(self, session: AsyncSession, *, phone: str, text: str) -> None:
        """Deliver `text` to `phone`; called inside the transaction that caused the message."""
        ...


class OutboxSms:
    name = "outbox"

    async def send(self, session: AsyncSession, *, phone: str, text: str) -> None:
        # a Core insert compiled once, in the caller's transaction (an entity cost a unit-of-work flush per text)
        await change_in(
            await connection_of(session), _OUTBOX_INSERT, phone=phone, text=text, sent_at=utcnow()
        )


_OUTBOX_INSERT = Change(
    insert(SmsMessage.__table__).values(  # type: ignore[arg-type]
        phone=bindparam("phone"), text=bindparam("text"), sent_at=bindparam("sent_at")
    )
)


class LogSms:
    name = "log"

    async def send(self, session: AsyncSession, *, phone: str, text: str) -> None:
        log.info("sms", extra={"phone": mask_phone(phone), "chars": len(text)})


def sms_backend(name: str) -> SmsSender:
    return {"outbox": OutboxSms, "log": LogSms}[name]()
