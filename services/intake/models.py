"""Tables of the intake service."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.kernel.db import new_metadata
from services.kernel.events import OutboxMixin, ProcessedEventMixin


class Base(DeclarativeBase):
    metadata = new_metadata()


class OutboxEvent(OutboxMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass


class ServiceItem(Base):
    """A service item (政务服务事项) that citizens and enterprises apply for."""

    __tablename__ = "service_items"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(100))
    region: Mapped[str] = mapped_column(String(6), index=True)
    category: Mapped[str] = mapped_column(String(40), index=True)
    promised_days: Mapped[int] = mapped_column(Integer)
    statutory_days: Mapped[int] = mapped_column(Integer)
    materials: Mapped[list[str]] = mapped_column(JSON, default=list)
    online: Mapped[bool] = mapped_column(Boolean, default=True)
