"""扫码亮证: presentations of chosen fields, online verification (signature, disclosures, key binding, expiry,
replay, status) and the signed status lists. No transport here; the caller owns the transaction."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.auth import Principal, require_roles
from services.kernel.db import utcnow
from services.kernel.errors import Forbidden, InvalidInput, NotFound, WrongState
from services.kernel.license_cache import nonce_key, nonce_ttl, verifier_name, verifier_of
from services.kernel.sdjwt import (
    STATUS_INVALID,
    STATUS_SUSPENDED,
    PresentationRefused,
    Verified,
    encode_status_list,
    jws_parts,
    present,
    seal_holds,
    sign_status_list,
    verify_presentation,
)
from services.licenses.base import shown_status
from services.licenses.keys import LICENSE, STATUS_LIST
from services.licenses.models import License, LicenseType, LicenseUse, StatusList
from services.licenses.schemas import LicenseStatus
from services.licenses.service import Licenses

DEFAULT_TTL_SECONDS = 60
STATUS_LIST_TTL_SECONDS = 60
_NONCE = re.compile(r"^[\x21-\x7e]{8,128}$")


@dataclass(frozen=True, slots=True)
class Outcome:
    valid: bool
    reason: str = ""
    message: str = ""
    type: str = ""
    type_name: str = ""
    issuer: str = ""
    fields: dict[str, str] | None = None


_LICENSE_STATE = select(
    License.id, License.type, License.status, License.valid_until, License.issuer_department
)


class Presentations:
    def __init__(self, licenses: Licenses, redis: Redis, namespace: str) -> None:
        self._types: dict[str, tuple[str, dict[str, str]]] = {}
        self.licenses = licenses
        self.keyring = licenses.keyring
        self.redis = redis
        self.namespace = namespace

    async def create(
        self,
        *,
        session: AsyncSession,
        principal: Principal,
        license_id: str,
        fields: list[str],
        nonce: str = "",
        audience: str = "",
        ttl_seconds: int = 0,
    ) -> tuple[str, str, str, int]:
        """(presentation, nonce, audience, expires at) of the caller's own license with `fields` only."""
        row = await self.licenses.own_license(session=session, principal=principal, license_id=license_id)
        if not fields:
            raise InvalidInput("请选择要出示的字段", code="no_fields")
        if len(set(fields)) != len(fields):
            raise InvalidInput("同一字段只能选一次", code="duplicate_field")
        lacking = [f for f in fields if f not in row.fields]
        if lacking:
            raise InvalidInput(f"这本证照没有这些字段：{'、'.join(lacking)}", code="field_not_in_license")
        status = shown_status(row)
        if status != LicenseStatus.VALID:
            messages = {
                "expired": "证照已过有效期",
                "suspended": "证照已被暂停使用",
                "revoked": "证照已被注销",
            }
            raise WrongState(f"{messages[status]}，不能出示", code=f"license_{status}")
        if nonce and not _NONCE.match(nonce):
            raise InvalidInput("随机数须为 8 至 128 个可见 ASCII 字符", code="invalid_nonce")
        if len(audience) > 200:
            raise InvalidInput("核验方标识过长", code="invalid_audience")
        ttl = ttl_seconds or DEFAULT_TTL_SECONDS
        if not 10 <= ttl <= 300:
            raise InvalidInput("有效时长须在 10 至 300 秒之间", code="invalid_ttl")
        found = await self.keyring.public_key(row.kid)
        if found is None or not seal_holds(found[0], self.licenses.sealed_document(row), row.seal):
            raise WrongState("证照的电子印章校验不通过，请联系发证部门", code="seal_broken")
        nonce = nonce or secrets.token_urlsafe(16)
        audience = audience or self.licenses.verify_audience
        presentation, expires_at = present(
            issued=row.sd_jwt,
            fields=fields,
            holder_key=self.licenses.holder_key(row),
            nonce=nonce,
            audience=audience,
            ttl_seconds=ttl,
        )
        _, labels = await self._type_of(session, row.type)
        session.add(
            LicenseUse(
                license_id=row.id,
                at=utcnow(),
                kind="presentation",
                who=audience[:200],
                purpose=f"扫码亮证：出示{'、'.join(labels.get(f, f) for f in fields)}"[:200],
            )
        )
        await session.flush()
        return presentation, nonce, audience, expires_at

    async def verify(
        self,
        *,
        session: AsyncSession,
        principal: Principal,
        presentation: str,
        nonce: str = "",
        audience: str = "",
        now: float | None = None,
    ) -> Outcome:
        """Verify online; a valid presentation is written to the license's use record and its nonce is spent."""
        outcome, use = await self.check(
            session=session,
            principal=principal,
            presentation=presentation,
            nonce=nonce,
            audience=audience,
            now=now,
        )
        if use is not None:
            await self.record(session=session, use=use)
        return outcome

    async def check(
        self,
        *,
        session: AsyncSession,
        principal: Principal,
        presentation: str,
        nonce: str = "",
        audience: str = "",
        now: float | None = None,
    ) -> tuple[Outcome, dict[str, Any] | None]:
        """Every check of `verify` (signature, digests, key binding, expiry, status, the nonce spent once) on a
        reading session; a valid answer comes with the use-record row the caller writes (`record`) before it
        answers. The signature work and the Redis round trip thus hold no write transaction."""
        now = time.time() if now is None else now
        try:
            checked = await self._check(presentation, nonce, audience, now)
            row = await self._license_of(session, checked)
            status = shown_status(row)
            if status != LicenseStatus.VALID:
                raise PresentationRefused(f"license_{status}")
            key = nonce_key(self.namespace, checked.nonce)
            if not await self.redis.set(key, "1", nx=True, ex=nonce_ttl(checked.expires_at, now)):
                raise PresentationRefused("presentation_replayed")
        except PresentationRefused as refused:
            return Outcome(valid=False, reason=refused.reason, message=refused.message), None
        who = verifier_name(verifier_of(principal), checked.audience)
        name, _ = await self._type_of(session, row.type)
        use = await self.verification_use(
            session, license_id=row.id, type_code=row.type, fields=list(checked.fields), who=who, at=utcnow()
        )
        outcome = Outcome(
            valid=True, type=row.type, type_name=name, issuer=row.issuer_department, fields=checked.fields
        )
        return outcome, use

    async def verification_use(
        self,
        session: AsyncSession,
        *,
        license_id: str,
        type_code: str,
        fields: list[str],
        who: str,
        at: dt.datetime,
    ) -> dict[str, Any]:
        """The use-record row of one accepted online verification (here or in the gateway)."""
        _, labels = await self._type_of(session, type_code)
        shown = "、".join(labels.get(f, f) for f in sorted(fields))
        return {
            "license_id": license_id,
            "at": at,
            "kind": "verification",
            "who": who[:200],
            "purpose": f"在线核验：{shown}"[:200],
            "case_ref": "",
        }

    async def licenses_at(
        self, session: AsyncSession, entries: set[tuple[int, int]]
    ) -> dict[tuple[int, int], Any]:
        """(id, type) of the licenses at these status-list entries (list id, index), by entry."""
        by_list: dict[int, list[int]] = {}
        for list_id, index in entries:
            by_list.setdefault(list_id, []).append(index)
        found = {}
        for list_id, indexes in by_list.items():
            rows = await session.execute(
                select(License.id, License.type, License.status_index).where(
                    License.status_list_id == list_id, License.status_index.in_(indexes)
                )
            )
            found.update({(list_id, row.status_index): row for row in rows})
        return found

    async def record(self, *, session: AsyncSession, use: dict[str, Any]) -> None:
        """Write one verification to the use record (in the caller's transaction)."""
        await session.execute(insert(LicenseUse).values(**use))

    async def _type_of(self, session: AsyncSession, code: str) -> tuple[str, dict[str, str]]:
        """A type's name and field labels, read once (the catalogue changes with a deployment, not a request)."""
        if code not in self._types:
            found = (
                await session.execute(
                    select(LicenseType.name, LicenseType.fields).where(LicenseType.code == code)
                )
            ).first()
            if found is None:
                return "", {}
            self._types[code] = (found.name, {f["name"]: f["label"] for f in found.fields})
        return self._types[code]

    async def _check(self, presentation: str, nonce: str, audience: str, now: float) -> Verified:
        if not presentation or len(presentation) > 8000:
            raise PresentationRefused("malformed")
        kid = jws_parts(presentation.split("~", 1)[0])[0].get("kid")
        if isinstance(kid, str):
            await self.keyring.public_key(kid)  # loads a key another replica made
        return verify_presentation(
            presentation,
            issuer_key=self.keyring.cached_public_key,
            expected_audience=audience or self.licenses.verify_audience,
            expected_nonce=nonce or None,
            now=now,
        )

    async def _license_of(self, session: AsyncSession, checked: Verified) -> Any:
        ref = checked.status_index
        prefix = self.licenses.status_list_uri(0)[:-1]
        if ref is None or not ref[0].startswith(prefix) or not ref[0][len(prefix) :].isdigit():
            raise PresentationRefused("status_unknown")
        row = (
            await session.execute(
                _LICENSE_STATE.where(
                    License.status_list_id == int(ref[0][len(prefix) :]), License.status_index == ref[1]
                )
            )
        ).first()
        if row is None or row.type != checked.payload.get("vct"):
            raise PresentationRefused("status_unknown")
        return row

    # -- status lists -------------------------------------------------------------------------------------------

    async def status_list(self, *, session: AsyncSession, list_id: int) -> str:
        """The signed Token Status List: 0 valid, 1 invalid (revoked), 2 suspended."""
        size = await session.scalar(select(StatusList.size).where(StatusList.id == list_id))
        if size is None:
            raise NotFound("没有这个状态列表", code="status_list_not_found")
        rows = await session.execute(
            select(License.status_index, License.status).where(
                License.status_list_id == list_id, License.status != LicenseStatus.VALID
            )
        )
        codes = {LicenseStatus.REVOKED: STATUS_INVALID, LicenseStatus.SUSPENDED: STATUS_SUSPENDED}
        lst = encode_status_list({index: codes[LicenseStatus(status)] for index, status in rows}, size)
        kid, key = await self.keyring.signing_key(session, purpose=STATUS_LIST)
        return sign_status_list(
            key=key,
            kid=kid,
            uri=self.licenses.status_list_uri(list_id),
            lst=lst,
            ttl_seconds=STATUS_LIST_TTL_SECONDS,
        )

    async def rotate(self, *, session: AsyncSession, principal: Principal, department: str) -> str:
        if not department:
            raise InvalidInput("请给出部门", code="department_required")
        if "platform_admin" in principal.roles:
            require_roles(principal, "platform_admin")
        elif self.licenses.department_of(principal) != department:
            raise Forbidden("只能轮换本部门的签章密钥", code="not_your_department")
        return await self.keyring.rotate(session, purpose=LICENSE, department=department)
