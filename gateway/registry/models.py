"""Registry tables: mini-apps and their versions, department membership, consents, feedback and the audit trail."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.base import Base
from services.kernel.db import UTCDateTime, utcnow


class MiniApp(Base):
    """A mobile government-service app that joins 办事通 (移动政务服务应用), owned by one department.

    `status` is the app's place in the catalogue: `unlisted` until a version is first approved, then `listed`
    (serving `listed_version`, and `gray_version` to `gray_percent` % of users) or `delisted` (with the reason in
    `status_reason`). `revision` grows with every change the catalogue shows, so that replicas reload only the
    apps that changed. How often an app is used is counted in Redis: a ranking signal, not a record.
    """

    __tablename__ = "mini_apps"

    app_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    department: Mapped[str] = mapped_column(String(60), index=True)
    category: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="unlisted")
    listed_version: Mapped[str | None] = mapped_column(String(64), default=None)
    gray_version: Mapped[str | None] = mapped_column(String(64), default=None)
    gray_percent: Mapped[int] = mapped_column(Integer, default=0)
    status_reason: Mapped[str | None] = mapped_column(Text, default=None)
    status_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    flagged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    flag_reason: Mapped[str | None] = mapped_column(Text, default=None)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    # A first-party app (the platform's own, flagged by a platform admin) sees the province-wide `unionid`.
    first_party: Mapped[bool] = mapped_column(Boolean, default=False)
    # Gray release: when the gray began (it goes to 100 % after `miniapp_gray_full_days` unless paused), and the
    # full version before the listed one, which a one-click rollback returns to.
    gray_started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    gray_paused: Mapped[bool] = mapped_column(Boolean, default=False)
    previous_version: Mapped[str | None] = mapped_column(String(64), default=None)
    emergency: Mapped[bool] = mapped_column(Boolean, default=False)  # delisted as an emergency (紧急下架)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class MiniAppVersion(Base):
    """One version of an app and its manifest. Its review: draft → pending_review → approved | rejected."""

    __tablename__ = "mini_app_versions"
    __table_args__ = (Index("ix_mini_app_versions_status", "status"),)

    app_id: Mapped[str] = mapped_column(ForeignKey("mini_apps.app_id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    entry_url: Mapped[str] = mapped_column(String(500))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    category: Mapped[str] = mapped_column(String(40))
    service_items: Mapped[list[str]] = mapped_column(JSON, default=list)
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    min_client_version: Mapped[str | None] = mapped_column(String(64), default=None)
    # 同源发布: [{channel: app | pc | terminal, entry_url, min_client_version}]; empty means the app channel only,
    # at `entry_url` and `min_client_version`.
    channels: Mapped[list[dict[str, str | None]]] = mapped_column(JSON, default=list)
    submitted_by: Mapped[str | None] = mapped_column(String(64), default=None)
    changelog: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    decided_by: Mapped[str | None] = mapped_column(String(64), default=None)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    decision_note: Mapped[str | None] = mapped_column(
        Text, default=None
    )  # the rejection reason, or a comment


class DepartmentMember(Base):
    """An account that works for a department (部门): its developers act on the department's apps, and a reviewer
    who belongs to it may not decide on them."""

    __tablename__ = "mini_app_department_members"

    department: Mapped[str] = mapped_column(String(60), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Consent(Base):
    """The scopes a person has granted an app (授权), remembered until they revoke it from their user space."""

    __tablename__ = "mini_app_consents"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    app_id: Mapped[str] = mapped_column(ForeignKey("mini_apps.app_id", ondelete="CASCADE"), primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), index=True)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Feedback(Base):
    """A citizen's feedback on an app, for its developers. They see the citizen's openid, never the account."""

    __tablename__ = "mini_app_feedback"
    __table_args__ = (Index("ix_mini_app_feedback_app_id", "app_id", "id"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    app_id: Mapped[str] = mapped_column(ForeignKey("mini_apps.app_id", ondelete="CASCADE"))
    version: Mapped[str | None] = mapped_column(String(64), default=None)
    openid: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[str | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), default=None
    )
    kind: Mapped[str] = mapped_column(String(20))
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RegistryEvent(Base):
    """The append-only audit trail of the registry: who decided what, when and why.

    Rows are only ever inserted; the migration adds a trigger that refuses UPDATE and DELETE.
    """

    __tablename__ = "registry_events"
    __table_args__ = (Index("ix_registry_events_app_id", "app_id", "id"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    event: Mapped[str] = mapped_column(String(30))
    app_id: Mapped[str | None] = mapped_column(String(64), default=None)
    version: Mapped[str | None] = mapped_column(String(64), default=None)
    department: Mapped[str | None] = mapped_column(String(60), default=None)
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
