"""Tokens and sign-in sessions: access tokens issued, refresh tokens rotated (a reused one revokes its family),
logout (a part of `Identity`)."""

from __future__ import annotations

import datetime as dt
import logging
import math
import secrets
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from redis.exceptions import RedisError
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity.base import (
    IdentityBase,
)
from gateway.identity.crypto import token_hash
from gateway.identity.models import Account, LegalPersonMember, RefreshToken
from gateway.identity.schemas import (
    AccountStatus,
    TokenPair,
)
from gateway.identity.tokens import issue_access_token
from services.kernel.auth import Principal, require_signed_in
from services.kernel.db import utcnow
from services.kernel.errors import (
    InvalidInput,
    Unauthenticated,
)

log = logging.getLogger("bst.identity")


class SessionRules(IdentityBase):
    """Issuing, refreshing and revoking tokens; mixed into `Identity`."""

    if TYPE_CHECKING:  # defined by the other parts of `Identity`
        _require_member: Callable[..., Awaitable[LegalPersonMember]]

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
            **extra,  # type: ignore[arg-type]  # the claims' values are strings
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
                pair = TokenPair.model_validate_json(
                    self.cipher.decrypt(cached, field="refresh-grace")  # type: ignore[arg-type]  # redis: bytes
                )
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
