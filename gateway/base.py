"""The gateway's own database: identity and the mini-app registry live here."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from services.kernel.db import new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()
