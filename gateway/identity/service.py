"""The rules of unified identity (统一身份认证). No transport here; the caller owns the transaction.

Refusals that must leave a trace (a wrong code's attempt, a failed password, a reused refresh token) are raised
with `commit_anyway=True`, so the caller's transaction keeps the counter and the audit record; every other
refusal changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import math
import secrets
import uuid
from dataclasses import dataclass

from redis.exceptions import RedisError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity.crypto import FieldCipher, Passwords, code_hash, derive_key, token_hash
from gateway.identity.keys import KeyStore
from gateway.identity.models import Account, AuditEvent, LegalPersonMember, RefreshToken, SmsCode, SmsMessage
from gateway.identity.schemas import (
    AccountCreate,
    AccountKind,
    AccountRead,
    AccountStatus,
    AccountUpdate,
    AuditEventRead,
    LegalPersonCreate,
    LegalPersonRead,
    Me,
    RealNameRequest,
    Role,
    SmsCodeSent,
    SmsMessageRead,
    TokenPair,
)
from gateway.identity.sms import SmsSender
from gateway.identity.tokens import issue_access_token
from services.kernel.auth import Principal, require_roles, require_signed_in
from services.kernel.db import utcnow
from services.kernel.errors import (
    AlreadyExists,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    Unauthenticated,
)
from services.kernel.ratelimit import RateLimiter
from services.kernel.revocation import RevocationList
from services.kernel.settings import Settings
from services.kernel.validators import mask_id_number, mask_phone

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
class Identity:
    """Identity's rules with the infrastructure they need (keys, ciphers, limits, SMS, revocations)."""

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

    @classmethod
    def build(
        cls,
        settings: Settings,
        keys: KeyStore,
        limiter: RateLimiter | None,
        revocations: RevocationList | None,
        sms: SmsSender,
    ) -> Identity:
        return cls(
            settings,
            keys,
            FieldCipher(settings.resolved_secret_key()),
            Passwords(),
            limiter,
            revocations,
            sms,
        )

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
        query = select(Account).order_by(Account.id).limit(limit)
        if kind:
            query = query.where(Account.kind == kind)
        if after:
            query = query.where(Account.id > after)
        accounts = (await session.scalars(query)).all()
        if role:
            accounts = [a for a in accounts if role.value in a.roles]
        return [self.account_read(a) for a in accounts]

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

    # -- SMS sign-in ----------------------------------------------------------------------------------------

    async def send_sms_code(self, *, session: AsyncSession, phone: str, ip: str | None) -> SmsCodeSent:
        index = self.phone_index(phone)
        await self._limiter.hit(
            f"sms:ip:{ip}",
            limit=30,
            window_seconds=3600,
            message="too many codes requested from this network; try again later",
        )
        await self._limiter.hit(
            f"sms:phone:{index}:minute",
            limit=1,
            window_seconds=60,
            message="a code was just sent; wait a minute before asking again",
        )
        await self._limiter.hit(
            f"sms:phone:{index}:hour",
            limit=5,
            window_seconds=3600,
            message="too many codes for this number this hour",
        )
        await self._limiter.hit(
            f"sms:phone:{index}:day",
            limit=10,
            window_seconds=86400,
            message="too many codes for this number today",
        )
        now = utcnow()
        await session.execute(
            update(SmsCode).where(SmsCode.phone_index == index, SmsCode.used_at.is_(None)).values(used_at=now)
        )  # a new code supersedes any earlier one
        code = f"{secrets.randbelow(1_000_000):06d}"
        session.add(
            SmsCode(
                phone_index=index,
                code_hash=self._code_hash(index, code),
                attempts=0,
                expires_at=now + dt.timedelta(seconds=SMS_CODE_SECONDS),
                created_at=now,
            )
        )
        await self.sms.send(
            session,
            phone=phone,
            text=f"【办事通】您的登录验证码为{code}，{SMS_CODE_SECONDS // 60}分钟内有效。请勿告诉他人。",
        )
        return SmsCodeSent(expires_in=SMS_CODE_SECONDS, resend_after=60)

    def _code_hash(self, index: str, code: str) -> str:
        return code_hash(derive_key(self.settings.resolved_secret_key(), "sms-code"), index, code)

    async def sign_in_with_sms(
        self, *, session: AsyncSession, phone: str, code: str, ip: str | None
    ) -> TokenPair:
        index = self.phone_index(phone)
        await self._limiter.check(
            f"signin:phone:{index}", limit=10, message="too many wrong codes for this number; try again later"
        )
        now = utcnow()
        pending = await session.scalar(
            select(SmsCode)
            .where(SmsCode.phone_index == index, SmsCode.used_at.is_(None))
            .order_by(SmsCode.created_at.desc())
            .limit(1)
        )
        if pending is None or pending.expires_at <= now or pending.attempts >= SMS_CODE_MAX_TRIES:
            await self._limiter.hit(f"signin:phone:{index}", limit=10, window_seconds=3600)
            raise Unauthenticated(
                "the code is wrong, used or expired; ask for a new one", code="invalid_code"
            )
        if not hmac.compare_digest(pending.code_hash, self._code_hash(index, code)):
            pending.attempts += 1
            if pending.attempts >= SMS_CODE_MAX_TRIES:
                pending.used_at = now
            await self._limiter.hit(f"signin:phone:{index}", limit=10, window_seconds=3600)
            self.audit(
                session, "signin_failed", subject=index[:16], ip=ip, method="sms", attempts=pending.attempts
            )
            raise Unauthenticated("the code is wrong", code="invalid_code", commit_anyway=True)
        pending.used_at = now
        account = await self.get_by_phone(session=session, phone=phone)
        if account is None:
            account = await self.create_citizen(
                session=session, phone=phone, display_name=mask_phone(phone), real_name_level=1
            )
        elif account.status != AccountStatus.ACTIVE:
            raise Forbidden("this account is disabled", code="account_disabled")
        account.real_name_level = max(account.real_name_level, 1)
        self.audit(session, "signin", subject=account.id, ip=ip, method="sms")
        return await self.issue_tokens(session=session, account=account, method="sms")

    # -- password sign-in -----------------------------------------------------------------------------------

    async def check_password(
        self, *, session: AsyncSession, username: str, password: str, ip: str | None
    ) -> bool:
        """Whether the password is right, checked in a read-only session: argon2id takes ~100 ms by design, and no
        write lock may be held meanwhile. A locked account is refused before any hashing."""
        await self._limiter.hit(
            f"pwd:ip:{ip}",
            limit=30,
            window_seconds=300,
            message="too many sign-in attempts from this network; try again later",
        )
        account = await session.scalar(select(Account).where(Account.username == username))
        await self._refuse_if_locked(account, ip)
        return await self.passwords.verify(account.password_hash if account else None, password)

    def _failure_keys(self, account: Account, ip: str | None) -> tuple[str, str]:
        """Failed-password counters: this account from this source (locks fast), and the account from anywhere
        (a much slower limit, so that nobody can lock an administrator out from outside with a few tries)."""
        return f"pwdfail:{account.id}:{ip}", f"pwdfail:{account.id}"

    async def _refuse_if_locked(self, account: Account | None, ip: str | None) -> None:
        if account is None:
            return
        now = utcnow()
        if account.locked_until is not None and account.locked_until > now:
            retry = int((account.locked_until - now).total_seconds()) + 1
            raise RateLimited(
                "该账号因多次密码错误已暂时锁定，请稍后再试", code="account_locked", retry_after=retry
            )
        source, _ = self._failure_keys(account, ip)
        await self._limiter.check(
            source,
            limit=self.settings.password_max_failures,
            message="该账号在此网络多次密码错误，已暂时锁定，请稍后再试",
            code="account_locked",
        )

    async def sign_in_with_password(
        self, *, session: AsyncSession, username: str, password_ok: bool, ip: str | None
    ) -> TokenPair:
        """The outcome of `check_password`, written down: tokens, or a counted failure (and a lockout)."""
        account = await session.scalar(select(Account).where(Account.username == username))
        await self._refuse_if_locked(account, ip)  # another attempt may have locked it while the hash ran
        if not password_ok or account is None:
            self.audit(
                session,
                "signin_failed",
                subject=account.id if account else None,
                ip=ip,
                method="password",
                username=username[:60],
            )
            if account is not None:
                await self._count_failure(session, account, ip)
            raise Unauthenticated("用户名或密码错误", code="invalid_credentials", commit_anyway=True)
        if account.status != AccountStatus.ACTIVE:
            raise Forbidden("this account is disabled", code="account_disabled")
        account.failed_logins, account.locked_until = 0, None
        await self._limiter.reset(self._failure_keys(account, ip)[0])
        self.audit(session, "signin", subject=account.id, ip=ip, method="password")
        return await self.issue_tokens(session=session, account=account, method="password")

    async def _count_failure(self, session: AsyncSession, account: Account, ip: str | None) -> None:
        """Lock the account for this source after `password_max_failures`; lock it everywhere only after
        ACCOUNT_WIDE_FAILURES from any source within an hour."""
        settings = self.settings
        window = settings.lockout_minutes * 60
        source, everywhere = self._failure_keys(account, ip)
        from_here = await self._limiter.hit(source, limit=1 << 30, window_seconds=window)
        from_anywhere = await self._limiter.hit(everywhere, limit=1 << 30, window_seconds=3600)
        account.failed_logins += 1
        if from_here == settings.password_max_failures:
            self.audit(
                session,
                "lockout",
                subject=account.id,
                ip=ip,
                minutes=settings.lockout_minutes,
                scope="source",
            )
        if from_anywhere >= ACCOUNT_WIDE_FAILURES:
            await self._limiter.reset(everywhere)
            account.failed_logins = 0
            account.locked_until = utcnow() + dt.timedelta(minutes=settings.lockout_minutes)
            self.audit(
                session,
                "lockout",
                subject=account.id,
                ip=ip,
                minutes=settings.lockout_minutes,
                scope="account",
            )

    # -- tokens ---------------------------------------------------------------------------------------------

    def access_token_for(
        self,
        account: Account,
        *,
        session_id: str | None,
        actor: str | None = None,
        lifetime: int | None = None,
        region: str | None = None,
    ) -> str:
        """`region` replaces the account's own (a delegation token carries the agent's county)."""
        settings = self.settings
        extra: dict[str, object] = {}
        if session_id:
            extra["sid"] = session_id
        if account.outlet_id:
            extra["outlet"] = account.outlet_id
        if account.department:
            extra["department"] = account.department
        return issue_access_token(
            self.keys,
            issuer=settings.issuer,
            audience=settings.jwt_audience,
            subject=account.id,
            lifetime_seconds=lifetime or settings.access_token_seconds,
            kind=account.kind,
            roles=list(account.roles),
            region=region or account.region,
            actor=actor,
            **extra,
        )

    async def issue_tokens(
        self,
        *,
        session: AsyncSession,
        account: Account,
        method: str,
        family_id: str | None = None,
        citizen: Account | None = None,
    ) -> TokenPair:
        """An access token and a new refresh token in `family_id` (a new family for a new sign-in).

        `citizen` is the authorised person when `account` is a legal person acting through them.
        """
        family_id = family_id or str(uuid.uuid4())
        refresh = secrets.token_urlsafe(32)
        session.add(
            RefreshToken(
                token_hash=token_hash(refresh),
                family_id=family_id,
                account_id=(citizen or account).id,
                acting_for=account.id if citizen else None,
                method=method,
                created_at=utcnow(),
                expires_at=utcnow() + dt.timedelta(days=self.settings.refresh_token_days),
            )
        )
        access = self.access_token_for(account, session_id=family_id, actor=citizen.id if citizen else None)
        return TokenPair(
            access_token=access, refresh_token=refresh, expires_in=self.settings.access_token_seconds
        )

    async def refresh(self, *, session: AsyncSession, refresh_token: str, ip: str | None) -> TokenPair:
        row = await session.get(RefreshToken, token_hash(refresh_token))
        now = utcnow()
        if row is None:
            await self._limiter.hit(f"refresh:ip:{ip}", limit=60, window_seconds=300)
            raise Unauthenticated("unknown refresh token", code="invalid_grant")
        # A resend within the grace after its rotation (a flaky mobile network) gets the pair that rotation made,
        # as long as that pair's refresh token is still unused; any other reuse revokes the whole family.
        grace_key = f"{self.settings.redis_namespace}:refresh:grace:{row.token_hash}"
        grace = self.settings.refresh_grace_seconds
        if (
            row.rotated_at is not None
            and row.revoked_at is None
            and (now - row.rotated_at).total_seconds() <= grace
        ):
            try:
                cached = await self._limiter.redis.get(grace_key)
            except (RedisError, OSError):
                cached = None
            if cached is not None:
                pair = TokenPair.model_validate_json(self.cipher.decrypt(cached, field="refresh-grace"))
                successor = await session.get(RefreshToken, token_hash(pair.refresh_token))
                if successor is not None and successor.rotated_at is None and successor.revoked_at is None:
                    self.audit(session, "refresh_grace", subject=row.account_id, ip=ip, family=row.family_id)
                    return pair
        if row.rotated_at is not None or row.revoked_at is not None:
            await self.revoke_family(session=session, family_id=row.family_id)
            self.audit(session, "refresh_token_reuse", subject=row.account_id, ip=ip, family=row.family_id)
            log.warning("refresh token reused; its session is revoked", extra={"family": row.family_id})
            raise Unauthenticated(
                "this refresh token was already used; the session is signed out for safety",
                code="refresh_token_reused",
                commit_anyway=True,
            )
        if row.expires_at <= now:
            raise Unauthenticated("the session has expired; sign in again", code="invalid_grant")
        holder = await self.get_account(session=session, account_id=row.account_id)
        if holder.status != AccountStatus.ACTIVE:
            raise Unauthenticated("this account is disabled", code="account_disabled")
        row.rotated_at = now
        if row.acting_for:
            legal_person = await self.get_account(session=session, account_id=row.acting_for)
            await self._require_member(session=session, legal_person=legal_person, citizen=holder)
            pair = await self.issue_tokens(
                session=session,
                account=legal_person,
                method="refresh",
                family_id=row.family_id,
                citizen=holder,
            )
        else:
            pair = await self.issue_tokens(
                session=session, account=holder, method="refresh", family_id=row.family_id
            )
        if grace > 0:
            try:
                await self._limiter.redis.set(
                    grace_key,
                    self.cipher.encrypt(pair.model_dump_json(), field="refresh-grace"),
                    ex=max(1, math.ceil(grace)),
                )
            except (RedisError, OSError):
                log.warning("refresh grace not kept (Redis)", extra={"family": row.family_id})
        return pair

    async def revoke_family(self, *, session: AsyncSession, family_id: str) -> None:
        await session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        await self._revocations.revoke(session=family_id)

    async def logout(
        self, *, session: AsyncSession, principal: Principal, refresh_token: str | None, ip: str | None
    ) -> None:
        require_signed_in(principal)
        family = principal.claims.get("sid")
        if refresh_token:
            row = await session.get(RefreshToken, token_hash(refresh_token))
            if row is not None and row.account_id in (principal.sub, principal.actor):
                family = row.family_id
        if not family:
            raise InvalidInput("this token belongs to no sign-in session", code="no_session")
        await self.revoke_family(session=session, family_id=str(family))
        self.audit(session, "logout", subject=principal.sub, ip=ip, family=family)

    # -- village agents: see gateway/identity/delegation.py ----------------------------------------------------

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

    # -- the SMS outbox (development and tests) -------------------------------------------------------------

    async def get_sms_outbox(
        self, *, session: AsyncSession, principal: Principal, phone: str | None, limit: int = 50
    ) -> list[SmsMessageRead]:
        require_roles(principal, Role.PLATFORM_ADMIN)
        query = select(SmsMessage).order_by(SmsMessage.id.desc()).limit(limit)
        if phone:
            query = query.where(SmsMessage.phone == phone)
        return [
            SmsMessageRead(phone=m.phone, text=m.text, sent_at=m.sent_at)
            for m in (await session.scalars(query)).all()
        ]
