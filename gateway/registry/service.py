"""The rules of the mini-app registry (移动政务服务应用管理). No transport here; the caller owns the transaction.

Who may do what
---------------
- Departments (部门) are named by a string on each app. An account belongs to a department through a row of
  `mini_app_department_members`. A platform admin adds and removes members. A developer who belongs to no
  department yet claims the department of the first app they register — but only a department nobody has
  claimed; after that, a developer registers and acts on apps of their own departments only (403 otherwise).
- Reviewers (`app_reviewer`) and platform admins approve, reject, delist and relist. A reviewer who belongs to
  an app's department may not approve or reject its versions (the same goes for an admin who is a member).
- Nobody decides on an app they registered, or on a version they submitted (a platform admin included).
- Gray release is set, paused and rolled back by the app's developers or by reviewers. Its percentage only rises
  (a lower one is 409); left unpaused for `miniapp_gray_full_days` (15) it goes to 100 % by itself (the resync
  loop checks); a one-click rollback ends a gray release, or, with none running, returns to the last full version.
- A platform admin marks an app first-party (the platform's own): it then sees the province-wide `unionid`.

Versions and listing
--------------------
One state machine per version: draft → pending_review → approved | rejected. A version number is a semantic
version greater than every earlier version of the app; at most one version is under review at a time, and the
listed version keeps serving while it is. Approval lists the app with the version (or, with `gray_percent`, serves
it to that share of users first; the share is stable per user). Delisting takes the app out of the catalogue,
answers 410 with the reason, and refuses its tokens on every replica within a second; relisting brings it back.

Citizens' side — the catalogue as each person sees it, consent, mini-app tokens, feedback — is in `access.py`.

Every decision (register, submit, approve, reject, delist, relist, gray change, flag) is appended to
`registry_events` with who, when and why.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from fnmatch import fnmatchcase
from urllib.parse import urlsplit

import httpx
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.clients import ServiceClients
from gateway.identity.keys import KeyStore
from gateway.identity.models import Account
from gateway.identity.schemas import AccountKind, Role
from gateway.registry.access import MiniAppAccess, feedback_read
from gateway.registry.catalogue import Catalogue, load_revisions, load_snapshots, served_channels
from gateway.registry.models import DepartmentMember, Feedback, MiniApp, MiniAppVersion, RegistryEvent
from gateway.registry.monitor import AppTraffic, EntryProbe
from gateway.registry.releases import GrayReleases
from gateway.registry.schemas import (
    AppCreate,
    AppRead,
    ApproveIn,
    AppStatus,
    Channel,
    ChannelRead,
    FeedbackRead,
    GrayIn,
    MemberIn,
    MemberRead,
    MonitoringRead,
    RegistryEventRead,
    VersionCreate,
    VersionRead,
    VersionStatus,
    semver_key,
)
from gateway.registry.ssrf import ForbiddenAddress, Resolver, entry_port_ok, resolve_checked, system_resolve
from services.kernel.auth import Principal, TokenVerifier, require_roles, require_signed_in
from services.kernel.background import reraise_if_cancelling, stop_task
from services.kernel.broadcast import Broadcast
from services.kernel.db import Database, utcnow
from services.kernel.errors import (
    AlreadyExists,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
    WrongState,
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


class Registry(GrayReleases):
    """The registry's rules for developers and reviewers, with what they need: the database, the in-process
    catalogue every replica keeps in step (Redis pub/sub and a periodic resync), the monitor, and `access` —
    the citizens' and mini-apps' side, which shares the catalogue."""

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

    async def add_member(
        self, *, session: AsyncSession, principal: Principal, member_in: MemberIn
    ) -> MemberRead:
        require_roles(principal, Role.PLATFORM_ADMIN)
        account = await session.get(Account, member_in.account_id)
        if account is None or account.kind != AccountKind.STAFF:
            raise NotFound("no staff account with this id", code="unknown_account")
        if await self._is_member(session, member_in.account_id, member_in.department):
            raise AlreadyExists("this account already belongs to the department", code="already_member")
        member = DepartmentMember(
            department=member_in.department, account_id=account.id, added_by=principal.sub, added_at=utcnow()
        )
        session.add(member)
        self._record(
            session, "member_added", actor=principal.sub, department=member.department, account_id=account.id
        )
        return MemberRead.model_validate(member)

    async def remove_member(
        self, *, session: AsyncSession, principal: Principal, department: str, account_id: str
    ) -> None:
        require_roles(principal, Role.PLATFORM_ADMIN)
        member = await session.get(DepartmentMember, (department, account_id))
        if member is None:
            raise NotFound("this account does not belong to the department", code="not_a_member")
        await session.delete(member)
        self._record(
            session, "member_removed", actor=principal.sub, department=department, account_id=account_id
        )

    async def get_members(
        self, *, session: AsyncSession, principal: Principal, department: str | None, account_id: str | None
    ) -> list[MemberRead]:
        require_roles(principal, Role.PLATFORM_ADMIN)
        query = select(DepartmentMember).order_by(DepartmentMember.department, DepartmentMember.added_at)
        if department:
            query = query.where(DepartmentMember.department == department)
        if account_id:
            query = query.where(DepartmentMember.account_id == account_id)
        return [MemberRead.model_validate(m) for m in (await session.scalars(query)).all()]

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

    async def register_app(
        self, *, session: AsyncSession, principal: Principal, app_in: AppCreate
    ) -> AppRead:
        """Register an app for a department. See the module docstring for who may register for which department."""
        require_roles(principal, Role.APP_DEVELOPER, Role.PLATFORM_ADMIN)
        if app_in.app_id in RESERVED_APP_IDS or app_in.app_id == self.settings.jwt_audience:
            raise InvalidInput(
                "this app id is reserved",
                fields=[FieldError("app_id", "reserved by the platform; choose another")],
            )
        if await session.get(MiniApp, app_in.app_id) is not None:
            raise AlreadyExists(f"the app id {app_in.app_id!r} is taken", code="app_exists")
        if Role.PLATFORM_ADMIN not in principal.roles:
            mine = await self.departments_of(session, principal.sub)
            if app_in.department not in mine:
                claimed = await session.scalar(
                    select(func.count())
                    .select_from(DepartmentMember)
                    .where(DepartmentMember.department == app_in.department)
                )
                if mine or claimed:
                    raise Forbidden(
                        f"you do not develop for {app_in.department}; a platform admin adds department members",
                        code="not_your_department",
                    )
                session.add(
                    DepartmentMember(
                        department=app_in.department,
                        account_id=principal.sub,
                        added_by=principal.sub,
                        added_at=utcnow(),
                    )
                )
                self._record(
                    session,
                    "member_added",
                    actor=principal.sub,
                    department=app_in.department,
                    account_id=principal.sub,
                    how="first app registered",
                )
        app = MiniApp(
            app_id=app_in.app_id,
            name=app_in.name,
            department=app_in.department,
            category=app_in.category,
            description=app_in.description,
            keywords=list(dict.fromkeys(app_in.keywords)),
            status=AppStatus.UNLISTED,
            gray_percent=0,
            revision=0,
            created_by=principal.sub,
            created_at=utcnow(),
        )
        try:
            async with session.begin_nested():
                session.add(app)
                await session.flush()
        except IntegrityError as exc:
            raise AlreadyExists(f"the app id {app_in.app_id!r} is taken", code="app_exists") from exc
        self._touch(session, app)
        self._record(session, "registered", actor=principal.sub, app=app, name=app.name)
        return self._app_read(app, None)

    async def get_my_apps(self, *, session: AsyncSession, principal: Principal) -> list[AppRead]:
        """The apps of the departments the caller develops for, with their status and the reasons given."""
        require_roles(principal, Role.APP_DEVELOPER, Role.PLATFORM_ADMIN)
        departments = await self.departments_of(session, principal.sub)
        if not departments:
            return []
        apps = (
            await session.scalars(
                select(MiniApp).where(MiniApp.department.in_(departments)).order_by(MiniApp.app_id)
            )
        ).all()
        return await self._app_reads(session, list(apps))

    async def get_all_apps(
        self,
        *,
        session: AsyncSession,
        principal: Principal,
        status: AppStatus | None,
        flagged: bool | None,
        pending: bool | None,
        limit: int,
        after: str | None,
    ) -> list[AppRead]:
        """The reviewers' view of every app: filter to those waiting for review or flagged by the monitor."""
        require_roles(principal, *REVIEWERS)
        query = select(MiniApp).order_by(MiniApp.app_id).limit(limit)
        if status:
            query = query.where(MiniApp.status == status)
        if flagged is not None:
            query = query.where(MiniApp.flagged_at.is_not(None) if flagged else MiniApp.flagged_at.is_(None))
        if pending is not None:
            waiting = select(MiniAppVersion.app_id).where(
                MiniAppVersion.status == VersionStatus.PENDING_REVIEW
            )
            query = query.where(MiniApp.app_id.in_(waiting) if pending else MiniApp.app_id.not_in(waiting))
        if after:
            query = query.where(MiniApp.app_id > after)
        return await self._app_reads(session, list((await session.scalars(query)).all()))

    async def get_app_for_staff(self, *, session: AsyncSession, principal: Principal, app_id: str) -> AppRead:
        app = await self._get_app(session, app_id)
        await self._require_reader_of(session, principal, app)
        return (await self._app_reads(session, [app]))[0]

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
            **({"emergency": True} if emergency else {}),
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
