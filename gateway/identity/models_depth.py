"""Identity tables added for passkeys (WebAuthn credentials) and identity-result corrections (身份认证结果纠错)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from gateway.base import Base
from services.kernel.db import UTCDateTime, utcnow


class Passkey(Base):
    """A WebAuthn credential (通行密钥) an account registered: the phone's fingerprint or face signs sign-ins.

    `sign_count` is the authenticator's signature counter: a sign-in whose counter does not rise above it comes
    from a cloned authenticator and is refused."""

    __tablename__ = "passkeys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[str] = mapped_column(String(1400), unique=True)  # base64url of the raw id
    public_key: Mapped[bytes] = mapped_column(LargeBinary)  # COSE
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)
    user_handle: Mapped[str] = mapped_column(String(100))  # base64url
    transports: Mapped[list[str]] = mapped_column(JSON, default=list)
    aaguid: Mapped[str] = mapped_column(String(36), default="")
    backed_up: Mapped[bool] = mapped_column(Boolean, default=False)
    name: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)


class IdentityCorrection(Base):
    """A citizen's request to correct a real-name result: `bind` (the check failed, or the number is held by the
    wrong account) or `unbind` (the account carries someone else's ID number). Staff of the identity office
    (`identity_officer`) approve or reject it; `effect` records what the approval changed."""

    __tablename__ = "identity_corrections"
    __table_args__ = (
        Index("ix_identity_corrections_account", "account_id", "created_at"),
        Index("ix_identity_corrections_status", "status", "created_at"),
        UniqueConstraint("account_id", "idempotency_key"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # bind | unbind
    name: Mapped[str | None] = mapped_column(String(50), default=None)
    id_number_enc: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    id_number_index: Mapped[str | None] = mapped_column(String(64), default=None)
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | approved | rejected
    decided_by: Mapped[str | None] = mapped_column(String(36), default=None)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    decision_note: Mapped[str | None] = mapped_column(Text, default=None)
    effect: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    # The filer's Idempotency-Key and a keyed hash of the body: a resend answers the first correction.
    idempotency_key: Mapped[str | None] = mapped_column(String(100), default=None)
    request_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
