"""Identity tables: accounts, legal persons, SMS codes, refresh tokens, signing keys and the audit log."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.base import Base
from services.kernel.db import UTCDateTime, utcnow


class Account(Base):
    """One person's or organisation's account: a citizen (自然人), a legal person (法人) or a staff member."""

    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # citizen | legal_person | staff
    display_name: Mapped[str] = mapped_column(String(100))
    username: Mapped[str | None] = mapped_column(String(60), unique=True, default=None)
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    # Phone and ID number are encrypted; their blind indexes (keyed HMAC) find an account without decrypting.
    phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    phone_index: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    id_number_enc: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    id_number_index: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True, default=None)
    real_name_level: Mapped[int] = mapped_column(Integer, default=0)  # 0 none · 1 phone · 2 ID number bound
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    region: Mapped[str | None] = mapped_column(String(6), default=None)
    outlet_id: Mapped[str | None] = mapped_column(String(40), default=None)
    # The unit a staff member works for (e.g. a license_issuer's issuing department), carried in their tokens.
    department: Mapped[str | None] = mapped_column(String(100), default=None)
    status: Mapped[str] = mapped_column(String(20), default="active")  # active | disabled
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    created_by: Mapped[str | None] = mapped_column(String(36), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class LegalPersonMember(Base):
    """A citizen authorised to act for a legal person (法人授权经办人)."""

    __tablename__ = "legal_person_members"

    legal_person_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    citizen_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), default="agent")  # owner | agent
    granted_by: Mapped[str] = mapped_column(String(36))
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SmsCode(Base):
    """A one-time sign-in code sent by SMS: 6 digits, 5 minutes, single use, at most 5 tries."""

    __tablename__ = "sms_codes"
    __table_args__ = (Index("ix_sms_codes_phone_created", "phone_index", "created_at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    phone_index: Mapped[str] = mapped_column(String(64))
    code_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SmsMessage(Base):
    """An SMS the `outbox` backend 'sent' (development and tests), readable by platform admins."""

    __tablename__ = "sms_outbox"
    __table_args__ = (Index("ix_sms_outbox_phone_sent", "phone", "sent_at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    phone: Mapped[str] = mapped_column(String(11))
    text: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RefreshToken(Base):
    """An opaque refresh token, stored hashed. Every use rotates it within its family (one sign-in session)."""

    __tablename__ = "refresh_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    family_id: Mapped[str] = mapped_column(String(36), index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    acting_for: Mapped[str | None] = mapped_column(String(36), default=None)  # a legal person's session
    method: Mapped[str] = mapped_column(String(20))  # sms | password | qr | refresh
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    rotated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AuditEvent(Base):
    """An append-only record of a security event."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_event_at", "event", "at"),
        Index("ix_audit_events_subject", "subject"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    event: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str | None] = mapped_column(String(36), default=None)
    subject: Mapped[str | None] = mapped_column(String(64), default=None)
    ip: Mapped[str | None] = mapped_column(String(45), default=None)
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class SigningKey(Base):
    """An Ed25519 key that signs access tokens. The private half is encrypted with the platform secret."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(40), primary_key=True)
    private_key: Mapped[bytes] = mapped_column(LargeBinary)
    public_jwk: Mapped[dict[str, str]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When set, the key no longer signs; it stays published until every token it signed has expired.
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
