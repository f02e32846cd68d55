"""Tables of the grassroots service (基层服务): county hotlines, service-point profiles, the window register, village
回访 records, the tickets' village and chosen outlet, outlets' 四有 qualifications, part-time village repairers, and
the people who joined an open ticket as the same fault."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from services.kernel.db import UTCDateTime, utcnow
from services.repair.models import Base, BigId


class CountyHotline(Base):
    """The county's broadcast-TV service phone (服务热线), shown on the poster, the board and the scan page."""

    __tablename__ = "county_hotlines"

    county: Mapped[str] = mapped_column(String(6), primary_key=True)
    phone: Mapped[str] = mapped_column(String(20))
    hours: Mapped[str] = mapped_column(String(40), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ServicePointProfile(Base):
    """What the public board shows of a service point: address, opening hours, phone and service scope."""

    __tablename__ = "service_point_profiles"

    point_id: Mapped[str] = mapped_column(
        ForeignKey("service_points.point_id", ondelete="CASCADE"), primary_key=True
    )
    address: Mapped[str] = mapped_column(String(200), default="")
    hours: Mapped[str] = mapped_column(String(40), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    scope: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WalkInEntry(Base):
    """One line of a service point's window register (登记本): a walk-in report and the ticket it became."""

    __tablename__ = "walk_in_register"
    __table_args__ = (Index("ix_walk_in_register_point_day", "point_id", "day", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    point_id: Mapped[str] = mapped_column(String(40))
    day: Mapped[str] = mapped_column(String(10))  # China date, YYYY-MM-DD
    ticket_no: Mapped[str] = mapped_column(String(32), unique=True)
    recorded_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TicketPlace(Base):
    """Where a ticket belongs in the grassroots network: its village point (for 回访) and the reporter's outlet
    choice, recorded when it is filed."""

    __tablename__ = "ticket_places"
    __table_args__ = (Index("ix_ticket_places_village", "village_point_id", "ticket_no"),)

    ticket_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    village_point_id: Mapped[str | None] = mapped_column(String(40), default=None)
    chosen_outlet_id: Mapped[str | None] = mapped_column(String(40), default=None)


class FollowUpVisit(Base):
    """A village agent's 回访 (follow-up visit) of a repaired ticket."""

    __tablename__ = "follow_up_visits"
    __table_args__ = (Index("ix_follow_up_visits_ticket", "ticket_no", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_no: Mapped[str] = mapped_column(String(32))
    point_id: Mapped[str] = mapped_column(String(40))
    agent_id: Mapped[str] = mapped_column(String(36))
    reached: Mapped[bool] = mapped_column(Boolean)
    restored: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OutletQualification(Base):
    """An outlet's 四有 on record: business licence, shop address, technicians, spare parts; and its township."""

    __tablename__ = "outlet_qualifications"

    outlet_id: Mapped[str] = mapped_column(
        ForeignKey("outlets.outlet_id", ondelete="CASCADE"), primary_key=True
    )
    licence_no: Mapped[str] = mapped_column(String(30))
    shop_address: Mapped[str] = mapped_column(String(200))
    technicians: Mapped[int] = mapped_column(Integer)
    spare_parts: Mapped[bool] = mapped_column(Boolean)
    township_point_id: Mapped[str | None] = mapped_column(String(40), default=None)
    checked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class VillageRepairer(Base):
    """A part-time village repairer (村级兼职维修员) of a village service point."""

    __tablename__ = "village_repairers"

    repairer_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    point_id: Mapped[str] = mapped_column(
        ForeignKey("service_points.point_id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TicketWatcher(Base):
    """A person who reported the same fault and joined the open ticket instead of filing a new one: they are told
    of its progress like its reporter."""

    __tablename__ = "ticket_watchers"

    ticket_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)
    agent_id: Mapped[str | None] = mapped_column(String(36), default=None)
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    joined_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
