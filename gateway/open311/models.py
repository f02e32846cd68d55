"""Open311 tables: the clients (their API keys stored only as a hash) and what the gateway keeps of each report."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.base import Base
from services.kernel.db import UTCDateTime, utcnow


class Open311Client(Base):
    """An Open311 client (a 12345 hotline system, a county app, a partner) allowed to file repair reports."""

    __tablename__ = "open311_clients"

    client_id: Mapped[str] = mapped_column(String(24), primary_key=True)  # "open311-" + 16 hex
    name: Mapped[str] = mapped_column(String(100))
    county: Mapped[str | None] = mapped_column(String(6), default=None)  # reports go to this county only
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the 256-bit random key
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)


class Open311Report(Base):
    """What the gateway keeps of a report an Open311 client filed: the reporter's phone (encrypted, for the SMS
    notices of the ticket) and the client's own references. The ticket itself lives in the repair service."""

    __tablename__ = "open311_reports"

    ticket_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("open311_clients.client_id"), index=True)
    phone_enc: Mapped[bytes] = mapped_column(LargeBinary)
    account_id: Mapped[str | None] = mapped_column(String(100), default=None)
    device_id: Mapped[str | None] = mapped_column(String(100), default=None)
    media_url: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
