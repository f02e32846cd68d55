"""Identity's state and shared helpers: the infrastructure its rules need (keys, ciphers, limits, SMS,
revocations), the audit trail and the account look-ups (`Identity` in `service.py` gathers the rules)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import String, any_, bindparam, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity.crypto import FieldCipher, Passwords
from gateway.identity.keys import KeyStore
from gateway.identity.models import Account, AuditEvent
from gateway.identity.schemas import (
    AccountKind,
    AccountRead,
    AccountStatus,
    AuditEventRead,
    Role,
)
from gateway.identity.sms import SmsSender
from services.kernel.auth import Principal, require_roles
from services.kernel.db import utcnow
from services.kernel.errors import (
    NotFound,
)
from services.kernel.ratelimit import RateLimiter
from services.kernel.reads import Read, connection_of, read_in
from services.kernel.revocation import RevocationList
from services.kernel.settings import Settings
from services.kernel.validators import mask_phone

log = logging.getLogger("bst.identity")

SMS_CODE_SECONDS = 300
SMS_CODE_MAX_TRIES = 5
# Failed passwords from all sources within an hour that lock an account everywhere (per source it is
# `password_max_failures`): far more than anyone mistypes, and it takes many networks to reach.
ACCOUNT_WIDE_FAILURES = 100
STAFF_REGION_ROLES = {
    Role.COUNTY_ADMIN,
    Role.OUTLET_TECHNICIAN,
    Role.VILLAGE_AGENT,
    Role.WINDOW_STAFF,
    Role.DEPARTMENT_STAFF,
    Role.LICENSE_ISSUER,
}


@dataclass
class IdentityBase:
    """Identity's state, audit trail and account look-ups; its rules are in the parts `Identity` gathers."""

    settings: Settings
    keys: KeyStore
    cipher: FieldCipher
    passwords: Passwords
    limiter: RateLimiter | None
    revocations: RevocationList | None
    sms: SmsSender

    @property
    def _limiter(self) -> RateLimiter:
        if self.limiter is None:
            raise RuntimeError("this Identity was built without Redis (seeding only)")
        return self.limiter

    @property
    def _revocations(self) -> RevocationList:
        if self.revocations is None:
            raise RuntimeError("this Identity was built without Redis (seeding only)")
        return self.revocations

    # -- audit ----------------------------------------------------------------------------------------------

    @staticmethod
    def audit(
        session: AsyncSession,
        event: str,
        *,
        actor: str | None = None,
        subject: str | None = None,
        ip: str | None = None,
        **detail: object,
    ) -> None:
        session.add(AuditEvent(at=utcnow(), event=event, actor=actor, subject=subject, ip=ip, detail=detail))

    async def get_audit_events(
        self,
        *,
        session: AsyncSession,
        principal: Principal,
        event: str | None = None,
        subject: str | None = None,
        before_id: int | None = None,
        limit: int = 50,
    ) -> list[AuditEventRead]:
        require_roles(principal, Role.PLATFORM_ADMIN)
        query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
        if event:
            query = query.where(AuditEvent.event == event)
        if subject:
            query = query.where(AuditEvent.subject == subject)
        if before_id:
            query = query.where(AuditEvent.id < before_id)
        return [AuditEventRead.model_validate(e) for e in (await session.scalars(query)).all()]

    # -- accounts -------------------------------------------------------------------------------------------

    def phone_index(self, phone: str) -> str:
        return self.cipher.index(phone, field="phone")

    def phone_of(self, account: Account) -> str | None:
        return self.cipher.decrypt(account.phone_enc, field="phone") if account.phone_enc else None

    async def phones_of_ids(self, session: AsyncSession, account_ids: Iterable[str]) -> dict[str, str]:
        """The phones of these accounts, by account id (an account that does not exist or has no phone is left
        out), read in the caller's transaction: on PostgreSQL in one statement for them all (an SMS consumer asks
        once for a read of events, not once per text), on SQLite one each (inline, no round trip)."""
        wanted = list(dict.fromkeys(account_ids))
        if not wanted:
            return {}
        connection = await connection_of(session)
        if connection.dialect.name == "sqlite":
            rows = [row for one in wanted for row in await read_in(connection, _PHONE_OF, account_id=one)]
        else:
            rows = await read_in(connection, _PHONES_OF, account_ids=wanted)
        return {row.id: self.cipher.decrypt(row.phone_enc, field="phone") for row in rows if row.phone_enc}

    def account_read(self, account: Account) -> AccountRead:
        phone = self.phone_of(account)
        return AccountRead(
            id=account.id,
            kind=AccountKind(account.kind),
            username=account.username,
            display_name=account.display_name,
            roles=list(account.roles),
            region=account.region,
            outlet_id=account.outlet_id,
            department=account.department,
            status=AccountStatus(account.status),
            phone_masked=mask_phone(phone) if phone else None,
            real_name_level=account.real_name_level,
            created_at=account.created_at,
        )

    async def get_account(self, *, session: AsyncSession, account_id: str) -> Account:
        account = await session.get(Account, account_id)
        if account is None:
            raise NotFound("no such account", code="unknown_account")
        return account

    async def get_account_or_none(self, *, session: AsyncSession, account_id: str) -> Account | None:
        return await session.get(Account, account_id)

    async def get_by_phone(self, *, session: AsyncSession, phone: str) -> Account | None:
        return await session.scalar(select(Account).where(Account.phone_index == self.phone_index(phone)))


_PHONE_OF = Read(select(Account.id, Account.phone_enc).where(Account.id == bindparam("account_id")))
# PostgreSQL: one array parameter, so one statement prepared once whatever the number of ids
_PHONES_OF = Read(
    select(Account.id, Account.phone_enc).where(
        Account.id == any_(bindparam("account_ids", type_=postgresql.ARRAY(String())))
    )
)
