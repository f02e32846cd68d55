"""Tables of public broadcast facilities, terminal heartbeats and county fee schedules (on the repair `Base`)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.kernel.db import UTCDateTime, utcnow
from services.repair.models import Base, BigId


class BroadcastPlatform(Base):
    """A county's emergency-broadcast management platform; it signs its terminals' heartbeats with an Ed25519 key
    (its public key here) or an HMAC-SHA256 secret (kept sealed with AES-GCM, never in the clear)."""

    __tablename__ = "broadcast_platforms"

    platform_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    county: Mapped[str] = mapped_column(String(6), index=True)
    name: Mapped[str] = mapped_column(String(100))
    scheme: Mapped[str] = mapped_column(String(20))  # ed25519 | hmac-sha256
    public_key: Mapped[str] = mapped_column(String(100), default="")
    sealed_secret: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Facility(Base):
    """A registered public facility: a 发射转播台 (transmitter) or an 应急广播终端 (emergency-broadcast terminal)."""

    __tablename__ = "facilities"
    __table_args__ = (
        UniqueConstraint("county", "code", name="uq_facilities_county_code"),
        Index("ix_facilities_county_kind", "county", "kind"),
        Index("ix_facilities_county_due", "county", "next_inspection_due"),
    )

    asset_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    county: Mapped[str] = mapped_column(String(6))
    code: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(100))
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    township: Mapped[str] = mapped_column(String(50), default="")
    village: Mapped[str] = mapped_column(String(50), default="")
    platform_id: Mapped[str | None] = mapped_column(String(40), default=None)
    outlet_id: Mapped[str | None] = mapped_column(String(40), index=True, default=None)  # who maintains it
    inspection_interval_days: Mapped[int | None] = mapped_column(Integer, default=None)
    last_inspected_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    next_inspection_due: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Inspection(Base):
    """One inspection (巡检) of a facility with its photo or video evidence."""

    __tablename__ = "inspections"
    __table_args__ = (Index("ix_inspections_asset_at", "asset_id", "at"),)

    inspection_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    asset_id: Mapped[str] = mapped_column(String(40))
    county: Mapped[str] = mapped_column(String(6), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    inspector: Mapped[str] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(String(20))  # normal | fault
    on_time: Mapped[bool] = mapped_column(Boolean, default=True)  # by the planned due date (or with no plan)
    note: Mapped[str] = mapped_column(Text, default="")
    evidence_ids: Mapped[list[str]] = mapped_column(JSON, default=list)


class InspectionEvidence(Base):
    """Which inspection an evidence upload belongs to (its bytes and metadata are the repair `Evidence`)."""

    __tablename__ = "inspection_evidence"

    evidence_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    inspection_id: Mapped[str] = mapped_column(String(40), index=True)
    county: Mapped[str] = mapped_column(String(6))


class Heartbeat(Base):
    """A terminal's heartbeat, as its platform signed it: online, and the seconds it broadcast since the last one."""

    __tablename__ = "terminal_heartbeats"
    __table_args__ = (Index("ix_terminal_heartbeats_asset_at", "asset_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    asset_id: Mapped[str] = mapped_column(String(40))
    platform_id: Mapped[str] = mapped_column(String(40))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    slot: Mapped[int] = mapped_column(Integer)  # the 5-minute slot since the epoch
    online: Mapped[bool] = mapped_column(Boolean, default=True)
    broadcast_seconds: Mapped[int] = mapped_column(Integer, default=0)


class HeartbeatNonce(Base):
    """A nonce a platform has used: each is accepted once (kept past the ±5-minute window, then swept)."""

    __tablename__ = "heartbeat_nonces"

    platform_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class FeeSchedule(Base):
    """A county's approved repair fee items (amounts in fen) and its free services, published for anyone."""

    __tablename__ = "fee_schedules"

    county: Mapped[str] = mapped_column(String(6), primary_key=True)
    items: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    free_services: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_by: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TicketFee(Base):
    """The fee charged for a resolved ticket: one of the county's items, at most its approved amount."""

    __tablename__ = "ticket_fees"

    ticket_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    county: Mapped[str] = mapped_column(String(6), index=True)
    item: Mapped[str] = mapped_column(String(50))
    amount_fen: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(20), default="")
    charged_by: Mapped[str] = mapped_column(String(64))
    charged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MonthlyReview(Base):
    """One step of a county's monthly data review chain (village → township → county): who signed it off and the
    figures as they were at that moment, frozen (later changes to tickets or heartbeats do not alter them)."""

    __tablename__ = "monthly_reviews"

    county: Mapped[str] = mapped_column(String(6), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    stage: Mapped[str] = mapped_column(String(10), primary_key=True)  # village | township | county
    signed_by: Mapped[str] = mapped_column(String(64))
    signer_name: Mapped[str] = mapped_column(String(50))
    note: Mapped[str] = mapped_column(Text, default="")
    figures: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AssessmentScheme(Base):
    """A county's annual performance scoring scheme for its outlets: weights summing to 100, the target score (below
    it an outlet is to rectify) and the score below which its contract is ended and it is replaced (解约更换)."""

    __tablename__ = "assessment_schemes"

    county: Mapped[str] = mapped_column(String(6), primary_key=True)
    weights: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    target_score: Mapped[float] = mapped_column(Float, default=80.0)
    replace_below: Mapped[float] = mapped_column(Float, default=60.0)
    updated_by: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
