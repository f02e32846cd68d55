"""Tables of the intake service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.kernel.db import UTCDateTime, new_metadata, utcnow
from services.kernel.events import OutboxMixin, ProcessedEventMixin

BigId = BigInteger().with_variant(Integer, "sqlite")


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
    department: Mapped[str] = mapped_column(String(100), index=True)
    region: Mapped[str] = mapped_column(String(6), index=True)  # the broadest region offering it
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    category: Mapped[str] = mapped_column(String(40), index=True)
    mode: Mapped[str] = mapped_column(String(16), default="online")
    promised_days: Mapped[int] = mapped_column(Integer)
    statutory_days: Mapped[int] = mapped_column(Integer)
    mobile: Mapped[bool] = mapped_column(Boolean, default=False)
    needs_visit: Mapped[bool] = mapped_column(Boolean, default=False)
    form_schema: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    materials: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    special_procedures: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    result_license_type: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(12), default="published")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ItemChange(Base):
    """A recorded change of the catalogue: 新增 · 发布 · 调整 · 暂停 · 取消."""

    __tablename__ = "item_changes"
    __table_args__ = (Index("ix_item_changes_code", "code", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(12))
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")
    changed_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    before: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class NumberBlock(Base):
    """The next free sequence number of a day (China time), handed out to processes in blocks."""

    __tablename__ = "number_blocks"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    next_free: Mapped[int] = mapped_column(Integer, default=1)


class Application(Base):
    """An application (申请) for a service item, from submission to conclusion."""

    __tablename__ = "applications"
    __table_args__ = (
        Index("ix_applications_worklist", "department", "status", "next_due", "application_no"),
        Index("ix_applications_applicant", "applicant_id", "submitted_at"),
        Index("ix_applications_next_due", "status", "next_due"),
    )

    application_no: Mapped[str] = mapped_column(String(24), primary_key=True)
    item_code: Mapped[str] = mapped_column(String(40), index=True)
    item_name: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(100))
    region: Mapped[str] = mapped_column(String(6), index=True)
    mode: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(24))
    applicant_id: Mapped[str] = mapped_column(String(64))
    agent_id: Mapped[str] = mapped_column(String(64), default="")
    filed_by: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(12))
    form: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    materials: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    prefilled: Mapped[list[str]] = mapped_column(JSON, default=list)
    waived: Mapped[list[str]] = mapped_column(JSON, default=list)
    missing: Mapped[list[str]] = mapped_column(JSON, default=list)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    acceptance_due: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    acceptance_kind: Mapped[str] = mapped_column(String(12), default="")
    receipt_no: Mapped[str] = mapped_column(String(32), default="")
    completion_due: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    deficiency_material: Mapped[str] = mapped_column(String(40), default="")
    deficiency_due: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    procedure: Mapped[str] = mapped_column(String(40), default="")
    procedure_until: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    procedure_started: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    next_due: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    next_due_kind: Mapped[str] = mapped_column(String(12), default="")
    concluded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    outcome: Mapped[str] = mapped_column(String(12), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    opinion: Mapped[str] = mapped_column(Text, default="")
    bundle_no: Mapped[str] = mapped_column(String(24), default="", index=True)
    flagged_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class TimelineEntry(Base):
    """One transition of an application: who did what, when, and the status it left."""

    __tablename__ = "application_timeline"
    __table_args__ = (Index("ix_timeline_application", "application_no", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    application_no: Mapped[str] = mapped_column(String(24))
    action: Mapped[str] = mapped_column(String(30))
    actor: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class IdempotencyKey(Base):
    """A caller's Idempotency-Key (per caller and person acted for) and the application it created."""

    __tablename__ = "idempotency_keys"

    owner: Mapped[str] = mapped_column(String(140), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Bundle(Base):
    """一件事一次办: several items applied for together with one form and one set of materials."""

    __tablename__ = "bundles"

    bundle_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    item_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    department: Mapped[str] = mapped_column(String(100))


class BundleApplication(Base):
    __tablename__ = "bundle_applications"

    bundle_no: Mapped[str] = mapped_column(String(24), primary_key=True)
    bundle_code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    applicant_id: Mapped[str] = mapped_column(String(64), index=True)
    agent_id: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16), default="in_progress")
    outcome: Mapped[str] = mapped_column(String(12), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Slot(Base):
    """An appointment slot of a service window on a day."""

    __tablename__ = "slots"
    __table_args__ = (Index("ix_slots_region_day", "region", "day", "start"),)

    slot_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    region: Mapped[str] = mapped_column(String(6))
    window: Mapped[str] = mapped_column(String(60))
    item_code: Mapped[str] = mapped_column(String(40), default="")
    day: Mapped[dt.date] = mapped_column(Date)
    start: Mapped[str] = mapped_column(String(5))
    end: Mapped[str] = mapped_column(String(5))
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)


class Appointment(Base):
    __tablename__ = "appointments"
    __table_args__ = (Index("ix_appointments_account", "account_id", "created_at"),)

    appointment_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    slot_id: Mapped[str] = mapped_column(String(40), index=True)
    account_id: Mapped[str] = mapped_column(String(64))
    agent_id: Mapped[str] = mapped_column(String(64), default="")
    application_no: Mapped[str] = mapped_column(String(24), default="")
    status: Mapped[str] = mapped_column(String(12), default="booked")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Notification(Base):
    """A notice to a department's staff (recipient `dept:<department>:<region>`), e.g. the daily overdue flags."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_intake_notifications_recipient", "recipient", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    recipient: Mapped[str] = mapped_column(String(180))
    application_no: Mapped[str] = mapped_column(String(24))
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    day: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
