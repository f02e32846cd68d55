"""Signing in by SMS code and by password: codes sent and checked, failures counted and locks (a part of `Identity`);
and the SMS outbox of development and tests."""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity.base import (
    ACCOUNT_WIDE_FAILURES,
    SMS_CODE_MAX_TRIES,
    SMS_CODE_SECONDS,
    IdentityBase,
)
from gateway.identity.crypto import code_hash, derive_key
from gateway.identity.models import Account, SmsCode, SmsMessage
from gateway.identity.schemas import (
    AccountStatus,
    Role,
    SmsCodeSent,
    SmsMessageRead,
    TokenPair,
)
from services.kernel.auth import Principal, require_roles
from services.kernel.db import utcnow
from services.kernel.errors import (
    Forbidden,
    RateLimited,
    Unauthenticated,
)
from services.kernel.validators import mask_phone

log = logging.getLogger("bst.identity")


class SignInRules(IdentityBase):
    """SMS and password sign-in; mixed into `Identity`."""

    if TYPE_CHECKING:  # defined by the other parts of `Identity`
        create_citizen: Callable[..., Awaitable[Account]]
        issue_tokens: Callable[..., Awaitable[TokenPair]]

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
