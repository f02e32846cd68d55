"""Tables of the reviews service."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.kernel.db import UTCDateTime, new_metadata, utcnow
from services.kernel.events import OutboxMixin, ProcessedEventMixin


class Base(DeclarativeBase):
    metadata = new_metadata()


class OutboxEvent(OutboxMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass


class ServedCase(Base):
    """One served case (办件): an application, a repair ticket, a mini-app use or a window visit."""

    __tablename__ = "served_cases"
    __table_args__ = (
        UniqueConstraint("case_type", "case_id"),
        Index("ix_served_cases_account", "account_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_type: Mapped[str] = mapped_column(String(20))
    case_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200), default="")
    account_id: Mapped[str] = mapped_column(String(64))  # the person served
    agent_id: Mapped[str | None] = mapped_column(String(64), default=None)  # the agent who filed for them
    served_by: Mapped[str | None] = mapped_column(String(64), default=None)  # the staff account that served
    region: Mapped[str] = mapped_column(String(6))
    department: Mapped[str] = mapped_column(String(100), default="")
    item_code: Mapped[str] = mapped_column(String(64), default="")
    outlet_id: Mapped[str] = mapped_column(String(64), default="")
    app_id: Mapped[str] = mapped_column(String(100), default="")
    unit_kind: Mapped[str] = mapped_column(String(20))  # outlet | department | mini_app
    unit: Mapped[str] = mapped_column(String(100))
    served_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    day: Mapped[str] = mapped_column(String(10))  # China date of served_at, YYYY-MM-DD
    review_due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Invitation(Base):
    """An invitation (评价邀请) of the person served: the first review, or one follow-up after a rectification."""

    __tablename__ = "invitations"
    __table_args__ = (
        UniqueConstraint("case_pk", "kind"),
        Index("ix_invitations_account_status", "account_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    case_pk: Mapped[int] = mapped_column(Integer, index=True)
    account_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(12))  # first | follow_up
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | reviewed
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Review(Base):
    """One review (评价) of one served case: real-name, tied to the reviewer's account."""

    __tablename__ = "case_reviews"
    __table_args__ = (
        UniqueConstraint("case_pk", "kind"),
        Index("ix_case_reviews_reviewer", "reviewer_id"),
        Index("ix_case_reviews_department_created", "department", "created_at"),
        Index("ix_case_reviews_created", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    case_pk: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12))  # first | follow_up
    reviewer_id: Mapped[str] = mapped_column(String(64))
    recorded_by: Mapped[str | None] = mapped_column(String(64), default=None)
    level: Mapped[int] = mapped_column(Integer)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    comment: Mapped[str] = mapped_column(Text, default="")
    comment_masked: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str] = mapped_column(String(12))
    department: Mapped[str] = mapped_column(String(100), default="")
    region: Mapped[str] = mapped_column(String(6))
    day: Mapped[str] = mapped_column(String(10))
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)
    excluded_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReviewRequest(Base):
    """An Idempotency-Key of a review submission, per caller and person acted for."""

    __tablename__ = "review_requests"

    owner: Mapped[str] = mapped_column(String(140), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    review_id: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Rectification(Base):
    """A 差评 rectification case (差评整改) of the responsible unit, due 15 working days after the review."""

    __tablename__ = "rectifications"
    __table_args__ = (
        Index("ix_rectifications_status_due", "status", "due_at"),
        Index("ix_rectifications_unit", "unit_kind", "unit"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    review_id: Mapped[str] = mapped_column(String(32), unique=True)
    case_pk: Mapped[int] = mapped_column(Integer)
    unit_kind: Mapped[str] = mapped_column(String(20))
    unit: Mapped[str] = mapped_column(String(100))
    region: Mapped[str] = mapped_column(String(6))
    reviewer_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="open")
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    rectified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    dispute_reason: Mapped[str] = mapped_column(Text, default="")
    dispute_evidence: Mapped[list[str]] = mapped_column(JSON, default=list)
    decision: Mapped[str] = mapped_column(String(12), default="")
    rectify_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)


class RectificationStep(Base):
    """One step of a rectification case, as the reviewer is told of it."""

    __tablename__ = "rectification_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rectification_id: Mapped[str] = mapped_column(String(32), index=True)
    action: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Appeal(Base):
    """申诉复核: the reviewed unit asks a supervisor to exclude a malicious or mistaken review."""

    __tablename__ = "appeals"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    review_id: Mapped[str] = mapped_column(String(32), unique=True)
    unit: Mapped[str] = mapped_column(String(100))
    region: Mapped[str] = mapped_column(String(6))
    appellant: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)


class ServiceWindow(Base):
    """A service window (窗口) of a department in a county; its printable QR opens the review page."""

    __tablename__ = "service_windows"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    department: Mapped[str] = mapped_column(String(100))
    region: Mapped[str] = mapped_column(String(6))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class IndicatorCounter(Base):
    """The indicators' counters of one (dimension, key, China day), kept in the review's own transaction.

    dimension: region (key = county adcode) | department | item | outlet | app."""

    __tablename__ = "indicator_counters"

    dimension: Mapped[str] = mapped_column(String(12), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    cases: Mapped[int] = mapped_column(Integer, default=0)
    reviewed_cases: Mapped[int] = mapped_column(Integer, default=0)
    active_cases: Mapped[int] = mapped_column(Integer, default=0)
    reviews: Mapped[int] = mapped_column(Integer, default=0)
    level_sum: Mapped[int] = mapped_column(Integer, default=0)
    level_1: Mapped[int] = mapped_column(Integer, default=0)
    level_2: Mapped[int] = mapped_column(Integer, default=0)
    level_3: Mapped[int] = mapped_column(Integer, default=0)
    level_4: Mapped[int] = mapped_column(Integer, default=0)
    level_5: Mapped[int] = mapped_column(Integer, default=0)
    excluded: Mapped[int] = mapped_column(Integer, default=0)
    verified_bad: Mapped[int] = mapped_column(Integer, default=0)
    rectified_on_time: Mapped[int] = mapped_column(Integer, default=0)
