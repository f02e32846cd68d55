"""Citizens and mini-apps: the catalogue as each person sees it, unified search, consent and sign-in, the checks
on mini-app tokens, and feedback.

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

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import os
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field

import grpc
import jwt
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bst.intake.v1 import intake_pb2
from gateway.clients import ServiceClients
from gateway.identity.crypto import FieldCipher
from gateway.identity.keys import KeyStore
from gateway.identity.models import Account
from gateway.identity.schemas import AccountKind
from gateway.identity.service import Identity
from gateway.identity.tokens import issue_access_token
from gateway.registry.catalogue import AppSnapshot, Catalogue, Manifest, ServiceItem
from gateway.registry.models import Consent, Feedback, MiniApp
from gateway.registry.schemas import (
    SCOPES,
    AppStatus,
    Authorized,
    CatalogueEntry,
    ConsentPrompt,
    ConsentRead,
    FeedbackIn,
    FeedbackKind,
    FeedbackRead,
    ScopePrompt,
    SearchHit,
    ServiceItemHit,
)
from services.kernel.auth import Principal, TokenVerifier, require_signed_in
from services.kernel.background import stop_task
from services.kernel.crypto import derive_key
from services.kernel.db import utcnow
from services.kernel.errors import FieldError, Forbidden, Gone, InvalidInput, NotFound, Unauthenticated
from services.kernel.ratelimit import RateLimiter
from services.kernel.revocation import RevocationList
from services.kernel.settings import Settings
from services.kernel.validators import mask_phone

log = logging.getLogger("bst.registry.access")

SERVICE_ITEMS_TTL_SECONDS = 300.0
SERVICE_ITEMS_RETRY_SECONDS = 5.0
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


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def feedback_read(row: Feedback) -> FeedbackRead:
    return FeedbackRead(
        id=row.id,
        app_id=row.app_id,
        version=row.version,
        openid=row.openid,
        kind=FeedbackKind(row.kind),
        content=row.content,
        created_at=row.created_at,
    )


class MiniAppAccess:
    """What citizens and mini-apps do, answered from the in-process catalogue, with the keys and Redis it needs."""

    def __init__(
        self,
        settings: Settings,
        keys: KeyStore,
        catalogue: Catalogue,
        *,
        redis: Redis | None = None,
        verifier: TokenVerifier | None = None,
        revocations: RevocationList | None = None,
        limiter: RateLimiter | None = None,
        clients: ServiceClients | None = None,
    ) -> None:
        self.settings = settings
        self.keys = keys
        self.catalogue = catalogue
        self.redis = redis
        self.verifier = verifier
        self.revocations = revocations
        self.limiter = limiter
        self.clients = clients
        secret = settings.resolved_secret_key()
        self.cipher = FieldCipher(secret)
        self._openid_key = derive_key(secret, "miniapp-openid")
        self._unionid_key = derive_key(secret, "miniapp-unionid")
        self._context = AESGCM(derive_key(secret, "miniapp-token-context"))
        self._verified: OrderedDict[str, tuple[Principal, str, str | None]] = OrderedDict()
        self.uses_key = f"{settings.redis_namespace}:registry:uses"
        self._items_lock = asyncio.Lock()
        self._items_loaded_at = 0.0
        self._items_tried_at = -SERVICE_ITEMS_RETRY_SECONDS
        self._items_task: asyncio.Task[None] | None = None

    async def stop(self) -> None:
        await stop_task(self._items_task)
        self._items_task = None

    # -- the catalogue as each person sees it ---------------------------------------------------------------------

    def openid(self, account_id: str, app_id: str) -> str:
        """The pairwise id of a person for one app: HMAC under a key derived from the platform secret."""
        digest = hmac.new(self._openid_key, f"{app_id}\x00{account_id}".encode(), hashlib.sha256).digest()
        return "o" + _b64(digest[:24])

    def unionid(self, account_id: str) -> str:
        """The person's province-wide id, the same for every first-party app (never shown to third-party apps)."""
        digest = hmac.new(self._unionid_key, account_id.encode(), hashlib.sha256).digest()
        return "u" + _b64(digest[:24])

    def unionid_for(self, caller: AppCaller) -> str | None:
        app = self.catalogue.get(caller.app_id)
        return self.unionid(caller.account_id) if app is not None and app.first_party else None

    def listed_app(self, app_id: str) -> AppSnapshot:
        """A listed app, or 404 (unknown, or never approved) or 410 (delisted; the detail tells the person why,
        and whether it was an emergency 下架)."""
        app = self.catalogue.get(app_id)
        if app is None or app.status == AppStatus.UNLISTED or app.listed is None:
            raise NotFound("no mini-app with this id", code="unknown_app")
        if app.status == AppStatus.DELISTED:
            how = "紧急下架" if app.emergency else "下架"
            raise Gone(f"「{app.name}」已{how}，原因：{app.status_reason}", code="gone")
        return app

    def _viewer_openid(self, principal: Principal, app_id: str) -> str | None:
        return None if principal.anonymous else self.openid(principal.sub, app_id)

    def entry_for(
        self, app: AppSnapshot, principal: Principal, channel: str | None = None
    ) -> CatalogueEntry | None:
        """The app as this person sees it; with a `channel`, that channel's entry and minimum client version, or
        None when the version this person gets is not served there."""
        manifest, gray = app.manifest_for(self._viewer_openid(principal, app.app_id))
        entry_url, min_client = manifest.entry_url, manifest.min_client_version
        if channel is not None:
            served = manifest.channel(channel)
            if served is None:
                return None
            entry_url, min_client = served
        return CatalogueEntry(
            app_id=app.app_id,
            name=app.name,
            department=app.department,
            category=manifest.category,
            description=app.description,
            keywords=list(app.keywords),
            version=manifest.version,
            entry_url=entry_url,
            scopes=list(manifest.scopes),
            service_items=list(manifest.service_items),
            regions=list(manifest.regions),
            min_client_version=min_client,
            gray=gray,
            use_count=self.catalogue.use_counts.get(app.app_id, 0),
            channel=channel,
            channels=list(manifest.channel_names),
        )

    def get_listed(self, *, principal: Principal, app_id: str, channel: str | None = None) -> CatalogueEntry:
        entry = self.entry_for(self.listed_app(app_id), principal, channel)
        if entry is None:
            raise NotFound(f"该应用未在 {channel} 渠道发布", code="not_on_channel")
        return entry

    async def open_entry(self, *, principal: Principal, app_id: str, channel: str | None = None) -> str:
        """Where to open a listed app for this person (the gray or the listed version's entry URL, on `channel`
        when given), counted as a use; a delisted app's entry is refused (410) with the reason."""
        entry = self.get_listed(principal=principal, app_id=app_id, channel=channel).entry_url
        await self._count_use(app_id)
        return entry

    async def _count_use(self, app_id: str) -> None:
        if self.redis is not None:
            try:
                await self.redis.hincrby(self.uses_key, app_id, 1)
            except (RedisError, OSError) as exc:  # a lost count only nudges the ranking
                log.warning("could not count a mini-app use", extra={"app": app_id, "error": str(exc)})

    def get_catalogue(
        self,
        *,
        principal: Principal,
        q: str,
        category: str | None,
        region: str | None,
        limit: int,
        offset: int,
        channel: str | None = None,
    ) -> list[CatalogueEntry]:
        hits = self.catalogue.search(
            q,
            category=category,
            region=region,
            kinds=("mini_app",),
            limit=limit,
            offset=offset,
            channel=channel,
        )
        entries = (self.entry_for(self.catalogue.apps[doc.key], principal, channel) for _, doc in hits)
        return [e for e in entries if e is not None]

    async def search(
        self,
        *,
        principal: Principal,
        q: str,
        category: str | None,
        region: str | None,
        limit: int,
        channel: str | None = None,
    ) -> list[SearchHit]:
        """统一检索: listed apps and service items together (with a `channel`, the apps served on it)."""
        await self.ensure_service_items()
        results: list[SearchHit] = []
        for quality, doc in self.catalogue.search(
            q, category=category, region=region, limit=limit, channel=channel
        ):
            if doc.kind == "mini_app":
                entry = self.entry_for(self.catalogue.apps[doc.key], principal, channel)
                if entry is None:
                    continue
                results.append(SearchHit(kind="mini_app", score=quality, mini_app=entry))
            else:
                item = self.catalogue.items[doc.key]
                hit = ServiceItemHit(
                    code=item.code,
                    name=item.name,
                    department=item.department,
                    region=item.region,
                    category=item.category,
                    online=item.online,
                    mini_apps=self.catalogue.apps_covering(item.code),
                )
                results.append(SearchHit(kind="service_item", score=quality, service_item=hit))
        return results

    async def ensure_service_items(self) -> None:
        """Keep the intake service's catalogue for search, refreshed after its TTL. Only the very first fetch is
        waited for; later ones run behind the scenes, and a failure keeps the old copy and is retried a few
        seconds later."""
        if self.clients is None or (
            self._items_loaded_at and time.monotonic() - self._items_loaded_at < SERVICE_ITEMS_TTL_SECONDS
        ):
            return
        if not self._items_loaded_at:
            await self._fetch_service_items()
        elif self._items_task is None or self._items_task.done():
            self._items_task = asyncio.create_task(self._fetch_service_items(), name="registry-service-items")

    async def refresh_service_items(self) -> None:
        """Fetch the intake service's catalogue now (an item was just published, adjusted, suspended or
        cancelled), whatever the TTL; a failure keeps the old copy and the TTL retries."""
        if self.clients is not None:
            await self._fetch_service_items(now=True)

    async def _fetch_service_items(self, now: bool = False) -> None:
        assert self.clients is not None
        async with self._items_lock:
            if not now and time.monotonic() - self._items_tried_at < SERVICE_ITEMS_RETRY_SECONDS:
                return
            self._items_tried_at = time.monotonic()
            try:
                reply = await self.clients.intake.ListServiceItems(
                    intake_pb2.ListServiceItemsRequest(), **(self.clients.options(None) | {"timeout": 2.0})
                )
            except grpc.aio.AioRpcError as exc:
                log.warning("could not fetch service items for search", extra={"error": exc.code().name})
                return
            self.catalogue.set_service_items(
                ServiceItem(i.code, i.name, i.department, i.region, i.category, i.online, tuple(i.regions))
                for i in reply.items
            )
            self._items_loaded_at = time.monotonic()

    # -- consent and mini-app tokens ------------------------------------------------------------------------------

    @staticmethod
    def _require_person(principal: Principal) -> Principal:
        """A citizen in their own name, or a legal person through its authorised citizen — not staff, and not a
        village agent acting for a resident (the resident's consent is theirs to give)."""
        require_signed_in(principal)
        if principal.kind not in (AccountKind.CITIZEN, AccountKind.LEGAL_PERSON):
            raise Forbidden("citizens sign in to mini-apps", code="citizen_required")
        if principal.kind == AccountKind.CITIZEN and principal.actor is not None:
            raise Forbidden("only the resident themself can do this, not an agent", code="not_for_delegates")
        return principal

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

    # -- feedback -------------------------------------------------------------------------------------------------

    async def add_feedback(
        self, *, session: AsyncSession, principal: Principal, app_id: str, feedback_in: FeedbackIn
    ) -> FeedbackRead:
        """A signed-in citizen's feedback on a listed app, for its developers (who see the openid only)."""
        self._require_person(principal)
        app = self.listed_app(app_id)
        if self.limiter is not None:
            await self.limiter.hit(
                f"miniapp-feedback:{principal.sub}",
                limit=20,
                window_seconds=3600,
                message="too much feedback in an hour; try again later",
            )
        if await session.get(Account, principal.sub) is None:  # a token outliving its account: no orphan row
            raise Unauthenticated("该登录凭证对应的账号已不存在，请重新登录后再提交反馈", code="account_gone")
        openid = self.openid(principal.sub, app_id)
        manifest, _ = app.manifest_for(openid)
        row = Feedback(
            app_id=app_id,
            version=manifest.version,
            openid=openid,
            account_id=principal.sub,
            kind=feedback_in.kind,
            content=feedback_in.content,
            created_at=utcnow(),
        )
        session.add(row)
        await session.flush()
        return feedback_read(row)
