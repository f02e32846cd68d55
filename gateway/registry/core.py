"""The registry's core, shared by its parts (`Registry` in `service.py` gathers them): the database, the in-process
catalogue every replica keeps in step (Redis pub/sub and a periodic resync), the unit of work and its audit trail,
and the look-ups and permission checks every rule uses."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.clients import ServiceClients
from gateway.identity.keys import KeyStore
from gateway.identity.schemas import Role
from gateway.registry.access import MiniAppAccess
from gateway.registry.catalogue import Catalogue, load_revisions, load_snapshots
from gateway.registry.models import DepartmentMember, MiniApp, MiniAppVersion, RegistryEvent
from gateway.registry.monitor import AppTraffic, EntryProbe
from gateway.registry.schemas import (
    AppRead,
    AppStatus,
    VersionStatus,
)
from gateway.registry.ssrf import Resolver, system_resolve
from services.kernel.auth import Principal, TokenVerifier, require_roles, require_signed_in
from services.kernel.background import reraise_if_cancelling, stop_task
from services.kernel.broadcast import Broadcast
from services.kernel.db import Database, utcnow
from services.kernel.errors import (
    Forbidden,
    NotFound,
)
from services.kernel.ratelimit import RateLimiter
from services.kernel.revocation import RevocationList
from services.kernel.settings import Settings

log = logging.getLogger("bst.registry")


SYSTEM = "system"  # the actor of the monitor's decisions and of seeding
REVIEWERS = (Role.APP_REVIEWER, Role.PLATFORM_ADMIN)
RESERVED_APP_IDS = frozenset({"mine"})  # a path segment under /api/v1/mini-apps
CHANGED = "registry.changed"  # session.info key: the apps this transaction changed
RESYNC_SECONDS = 10.0


def host_allowed(url: str, patterns: Iterable[str]) -> bool:
    """Whether the URL's host matches one of the allow-list's host patterns (`*.gov.cn`, `banshitong.yn.gov.cn`)."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return bool(host) and any(fnmatchcase(host, pattern) for pattern in patterns)


