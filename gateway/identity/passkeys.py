"""Passkeys (通行密钥, WebAuthn): register one or more after signing in, sign in with one, list and remove them.

Ceremonies are verified by `webauthn` (py_webauthn). Every challenge is random, single-use and short-lived: it is
kept in Redis and taken out (read and deleted at once) by the answer that uses it, so a replayed answer finds no
challenge. The relying party's id and the accepted origins come from settings (`BST_WEBAUTHN_RP_ID`,
`BST_WEBAUTHN_ORIGINS`; by default the host and origin of `BST_PUBLIC_URL`). An answer whose signature counter
does not rise above the stored one comes from a cloned authenticator: it is refused and audited.

Staff accounts holding a role of `BST_PASSKEY_REQUIRED_ROLES` must sign in with a passkey: once they have one,
their password is refused; before that, a password sign-in gives only an enrolment token (no roles, scope
`passkey_enrolment`) that can register the first passkey and nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from gateway.identity.models import Account
from gateway.identity.models_depth import Passkey
from gateway.identity.schemas import AccountStatus, TokenPair
from gateway.identity.schemas_depth import PasskeyCreated, PasskeyRead
from gateway.identity.service import Identity
from gateway.identity.tokens import issue_access_token
from services.kernel.auth import Principal, require_signed_in
from services.kernel.crypto import derive_key
from services.kernel.db import utcnow
from services.kernel.errors import (
    AlreadyExists,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthenticated,
    Unavailable,
    WrongState,
)
from services.kernel.ratelimit import RateLimiter
from services.kernel.settings import Settings

MAX_PASSKEYS = 10
ENROLMENT_SCOPE = "passkey_enrolment"
ENROLMENT_SECONDS = 600


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def from_b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _unavailable() -> Unavailable:
    return Unavailable(
        "通行密钥服务暂不可用，请稍后再试或使用短信验证码登录", code="passkey_unavailable", retry_after=5
    )


class Passkeys:
    def __init__(self, settings: Settings, identity: Identity, redis: Redis, limiter: RateLimiter) -> None:
        self.settings = settings
        self.identity = identity
        self.redis = redis
        self.limiter = limiter
        self.prefix = f"{settings.redis_namespace}:passkey:"
        self._handle_key = derive_key(settings.resolved_secret_key(), "webauthn-user-handle")

    # -- challenges -----------------------------------------------------------------------------------------

    async def _keep(self, key: str, value: dict[str, Any]) -> None:
        try:
            await self.redis.set(
                self.prefix + key, json.dumps(value), ex=self.settings.passkey_challenge_seconds
            )
        except (RedisError, OSError) as exc:
            raise _unavailable() from exc

    async def _take(self, key: str) -> dict[str, Any] | None:
        """Read and delete in one step: a challenge answers once."""
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.get(self.prefix + key)
                pipe.delete(self.prefix + key)
                raw, _ = await pipe.execute()
        except (RedisError, OSError) as exc:
            raise _unavailable() from exc
        return json.loads(raw) if raw else None

    def user_handle(self, account_id: str) -> bytes:
        """An opaque, stable WebAuthn user id for the account (no personal data in the authenticator)."""
        return hmac.new(self._handle_key, account_id.encode(), hashlib.sha256).digest()

    # -- registration ---------------------------------------------------------------------------------------

    async def _own_account(self, session: AsyncSession, principal: Principal) -> Account:
        require_signed_in(principal)
        if principal.actor is not None:
            raise Forbidden("代办或代表法人的凭证不能管理通行密钥，请本人登录", code="not_for_delegates")
        account = await self.identity.get_account(session=session, account_id=principal.sub)
        if account.status != AccountStatus.ACTIVE:
            raise Forbidden("该账号已停用", code="account_disabled")
        return account

    async def registration_options(self, *, session: AsyncSession, principal: Principal) -> dict[str, Any]:
        account = await self._own_account(session, principal)
        await self.limiter.hit(
            f"passkey:register:{account.id}",
            limit=20,
            window_seconds=3600,
            message="注册通行密钥过于频繁，请稍后再试",
        )
        existing = (
            await session.scalars(select(Passkey.credential_id).where(Passkey.account_id == account.id))
        ).all()
        options = generate_registration_options(
            rp_id=self.settings.passkey_rp_id,
            rp_name=self.settings.webauthn_rp_name,
            user_id=self.user_handle(account.id),
            user_name=account.username or account.display_name,
            user_display_name=account.display_name,
            timeout=self.settings.passkey_challenge_seconds * 1000,
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.PREFERRED,
                user_verification=UserVerificationRequirement.PREFERRED,
            ),
            exclude_credentials=[PublicKeyCredentialDescriptor(id=from_b64url(c)) for c in existing],
        )
        await self._keep(f"register:{account.id}", {"challenge": b64url(options.challenge)})
        return json.loads(options_to_json(options))  # type: ignore[no-any-return]

    async def register(
        self,
        *,
        session: AsyncSession,
        principal: Principal,
        credential: dict[str, Any],
        name: str | None,
        ip: str | None,
    ) -> PasskeyCreated:
        account = await self._own_account(session, principal)
        raw_id = credential.get("rawId") or credential.get("id")
        if isinstance(raw_id, str):  # a resend of a registration that went through answers the first result
            done = await session.scalar(select(Passkey).where(Passkey.credential_id == raw_id.rstrip("=")))
            if done is not None and done.account_id == account.id:
                return PasskeyCreated(passkey_id=done.id, created_at=done.created_at)
        pending = await self._take(f"register:{account.id}")
        if pending is None:
            raise WrongState("注册请求已过期或已使用，请重新获取注册选项", code="passkey_challenge_missing")
        try:
            verified = verify_registration_response(
                credential=credential,
                expected_challenge=from_b64url(pending["challenge"]),
                expected_rp_id=self.settings.passkey_rp_id,
                expected_origin=self.settings.passkey_origins,
            )
        except (WebAuthnException, KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(
                f"通行密钥注册验证未通过：{type(exc).__name__}", code="passkey_invalid"
            ) from exc
        credential_id = b64url(verified.credential_id)
        if await session.scalar(select(Passkey.id).where(Passkey.credential_id == credential_id)):
            raise AlreadyExists("该通行密钥已注册", code="passkey_exists")
        count = await session.scalar(
            select(func.count()).select_from(Passkey).where(Passkey.account_id == account.id)
        )
        if (count or 0) >= MAX_PASSKEYS:
            raise WrongState(f"每个账号最多注册 {MAX_PASSKEYS} 个通行密钥", code="too_many_passkeys")
        transports = credential.get("response", {}).get("transports") or []
        passkey = Passkey(
            id=str(uuid.uuid4()),
            account_id=account.id,
            credential_id=credential_id,
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            user_handle=b64url(self.user_handle(account.id)),
            transports=[str(t) for t in transports if str(t) in {t.value for t in AuthenticatorTransport}],
            aaguid=str(verified.aaguid),
            backed_up=bool(verified.credential_backed_up),
            name=(name or "通行密钥")[:60],
            created_at=utcnow(),
        )
        session.add(passkey)
        await session.flush()
        self.identity.audit(session, "passkey_registered", subject=account.id, ip=ip, passkey=passkey.id)
        return PasskeyCreated(passkey_id=passkey.id, created_at=passkey.created_at)

    async def get_passkeys(self, *, session: AsyncSession, principal: Principal) -> list[PasskeyRead]:
        account = await self._own_account(session, principal)
        rows = (
            await session.scalars(
                select(Passkey).where(Passkey.account_id == account.id).order_by(Passkey.created_at)
            )
        ).all()
        return [
            PasskeyRead(
                passkey_id=r.id,
                name=r.name,
                created_at=r.created_at,
                last_used_at=r.last_used_at,
                backed_up=r.backed_up,
                transports=list(r.transports),
            )
            for r in rows
        ]

    async def remove(
        self, *, session: AsyncSession, principal: Principal, passkey_id: str, ip: str | None
    ) -> None:
        account = await self._own_account(session, principal)
        passkey = await session.get(Passkey, passkey_id)
        if passkey is None or passkey.account_id != account.id:
            raise NotFound("没有这个通行密钥", code="unknown_passkey")
        await session.delete(passkey)
        self.identity.audit(session, "passkey_removed", subject=account.id, ip=ip, passkey=passkey_id)

    # -- sign-in --------------------------------------------------------------------------------------------

    async def authentication_options(
        self, *, session: AsyncSession, username: str | None, phone: str | None, ip: str | None
    ) -> dict[str, Any]:
        """Options for `navigator.credentials.get`, with the `session` that the answer must name. A username or
        phone narrows the credentials offered; none asks for a discoverable credential. An unknown name gets
        options just the same (nothing tells whether an account exists), and its sign-in fails."""
        await self.limiter.hit(
            f"passkey:options:ip:{ip}", limit=60, window_seconds=300, message="请求过于频繁，请稍后再试"
        )
        account: Account | None = None
        named = username is not None or phone is not None
        if username is not None:
            account = await session.scalar(select(Account).where(Account.username == username))
        elif phone is not None:
            account = await self.identity.get_by_phone(session=session, phone=phone)
        allow: list[PublicKeyCredentialDescriptor] = []
        if account is not None:
            rows = (
                await session.execute(
                    select(Passkey.credential_id, Passkey.transports).where(Passkey.account_id == account.id)
                )
            ).all()
            allow = [
                PublicKeyCredentialDescriptor(
                    id=from_b64url(cid), transports=[AuthenticatorTransport(t) for t in transports]
                )
                for cid, transports in rows
            ]
        options = generate_authentication_options(
            rp_id=self.settings.passkey_rp_id,
            timeout=self.settings.passkey_challenge_seconds * 1000,
            allow_credentials=allow,
            user_verification=UserVerificationRequirement.PREFERRED,
        )
        session_id = secrets.token_urlsafe(24)
        await self._keep(
            f"signin:{session_id}",
            {
                "challenge": b64url(options.challenge),
                "account_id": account.id if account is not None else ("" if named else None),
            },
        )
        return {**json.loads(options_to_json(options)), "session": session_id}

    async def sign_in(
        self, *, session: AsyncSession, session_id: str, credential: dict[str, Any], ip: str | None
    ) -> TokenPair:
        await self.limiter.check(
            f"passkey:fail:ip:{ip}", limit=30, message="通行密钥登录失败次数过多，请稍后再试"
        )
        pending = await self._take(f"signin:{session_id}")
        if pending is None:
            await self._failed(ip)
            raise Unauthenticated(
                "登录会话不存在、已过期或已使用，请重新发起通行密钥登录", code="passkey_session_unknown"
            )
        raw_id = credential.get("rawId") or credential.get("id")
        passkey = (
            await session.scalar(select(Passkey).where(Passkey.credential_id == str(raw_id).rstrip("=")))
            if isinstance(raw_id, str)
            else None
        )
        expected_account = pending.get("account_id")
        if passkey is None or (expected_account is not None and passkey.account_id != expected_account):
            await self._failed(ip)
            raise Unauthenticated("该通行密钥未在本平台注册", code="passkey_unknown")
        response = credential.get("response")
        handle = response.get("userHandle") if isinstance(response, dict) else None
        if handle and str(handle).rstrip("=") != passkey.user_handle:
            await self._failed(ip)
            raise Unauthenticated("通行密钥与账号不符", code="passkey_invalid")
        try:
            # The counter is checked below, after the signature: only a genuine authenticator's counter counts.
            verified = verify_authentication_response(
                credential=credential,
                expected_challenge=from_b64url(pending["challenge"]),
                expected_rp_id=self.settings.passkey_rp_id,
                expected_origin=self.settings.passkey_origins,
                credential_public_key=passkey.public_key,
                credential_current_sign_count=0,
            )
        except (WebAuthnException, KeyError, TypeError, ValueError) as exc:
            await self._failed(ip)
            raise Unauthenticated(
                f"通行密钥验证未通过（来源、RP ID 或签名不符）：{type(exc).__name__}", code="passkey_invalid"
            ) from exc
        new_count = verified.new_sign_count
        if (new_count or passkey.sign_count) and new_count <= passkey.sign_count:
            self.identity.audit(
                session,
                "passkey_cloned",
                subject=passkey.account_id,
                ip=ip,
                passkey=passkey.id,
                stored=passkey.sign_count,
                presented=new_count,
            )
            raise Unauthenticated(
                "通行密钥签名计数回退，疑似被复制的认证器，已拒绝登录",
                code="passkey_cloned",
                commit_anyway=True,
            )
        account = await self.identity.get_account(session=session, account_id=passkey.account_id)
        if account.status != AccountStatus.ACTIVE:
            raise Forbidden("该账号已停用", code="account_disabled")
        passkey.sign_count, passkey.last_used_at = new_count, utcnow()
        self.identity.audit(
            session, "signin", subject=account.id, ip=ip, method="passkey", passkey=passkey.id
        )
        return await self.identity.issue_tokens(session=session, account=account, method="passkey")

    async def _failed(self, ip: str | None) -> None:
        await self.limiter.hit(f"passkey:fail:ip:{ip}", limit=30, window_seconds=300)

    # -- staff who must use a passkey -----------------------------------------------------------------------

    async def password_sign_in(
        self, *, session: AsyncSession, username: str, password_ok: bool, ip: str | None
    ) -> TokenPair | None:
        """The passkey rule for a password sign-in, after the password was checked: None lets the ordinary sign-in
        go on; an account that must use a passkey is refused (it has one) or gets an enrolment token (it has
        none yet). A wrong password is left to the ordinary path, which counts it."""
        if not self.settings.passkey_required_role_set or not password_ok:
            return None
        account = await session.scalar(select(Account).where(Account.username == username))
        return await self._passkey_rule(session, account, ip, "password")

    async def after_sms_sign_in(
        self, *, session: AsyncSession, phone: str, pair: TokenPair, ip: str | None
    ) -> TokenPair:
        """The same rule after a staff account signed in by SMS code (a staff account with a phone can): the pair,
        or an enrolment token instead, or a refusal that undoes the sign-in."""
        if not self.settings.passkey_required_role_set:
            return pair
        account = await self.identity.get_by_phone(session=session, phone=phone)
        return await self._passkey_rule(session, account, ip, "sms") or pair

    async def _passkey_rule(
        self, session: AsyncSession, account: Account | None, ip: str | None, method: str
    ) -> TokenPair | None:
        required = self.settings.passkey_required_role_set
        if (
            account is None
            or not required.intersection(account.roles)
            or account.status != AccountStatus.ACTIVE
        ):
            return None
        if await session.scalar(select(Passkey.id).where(Passkey.account_id == account.id).limit(1)):
            self.identity.audit(
                session, "signin_refused", subject=account.id, ip=ip, method=method, why="passkey_required"
            )
            raise Forbidden(
                "管理员账号须使用通行密钥登录，密码或短信验证码不能单独登录",
                code="passkey_required",
                commit_anyway=method == "password",  # an SMS sign-in is undone whole, its code left unused
            )
        self.identity.audit(
            session, "signin", subject=account.id, ip=ip, method=method, scope=ENROLMENT_SCOPE
        )
        settings = self.settings
        access = issue_access_token(
            self.identity.keys,
            issuer=settings.issuer,
            audience=settings.jwt_audience,
            subject=account.id,
            lifetime_seconds=ENROLMENT_SECONDS,
            kind=account.kind,
            roles=[],
            region=account.region,
            scope=ENROLMENT_SCOPE,
        )
        # No session to refresh: the enrolment token is for registering the first passkey, then signing in with it.
        return TokenPair(
            access_token=access, refresh_token=secrets.token_urlsafe(32), expires_in=ENROLMENT_SECONDS
        )
