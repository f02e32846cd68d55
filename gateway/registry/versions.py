"""Versions and their review: a version's entry URL checked (allow-list, address), submitted, approved or rejected, and
the gray release an approval starts (a part of `Registry`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.registry.catalogue import served_channels
from gateway.registry.core import REVIEWERS, SYSTEM, RegistryCore, host_allowed
from gateway.registry.models import MiniApp, MiniAppVersion
from gateway.registry.schemas import (
    AppRead,
    ApproveIn,
    AppStatus,
    Channel,
    ChannelRead,
    GrayIn,
    VersionCreate,
    VersionRead,
    VersionStatus,
    semver_key,
)
from gateway.registry.ssrf import ForbiddenAddress, entry_port_ok, resolve_checked
from services.kernel.auth import Principal
from services.kernel.db import utcnow
from services.kernel.errors import (
    AlreadyExists,
    FieldError,
    Forbidden,
    InvalidInput,
    WrongState,
)

log = logging.getLogger("bst.registry")


class VersionRules(RegistryCore):
    """Versions, review and gray percentages; mixed into `Registry`."""

    if TYPE_CHECKING:  # `GrayReleases`' (releases.py), the other part of `Registry` that lists a version
        _list_fully: Callable[[MiniApp, str], None]

    # -- versions -------------------------------------------------------------------------------------------------

    @staticmethod
    def _version_read(row: MiniAppVersion) -> VersionRead:
        return VersionRead(
            app_id=row.app_id,
            version=row.version,
            status=VersionStatus(row.status),
            entry_url=row.entry_url,
            scopes=list(row.scopes),
            category=row.category,
            service_items=list(row.service_items),
            regions=list(row.regions),
            min_client_version=row.min_client_version,
            changelog=row.changelog,
            created_at=row.created_at,
            submitted_at=row.submitted_at,
            decided_at=row.decided_at,
            reason=row.decision_note if row.status == VersionStatus.REJECTED else None,
            comment=row.decision_note if row.status == VersionStatus.APPROVED else None,
            channels=[
                ChannelRead(channel=Channel(c), entry_url=u, min_client_version=m)
                for c, u, m in served_channels(row.channels, row.entry_url, row.min_client_version)
            ],
        )

    def _check_entry_host(self, entry_url: str) -> None:
        patterns = self.settings.miniapp_host_patterns
        if not host_allowed(entry_url, patterns):
            raise InvalidInput(
                "the entry URL's host is not on the allow-list",
                fields=[
                    FieldError("entry_url", f"the host must match one of: {', '.join(patterns) or '(none)'}")
                ],
            )

    async def _check_entry_address(self, entry_url: str) -> None:
        """https on 443 to public addresses only (see gateway/registry/ssrf.py). A name that does not resolve now
        is let through: nothing connects at registration, and every probe resolves and checks again."""
        if not entry_port_ok(entry_url):
            raise InvalidInput(
                "入口地址只能使用 https 的 443 端口",
                code="entry_url_forbidden",
                fields=[FieldError("entry_url", "只能使用 https 的 443 端口")],
            )
        host = urlsplit(entry_url).hostname or ""
        try:
            await resolve_checked(host, self.resolve)
        except ForbiddenAddress as exc:
            raise InvalidInput(
                "入口地址指向内网或保留地址，不允许登记",
                code="entry_url_forbidden",
                fields=[FieldError("entry_url", str(exc))],
            ) from exc
        except (OSError, TimeoutError):
            return

    @staticmethod
    async def _require_no_review_in_progress(session: AsyncSession, app: MiniApp) -> None:
        pending = await session.scalar(
            select(MiniAppVersion.version).where(
                MiniAppVersion.app_id == app.app_id, MiniAppVersion.status == VersionStatus.PENDING_REVIEW
            )
        )
        if pending is not None:
            raise WrongState(
                f"version {pending} is still under review; wait for its decision", code="review_in_progress"
            )

    async def create_version(
        self, *, session: AsyncSession, principal: Principal, app_id: str, version_in: VersionCreate
    ) -> VersionRead:
        """Add a version with its manifest, submitted for review at once unless it is a draft."""
        app = await self._get_app(session, app_id, for_update=True)
        await self._require_developer_of(session, principal, app)
        self._check_entry_host(version_in.entry_url)
        await self._check_entry_address(version_in.entry_url)
        for channel in version_in.channels:
            self._check_entry_host(channel.entry_url)
            await self._check_entry_address(channel.entry_url)
        new_key = semver_key(version_in.version)
        earlier = (
            await session.scalars(select(MiniAppVersion.version).where(MiniAppVersion.app_id == app.app_id))
        ).all()
        latest = max(earlier, key=semver_key, default=None)
        if latest is not None:
            if semver_key(latest) == new_key:
                raise AlreadyExists(f"version {latest} already exists", code="version_exists")
            if semver_key(latest) > new_key:
                raise InvalidInput(
                    "the version must be greater than the last",
                    fields=[
                        FieldError("version", f"must be greater than {latest}, the app's latest version")
                    ],
                )
        if not version_in.draft:
            await self._require_no_review_in_progress(session, app)
        now = utcnow()
        row = MiniAppVersion(
            app_id=app.app_id,
            version=version_in.version,
            entry_url=version_in.entry_url,
            scopes=list(dict.fromkeys(version_in.scopes)),
            category=version_in.category or app.category,
            service_items=list(dict.fromkeys(version_in.service_items)),
            regions=list(dict.fromkeys(version_in.regions)),
            min_client_version=version_in.min_client_version,
            channels=[c.model_dump(mode="json") for c in version_in.channels],
            changelog=version_in.changelog,
            status=VersionStatus.DRAFT if version_in.draft else VersionStatus.PENDING_REVIEW,
            created_by=principal.sub,
            created_at=now,
            submitted_at=None if version_in.draft else now,
            submitted_by=None if version_in.draft else principal.sub,
        )
        session.add(row)
        await session.flush()
        self._record(
            session,
            "draft_saved" if version_in.draft else "submitted",
            actor=principal.sub,
            app=app,
            version=row.version,
            entry_url=row.entry_url,
            scopes=row.scopes,
        )
        return self._version_read(row)

    async def submit_version(
        self, *, session: AsyncSession, principal: Principal, app_id: str, version: str
    ) -> VersionRead:
        app = await self._get_app(session, app_id, for_update=True)
        await self._require_developer_of(session, principal, app)
        row = await self._get_version(session, app_id, version)
        if row.status != VersionStatus.DRAFT:
            raise WrongState(f"version {version} is {row.status}, not a draft", code="version_not_draft")
        self._check_entry_host(row.entry_url)
        await self._check_entry_address(row.entry_url)
        for channel in row.channels:
            self._check_entry_host(str(channel["entry_url"]))
            await self._check_entry_address(str(channel["entry_url"]))
        await self._require_no_review_in_progress(session, app)
        row.status, row.submitted_at, row.submitted_by = VersionStatus.PENDING_REVIEW, utcnow(), principal.sub
        self._record(session, "submitted", actor=principal.sub, app=app, version=version)
        return self._version_read(row)

    async def get_versions(
        self, *, session: AsyncSession, principal: Principal, app_id: str
    ) -> list[VersionRead]:
        app = await self._get_app(session, app_id)
        await self._require_reader_of(session, principal, app)
        rows = (await session.scalars(select(MiniAppVersion).where(MiniAppVersion.app_id == app_id))).all()
        return [
            self._version_read(r) for r in sorted(rows, key=lambda r: semver_key(r.version), reverse=True)
        ]

    # -- review ---------------------------------------------------------------------------------------------------

    async def _pending_for_decision(
        self, session: AsyncSession, principal: Principal, app_id: str, version: str
    ) -> tuple[MiniApp, MiniAppVersion]:
        app = await self._get_app(session, app_id, for_update=True)
        await self._require_independent_reviewer(session, principal, app)
        row = await self._get_version(session, app_id, version)
        # Seeding (the platform itself, `system`) lists the shipped first-party apps; a person never decides alone.
        if principal.sub != SYSTEM:
            if app.created_by == principal.sub:
                raise Forbidden("不能审核自己登记的应用，请由其他部门的审核人员审核", code="own_app")
            if (row.submitted_by or row.created_by) == principal.sub:
                raise Forbidden("不能审核自己提交的版本，审核人须与提交人不同", code="own_submission")
        if row.status != VersionStatus.PENDING_REVIEW:
            raise WrongState(
                f"version {version} is {row.status}, not pending review", code="version_not_pending"
            )
        return app, row

    async def approve_version(
        self, *, session: AsyncSession, principal: Principal, app_id: str, version: str, approve_in: ApproveIn
    ) -> AppRead:
        """Approve a pending version: the app is listed with it, or serves it to `gray_percent` % of users first."""
        app, row = await self._pending_for_decision(session, principal, app_id, version)
        gray = approve_in.gray_percent is not None and approve_in.gray_percent < 100
        if gray and app.listed_version is None:
            raise WrongState(
                "a gray release needs a listed version to serve everyone else; approve the first version in full",
                code="no_listed_version",
            )
        now = utcnow()
        row.status, row.decided_by, row.decided_at = VersionStatus.APPROVED, principal.sub, now
        row.decision_note = approve_in.comment or None
        if gray:
            app.gray_version, app.gray_percent = row.version, int(approve_in.gray_percent or 0)
            app.gray_started_at, app.gray_paused = now, False
        else:
            self._list_fully(app, row.version)
            if app.status == AppStatus.UNLISTED:
                app.status, app.status_changed_at = AppStatus.LISTED, now
        self._touch(session, app)
        self._record(
            session,
            "approved",
            actor=principal.sub,
            app=app,
            version=row.version,
            reason=approve_in.comment or None,
            gray_percent=app.gray_percent if gray else None,
        )
        return self._app_read(app, None)

    async def reject_version(
        self, *, session: AsyncSession, principal: Principal, app_id: str, version: str, reason: str
    ) -> VersionRead:
        app, row = await self._pending_for_decision(session, principal, app_id, version)
        row.status, row.decided_by, row.decided_at = VersionStatus.REJECTED, principal.sub, utcnow()
        row.decision_note = reason
        self._record(session, "rejected", actor=principal.sub, app=app, version=version, reason=reason)
        return self._version_read(row)

    async def set_gray(
        self, *, session: AsyncSession, principal: Principal, app_id: str, gray_in: GrayIn
    ) -> AppRead:
        """Serve an approved version newer than the listed one to `percent` % of users; 100 lists it fully."""
        app = await self._get_app(session, app_id, for_update=True)
        if not principal.roles.intersection(REVIEWERS) or principal.actor is not None:
            await self._require_developer_of(session, principal, app)
        row = await self._get_version(session, app_id, gray_in.version)
        if row.status != VersionStatus.APPROVED:
            raise WrongState(
                f"version {row.version} is {row.status}, not approved", code="version_not_approved"
            )
        if app.listed_version is None:
            raise WrongState("the app has no listed version yet", code="no_listed_version")
        if semver_key(row.version) <= semver_key(app.listed_version):
            raise WrongState(
                f"version {row.version} is not newer than the listed {app.listed_version}",
                code="version_not_newer",
            )
        before = {"version": app.gray_version, "percent": app.gray_percent if app.gray_version else 0}
        if app.gray_version is not None and semver_key(row.version) < semver_key(app.gray_version):
            raise WrongState(
                f"版本 {app.gray_version} 正在灰度，不能改为更早的版本 {row.version}",
                code="gray_version_older",
            )
        if app.gray_version == row.version and gray_in.percent < app.gray_percent:
            raise WrongState(
                f"灰度比例只能提高：当前为 {app.gray_percent}%，不能降到 {gray_in.percent}%；"
                "如需撤回，请使用一键回退",
                code="gray_percent_lowered",
            )
        if gray_in.percent >= 100:
            self._list_fully(app, row.version)
        else:
            if app.gray_version != row.version:
                app.gray_started_at, app.gray_paused = utcnow(), False
            app.gray_version, app.gray_percent = row.version, gray_in.percent
        self._touch(session, app)
        self._record(
            session,
            "gray_changed",
            actor=principal.sub,
            app=app,
            version=row.version,
            reason=gray_in.reason or None,
            before=before,
            percent=gray_in.percent,
        )
        return (await self._app_reads(session, [app]))[0]

    async def rollback_gray(
        self, *, session: AsyncSession, principal: Principal, app_id: str, reason: str
    ) -> AppRead:
        app = await self._get_app(session, app_id, for_update=True)
        if not principal.roles.intersection(REVIEWERS) or principal.actor is not None:
            await self._require_developer_of(session, principal, app)
        if app.gray_version is None:
            raise WrongState("no version is in gray release", code="no_gray_release")
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
