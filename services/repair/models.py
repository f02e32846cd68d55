"""Tables of the repair service."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from services.kernel.db import UTCDateTime, new_metadata, utcnow
from services.kernel.events import OutboxMixin, ProcessedEventMixin


class Base(DeclarativeBase):
    metadata = new_metadata()


class OutboxEvent(OutboxMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass


class Outlet(Base):
    """A repair outlet (维修网点): a market outlet for basic public service, or an operator's outlet."""

    __tablename__ = "outlets"
    __table_args__ = (Index("ix_outlets_county_active", "county", "active"),)

    outlet_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    county: Mapped[str] = mapped_column(String(6))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    phone: Mapped[str] = mapped_column(String(20))
    capacity: Mapped[int] = mapped_column(Integer, default=20)
    business_hours: Mapped[str] = mapped_column(String(40), default="08:30-18:00")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    categories: Mapped[list[OutletCategory]] = relationship(
        back_populates="outlet",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="OutletCategory.category",
    )

    @property
    def category_names(self) -> list[str]:
        return [c.category for c in self.categories]


class OutletCategory(Base):
    """A category of fault an outlet repairs (satellite, dtmb, transmitter, emergency_broadcast, cable, iptv, ott)."""

    __tablename__ = "outlet_categories"
    __table_args__ = (Index("ix_outlet_categories_category", "category", "outlet_id"),)

    outlet_id: Mapped[str] = mapped_column(
        ForeignKey("outlets.outlet_id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[str] = mapped_column(String(30), primary_key=True)

    outlet: Mapped[Outlet] = relationship(back_populates="categories")
