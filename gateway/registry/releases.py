"""Gray releases that only go forward, their automatic completion and one-click rollback, and the first-party flag:
rules of the registry kept beside `service.py` (a mixin of `Registry`, sharing its unit of work and audit trail).

- The percentage of a gray release only rises; a lower one is 409 (`gray_percent_lowered`). Taking it back is the
  rollback, which is recorded with its reason.
- A gray release left unpaused for `BST_MINIAPP_GRAY_FULL_DAYS` (15) days goes to 100 % by itself: the registry's
  resync loop (every replica, every few seconds) completes the due ones, each in its own transaction with the app
  row locked, so two replicas never complete one twice. Pausing stops the clock; resuming starts it again.
- One-click rollback: with a gray release running, everyone gets the listed version again; with none, the app
  returns to the full version before the listed one (`previous_version`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity.schemas import Role
from gateway.registry.models import MiniApp
from services.kernel.auth import Principal, require_roles
from services.kernel.db import utcnow
from services.kernel.errors import WrongState

if TYPE_CHECKING:
    from gateway.registry.schemas import AppRead
    from services.kernel.db import Database
    from services.kernel.settings import Settings

SYSTEM = "system"
RELEASE_MANAGERS = (Role.APP_REVIEWER, Role.PLATFORM_ADMIN)


class GrayReleases:
    """Mixed into `Registry`; the attributes below are the registry's."""

    if TYPE_CHECKING:
        settings: Settings
        db: Database
        transaction: Callable[[], AbstractAsyncContextManager[AsyncSession]]
        _get_app: Callable[..., Awaitable[MiniApp]]
        _require_developer_of: Callable[[AsyncSession, Principal, MiniApp], Awaitable[None]]
        _app_reads: Callable[[AsyncSession, list[MiniApp]], Awaitable[list[AppRead]]]
        _touch: Callable[[AsyncSession, MiniApp], None]
        _record: Callable[..., None]

    @staticmethod
    def _list_fully(app: MiniApp, version: str) -> None:
        """`version` serves everyone; the full version it replaces is remembered for a rollback."""
        if app.listed_version is not None and app.listed_version != version:
            app.previous_version = app.listed_version
        app.listed_version = version
        app.gray_version, app.gray_percent, app.gray_started_at, app.gray_paused = None, 0, None, False

    async def _require_release_manager(
        self, session: AsyncSession, principal: Principal, app: MiniApp
    ) -> None:
        if not principal.roles.intersection(RELEASE_MANAGERS) or principal.actor is not None:
            await self._require_developer_of(session, principal, app)

    async def pause_gray(
        self, *, session: AsyncSession, principal: Principal, app_id: str, paused: bool, reason: str | None
    ) -> AppRead:
        """Pause (the gray release stays where it is, not completed after 15 days) or resume (the clock restarts)."""
        app = await self._get_app(session, app_id, for_update=True)
        await self._require_release_manager(session, principal, app)
        if app.gray_version is None:
            raise WrongState("当前没有正在进行的灰度发布", code="no_gray_release")
        if app.gray_paused == paused:
            raise WrongState("灰度发布已暂停" if paused else "灰度发布没有暂停", code="gray_pause_unchanged")
        app.gray_paused = paused
        if not paused:
            app.gray_started_at = utcnow()
        self._touch(session, app)
        self._record(
            session,
            "gray_paused" if paused else "gray_resumed",
            actor=principal.sub,
            app=app,
            version=app.gray_version,
            reason=reason,
            percent=app.gray_percent,
        )
        return (await self._app_reads(session, [app]))[0]

    async def rollback(
        self, *, session: AsyncSession, principal: Principal, app_id: str, reason: str
    ) -> AppRead:
        """一键回退: end the gray release, or, with none running, return to the last full version."""
        app = await self._get_app(session, app_id, for_update=True)
        await self._require_release_manager(session, principal, app)
        if app.gray_version is not None:
            rolled_back, percent = app.gray_version, app.gray_percent
            app.gray_version, app.gray_percent, app.gray_started_at, app.gray_paused = None, 0, None, False
            self._touch(session, app)
            self._record(
                session,
                "gray_rolled_back",
                actor=principal.sub,
                app=app,
                version=rolled_back,
                reason=reason,
                percent=percent,
            )
            return (await self._app_reads(session, [app]))[0]
        if app.previous_version is None or app.listed_version is None:
            raise WrongState("没有可回退的上一个全量版本", code="nothing_to_roll_back")
        rolled_back = app.listed_version
        app.listed_version, app.previous_version = app.previous_version, None
        self._touch(session, app)
        self._record(
            session,
            "rolled_back",
            actor=principal.sub,
            app=app,
            version=app.listed_version,
            reason=reason,
            rolled_back=rolled_back,
        )
        return (await self._app_reads(session, [app]))[0]

    async def complete_due_gray_releases(self) -> list[str]:
        """Gray releases left unpaused for `miniapp_gray_full_days` go to 100 %; returns the apps completed here."""
        cutoff = utcnow() - dt.timedelta(days=self.settings.miniapp_gray_full_days)
        async with self.db.reader() as session:
            due = (
                await session.scalars(
                    select(MiniApp.app_id).where(
                        MiniApp.gray_version.is_not(None),
                        MiniApp.gray_paused.is_(False),
                        MiniApp.gray_started_at <= cutoff,
                    )
                )
            ).all()
        completed = []
        for app_id in due:
            async with self.transaction() as session:
                app = await self._get_app(session, app_id, for_update=True)
                if (
                    app.gray_version is None
                    or app.gray_paused
                    or app.gray_started_at is None
                    or app.gray_started_at > cutoff
                ):
                    continue  # another replica completed it, or someone changed it meanwhile
                version, percent = app.gray_version, app.gray_percent
                self._list_fully(app, version)
                self._touch(session, app)
                self._record(
                    session,
                    "gray_completed",
                    actor=SYSTEM,
                    app=app,
                    version=version,
                    reason=f"灰度发布满 {self.settings.miniapp_gray_full_days:g} 天未暂停，自动全量发布",
                    percent=percent,
                )
                completed.append(app_id)
        return completed

    async def set_first_party(
        self, *, session: AsyncSession, principal: Principal, app_id: str, first_party: bool
    ) -> AppRead:
        """A platform admin marks an app as the platform's own: it then gets the province-wide `unionid`."""
        require_roles(principal, Role.PLATFORM_ADMIN)
        app = await self._get_app(session, app_id, for_update=True)
        if app.first_party != first_party:
            app.first_party = first_party
            self._touch(session, app)
            self._record(
                session, "first_party_changed", actor=principal.sub, app=app, first_party=first_party
            )
        return (await self._app_reads(session, [app]))[0]
