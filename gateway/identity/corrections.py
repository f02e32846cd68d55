"""Identity-result correction (身份认证结果纠错): a citizen whose real-name check failed, or whose ID number is bound
to the wrong account, files a correction with evidence; staff of the identity office (`identity_officer`) decide.

- A citizen files for their own account only (someone else's is 403), one open correction at a time, and not
  through a village agent or a legal person's session.
- `bind`: the name and ID number that are the citizen's. Approval binds the number to the citizen's account (real-name
  level 2); an account that held the number wrongly loses it, and so does any other number the citizen held.
- `unbind`: the citizen's account carries someone else's number. Approval removes it (level back to 1).
- Each decision and its effect is audited (`identity_correction_*`, `real_name_unbound`, `real_name_corrected`) and
  the people concerned are told by SMS.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity.models import Account
from gateway.identity.models_depth import IdentityCorrection
from gateway.identity.schemas import AccountKind, Role
from gateway.identity.schemas_depth import (
    CorrectionCreate,
    CorrectionKind,
    CorrectionRead,
    CorrectionStatus,
)
from gateway.identity.service import Identity
from services.kernel.auth import Principal, require_roles, require_signed_in
from services.kernel.db import utcnow
from services.kernel.errors import Forbidden, InvalidInput, NotFound, RateLimited, WrongState
from services.kernel.validators import mask_id_number

OFFICERS = (Role.IDENTITY_OFFICER,)
MAX_PER_DAY = 5


class Corrections:
    def __init__(self, identity: Identity) -> None:
        self.identity = identity
        self.cipher = identity.cipher

    def _read(self, row: IdentityCorrection) -> CorrectionRead:
        number = self.cipher.decrypt(row.id_number_enc, field="id_number") if row.id_number_enc else None
        return CorrectionRead(
            id=row.id,
            account_id=row.account_id,
            kind=CorrectionKind(row.kind),
            name=row.name,
            id_number_masked=mask_id_number(number) if number else None,
            reason=row.reason,
            evidence=list(row.evidence),
            status=CorrectionStatus(row.status),
            decided_by=row.decided_by,
            decided_at=row.decided_at,
            decision_note=row.decision_note,
            effect=dict(row.effect),
            created_at=row.created_at,
        )

    @staticmethod
    def _is_officer(principal: Principal) -> bool:
        return principal.actor is None and bool(principal.roles.intersection(OFFICERS))

    # -- the citizen ----------------------------------------------------------------------------------------

    async def file(
        self,
        *,
        session: AsyncSession,
        principal: Principal,
        correction_in: CorrectionCreate,
        ip: str | None,
        idempotency_key: str | None = None,
    ) -> CorrectionRead:
        require_signed_in(principal)
        if correction_in.account_id != principal.sub or principal.actor is not None:
            raise Forbidden("只能为本人账号申请身份认证纠错", code="not_your_account")
        request_hash = self.cipher.index(correction_in.model_dump_json(), field="correction-request")
        if idempotency_key:
            earlier = await self._by_key(session, principal.sub, idempotency_key)
            if earlier is not None:
                return self._replay(earlier, request_hash)
        account = await self.identity.get_account(session=session, account_id=principal.sub)
        if account.kind != AccountKind.CITIZEN:
            raise Forbidden("只有自然人账号可以申请身份认证纠错", code="not_a_citizen")
        open_one = await session.scalar(
            select(IdentityCorrection.id).where(
                IdentityCorrection.account_id == account.id,
                IdentityCorrection.status == CorrectionStatus.PENDING,
            )
        )
        if open_one is not None:
            raise WrongState("您已有一件纠错申请正在处理，请等待结果", code="correction_pending")
        today = await session.scalar(
            select(func.count())
            .select_from(IdentityCorrection)
            .where(
                IdentityCorrection.account_id == account.id,
                IdentityCorrection.created_at > utcnow().replace(hour=0, minute=0, second=0, microsecond=0),
            )
        )
        if (today or 0) >= MAX_PER_DAY:
            raise RateLimited("今日纠错申请次数已达上限，请明天再试", code="rate_limited", retry_after=3600)
        index = None
        if correction_in.kind == CorrectionKind.BIND:
            assert correction_in.id_number is not None  # the schema requires it for bind
            index = self.cipher.index(correction_in.id_number, field="id_number")
            if account.id_number_index == index:
                raise WrongState("该身份证号已绑定在您的账号上，无需纠错", code="already_bound")
        elif account.id_number_index is None:
            raise WrongState("您的账号未绑定身份证号，无需解除", code="nothing_bound")
        row = IdentityCorrection(
            id=str(uuid.uuid4()),
            account_id=account.id,
            kind=correction_in.kind,
            name=correction_in.name,
            id_number_enc=(
                self.cipher.encrypt(correction_in.id_number, field="id_number")
                if correction_in.id_number
                else None
            ),
            id_number_index=index,
            reason=correction_in.reason,
            evidence=list(correction_in.evidence),
            status=CorrectionStatus.PENDING,
            effect={},
            idempotency_key=idempotency_key or None,
            request_hash=request_hash,
            created_at=utcnow(),
        )
        try:
            async with session.begin_nested():
                session.add(row)
        except IntegrityError:  # the same key, filed at the same moment by a resend: answer the first
            earlier = await self._by_key(session, principal.sub, idempotency_key or "")
            if earlier is None:
                raise
            return self._replay(earlier, request_hash)
        self.identity.audit(
            session, "identity_correction_filed", subject=account.id, ip=ip, correction=row.id, kind=row.kind
        )
        return self._read(row)

    @staticmethod
    async def _by_key(session: AsyncSession, account_id: str, key: str) -> IdentityCorrection | None:
        return await session.scalar(
            select(IdentityCorrection).where(
                IdentityCorrection.account_id == account_id, IdentityCorrection.idempotency_key == key
            )
        )

    def _replay(self, earlier: IdentityCorrection, request_hash: str) -> CorrectionRead:
        if earlier.request_hash != request_hash:
            raise InvalidInput("该 Idempotency-Key 已用于另一份不同的申请", code="idempotency_key_reused")
        return self._read(earlier)

    async def get_corrections(
        self, *, session: AsyncSession, principal: Principal, status: CorrectionStatus | None, limit: int
    ) -> list[CorrectionRead]:
        """A citizen sees their own; identity officers see everyone's (oldest pending first)."""
        require_signed_in(principal)
        query = select(IdentityCorrection).limit(limit)
        if self._is_officer(principal):
            query = query.order_by(IdentityCorrection.created_at)
        else:
            query = query.where(IdentityCorrection.account_id == principal.sub).order_by(
                IdentityCorrection.created_at.desc()
            )
        if status is not None:
            query = query.where(IdentityCorrection.status == status)
        return [self._read(r) for r in (await session.scalars(query)).all()]

    async def get_correction(
        self, *, session: AsyncSession, principal: Principal, correction_id: str
    ) -> CorrectionRead:
        require_signed_in(principal)
        row = await session.get(IdentityCorrection, correction_id)
        if row is None or (row.account_id != principal.sub and not self._is_officer(principal)):
            raise NotFound("没有这件纠错申请", code="unknown_correction")
        return self._read(row)

    # -- the identity office --------------------------------------------------------------------------------

    async def _pending(
        self, session: AsyncSession, principal: Principal, correction_id: str
    ) -> IdentityCorrection:
        require_roles(principal, *OFFICERS)
        if principal.actor is not None:
            raise Forbidden("纠错须由身份认证办公室工作人员本人决定", code="not_for_delegates")
        row = await session.get(IdentityCorrection, correction_id, with_for_update=True)
        if row is None:
            raise NotFound("没有这件纠错申请", code="unknown_correction")
        if row.status != CorrectionStatus.PENDING:
            raise WrongState("这件纠错申请已有结论", code="correction_decided")
        return row

    @staticmethod
    def _unbind(account: Account) -> None:
        account.id_number_enc, account.id_number_index = None, None
        account.real_name_level = min(account.real_name_level, 1)

    async def approve(
        self,
        *,
        session: AsyncSession,
        principal: Principal,
        correction_id: str,
        note: str | None,
        ip: str | None,
    ) -> CorrectionRead:
        row = await self._pending(session, principal, correction_id)
        citizen = await self.identity.get_account(session=session, account_id=row.account_id)
        effect: dict[str, object] = {"unbound": [], "bound": None}
        unbound: list[str] = []
        if row.kind == CorrectionKind.BIND:
            holder = await session.scalar(
                select(Account).where(Account.id_number_index == row.id_number_index)
            )
            if holder is not None and holder.id != citizen.id:
                self._unbind(holder)
                unbound.append(holder.id)
                self.identity.audit(
                    session,
                    "real_name_unbound",
                    actor=principal.sub,
                    subject=holder.id,
                    ip=ip,
                    correction=row.id,
                )
                await self._tell(
                    session,
                    holder,
                    "【办事通】经身份认证纠错核查，您账号上绑定的身份证号不属于您，已解除绑定。如有疑问请联系政务服务窗口。",
                )
            if citizen.id_number_index is not None:
                self._unbind(citizen)
                unbound.append(citizen.id)
            await session.flush()  # the number is free before it is bound again (it is unique)
            citizen.id_number_enc, citizen.id_number_index = row.id_number_enc, row.id_number_index
            citizen.display_name = row.name or citizen.display_name
            citizen.real_name_level = max(citizen.real_name_level, 2)
            effect["bound"] = citizen.id
            self.identity.audit(
                session,
                "real_name_corrected",
                actor=principal.sub,
                subject=citizen.id,
                ip=ip,
                correction=row.id,
            )
        else:
            self._unbind(citizen)
            unbound.append(citizen.id)
            self.identity.audit(
                session,
                "real_name_unbound",
                actor=principal.sub,
                subject=citizen.id,
                ip=ip,
                correction=row.id,
            )
        effect["unbound"] = unbound
        row.status, row.decided_by, row.decided_at = CorrectionStatus.APPROVED, principal.sub, utcnow()
        row.decision_note, row.effect = note, effect
        self.identity.audit(
            session,
            "identity_correction_approved",
            actor=principal.sub,
            subject=citizen.id,
            ip=ip,
            correction=row.id,
            effect=effect,
        )
        await self._tell(session, citizen, "【办事通】您的身份认证纠错申请已通过，实名信息已更正。")
        return self._read(row)

    async def reject(
        self, *, session: AsyncSession, principal: Principal, correction_id: str, reason: str, ip: str | None
    ) -> CorrectionRead:
        row = await self._pending(session, principal, correction_id)
        citizen = await self.identity.get_account(session=session, account_id=row.account_id)
        row.status, row.decided_by, row.decided_at = CorrectionStatus.REJECTED, principal.sub, utcnow()
        row.decision_note, row.effect = reason, {}
        self.identity.audit(
            session,
            "identity_correction_rejected",
            actor=principal.sub,
            subject=citizen.id,
            ip=ip,
            correction=row.id,
        )
        await self._tell(session, citizen, f"【办事通】您的身份认证纠错申请未通过：{reason[:60]}")
        return self._read(row)

    async def _tell(self, session: AsyncSession, account: Account, text: str) -> None:
        phone = self.identity.phone_of(account)
        if phone:
            await self.identity.sms.send(session, phone=phone, text=text)
