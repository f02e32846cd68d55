"""代办: a village agent acts for a resident only with the resident's consent.

1. The agent asks (`start`): a 6-digit code goes by SMS to the resident's phone, naming the agent and their county.
   The request lives 5 minutes in Redis; nothing is written to the accounts yet.
2. The resident reads the code out to the agent, who confirms it (`confirm`): five wrong codes end the request. Only
   now is an unregistered resident's account created. The resident gets an SMS saying who acts for them and until
   when, the delegation is recorded (audit `delegation`, which the resident lists in their own space), and the agent
   gets a short-lived token for the resident whose `act.sub` names the agent and whose `region` is the agent's.

The agent works inside their own county: an agent without a county region cannot delegate, and a resident whose
region is known must live inside it.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets

from redis.asyncio import Redis
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity.crypto import code_hash, derive_key
from gateway.identity.models import Account, AuditEvent
from gateway.identity.schemas import (
    AccountKind,
    AccountStatus,
    DelegationRead,
    DelegationStarted,
    DelegationToken,
    Role,
)
from gateway.identity.service import Identity
from services.kernel import regions
from services.kernel.auth import Principal, in_region, require_roles, require_signed_in
from services.kernel.db import utcnow
from services.kernel.errors import FieldError, Forbidden, InvalidInput, NotFound
from services.kernel.validators import mask_phone

DELEGATION_CODE_SECONDS = 300
DELEGATION_MAX_TRIES = 5

# Count a wrong try and end the request at the limit; answers the tries so far (-1 when the request is gone).
_WRONG_TRY = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local n = redis.call('HINCRBY', KEYS[1], 'tries', 1)
if n >= tonumber(ARGV[1]) then redis.call('DEL', KEYS[1]) end
return n
"""


def _county_name(adcode: str | None) -> str:
    region = regions.get(adcode) if adcode else None
    return region.name if region else ""


