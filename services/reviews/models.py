"""Tables of the reviews service."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.kernel.db import UTCDateTime, new_metadata, utcnow
from services.kernel.events import OutboxMixin, ProcessedEventMixin


class Base(DeclarativeBase):
    metadata = new_metadata()


class OutboxEvent(OutboxMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass


class Review(Base):
    """One review (评价) of one served case: an application, a repair ticket or a mini-app."""

    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("subject_kind", "subject_id"),
        Index("ix_reviews_region_level", "region", "level"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_kind: Mapped[str] = mapped_column(String(20))  # "application" | "repair_ticket" | "mini_app"
    subject_id: Mapped[str] = mapped_column(String(64))
    region: Mapped[str] = mapped_column(String(6))
    reviewer: Mapped[str] = mapped_column(String(64))
    level: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
