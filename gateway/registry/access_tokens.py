"""Consent and mini-app sign-in, the checks on mini-app tokens and the calls a mini-app makes for a citizen (the
open API's caller); a part of `MiniAppAccess`.

A citizen's `authorize` records their consent and returns a pairwise `openid` — HMAC(platform key, app, account):
stable per person and app, different across apps, and not reversible to the account without the key — and an
access token whose `aud` is the app, `sub` the openid and `scope` the granted scopes. `sub` is deliberately not
the account id: a JWT is readable by its holder, and an account id in every app's tokens would let apps join up
what they know about a person, which a pairwise identifier exists to prevent. The account id and sign-in session
travel in the `ctx` claim, sealed with AES-GCM under a key only the gateway holds (bound to the app and the
openid), so the gateway knows the citizen without a lookup, signing out or disabling the account revokes the
app's tokens too, and revoking the consent revokes `sub:<openid>`. The services never see a mini-app token: for a
call it is allowed to make, the gateway hands the service a 60-second platform token for the citizen that carries
`azp` (the app) and the scopes, and no roles.
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import jwt
from cryptography.exceptions import InvalidTag
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity.models import Account
from gateway.identity.service import Identity
from gateway.identity.tokens import issue_access_token
from gateway.registry.access_base import AccessBase, _b64
from gateway.registry.catalogue import Manifest
from gateway.registry.models import Consent, MiniApp
from gateway.registry.schemas import (
    SCOPES,
    AppStatus,
    Authorized,
    ConsentPrompt,
    ConsentRead,
    ScopePrompt,
)
from services.kernel.auth import Principal, require_signed_in
from services.kernel.db import utcnow
from services.kernel.errors import FieldError, Forbidden, InvalidInput, NotFound, Unauthenticated
from services.kernel.validators import mask_phone

SERVICE_TOKEN_SECONDS = 60


@dataclass(frozen=True, slots=True)
class AppCaller:
    """A mini-app calling on a citizen's behalf, from a verified mini-app token."""

    app_id: str
    openid: str
    account_id: str
    kind: str
    scopes: frozenset[str]
    session_id: str | None
    principal: Principal = field(repr=False)


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ConsentRules(AccessBase):
    """Consent, mini-app tokens and the calls mini-apps make for citizens; mixed into `MiniAppAccess`."""

    def unionid_for(self, caller: AppCaller) -> str | None:
        app = self.catalogue.get(caller.app_id)
        return self.unionid(caller.account_id) if app is not None and app.first_party else None

    @staticmethod
    def _undeclared(manifest: Manifest, scopes: list[str]) -> list[FieldError]:
        return [
            FieldError(f"scopes.{i}", f"this app's manifest does not ask for {scope!r}")
            for i, scope in enumerate(scopes)
            if scope not in manifest.scopes
        ]

    async def consent_prompt(
        self, *, session: AsyncSession, principal: Principal, app_id: str, scopes: list[str]
    ) -> ConsentPrompt:
        """What to ask the citizen before `authorize`: each scope, whether it was granted before."""
        self._require_person(principal)
        app = self.listed_app(app_id)
        manifest, _ = app.manifest_for(self.openid(principal.sub, app_id))
        wanted = list(dict.fromkeys(scopes or manifest.scopes))
        if errors := self._undeclared(manifest, wanted):
            raise InvalidInput("some scopes are not in the app's manifest", fields=errors)
        consent = await session.get(Consent, (principal.sub, app_id))
        granted = set(consent.scopes) if consent else set()
        return ConsentPrompt(
            app_id=app.app_id,
            name=app.name,
            department=app.department,
            scopes=[ScopePrompt(scope=s, description=SCOPES[s], granted=s in granted) for s in wanted],
            needs_consent=not set(wanted) <= granted,
        )

    async def authorize(
        self, *, session: AsyncSession, principal: Principal, app_id: str, scopes: list[str]
    ) -> Authorized:
        """The citizen, in the 办事通 app, grants the app these scopes (remembered) and gets its token for it."""
        self._require_person(principal)
        app = self.listed_app(app_id)
        openid = self.openid(principal.sub, app_id)
        manifest, _ = app.manifest_for(openid)
        scopes = list(dict.fromkeys(scopes))
        if errors := self._undeclared(manifest, scopes):
            raise InvalidInput("some scopes are not in the app's manifest", fields=errors)
        now = utcnow()
        consent = await session.get(Consent, (principal.sub, app_id))
        if consent is None:
            consent = Consent(
                account_id=principal.sub,
                app_id=app_id,
                openid=openid,
                scopes=scopes,
                granted_at=now,
                updated_at=now,
            )
            session.add(consent)
            added = scopes
        else:
            added = [s for s in scopes if s not in consent.scopes]
            if added:
                consent.scopes, consent.updated_at = [*consent.scopes, *added], now
        if added:
            Identity.audit(
                session, "miniapp_consent_granted", subject=principal.sub, app_id=app_id, scopes=added
            )
        await self._count_use(app_id)
        lifetime = self.settings.access_token_seconds
        extra = {"unionid": self.unionid(principal.sub)} if app.first_party else {}
        token = issue_access_token(
            self.keys,
            issuer=self.settings.issuer,
            audience=app_id,
            subject=openid,
            lifetime_seconds=lifetime,
            kind=principal.kind,
            scope=" ".join(scopes),
            ctx=self._seal(app_id, openid, principal.sub, principal.claims.get("sid")),
            **extra,
        )
        return Authorized(
            openid=openid,
            access_token=token,
            expires_in=lifetime,
            scope=" ".join(scopes),
            version=manifest.version,
            unionid=extra.get("unionid"),
        )

    async def get_my_consents(self, *, session: AsyncSession, principal: Principal) -> list[ConsentRead]:
        require_signed_in(principal)
        rows = await session.execute(
            select(Consent, MiniApp.name)
            .join(MiniApp, MiniApp.app_id == Consent.app_id)
            .where(Consent.account_id == principal.sub)
            .order_by(Consent.granted_at.desc())
        )
        return [
            ConsentRead(
                app_id=c.app_id,
                name=name,
                openid=c.openid,
                scopes=list(c.scopes),
                granted_at=c.granted_at,
                updated_at=c.updated_at,
            )
            for c, name in rows
        ]

    async def revoke_consent(self, *, session: AsyncSession, principal: Principal, app_id: str) -> None:
        """Withdraw the consent given to an app: its tokens for this person stop on every replica."""
        require_signed_in(principal)
        consent = await session.get(Consent, (principal.sub, app_id))
        if consent is None:
            raise NotFound("you have not authorized this app", code="no_consent")
        await session.execute(
            delete(Consent).where(Consent.account_id == principal.sub, Consent.app_id == app_id)
        )
        Identity.audit(session, "miniapp_consent_revoked", subject=principal.sub, app_id=app_id)
        if self.revocations is not None:
            await self.revocations.revoke(subject=consent.openid)

    def _seal(self, app_id: str, openid: str, account_id: str, session_id: object) -> str:
        nonce = os.urandom(12)
        plain = json.dumps({"uid": account_id, "sid": session_id}).encode()
        return _b64(nonce + self._context.encrypt(nonce, plain, f"{app_id}\x00{openid}".encode()))

    def _unseal(self, app_id: str, openid: str, sealed: object) -> tuple[str, str | None]:
        try:
            blob = _unb64(str(sealed))
            data = json.loads(self._context.decrypt(blob[:12], blob[12:], f"{app_id}\x00{openid}".encode()))
            return str(data["uid"]), (str(data["sid"]) if data.get("sid") else None)
        except (InvalidTag, ValueError, KeyError, TypeError) as exc:
            raise Unauthenticated("this token was not issued for a mini-app", code="invalid_token") from exc

    async def authenticate(self, token: str) -> AppCaller:
        """The app and citizen behind a mini-app token: signature, expiry, issuer and audience checked, and the
        consent, the account and the sign-in session not revoked. 401 otherwise. (Whether the app is still
        listed is `require_call`'s question, asked after the call is attributed to the app.)"""
        if self.verifier is None or self.revocations is None:
            raise RuntimeError("this Registry was built without a verifier")
        try:
            app_id = jwt.decode(token, options={"verify_signature": False}).get("aud")
        except jwt.InvalidTokenError as exc:
            raise Unauthenticated("malformed token", code="invalid_token") from exc
        if not isinstance(app_id, str) or self.catalogue.get(app_id) is None:
            raise Unauthenticated(
                "this route takes a token a mini-app got from authorize", code="invalid_token"
            )
        cached = self._verified.get(token)
        if cached is None or cached[0].expires_at + self.verifier.leeway < time.time():
            principal = await self.verifier.verify(token, audience=app_id)
            account_id, session_id = self._unseal(app_id, principal.sub, principal.claims.get("ctx"))
            cached = (principal, account_id, session_id)
            self._remember(token, cached)
        principal, account_id, session_id = cached
        behind = Principal(sub=account_id, claims={"iat": principal.claims.get("iat", 0), "sid": session_id})
        if self.revocations.is_revoked(principal) or self.revocations.is_revoked(behind):
            raise Unauthenticated("this token has been revoked", code="token_revoked")
        return AppCaller(
            app_id=app_id,
            openid=principal.sub,
            account_id=account_id,
            kind=principal.kind,
            scopes=principal.scopes,
            session_id=session_id,
            principal=principal,
        )

    def _remember(self, token: str, entry: tuple[Principal, str, str | None]) -> None:
        self._verified[token] = entry
        if len(self._verified) > 20_000:
            now = time.time()
            for stale in [t for t, e in self._verified.items() if e[0].expires_at < now]:
                del self._verified[stale]
            while len(self._verified) > 20_000:
                self._verified.popitem(last=False)

    def require_call(self, caller: AppCaller, scopes: Iterable[str]) -> None:
        """401 when the caller's app is no longer listed; 403 when its token's scopes do not cover `scopes`."""
        app = self.catalogue.get(caller.app_id)
        if app is None or app.status != AppStatus.LISTED:
            raise Unauthenticated(
                "this mini-app has been delisted; its tokens no longer work", code="app_delisted"
            )
        missing = [s for s in scopes if s not in caller.scopes]
        if missing:
            raise Forbidden(
                f"this call needs the scope {', '.join(missing)}, which the citizen has not granted this app",
                code="insufficient_scope",
            )

    def service_token(self, caller: AppCaller) -> str:
        """A 60-second platform token for the citizen behind `caller`, for the services: no roles, `azp` names
        the app and `scope` what it was granted."""
        extra: dict[str, object] = {"azp": caller.app_id}
        if caller.session_id:
            extra["sid"] = caller.session_id
        return issue_access_token(
            self.keys,
            issuer=self.settings.issuer,
            audience=self.settings.jwt_audience,
            subject=caller.account_id,
            lifetime_seconds=SERVICE_TOKEN_SECONDS,
            kind=caller.kind,
            roles=[],
            scope=" ".join(sorted(caller.scopes)),
            **extra,
        )

    async def userinfo(self, *, session: AsyncSession, caller: AppCaller) -> tuple[str, str | None]:
        """The display name and the masked phone of the citizen behind `caller`."""
        account = await session.get(Account, caller.account_id)
        if account is None:
            raise Unauthenticated("the account behind this token is gone", code="invalid_token")
        phone = self.cipher.decrypt(account.phone_enc, field="phone") if account.phone_enc else None
        return account.display_name, mask_phone(phone) if phone else None
