"""Tables of the licenses service."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.kernel.db import UTCDateTime, new_metadata, utcnow
from services.kernel.events import OutboxMixin, ProcessedEventMixin


class Base(DeclarativeBase):
    metadata = new_metadata()


class OutboxEvent(OutboxMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass


class LicenseType(Base):
    """A kind of e-license (电子证照类型) that an issuing department signs."""

    __tablename__ = "license_types"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    issuer_department: Mapped[str] = mapped_column(String(100))
    holder_kind: Mapped[str] = mapped_column(String(20), index=True)
    validity_years: Mapped[int] = mapped_column(Integer, default=0)
    # [{"name": "class", "label": "准驾车型"}, ...]: the fields a license of this type carries, in order.
    fields: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)


class IssuerKey(Base):
    """An Ed25519 key of an issuing department (purpose "license") or of the status lists ("status-list").

    The private half is AES-GCM encrypted under a key derived from the platform secret. A retired key signs
    nothing new but stays published, so every license it sealed keeps verifying."""

    __tablename__ = "issuer_keys"

    kid: Mapped[str] = mapped_column(String(40), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))
    department: Mapped[str] = mapped_column(String(100), default="")
    private_key: Mapped[bytes] = mapped_column(LargeBinary)
    public_jwk: Mapped[dict[str, str]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)


class HolderLink(Base):
    """An account's verified ID number (from identity's signed real-name assertion), kept as a blind index."""

    __tablename__ = "holder_links"

    account_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    holder_index: Mapped[str] = mapped_column(String(64), index=True)
    holder_enc: Mapped[bytes] = mapped_column(LargeBinary)
    linked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StatusList(Base):
    """One IETF Token Status List: `size` entries of 2 bits, indices handed out at random."""

    __tablename__ = "status_lists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    used: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class License(Base):
    """An issued e-license: its fields, the holder's blind index, the issuer's seal and its SD-JWT."""

    __tablename__ = "licenses"
    __table_args__ = (
        UniqueConstraint("status_list_id", "status_index"),
        Index("ix_licenses_holder_index", "holder_index"),
        Index("ix_licenses_holder_account", "holder_account_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    type: Mapped[str] = mapped_column(String(40))
    issuer_department: Mapped[str] = mapped_column(String(100))
    issued_by: Mapped[str] = mapped_column(String(36))
    holder_kind: Mapped[str] = mapped_column(String(20))
    # Who holds it: the blind index of an ID number or credit code, or (a result issued from an application
    # by an applicant with no linked number) the applicant's account.
    holder_index: Mapped[str | None] = mapped_column(String(64), default=None)
    holder_enc: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    holder_account_id: Mapped[str | None] = mapped_column(String(36), default=None)
    fields: Mapped[dict[str, str]] = mapped_column(JSON)
    valid_from: Mapped[str] = mapped_column(String(10))
    valid_until: Mapped[str | None] = mapped_column(String(10), default=None)
    status: Mapped[str] = mapped_column(String(20), default="valid")  # valid | suspended | revoked
    status_reason: Mapped[str] = mapped_column(String(200), default="")
    status_list_id: Mapped[int] = mapped_column(Integer)
    status_index: Mapped[int] = mapped_column(Integer)
    seal: Mapped[str] = mapped_column(String(200))
    kid: Mapped[str] = mapped_column(String(40))
    sd_jwt: Mapped[str] = mapped_column(Text)
    holder_key: Mapped[bytes] = mapped_column(LargeBinary)  # the key-binding key, encrypted
    source_ref: Mapped[str | None] = mapped_column(String(80), unique=True, default=None)
    # "<issuer account>:<Idempotency-Key>" and the hash of the request it came with.
    idempotency_ref: Mapped[str | None] = mapped_column(String(160), unique=True, default=None)
    request_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LicenseUse(Base):
    """One read, presentation, verification or status change of a license: who, when, for what."""

    __tablename__ = "license_uses"
    __table_args__ = (Index("ix_license_uses_license_at", "license_id", "at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    license_id: Mapped[str] = mapped_column(String(36))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    kind: Mapped[str] = mapped_column(String(20))  # read | presentation | verification | issued | status
    who: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(200), default="")
    case_ref: Mapped[str] = mapped_column(String(80), default="")
    agent_id: Mapped[str | None] = mapped_column(String(36), default=None)


class IssueKey(Base):
    """An issuer's Idempotency-Key, claimed before the license is written so that simultaneous repeats wait on
    the first and answer its license (`license_id`) instead of failing on a unique constraint."""

    __tablename__ = "issue_keys"

    owner: Mapped[str] = mapped_column(String(140), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    license_id: Mapped[str] = mapped_column(String(36), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
