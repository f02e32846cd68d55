"""Identity tables."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.base import Base
from services.kernel.db import UTCDateTime, utcnow


class SigningKey(Base):
    """An Ed25519 key that signs access tokens. The private half is encrypted with the platform secret."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(40), primary_key=True)
    private_key: Mapped[bytes] = mapped_column(LargeBinary)
    public_jwk: Mapped[dict[str, str]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When set, the key no longer signs; it stays published until every token it signed has expired.
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
