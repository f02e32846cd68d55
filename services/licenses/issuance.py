"""Issuing e-licenses and changing their status: the issuing department, the status-list index, the seal and
the SD-JWT, the fields and the validity, idempotent issuing, renew/suspend/reinstate/revoke; a part of `Licenses`."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.auth import Principal, require_roles
from services.kernel.db import utcnow
from services.kernel.errors import Forbidden, InvalidInput, NotFound, WrongState
from services.kernel.sdjwt import canonical, issue_sd_jwt, seal
from services.kernel.validators import validate_credit_code, validate_id_number
from services.licenses.base import (
    ANY_DEPARTMENT,
    ISSUER_ROLE,
    STATUS_LIST_SIZE,
    LicensesBase,
    end_of_day,
    today,
)
from services.licenses.idempotency import claim_issue_key
from services.licenses.keys import LICENSE
from services.licenses.models import IssueKey, License, LicenseType, LicenseUse, StatusList
from services.licenses.schemas import HolderKind, LicenseStatus, StatusAction


class IssuanceRules(LicensesBase):
    """Issuing licenses and changing their status; mixed into `Licenses`."""

    @staticmethod
    def department_of(principal: Principal) -> str:
        require_roles(principal, ISSUER_ROLE)
        department = principal.claims.get("department")
        if not isinstance(department, str) or not department:
            raise Forbidden("该账号未归属任何发证部门", code="issuer_without_department")
        return department

    async def _allocate_status_index(self, session: AsyncSession) -> tuple[int, int]:
        """A random free index of the newest list that is less than half full (so indices stay unguessable)."""
        current = await session.scalar(
            select(StatusList).order_by(StatusList.id.desc()).limit(1).with_for_update()
        )
        if current is None or current.used >= current.size // 2:
            current = StatusList(
                id=(current.id + 1) if current else 1, size=STATUS_LIST_SIZE, used=0, created_at=utcnow()
            )
            session.add(current)
            await session.flush()
        while True:
            index = secrets.randbelow(current.size)
            taken = await session.scalar(
                select(License.id).where(License.status_list_id == current.id, License.status_index == index)
            )
            if taken is None:
                current.used += 1
                return current.id, index

    async def _sign(self, session: AsyncSession, row: License, holder_public: Any) -> None:
        """Seal the license and make its SD-JWT with the department's active key."""
        kid, key = await self.keyring.signing_key(session, purpose=LICENSE, department=row.issuer_department)
        row.kid = kid
        row.seal = seal(key, self.sealed_document(row))
        claims: dict[str, Any] = {
            "iss": self.issuer_url,
            "issuer_department": row.issuer_department,
            "vct": row.type,
            "iat": int(utcnow().timestamp()),
            "status": {
                "status_list": {"idx": row.status_index, "uri": self.status_list_uri(row.status_list_id)}
            },
        }
        if row.valid_until:
            claims["exp"] = end_of_day(row.valid_until)
        row.sd_jwt = issue_sd_jwt(
            issuer_key=key, kid=kid, claims=claims, fields=row.fields, holder_key=holder_public
        )

    @staticmethod
    def sealed_document(row: License) -> dict[str, Any]:
        return {
            "license_id": row.id,
            "type": row.type,
            "issuer_department": row.issuer_department,
            "holder": row.holder_index or f"account:{row.holder_account_id}",
            "fields": row.fields,
            "valid_from": row.valid_from,
            "valid_until": row.valid_until or "",
        }

    @staticmethod
    def _check_fields(kind: LicenseType, fields: dict[str, str]) -> dict[str, str]:
        names = [f["name"] for f in kind.fields]
        unknown = sorted(set(fields) - set(names))
        if unknown:
            raise InvalidInput(
                f"证照类型 {kind.name} 没有这些字段：{'、'.join(unknown)}", code="unknown_field"
            )
        missing = [n for n in names if not str(fields.get(n, "")).strip()]
        if missing:
            raise InvalidInput(f"缺少字段：{'、'.join(missing)}", code="missing_field")
        too_long = [n for n in names if len(fields[n]) > 200]
        if too_long:
            raise InvalidInput(f"字段过长：{'、'.join(too_long)}", code="field_too_long")
        return {n: fields[n].strip() for n in names}

    @staticmethod
    def valid_until_for(kind: LicenseType, requested: str, start: dt.date) -> str | None:
        if requested:
            try:
                until = dt.date.fromisoformat(requested)
            except ValueError as exc:
                raise InvalidInput("有效期须为 YYYY-MM-DD 格式的日期", code="invalid_valid_until") from exc
            if until <= start:
                raise InvalidInput("有效期须晚于今天", code="invalid_valid_until")
            return until.isoformat()
        if kind.validity_years:
            try:
                return start.replace(year=start.year + kind.validity_years).isoformat()
            except ValueError:  # 29 February
                return (start.replace(day=28, year=start.year + kind.validity_years)).isoformat()
        return None

    async def issue(
        self,
        *,
        session: AsyncSession,
        principal: Principal,
        type_code: str,
        id_number: str = "",
        credit_code: str = "",
        fields: dict[str, str],
        valid_until: str = "",
        idempotency_key: str = "",
    ) -> License:
        department = self.department_of(principal)
        idempotency_ref = request_hash = None
        claim: IssueKey | None = None
        if idempotency_key:
            if len(idempotency_key) > 100:
                raise InvalidInput("Idempotency-Key 不能超过 100 个字符", code="invalid_idempotency_key")
            idempotency_ref = f"{principal.sub}:{idempotency_key}"
            request_hash = hashlib.sha256(
                canonical([type_code, id_number, credit_code, fields, valid_until])
            ).hexdigest()
            claim, first_id = await claim_issue_key(
                session, owner=principal.sub, key=idempotency_key, request_hash=request_hash
            )
            if first_id:
                first = await session.get(License, first_id)
                if first is None:
                    raise NotFound("找不到该 Idempotency-Key 签发的证照", code="license_not_found")
                return first
        kind = await self._type(session, type_code)
        if kind.issuer_department not in (department, ANY_DEPARTMENT):
            raise Forbidden(
                f"{department}无权签发{kind.name}（发证部门为{kind.issuer_department}）",
                code="issuer_not_authorised",
            )
        if kind.holder_kind == HolderKind.PERSON:
            try:
                number = validate_id_number(id_number)
            except ValueError as exc:
                raise InvalidInput("持证人公民身份号码不正确", code="invalid_id_number") from exc
            index_kind, own_field = "id_number", "id_number"
        else:
            try:
                number = validate_credit_code(credit_code)
            except ValueError as exc:
                raise InvalidInput("持证单位统一社会信用代码不正确", code="invalid_credit_code") from exc
            index_kind, own_field = "credit_code", "credit_code"
        checked = self._check_fields(kind, fields)
        if own_field in checked and checked[own_field].upper() != number:
            raise InvalidInput("证照上的号码与持证人号码不一致", code="holder_mismatch")
        row = await self.create_license(
            session=session,
            kind=kind,
            department=department,
            issued_by=principal.sub,
            fields=checked,
            valid_until=self.valid_until_for(kind, valid_until, today()),
            holder_index=self.holder_index(index_kind, number),
            holder_enc=self.encrypt(number.encode(), field=index_kind),
        )
        row.idempotency_ref, row.request_hash = idempotency_ref, request_hash
        if claim is not None:
            claim.license_id = row.id
        await session.flush()
        return row

    async def create_license(
        self,
        *,
        session: AsyncSession,
        kind: LicenseType,
        department: str,
        issued_by: str,
        fields: dict[str, str],
        valid_until: str | None,
        holder_index: str | None = None,
        holder_enc: bytes | None = None,
        holder_account_id: str | None = None,
        source_ref: str | None = None,
    ) -> License:
        list_id, index = await self._allocate_status_index(session)
        license_id = str(uuid.uuid4())
        holder_key = Ed25519PrivateKey.generate()
        raw_holder_key = holder_key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        now = utcnow()
        row = License(
            id=license_id,
            type=kind.code,
            issuer_department=department,
            issued_by=issued_by,
            holder_kind=kind.holder_kind,
            holder_index=holder_index,
            holder_enc=holder_enc,
            holder_account_id=holder_account_id,
            fields=fields,
            valid_from=today().isoformat(),
            valid_until=valid_until,
            status=LicenseStatus.VALID,
            status_reason="",
            status_list_id=list_id,
            status_index=index,
            holder_key=self.encrypt(raw_holder_key, field=f"holder-key:{license_id}"),
            source_ref=source_ref,
            issued_at=now,
            updated_at=now,
        )
        await self._sign(session, row, holder_key.public_key())
        session.add(row)
        session.add(LicenseUse(license_id=license_id, at=now, kind="issued", who=department, purpose="签发"))
        await session.flush()
        return row

    async def change_status(
        self,
        *,
        session: AsyncSession,
        principal: Principal,
        license_id: str,
        action: str,
        reason: str,
        valid_until: str = "",
    ) -> License:
        department = self.department_of(principal)
        try:
            act = StatusAction(action)
        except ValueError as exc:
            raise InvalidInput(
                "操作只能是 renew、suspend、reinstate 或 revoke", code="invalid_action"
            ) from exc
        reason = reason.strip()
        if not reason or len(reason) > 200:
            raise InvalidInput("请写明原因（200 字以内）", code="reason_required")
        row = await session.get(License, license_id, with_for_update=True)
        if row is None:
            raise NotFound("没有这本证照", code="license_not_found")
        if row.issuer_department != department:
            raise Forbidden("只有签发部门可以变更这本证照", code="not_the_issuer")
        if row.status == LicenseStatus.REVOKED:
            raise WrongState("证照已注销，不能再变更", code="license_revoked")
        if act is StatusAction.SUSPEND:
            if row.status != LicenseStatus.VALID:
                raise WrongState("只有有效的证照可以暂停", code="not_valid")
            row.status = LicenseStatus.SUSPENDED
        elif act is StatusAction.REINSTATE:
            if row.status != LicenseStatus.SUSPENDED:
                raise WrongState("只有暂停的证照可以恢复", code="not_suspended")
            row.status = LicenseStatus.VALID
        elif act is StatusAction.REVOKE:
            row.status = LicenseStatus.REVOKED
        else:
            kind = await self._type(session, row.type)
            new_until = self.valid_until_for(kind, valid_until, today())
            if new_until is None:
                raise InvalidInput("请给出新的有效期", code="invalid_valid_until")
            row.valid_until = new_until
            await self._sign(session, row, self.holder_key(row).public_key())
        row.status_reason = reason
        row.updated_at = utcnow()
        session.add(
            LicenseUse(
                license_id=row.id,
                at=row.updated_at,
                kind="status",
                who=department,
                purpose=f"{act}：{reason}",
            )
        )
        await session.flush()
        return row
