"""Departments' members and apps: registering an app, the developers' and reviewers' lists of apps (a part of
`Registry`)."""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity.models import Account
from gateway.identity.schemas import AccountKind, Role
from gateway.registry.core import RESERVED_APP_IDS, REVIEWERS, RegistryCore
from gateway.registry.models import DepartmentMember, MiniApp, MiniAppVersion
from gateway.registry.schemas import (
    AppCreate,
    AppRead,
    AppStatus,
    MemberIn,
    MemberRead,
    VersionStatus,
)
from services.kernel.auth import Principal, require_roles
from services.kernel.db import utcnow
from services.kernel.errors import (
    AlreadyExists,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
)

log = logging.getLogger("bst.registry")


class AppRules(RegistryCore):
    """Department members and app registration; mixed into `Registry`."""

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