class Delegations:
    def __init__(self, identity: Identity, redis: Redis, namespace: str) -> None:
        self.identity = identity
        self.redis = redis
        self.prefix = f"{namespace}:delegation:"
        self._wrong_try = redis.register_script(_WRONG_TRY)

    def _hash(self, delegation_id: str, code: str) -> str:
        key = derive_key(self.identity.settings.resolved_secret_key(), "delegation-code")
        return code_hash(key, delegation_id, code)

    @staticmethod
    def _agent_county(principal: Principal) -> str:
        require_roles(principal, Role.VILLAGE_AGENT)
        county = str(principal.region or "")
        if len(county) != 6:
            raise Forbidden("代办员账号未设置所在县（市、区），不能代办", code="region_required")
        return county

    @staticmethod
    def _check_resident(resident: Account, principal: Principal) -> None:
        if resident.status != AccountStatus.ACTIVE:
            raise Forbidden("该居民的账号已停用", code="account_disabled")
        if resident.kind != AccountKind.CITIZEN or resident.id == principal.sub:
            raise InvalidInput(
                "代办员只能为居民代办",
                code="not_a_resident",
                fields=[FieldError("resident.phone", "该号码不属于居民")],
            )
        if resident.region and not in_region(principal, resident.region):
            raise Forbidden("该居民不在您负责的区域内", code="region_forbidden")

    async def start(
        self, *, session: AsyncSession, principal: Principal, name: str, phone: str, ip: str | None
    ) -> DelegationStarted:
        """Ask the resident's consent: an SMS code to their phone saying who asks. Nothing else is written."""
        county = self._agent_county(principal)
        identity = self.identity
        limiter = identity._limiter
        await limiter.hit(
            f"delegation:{principal.sub}",
            limit=120,
            window_seconds=3600,
            message="一小时内代办请求过多，请稍后再试",
        )
        index = identity.phone_index(phone)
        await limiter.hit(
            f"delegation:phone:{index}",
            limit=3,
            window_seconds=600,
            message="该号码的代办验证码请求过多，请稍后再试",
        )
        resident = await identity.get_by_phone(session=session, phone=phone)
        if resident is not None:
            self._check_resident(resident, principal)
        agent = await identity.get_account(session=session, account_id=principal.sub)
        delegation_id = secrets.token_urlsafe(12)
        code = f"{secrets.randbelow(1_000_000):06d}"
        key = self.prefix + delegation_id
        await self.redis.hset(
            key,
            mapping={
                "agent": principal.sub,
                "county": county,
                "name": name,
                "phone": identity.cipher.encrypt(phone, field="phone"),
                "code": self._hash(delegation_id, code),
                "tries": 0,
            },
        )
        await self.redis.expire(key, DELEGATION_CODE_SECONDS)
        await identity.sms.send(
            session,
            phone=phone,
            text=(
                f"【办事通】{_county_name(county)}村组代办员{agent.display_name}申请代您办理业务，验证码{code}，"
                f"{DELEGATION_CODE_SECONDS // 60}分钟内有效。您同意时才把验证码告诉代办员；不认识此人请勿告知。"
            ),
        )
        identity.audit(
            session,
            "delegation_requested",
            actor=principal.sub,
            subject=resident.id if resident else None,
            ip=ip,
            phone=mask_phone(phone),
            agent_region=county,
        )
        return DelegationStarted(delegation_id=delegation_id, expires_in=DELEGATION_CODE_SECONDS)

    async def confirm(
        self, *, session: AsyncSession, principal: Principal, delegation_id: str, code: str, ip: str | None
    ) -> DelegationToken:
        """The code the resident read out: the resident's account (made now if new) and a token acting for them."""
        county = self._agent_county(principal)
        identity = self.identity
        key = self.prefix + delegation_id
        pending = {k.decode(): v for k, v in (await self.redis.hgetall(key)).items()}
        if not pending:
            raise NotFound("代办请求不存在或已过期，请重新发起", code="delegation_expired")
        if pending["agent"].decode() != principal.sub:
            raise Forbidden("只有发起请求的代办员可以确认", code="not_your_delegation")
        if not hmac.compare_digest(pending["code"].decode(), self._hash(delegation_id, code)):
            tries = int(await self._wrong_try(keys=[key], args=[DELEGATION_MAX_TRIES]))
            left = max(0, DELEGATION_MAX_TRIES - tries)
            message = f"验证码错误，还可以再试{left}次" if left else "验证码错误次数过多，本次代办请求已作废"
            raise InvalidInput(message, code="invalid_code", fields=[FieldError("code", "验证码错误")])
        if not await self.redis.delete(key):  # a concurrent confirm took it first
            raise NotFound("代办请求不存在或已过期，请重新发起", code="delegation_expired")
        phone = identity.cipher.decrypt(pending["phone"], field="phone")
        resident = await identity.get_by_phone(session=session, phone=phone)
        if resident is None:
            resident = await identity.create_citizen(
                session=session, phone=phone, display_name=pending["name"].decode(), real_name_level=0
            )
        else:
            self._check_resident(resident, principal)
        agent = await identity.get_account(session=session, account_id=principal.sub)
        lifetime = identity.settings.delegation_token_seconds
        until = utcnow() + dt.timedelta(seconds=lifetime)
        identity.audit(
            session,
            "delegation",
            actor=principal.sub,
            subject=resident.id,
            ip=ip,
            agent_name=agent.display_name,
            agent_region=county,
            expires_at=until.isoformat(timespec="seconds"),
        )
        await identity.sms.send(
            session,
            phone=phone,
            text=(
                f"【办事通】您已同意{_county_name(county)}村组代办员{agent.display_name}代您办理业务，"
                f"授权{lifetime // 60}分钟内有效。代办的每件事都会通知您；如非本人同意，请拨打12345反映。"
            ),
        )
        token = identity.access_token_for(
            resident, session_id=None, actor=principal.sub, lifetime=lifetime, region=county
        )
        return DelegationToken(access_token=token, resident_id=resident.id, expires_in=lifetime)

    async def get_all(
        self, *, session: AsyncSession, principal: Principal, limit: int = 50
    ) -> list[DelegationRead]:
        """Delegations in my own name: who acted for me (a resident), or for whom I acted (an agent)."""
        require_signed_in(principal)
        if principal.actor is not None:
            raise Forbidden("代办凭证不能查看授权记录", code="not_for_delegates")
        rows = (
            await session.scalars(
                select(AuditEvent)
                .where(
                    AuditEvent.event == "delegation",
                    or_(AuditEvent.subject == principal.sub, AuditEvent.actor == principal.sub),
                )
                .order_by(AuditEvent.id.desc())
                .limit(limit)
            )
        ).all()
        return [
            DelegationRead(
                agent_id=row.actor or "",
                agent_name=str(row.detail.get("agent_name", "")),
                agent_region=row.detail.get("agent_region"),
                resident_id=row.subject or "",
                at=row.at,
                expires_at=row.detail.get("expires_at"),
            )
            for row in rows
        ]
