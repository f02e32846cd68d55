"""Legal persons (法人): registered by a citizen, their members, and a member acting for one (a part of
`Identity`)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity.base import (
    IdentityBase,
)
from gateway.identity.models import Account, LegalPersonMember
from gateway.identity.schemas import (
    AccountKind,
    AccountStatus,
    LegalPersonCreate,
    LegalPersonRead,
    TokenPair,
)
from services.kernel.auth import Principal, require_signed_in
from services.kernel.db import utcnow
from services.kernel.errors import (
    AlreadyExists,
    Forbidden,
    NotFound,
)

log = logging.getLogger("bst.identity")


class LegalPersonRules(IdentityBase):
    """Legal persons and their members; mixed into `Identity`."""

    if TYPE_CHECKING:  # defined by the other parts of `Identity`
        issue_tokens: Callable[..., Awaitable[TokenPair]]

    # -- legal persons --------------------------------------------------------------------------------------

    async def create_legal_person(
        self,
        *,
        session: AsyncSession,
        principal: Principal,
        legal_person_in: LegalPersonCreate,
        ip: str | None,
    ) -> LegalPersonRead:
        require_signed_in(principal)
        citizen = await self.get_account(session=session, account_id=principal.sub)
        if principal.actor is not None or citizen.kind != AccountKind.CITIZEN or citizen.real_name_level < 2:
            raise Forbidden(
                "a citizen with a bound ID number registers a legal person", code="real_name_required"
            )
        if await session.scalar(select(Account.id).where(Account.credit_code == legal_person_in.credit_code)):
            raise AlreadyExists("this credit code is already registered", code="credit_code_taken")
        legal_person = Account(
            id=str(uuid.uuid4()),
            kind=AccountKind.LEGAL_PERSON,
            display_name=legal_person_in.name,
            credit_code=legal_person_in.credit_code,
            roles=[],
            status=AccountStatus.ACTIVE,
            real_name_level=2,
            created_by=citizen.id,
        )
        session.add(legal_person)
        await session.flush()
        session.add(
            LegalPersonMember(
                legal_person_id=legal_person.id,
                citizen_id=citizen.id,
                role="owner",
                granted_by=citizen.id,
                granted_at=utcnow(),
            )
        )
        self.audit(
            session,
            "legal_person_created",
            actor=citizen.id,
            subject=legal_person.id,
            ip=ip,
            credit_code=legal_person.credit_code,
        )
        return LegalPersonRead(
            id=legal_person.id,
            credit_code=legal_person_in.credit_code,
            name=legal_person.display_name,
            my_role="owner",
        )

    async def _legal_person_by_code(self, *, session: AsyncSession, credit_code: str) -> Account:
        legal_person = await session.scalar(select(Account).where(Account.credit_code == credit_code))
        if legal_person is None:
            raise NotFound("no legal person with this credit code", code="unknown_legal_person")
        return legal_person

    async def _require_member(
        self, *, session: AsyncSession, legal_person: Account, citizen: Account
    ) -> LegalPersonMember:
        member = await session.get(LegalPersonMember, (legal_person.id, citizen.id))
        if member is None or legal_person.status != AccountStatus.ACTIVE:
            raise Forbidden("you are not authorised to act for this legal person", code="not_authorised")
        return member

    async def add_legal_person_member(
        self, *, session: AsyncSession, principal: Principal, credit_code: str, phone: str, ip: str | None
    ) -> None:
        require_signed_in(principal)
        legal_person = await self._legal_person_by_code(session=session, credit_code=credit_code)
        owner = await self.get_account(session=session, account_id=principal.actor or principal.sub)
        member = await self._require_member(session=session, legal_person=legal_person, citizen=owner)
        if member.role != "owner":
            raise Forbidden("only the owner authorises agents", code="owner_required")
        citizen = await self.get_by_phone(session=session, phone=phone)
        if citizen is None or citizen.kind != AccountKind.CITIZEN:
            raise NotFound(
                "no citizen account with this phone; they sign in once first", code="unknown_citizen"
            )
        if await session.get(LegalPersonMember, (legal_person.id, citizen.id)) is None:
            session.add(
                LegalPersonMember(
                    legal_person_id=legal_person.id,
                    citizen_id=citizen.id,
                    role="agent",
                    granted_by=owner.id,
                    granted_at=utcnow(),
                )
            )
            self.audit(
                session,
                "legal_person_agent_added",
                actor=owner.id,
                subject=legal_person.id,
                ip=ip,
                agent=citizen.id,
            )

    async def act_for_legal_person(
        self, *, session: AsyncSession, principal: Principal, credit_code: str, ip: str | None
    ) -> TokenPair:
        require_signed_in(principal)
        if principal.actor is not None or principal.kind != AccountKind.CITIZEN:
            raise Forbidden("sign in as yourself first", code="citizen_required")
        citizen = await self.get_account(session=session, account_id=principal.sub)
        legal_person = await self._legal_person_by_code(session=session, credit_code=credit_code)
        await self._require_member(session=session, legal_person=legal_person, citizen=citizen)
        self.audit(session, "signin", subject=legal_person.id, actor=citizen.id, ip=ip, method="legal_person")
        return await self.issue_tokens(
            session=session, account=legal_person, method="legal_person", citizen=citizen
        )