class RegistryCore:
    """The registry's state and shared helpers; its rules are in the mixins `Registry` gathers."""

    if TYPE_CHECKING:  # defined by the other parts of `Registry`
        flag_failing_app: Callable[[str, str], Awaitable[None]]
        complete_due_gray_releases: Callable[[], Awaitable[list[str]]]

    def __init__(
        self,
        settings: Settings,
        db: Database,
        keys: KeyStore,
        *,
        redis: Redis | None = None,
        verifier: TokenVerifier | None = None,
        revocations: RevocationList | None = None,
        limiter: RateLimiter | None = None,
        clients: ServiceClients | None = None,
        probe_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.redis = redis
        self.catalogue = Catalogue()
        self.access = MiniAppAccess(
            settings,
            keys,
            self.catalogue,
            redis=redis,
            verifier=verifier,
            revocations=revocations,
            limiter=limiter,
            clients=clients,
        )
        self.instance = secrets.token_hex(8)
        self.resolve: Resolver = system_resolve  # how entry hosts are resolved (tests put a fake DNS here)
        namespace = settings.redis_namespace
        self.broadcast = (
            Broadcast(
                redis, f"{namespace}:registry", on_message=self._on_announcement, on_connect=self.resync
            )
            if redis is not None
            else None
        )
        self.traffic = AppTraffic(redis, namespace) if redis is not None else None
        self.probe = (
            EntryProbe(
                catalogue=self.catalogue,
                redis=redis,
                namespace=namespace,
                on_failing=self.flag_failing_app,
                probe_seconds=settings.miniapp_probe_seconds,
                timeout_seconds=settings.miniapp_probe_timeout_seconds,
                flag_after_seconds=settings.miniapp_flag_after_seconds,
                transport=probe_transport,
                resolve=lambda host: self.resolve(host),
            )
            if redis is not None
            else None
        )
        self._resync_task: asyncio.Task[None] | None = None

    # -- lifecycle ------------------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Subscribe to announcements, load every app, then keep in step and probe in the background."""
        if self.broadcast is not None:
            await self.broadcast.start()
        await self.resync()
        self._resync_task = asyncio.create_task(self._keep_in_step(), name="registry-resync")
        if self.probe is not None:
            self.probe.start()

    async def stop(self) -> None:
        await stop_task(self._resync_task)
        self._resync_task = None
        await self.access.stop()
        if self.probe is not None:
            await self.probe.stop()
        if self.broadcast is not None:
            await self.broadcast.stop()

    async def _keep_in_step(self) -> None:
        while True:
            await asyncio.sleep(RESYNC_SECONDS)
            try:
                await self.resync()
                await self.access.ensure_service_items()
                await self.complete_due_gray_releases()
            except Exception:  # the next round tries again; the database or Redis may be back by then
                reraise_if_cancelling()
                log.exception("registry resync failed")

    # -- the unit of work and announcements -----------------------------------------------------------------------

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """`db.transaction()`, and once it has committed, every replica (this one first) reloads the apps it
        changed. Routes that change the registry use this instead of `db.transaction()`."""
        async with self.db.transaction() as session:
            changed: set[str] = session.info.setdefault(CHANGED, set())
            yield session
        if changed:
            await self.announce(sorted(changed))

    async def announce(self, app_ids: list[str]) -> None:
        """Reload the apps here, then tell the other replicas. The change is committed whatever happens here: a
        failure is logged, and the periodic resync repairs it."""
        try:
            await self.reload(app_ids)
        except Exception:
            log.exception("could not reload changed apps", extra={"apps": app_ids})
        if self.broadcast is not None:
            try:
                await self.broadcast.publish({"apps": app_ids, "from": self.instance})
            except (RedisError, OSError) as exc:  # the other replicas catch up at their next resync
                log.warning(
                    "could not announce a registry change", extra={"apps": app_ids, "error": str(exc)}
                )

    async def service_items_changed(self) -> None:
        """An item of the intake catalogue changed through this gateway: search here sees it before the route
        answers, and every other replica refetches on the announcement (the TTL repairs a lost one)."""
        await self.access.refresh_service_items()
        if self.broadcast is not None:
            try:
                await self.broadcast.publish({"service_items": True, "from": self.instance})
            except (RedisError, OSError) as exc:
                log.warning("could not announce a service item change", extra={"error": str(exc)})

    async def _on_announcement(self, message: dict[str, object]) -> None:
        if message.get("from") == self.instance:
            return
        if message.get("service_items") is True:
            await self.access.refresh_service_items()
            return
        apps = message.get("apps")
        if not isinstance(apps, list):
            return
        await self.reload([a for a in apps if isinstance(a, str)])

    async def reload(self, app_ids: list[str]) -> None:
        async with self.db.reader() as session:
            snapshots = await load_snapshots(session, app_ids)
        for snapshot in snapshots:
            self.catalogue.put(snapshot)

    async def resync(self) -> None:
        """Compare every app's revision with the database and reload the ones that differ; refresh use counts."""
        async with self.db.reader() as session:
            revisions = await load_revisions(session)
            held = self.catalogue.revisions()
            stale = [a for a, r in revisions.items() if held.get(a) != r]
            snapshots = []
            if stale:
                snapshots = await load_snapshots(session, None if len(stale) > 500 else stale)
        for snapshot in snapshots:
            self.catalogue.put(snapshot)
        if self.redis is not None:
            counts = await self.redis.hgetall(self.access.uses_key)
            self.catalogue.set_use_counts({k.decode(): int(v) for k, v in counts.items()})

    @staticmethod
    def _touch(session: AsyncSession, app: MiniApp) -> None:
        """The app changed in a way the catalogue shows: bump its revision and announce it after the commit."""
        app.revision += 1
        app.updated_at = utcnow()
        session.info.setdefault(CHANGED, set()).add(app.app_id)

    @staticmethod
    def _record(
        session: AsyncSession,
        event: str,
        *,
        actor: str,
        app: MiniApp | None = None,
        version: str | None = None,
        department: str | None = None,
        reason: str | None = None,
        **detail: object,
    ) -> None:
        session.add(
            RegistryEvent(
                at=utcnow(),
                event=event,
                app_id=app.app_id if app else None,
                version=version,
                department=department or (app.department if app else None),
                actor=actor,
                reason=reason,
                detail=detail,
            )
        )

    # -- departments ----------------------------------------------------------------------------------------------

    @staticmethod
    async def departments_of(session: AsyncSession, account_id: str) -> set[str]:
        rows = await session.scalars(
            select(DepartmentMember.department).where(DepartmentMember.account_id == account_id)
        )
        return set(rows.all())

    @staticmethod
    async def _is_member(session: AsyncSession, account_id: str, department: str) -> bool:
        return await session.get(DepartmentMember, (department, account_id)) is not None

    async def _require_developer_of(self, session: AsyncSession, principal: Principal, app: MiniApp) -> None:
        require_roles(principal, Role.APP_DEVELOPER, Role.PLATFORM_ADMIN)
        if Role.PLATFORM_ADMIN in principal.roles:
            return
        if not await self._is_member(session, principal.sub, app.department):
            raise Forbidden(
                f"this app belongs to {app.department}, a department you do not develop for",
                code="not_your_department",
            )

    async def _require_reader_of(self, session: AsyncSession, principal: Principal, app: MiniApp) -> None:
        """The app's developers, reviewers and platform admins."""
        require_signed_in(principal)
        if principal.actor is None and principal.roles.intersection(REVIEWERS):
            return
        await self._require_developer_of(session, principal, app)

    async def _require_independent_reviewer(
        self, session: AsyncSession, principal: Principal, app: MiniApp
    ) -> None:
        require_roles(principal, *REVIEWERS)
        if await self._is_member(session, principal.sub, app.department):
            raise Forbidden(
                f"you belong to {app.department}; a reviewer from another department decides on its apps",
                code="own_department",
            )

    # -- apps -----------------------------------------------------------------------------------------------------

    async def _get_app(self, session: AsyncSession, app_id: str, *, for_update: bool = False) -> MiniApp:
        query = select(MiniApp).where(MiniApp.app_id == app_id)
        if for_update:
            query = query.with_for_update()
        app = await session.scalar(query)
        if app is None:
            raise NotFound("no mini-app with this id", code="unknown_app")
        return app

    async def _get_version(self, session: AsyncSession, app_id: str, version: str) -> MiniAppVersion:
        row = await session.get(MiniAppVersion, (app_id, version))
        if row is None:
            raise NotFound("this app has no such version", code="unknown_version")
        return row

    @staticmethod
    async def _pending_versions(session: AsyncSession, app_ids: list[str]) -> dict[str, str]:
        if not app_ids:
            return {}
        rows = await session.execute(
            select(MiniAppVersion.app_id, MiniAppVersion.version).where(
                MiniAppVersion.app_id.in_(app_ids), MiniAppVersion.status == VersionStatus.PENDING_REVIEW
            )
        )
        return {app_id: version for app_id, version in rows}

    def _app_read(self, app: MiniApp, pending: str | None) -> AppRead:
        return AppRead(
            app_id=app.app_id,
            name=app.name,
            department=app.department,
            category=app.category,
            description=app.description,
            keywords=list(app.keywords),
            status=AppStatus(app.status),
            status_reason=app.status_reason,
            status_changed_at=app.status_changed_at,
            listed_version=app.listed_version,
            gray_version=app.gray_version,
            gray_percent=app.gray_percent if app.gray_version else 0,
            pending_version=pending,
            flagged=app.flagged_at is not None,
            flag_reason=app.flag_reason,
            use_count=self.catalogue.use_counts.get(app.app_id, 0),
            created_at=app.created_at,
            first_party=app.first_party,
            gray_started_at=app.gray_started_at if app.gray_version else None,
            gray_paused=app.gray_paused if app.gray_version else False,
            previous_version=app.previous_version,
        )

    async def _app_reads(self, session: AsyncSession, apps: list[MiniApp]) -> list[AppRead]:
        pending = await self._pending_versions(session, [a.app_id for a in apps])
        return [self._app_read(a, pending.get(a.app_id)) for a in apps]
