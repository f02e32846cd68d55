"""The holder's side of e-licenses: linking an account to the holder's number, the wallet, one's own license,
and the reads written to a license's use record (facts read for a case, the use log); a part of `Licenses`."""

from __future__ import annotations

import jwt
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.auth import Principal, require_signed_in
from services.kernel.db import utcnow
from services.kernel.errors import Forbidden, InvalidInput, NotFound, Unauthenticated
from services.kernel.validators import mask_id_number, validate_credit_code, validate_id_number
from services.licenses.base import (
    ASSERTION_AUDIENCE,
    ASSERTION_TYP,
    LEGAL_PERSON_KIND,
    LicensesBase,
    require_holder,
    shown_status,
)
from services.licenses.models import HolderLink, License, LicenseUse
from services.licenses.schemas import HolderKind, LicenseStatus


class WalletRules(LicensesBase):
    """Holders, the wallet, reads on record and the use log; mixed into `Licenses`."""

    async def link_holder(self, *, session: AsyncSession, principal: Principal, assertion: str) -> int:
        """Link the caller to the ID number (a legal person: the credit code) in identity's signed real-name
        assertion; the number of licenses they then hold."""
        require_holder(principal, "代办人不能绑定居民的证照")
        try:
            header = jwt.get_unverified_header(assertion)
        except jwt.InvalidTokenError as exc:
            raise Unauthenticated("实名断言格式不正确", code="invalid_assertion") from exc
        kid = header.get("kid")
        key = await self.verifier.keys.public_key(kid) if isinstance(kid, str) else None
        if header.get("typ") != ASSERTION_TYP or header.get("alg") != "EdDSA" or key is None:
            raise Unauthenticated("实名断言不是身份认证签发的", code="invalid_assertion")
        try:
            claims = jwt.decode(
                assertion,
                key,
                algorithms=["EdDSA"],
                audience=ASSERTION_AUDIENCE,
                issuer=self.settings.issuer,
                options={"require": ["sub", "iat", "exp"]},
                leeway=5,
            )
            if principal.kind == LEGAL_PERSON_KIND:
                field, number = "credit_code", validate_credit_code(str(claims["credit_code"]))
            else:
                field, number = "id_number", validate_id_number(str(claims["id_number"]))
        except (jwt.InvalidTokenError, ValueError, KeyError) as exc:
            raise Unauthenticated("实名断言无效或已过期", code="invalid_assertion") from exc
        if claims["sub"] != principal.sub:
            raise Forbidden("实名断言不属于当前账号", code="invalid_assertion")
        index = self.holder_index(field, number)
        link = await session.get(HolderLink, principal.sub)
        if link is None:
            session.add(
                HolderLink(
                    account_id=principal.sub,
                    holder_index=index,
                    holder_enc=self.encrypt(number.encode(), field=field),
                    linked_at=utcnow(),
                )
            )
        elif link.holder_index != index:
            link.holder_index = index
            link.holder_enc = self.encrypt(number.encode(), field=field)
            link.linked_at = utcnow()
        await session.flush()
        return len(await self._wallet_rows(session, principal.sub, index))

    async def _wallet_rows(self, session: AsyncSession, account_id: str, index: str | None) -> list[License]:
        holder = License.holder_account_id == account_id
        if index:
            holder = or_(holder, License.holder_index == index)
        query = select(License).where(holder).order_by(License.issued_at.desc())
        return list((await session.scalars(query)).all())

    async def wallet(self, *, session: AsyncSession, principal: Principal) -> tuple[list[License], bool]:
        """The caller's licenses (every status), and whether an ID number is linked."""
        require_holder(principal, "代办人不能查看居民的证照夹")
        index = await session.scalar(
            select(HolderLink.holder_index).where(HolderLink.account_id == principal.sub)
        )
        return await self._wallet_rows(session, principal.sub, index), index is not None

    async def own_license(self, *, session: AsyncSession, principal: Principal, license_id: str) -> License:
        """One of the caller's own licenses; another person's is refused as not theirs."""
        require_holder(principal, "代办人不能出示或查看居民的证照")
        row = await session.get(License, license_id)
        if row is None:
            raise NotFound("没有这本证照", code="license_not_found")
        index = await session.scalar(
            select(HolderLink.holder_index).where(HolderLink.account_id == principal.sub)
        )
        if row.holder_account_id != principal.sub and (index is None or row.holder_index != index):
            raise Forbidden("这不是您的证照", code="not_your_license")
        return row

    def holder_masked(self, row: License) -> str:
        if not row.holder_enc:
            return ""
        field = "id_number" if row.holder_kind == HolderKind.PERSON else "credit_code"
        number = self.decrypt(row.holder_enc, field=field).decode()
        return mask_id_number(number) if field == "id_number" else f"{number[:4]}**********{number[-4:]}"

    # -- reads on record ----------------------------------------------------------------------------------------

    async def facts(
        self,
        *,
        session: AsyncSession,
        principal: Principal,
        types: list[str],
        purpose: str,
        reader: str,
        case_ref: str,
    ) -> list[License]:
        """The caller's valid licenses of `types`, each read written to its use record."""
        require_signed_in(principal)
        if not purpose.strip() or not reader.strip():
            raise InvalidInput("读取证照须写明读取单位和用途", code="purpose_required")
        if principal.actor is not None and principal.kind != LEGAL_PERSON_KIND and not case_ref.strip():
            raise Forbidden("代办人只能为所办的件读取证照", code="case_required")
        index = await session.scalar(
            select(HolderLink.holder_index).where(HolderLink.account_id == principal.sub)
        )
        wanted = set(types)
        rows = [
            r
            for r in await self._wallet_rows(session, principal.sub, index)
            if r.type in wanted and shown_status(r) == LicenseStatus.VALID
        ]
        now = utcnow()
        for row in rows:
            session.add(
                LicenseUse(
                    license_id=row.id,
                    at=now,
                    kind="read",
                    who=reader.strip()[:200],
                    purpose=purpose.strip()[:200],
                    case_ref=case_ref.strip()[:80],
                    agent_id=principal.actor,
                )
            )
        await session.flush()
        return rows

    async def uses(
        self, *, session: AsyncSession, principal: Principal, license_id: str, limit: int = 100
    ) -> list[LicenseUse]:
        await self.own_license(session=session, principal=principal, license_id=license_id)
        query = (
            select(LicenseUse)
            .where(LicenseUse.license_id == license_id)
            .order_by(LicenseUse.at.desc(), LicenseUse.id.desc())
            .limit(max(1, min(limit or 100, 500)))
        )
        return list((await session.scalars(query)).all())
