"""Accounts: citizens and staff made and changed, the bootstrap admin, and the user space (`/me`, binding an ID
number) (a part of `Identity`)."""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity.base import (
    STAFF_REGION_ROLES,
    IdentityBase,
)
from gateway.identity.models import Account, RefreshToken
from gateway.identity.schemas import (
    AccountCreate,
    AccountKind,
    AccountRead,
    AccountStatus,
    AccountUpdate,
    Me,
    RealNameRequest,
    Role,
)
from services.kernel.auth import Principal, require_roles, require_signed_in
from services.kernel.db import utcnow
from services.kernel.errors import (
    AlreadyExists,
    FieldError,
    Forbidden,
    InvalidInput,
)
from services.kernel.validators import mask_id_number, mask_phone

log = logging.getLogger("bst.identity")


class AccountRules(IdentityBase):
    """Making and changing accounts, and the user space; mixed into `Identity`."""

    async def create_citizen(
        self, *, session: AsyncSession, phone: str, display_name: str, real_name_level: int
    ) -> Account:
        account = Account(
            id=str(uuid.uuid4()),
            kind=AccountKind.CITIZEN,
            display_name=display_name,
            phone_enc=self.cipher.encrypt(phone, field="phone"),
            phone_index=self.phone_index(phone),
            real_name_level=real_name_level,
            roles=[],
            status=AccountStatus.ACTIVE,
        )
        session.add(account)
        await session.flush()
        return account

    @staticmethod
    def _check_staff_shape(
        roles: list[Role], region: str | None, outlet_id: str | None, department: str | None = None
    ) -> None:
        errors = []
        if Role.OUTLET_TECHNICIAN in roles and not outlet_id:
            errors.append(FieldError("outlet_id", "an outlet technician belongs to an outlet"))
        if Role.PLATFORM_ADMIN in roles and region != "53":
            errors.append(FieldError("region", "a platform admin's region is the province (53)"))
        if (
            STAFF_REGION_ROLES.intersection(roles)
            and region is not None
            and len(region) == 2
            and (Role.VILLAGE_AGENT in roles or Role.OUTLET_TECHNICIAN in roles)
        ):
            errors.append(FieldError("region", "village agents and technicians work in one county"))
        if Role.LICENSE_ISSUER in roles and not department:
            errors.append(FieldError("department", "a license issuer belongs to an issuing department"))
        if errors:
            raise InvalidInput(
                "the account's roles and region do not fit", code="invalid_input", fields=errors
            )

    async def create_staff_account(
        self, *, session: AsyncSession, principal: Principal, account_in: AccountCreate, ip: str | None = None
    ) -> AccountRead:
        require_roles(principal, Role.PLATFORM_ADMIN)
        return await self._create_staff(
            session=session, account_in=account_in, created_by=principal.sub, ip=ip
        )

    async def create_seed_account(self, *, session: AsyncSession, account_in: AccountCreate) -> AccountRead:
        """A staff account made by seeding (demo data and the bootstrap admin), with no acting admin."""
        return await self._create_staff(session=session, account_in=account_in, created_by=None)

    async def _create_staff(
        self,
        *,
        session: AsyncSession,
        account_in: AccountCreate,
        created_by: str | None,
        ip: str | None = None,
    ) -> AccountRead:
        self._check_staff_shape(
            account_in.roles, account_in.region, account_in.outlet_id, account_in.department
        )
        if await session.scalar(select(Account.id).where(Account.username == account_in.username)):
            raise AlreadyExists(f"the username {account_in.username!r} is taken", code="username_taken")
        if account_in.phone and await self.get_by_phone(session=session, phone=account_in.phone):
            raise AlreadyExists("that phone number already belongs to an account", code="phone_taken")
        account = Account(
            id=str(uuid.uuid4()),
            kind=AccountKind.STAFF,
            username=account_in.username,
            display_name=account_in.display_name,
            password_hash=await self.passwords.hash(account_in.password),
            roles=sorted({r.value for r in account_in.roles}),
            region=account_in.region,
            outlet_id=account_in.outlet_id,
            department=account_in.department,
            status=AccountStatus.ACTIVE,
            created_by=created_by,
            phone_enc=self.cipher.encrypt(account_in.phone, field="phone") if account_in.phone else None,
            phone_index=self.phone_index(account_in.phone) if account_in.phone else None,
        )
        session.add(account)
        await session.flush()
        self.audit(
            session,
            "account_created",
            actor=created_by,
            subject=account.id,
            ip=ip,
            username=account.username,
            roles=account.roles,
            region=account.region,
        )
        return self.account_read(account)

    async def get_all_accounts(
        self,
        *,
        session: AsyncSession,
        principal: Principal,
        kind: AccountKind | None,
        role: Role | None,
        limit: int,
        after: str | None,
    ) -> list[AccountRead]:
        require_roles(principal, Role.PLATFORM_ADMIN)
        # Roles are a JSON list, filtered here: read on until the page is full, so that a short page means the end.
        found: list[Account] = []
        cursor = after
        while len(found) < limit:
            query = select(Account).order_by(Account.id).limit(limit)
            if kind:
                query = query.where(Account.kind == kind)
            if cursor:
                query = query.where(Account.id > cursor)
            batch = (await session.scalars(query)).all()
            found += [a for a in batch if not role or role.value in a.roles]
            if len(batch) < limit:
                break
            cursor = batch[-1].id
        return [self.account_read(a) for a in found[:limit]]

    async def update_account(
        self,
        *,
        session: AsyncSession,
        principal: Principal,
        account_id: str,
        account_in: AccountUpdate,
        ip: str | None = None,
    ) -> AccountRead:
        require_roles(principal, Role.PLATFORM_ADMIN)
        account = await self.get_account(session=session, account_id=account_id)
        if account.id == principal.sub and account_in.status == AccountStatus.DISABLED:
            raise Forbidden("you cannot disable your own account", code="cannot_disable_self")
        changes = account_in.model_dump(exclude_unset=True)
        if account.id == principal.sub and Role.PLATFORM_ADMIN not in changes.get(
            "roles", [Role.PLATFORM_ADMIN]
        ):
            raise Forbidden("不能取消自己的平台管理员角色", code="cannot_demote_self")
        if {"roles", "region", "outlet_id", "department"} & changes.keys():
            if account.kind != AccountKind.STAFF:
                raise InvalidInput("only staff accounts have roles and regions", code="not_staff")
            roles = [Role(r) for r in changes.get("roles", account.roles)]
            self._check_staff_shape(
                roles,
                changes.get("region", account.region),
                changes.get("outlet_id", account.outlet_id),
                changes.get("department", account.department),
            )
        before = {
            "roles": list(account.roles),
            "region": account.region,
            "status": account.status,
            "department": account.department,
        }
        for name, value in changes.items():
            setattr(account, name, sorted({r.value for r in value}) if name == "roles" else value)
        if "status" in changes and changes["status"] != before["status"]:
            if account.status == AccountStatus.DISABLED:
                await session.execute(
                    update(RefreshToken)
                    .where(RefreshToken.account_id == account.id, RefreshToken.revoked_at.is_(None))
                    .values(revoked_at=utcnow())
                )
                await self._revocations.revoke(subject=account.id, queue_if_down=True)
                self.audit(session, "account_disabled", actor=principal.sub, subject=account.id, ip=ip)
            else:
                account.failed_logins, account.locked_until = 0, None
                await self._revocations.restore(subject=account.id)
                self.audit(session, "account_enabled", actor=principal.sub, subject=account.id, ip=ip)
        if (
            before["roles"] != account.roles
            or before["region"] != account.region
            or before["department"] != account.department
        ):
            # Tokens carrying the old roles stop now; the next refresh carries the new ones.
            await self._revocations.revoke(subject=account.id, queue_if_down=True)
            self.audit(
                session,
                "role_changed",
                actor=principal.sub,
                subject=account.id,
                ip=ip,
                before={"roles": before["roles"], "region": before["region"]},
                after={"roles": account.roles, "region": account.region},
            )
        return self.account_read(account)

    async def ensure_bootstrap_admin(self, *, session: AsyncSession, password: str) -> bool:
        """Create `admin` (platform_admin, province-wide) once; an existing one is left as it is."""
        if await session.scalar(select(Account.id).where(Account.username == "admin")):
            return False
        try:
            async with session.begin_nested():
                await self._create_staff(
                    session=session,
                    created_by=None,
                    account_in=AccountCreate(
                        username="admin",
                        password=password,
                        display_name="平台管理员",
                        roles=[Role.PLATFORM_ADMIN],
                        region="53",
                    ),
                )
        except (AlreadyExists, IntegrityError):
            return False  # another replica made it first
        return True

    # -- the user space -------------------------------------------------------------------------------------

    async def get_me(self, *, session: AsyncSession, principal: Principal) -> Me:
        require_signed_in(principal)
        account = await self.get_account(session=session, account_id=principal.sub)
        if principal.actor is not None and principal.kind == AccountKind.CITIZEN:  # an agent for a resident
            return Me(
                id=account.id,
                kind=AccountKind(account.kind),
                display_name=account.display_name,
                roles=[],
                region=principal.region,
                phone_masked=None,
                real_name_level=account.real_name_level,
                id_number_masked=None,
                acting_as=principal.actor,
            )
        phone = self.phone_of(account)
        id_number = (
            self.cipher.decrypt(account.id_number_enc, field="id_number") if account.id_number_enc else None
        )
        return Me(
            id=account.id,
            kind=AccountKind(account.kind),
            display_name=account.display_name,
            roles=list(account.roles),
            region=account.region,
            phone_masked=mask_phone(phone) if phone else None,
            real_name_level=account.real_name_level,
            id_number_masked=mask_id_number(id_number) if id_number else None,
            acting_as=principal.actor,
        )

    async def bind_id_number(
        self, *, session: AsyncSession, principal: Principal, real_name: RealNameRequest, ip: str | None
    ) -> Me:
        """Raise a citizen to real-name level 2 by binding their resident ID number (one account per number)."""
        require_signed_in(principal)
        if principal.actor is not None:
            raise Forbidden("only the resident themself can bind their ID number", code="not_for_delegates")
        account = await self.get_account(session=session, account_id=principal.sub)
        if account.kind != AccountKind.CITIZEN:
            raise Forbidden("only citizens bind an ID number", code="not_a_citizen")
        index = self.cipher.index(real_name.id_number, field="id_number")
        holder = await session.scalar(select(Account.id).where(Account.id_number_index == index))
        if holder is not None and holder != account.id:
            raise AlreadyExists("this ID number is bound to another account", code="id_number_taken")
        account.id_number_enc = self.cipher.encrypt(real_name.id_number, field="id_number")
        account.id_number_index = index
        account.display_name = real_name.name
        account.real_name_level = max(account.real_name_level, 2)
        self.audit(session, "real_name_bound", subject=account.id, ip=ip)
        return await self.get_me(session=session, principal=principal)
