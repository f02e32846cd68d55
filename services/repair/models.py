"""Tables of the repair service."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from services.kernel.db import UTCDateTime, new_metadata, utcnow
from services.kernel.events import OutboxMixin, ProcessedEventMixin

BigId = BigInteger().with_variant(Integer, "sqlite")


class Base(DeclarativeBase):
    metadata = new_metadata()


class OutboxEvent(OutboxMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass


class Outlet(Base):
    """A repair outlet (维修网点): a market outlet for basic public service, or an operator's outlet."""

    __tablename__ = "outlets"
    __table_args__ = (
        Index("ix_outlets_county_active", "county", "active"),
        Index("ix_outlets_county_lat_lng", "county", "lat", "lng"),
    )

    outlet_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    county: Mapped[str] = mapped_column(String(6))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    phone: Mapped[str] = mapped_column(String(20))
    capacity: Mapped[int] = mapped_column(Integer, default=20)
    open_tickets: Mapped[int] = mapped_column(Integer, default=0)  # dispatched or accepted, not yet resolved
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


class ServicePoint(Base):
    """A 乡镇便民服务网点 (township service point) or 村组代办点 (village agent point) and its agents."""

    __tablename__ = "service_points"

    point_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    county: Mapped[str] = mapped_column(String(6), index=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(20))  # township | village
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    agent_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class QrKey(Base):
    """A key id a county's printed QR codes are signed under; revoking it retires every code printed with it."""

    __tablename__ = "qr_keys"

    county: Mapped[str] = mapped_column(String(6), primary_key=True)
    kid: Mapped[str] = mapped_column(String(16), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)


class Evidence(Base):
    """An evidence photo or video: metadata here, the bytes in the evidence store."""

    __tablename__ = "evidence"

    evidence_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200))
    uploaded_by: Mapped[str] = mapped_column(String(36))
    ticket_no: Mapped[str | None] = mapped_column(String(32), index=True, default=None)
    stage: Mapped[str | None] = mapped_column(String(20), default=None)  # report | resolve
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Ticket(Base):
    """A repair ticket (报修工单)."""

    __tablename__ = "tickets"
    __table_args__ = (
        # with created_at: the lists (newest first, a page at a time) read a page off the index, not every match
        Index("ix_tickets_county_status_created", "county", "status", "created_at"),
        Index("ix_tickets_assignee_status_created", "assignee_outlet_id", "status", "created_at"),
        Index("ix_tickets_status_due", "status", "due_at"),
        # the acceptance timer asks for the oldest dispatched tickets
        Index("ix_tickets_status_dispatched", "status", "dispatched_at"),
        Index("ix_tickets_created", "created_at"),
        # the acceptance timer asks for the dispatches past their deadline
        Index("ix_tickets_status_accept_due", "status", "accept_due_at"),
    )

    ticket_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    county: Mapped[str] = mapped_column(String(6))
    category: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(10))  # qr | agent | window | phone | app
    reporter_id: Mapped[str] = mapped_column(String(36), index=True)
    agent_id: Mapped[str | None] = mapped_column(String(36), index=True, default=None)
    filed_by: Mapped[str] = mapped_column(String(36), index=True)
    contact_name: Mapped[str] = mapped_column(String(50))
    contact_phone: Mapped[str] = mapped_column(String(20))
    lat: Mapped[float | None] = mapped_column(Float, default=None)
    lng: Mapped[float | None] = mapped_column(Float, default=None)
    address: Mapped[str] = mapped_column(String(200), default="")
    point: Mapped[str] = mapped_column(String(40), default="")
    assignee_outlet_id: Mapped[str | None] = mapped_column(String(40), default=None)
    assignee_distance_km: Mapped[float | None] = mapped_column(Float, default=None)
    excluded_outlets: Mapped[list[str]] = mapped_column(JSON, default=list)  # rejected or timed out
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    restored_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    resolution_note: Mapped[str] = mapped_column(Text, default="")
    rating_level: Mapped[int | None] = mapped_column(Integer, default=None)
    rating_comment: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    response_target_hours: Mapped[float | None] = mapped_column(
        Float, default=None
    )  # 1 (village) or 3 (township)
    # put right: first contact with the resident and arrival on site (the circles are measured on arrival), and
    # the acceptance deadline of the current dispatch (by the ticket's circle and its county's settings)
    contacted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    arrived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    accept_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)


class TicketEvent(Base):
    """One line of a ticket's timeline."""

    __tablename__ = "ticket_events"
    __table_args__ = (Index("ix_ticket_events_ticket", "ticket_no", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_no: Mapped[str] = mapped_column(String(32))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    action: Mapped[str] = mapped_column(String(30))
    actor: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20))


class DispatchDecision(Base):
    """Why a ticket went where it went: the candidates considered, their distances and verdicts."""

    __tablename__ = "dispatch_decisions"
    __table_args__ = (Index("ix_dispatch_decisions_ticket", "ticket_no", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_no: Mapped[str] = mapped_column(String(32))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reason: Mapped[str] = mapped_column(String(20))
    chosen_outlet_id: Mapped[str | None] = mapped_column(String(40), default=None)
    origin: Mapped[str] = mapped_column(String(20))
    origin_lat: Mapped[float] = mapped_column(Float)
    origin_lng: Mapped[float] = mapped_column(Float)
    candidates: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)


class TicketCounter(Base):
    """The next ticket number of a county and day."""

    __tablename__ = "ticket_counters"

    county: Mapped[str] = mapped_column(String(6), primary_key=True)
    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class IdempotencyKey(Base):
    """A client's Idempotency-Key for a ticket it created: the same key and body answer the first ticket."""

    __tablename__ = "idempotency_keys"

    principal: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    ticket_no: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Notification(Base):
    """A message to a person (their account id) or to a region's staff (`region:<scope>`)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_recipient", "recipient", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    recipient: Mapped[str] = mapped_column(String(64))
    ticket_no: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CountyResponseSettings(Base):
    """A county's acceptance timeouts per service circle (minutes an outlet has to accept a dispatch): the 1-hour
    village circle needs a shorter one than the 3-hour township circle. No row: the defaults."""

    __tablename__ = "county_response_settings"

    county: Mapped[str] = mapped_column(String(6), primary_key=True)
    village_accept_minutes: Mapped[int] = mapped_column(Integer)
    township_accept_minutes: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(36))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AgentRating(Base):
    """A rating the filing agent recorded for the resident (六(一)2(3)): pending, not counted, until the resident
    confirms it (the SMS code read out to the agent, or their own rating in the app, which replaces it)."""

    __tablename__ = "agent_ratings"

    ticket_no: Mapped[str] = mapped_column(String(32), ForeignKey("tickets.ticket_no"), primary_key=True)
    level: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    agent_id: Mapped[str] = mapped_column(String(36))
    code_hash: Mapped[str] = mapped_column(String(100))
    tries: Mapped[int] = mapped_column(Integer, default=0)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
