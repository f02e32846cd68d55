"""Oversight of listed apps: delisting and relisting, the monitor's flags, the decision log, monitoring figures and
citizens' feedback (a part of `Registry`)."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.registry.access import feedback_read
from gateway.registry.core import REVIEWERS, SYSTEM, RegistryCore
from gateway.registry.models import Feedback, MiniApp, RegistryEvent
from gateway.registry.schemas import (
    AppRead,
    AppStatus,
    FeedbackRead,
    MonitoringRead,
    RegistryEventRead,
)
from services.kernel.auth import Principal, require_roles
from services.kernel.db import utcnow
from services.kernel.errors import (
    WrongState,
)

log = logging.getLogger("bst.registry")


class Oversight(RegistryCore):
    """Delisting, flags, the event log, monitoring and feedback; mixed into `Registry`."""

    # -- delisting ------------------------------------------------------------------------------------------------

    def _delist(
        self, session: AsyncSession, app: MiniApp, *, actor: str, reason: str, emergency: bool = False
    ) -> None:
        app.status, app.status_reason, app.status_changed_at = AppStatus.DELISTED, reason, utcnow()
        app.emergency = emergency
        app.flagged_at, app.flag_reason = None, None
        self._touch(session, app)
        self._record(
            session,
            "delisted",
            actor=actor,
            app=app,
            version=app.listed_version,
            reason=reason,
            **({"emergency": True} if emergency else {}),  # type: ignore[arg-type]
        )

    async def delist_app(
        self,
        *,
        session: AsyncSession,
        principal: Principal,
        app_id: str,
        reason: str,
        emergency: bool = False,
    ) -> AppRead:
        """下架 (or 紧急下架): out of the catalogue, 410 with the reason to whoever opens it, and its tokens refused
        on every replica."""
        require_roles(principal, *REVIEWERS)
        app = await self._get_app(session, app_id, for_update=True)
        if app.status != AppStatus.LISTED:
            raise WrongState(f"the app is {app.status}, not listed", code="not_listed")
        self._delist(session, app, actor=principal.sub, reason=reason, emergency=emergency)
        return (await self._app_reads(session, [app]))[0]

    async def relist_app(
        self, *, session: AsyncSession, principal: Principal, app_id: str, comment: str | None
    ) -> AppRead:
        require_roles(principal, *REVIEWERS)
        app = await self._get_app(session, app_id, for_update=True)
        if app.status != AppStatus.DELISTED:
            raise WrongState(f"the app is {app.status}, not delisted", code="not_delisted")
        app.status, app.status_reason, app.status_changed_at = AppStatus.LISTED, None, utcnow()
        app.flagged_at, app.flag_reason, app.emergency = None, None, False
        await self._forget_health(app.app_id)
        self._touch(session, app)
        self._record(
            session, "relisted", actor=principal.sub, app=app, version=app.listed_version, reason=comment
        )
        return (await self._app_reads(session, [app]))[0]

    async def clear_flag(
        self, *, session: AsyncSession, principal: Principal, app_id: str, comment: str | None
    ) -> AppRead:
        """A reviewer looked at an app the monitor flagged and keeps it listed."""
        require_roles(principal, *REVIEWERS)
        app = await self._get_app(session, app_id, for_update=True)
        if app.flagged_at is None:
            raise WrongState("the app is not flagged", code="not_flagged")
        app.flagged_at, app.flag_reason = None, None
        self._record(session, "flag_cleared", actor=principal.sub, app=app, reason=comment)
        await self._forget_health(app.app_id)
        return (await self._app_reads(session, [app]))[0]

    async def _forget_health(self, app_id: str) -> None:
        """A reviewer has looked: the next probe starts a new failure period for this app."""
        if self.probe is not None:
            await self.probe.forget(app_id)

    async def flag_failing_app(self, app_id: str, reason: str) -> None:
        """The monitor found the app's entry failing too long: flag it for review (once), and delist it when
        `BST_MINIAPP_AUTO_DELIST` is on. Its own transaction; a decision of `system` in the audit trail."""
        async with self.transaction() as session:
            app = await self._get_app(session, app_id, for_update=True)
            if app.status != AppStatus.LISTED:
                return
            if app.flagged_at is None:
                app.flagged_at, app.flag_reason = utcnow(), reason
                self._record(
                    session, "flagged", actor=SYSTEM, app=app, version=app.listed_version, reason=reason
                )
                log.warning("mini-app flagged for review", extra={"app": app_id, "reason": reason})
            if self.settings.miniapp_auto_delist:
                self._delist(session, app, actor=SYSTEM, reason=reason)
                log.warning("mini-app delisted by the monitor", extra={"app": app_id, "reason": reason})

    async def get_events(
        self,
        *,
        session: AsyncSession,
        principal: Principal,
        app_id: str,
        before_id: int | None,
        limit: int,
    ) -> list[RegistryEventRead]:
        app = await self._get_app(session, app_id)
        await self._require_reader_of(session, principal, app)
        query = (
            select(RegistryEvent)
            .where(RegistryEvent.app_id == app_id)
            .order_by(RegistryEvent.id.desc())
            .limit(limit)
        )
        if before_id:
            query = query.where(RegistryEvent.id < before_id)
        return [RegistryEventRead.model_validate(e) for e in (await session.scalars(query)).all()]

    async def get_monitoring(
        self, *, session: AsyncSession, principal: Principal, app_id: str, minutes: int
    ) -> MonitoringRead:
        require_roles(principal, *REVIEWERS)
        app = await self._get_app(session, app_id)
        if self.probe is None or self.traffic is None:
            raise RuntimeError("this Registry was built without Redis")
        return MonitoringRead(
            app_id=app.app_id,
            status=AppStatus(app.status),
            flagged=app.flagged_at is not None,
            flag_reason=app.flag_reason,
            health=await self.probe.health(app_id),
            traffic=await self.traffic.read(app_id, minutes),
        )

    # -- feedback -------------------------------------------------------------------------------------------------

    async def get_feedback(
        self, *, session: AsyncSession, principal: Principal, app_id: str, before_id: int | None, limit: int
    ) -> list[FeedbackRead]:
        app = await self._get_app(session, app_id)
        await self._require_reader_of(session, principal, app)
        query = select(Feedback).where(Feedback.app_id == app_id).order_by(Feedback.id.desc()).limit(limit)
        if before_id:
            query = query.where(Feedback.id < before_id)
        return [feedback_read(r) for r in (await session.scalars(query)).all()]
