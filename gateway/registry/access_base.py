"""The state of `MiniAppAccess` and what its parts share: the keys, Redis and catalogue it answers from, a person's
pairwise ids (openid, unionid), a listed app or why not, the count of an app's uses, and who may act as a person
towards a mini-app. (`MiniAppAccess` in `access.py` gathers the parts.)"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
from collections import OrderedDict

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from redis.asyncio import Redis
from redis.exceptions import RedisError

from gateway.clients import ServiceClients
from gateway.identity.crypto import FieldCipher
from gateway.identity.keys import KeyStore
from gateway.identity.schemas import AccountKind
from gateway.registry.catalogue import AppSnapshot, Catalogue
from gateway.registry.schemas import AppStatus
from services.kernel.auth import Principal, TokenVerifier, require_signed_in
from services.kernel.background import stop_task
from services.kernel.crypto import derive_key
from services.kernel.errors import Forbidden, Gone, NotFound
from services.kernel.ratelimit import RateLimiter
from services.kernel.revocation import RevocationList
from services.kernel.settings import Settings

log = logging.getLogger("bst.registry.access")

SERVICE_ITEMS_TTL_SECONDS = 300.0
SERVICE_ITEMS_RETRY_SECONDS = 5.0


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class AccessBase:
    """The state and shared helpers of `MiniAppAccess`; its rules are in the parts it gathers."""

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

    # -- pairwise ids, listed apps, uses, who may act -----------------------------------------------------------------

    def openid(self, account_id: str, app_id: str) -> str:
        """The pairwise id of a person for one app: HMAC under a key derived from the platform secret."""
        digest = hmac.new(self._openid_key, f"{app_id}\x00{account_id}".encode(), hashlib.sha256).digest()
        return "o" + _b64(digest[:24])

    def unionid(self, account_id: str) -> str:
        """The person's province-wide id, the same for every first-party app (never shown to third-party apps)."""
        digest = hmac.new(self._unionid_key, account_id.encode(), hashlib.sha256).digest()
        return "u" + _b64(digest[:24])

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

    async def _count_use(self, app_id: str) -> None:
        if self.redis is not None:
            try:
                await self.redis.hincrby(self.uses_key, app_id, 1)
            except (RedisError, OSError) as exc:  # a lost count only nudges the ranking
                log.warning("could not count a mini-app use", extra={"app": app_id, "error": str(exc)})

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
