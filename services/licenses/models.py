"""Tables of the licenses service."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.kernel.db import new_metadata
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
