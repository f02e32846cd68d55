"""Online verification of 扫码亮证 presentations in the gateway itself, with no call to the licenses service on
the common path: the issuer signature against the issuer JWKS cached here, the disclosed fields' digests, the key
binding (nonce, audience) and expiry with the shared verifier (services/kernel/sdjwt.py); then one Redis round
trip (services/kernel/license_cache.py) checks the license's status in the cache the service keeps current,
spends the nonce and appends the use record. When that cache is not trusted (not ready, Redis failing) the
service answers instead (`None`: the caller asks it).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import time
from collections.abc import Mapping
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bst.licenses.v1 import licenses_pb2 as pb
from gateway.clients import ServiceClients
from services.kernel.events import new_event_id
from services.kernel.license_cache import (
    USES_EVENT,
    VERIFY_SCRIPT,
    nonce_key,
    nonce_ttl,
    ready_key,
    status_key,
    uses_stream,
)
from services.kernel.logging import request_id_var
from services.kernel.ratelimit import Limits, RateLimiter
from services.kernel.redis_lean import connect_lean
from services.kernel.sdjwt import (
    PresentationRefused,
    SignatureMemo,
    jws_header,
    key_from_jwk,
    verify_presentation,
)

log = logging.getLogger("bst.gateway")
JWKS_REFRESH_SECONDS = 300  # the keys are re-read this often, and at most once a second for an unknown kid
TYPES_REFRESH_SECONDS = 300
REDIS_TIMEOUT_SECONDS = 5.0


class AskService(Exception):
    """This gateway cannot answer alone (an issuer key or license type it does not know, the cache untrusted)."""


class LicenseVerifier:
    def __init__(
        self, clients: ServiceClients, limiter: RateLimiter, redis_url: str, namespace: str, public_url: str
    ) -> None:
        self.clients = clients
        self.limiter = limiter
        # A client of its own without redis-py's per-command socket timeout (an asyncio.wait_for, so a task, for
        # every command sent); the call is bounded by REDIS_TIMEOUT_SECONDS here instead.
        redis = Redis.from_url(
            redis_url, decode_responses=False, socket_timeout=None, health_check_interval=30
        )
        self.redis = redis
        # The script call of every verification goes over the lean client where the URL allows it (~17 µs of CPU
        # against ~87 µs through redis-py); redis-py otherwise.
        self._lean = connect_lean(redis_url, REDIS_TIMEOUT_SECONDS)
        self.namespace = namespace
        base = public_url.rstrip("/")
        self.audience = f"{base}/api/v1/licenses/verify"
        self.list_prefix = f"{base}/api/v1/licenses/status-lists/"
        self.ready = ready_key(namespace)
        self.stream = uses_stream(namespace)
        self._script = redis.register_script(VERIFY_SCRIPT)
        self._keys: dict[str, tuple[Ed25519PublicKey, Mapping[str, Any]]] = {}
        self._keys_at = 0.0
        self._memo = SignatureMemo()
        self._types: dict[str, str] = {}
        self._types_at = 0.0
        self._lock = asyncio.Lock()
        self.answered = 0  # verifications answered here, and handed to the service
        self.handed_over = 0

    async def verify(
        self, presentation: str, *, nonce: str, audience: str, verifier: str, limits: Limits
    ) -> dict[str, Any] | None:
        """The answer, or None when the licenses service must answer (the status cache is not trusted). Every
        attempt counts against `limits` (RateLimited once one is passed); for a presentation that verifies, in the
        same Redis round trip as its status, its nonce and its use record."""
        now = time.time()
        counted = False
        try:
            if not presentation or len(presentation) > 8000:
                raise PresentationRefused("malformed")
            kid = jws_header(presentation.split("~", 1)[0]).get("kid")
            if isinstance(kid, str) and not await self._ensure_key(kid, now):
                raise AskService(kid)
            checked = verify_presentation(
                presentation,
                issuer_key=self._keys.get,
                expected_audience=audience or self.audience,
                expected_nonce=nonce or None,
                now=now,
                memo=self._memo,
            )
            ref = checked.status_index
            if ref is None or not ref[0].startswith(self.list_prefix):
                raise PresentationRefused("status_unknown")
            list_id = ref[0][len(self.list_prefix) :]
            if not list_id.isdigit():
                raise PresentationRefused("status_unknown")
            code = str(checked.payload.get("vct", ""))
            type_name = await self._type_name(code, now)
            if type_name is None:
                raise AskService(code)
            at = dt.datetime.fromtimestamp(now, dt.UTC).isoformat()
            event = {
                "event_id": new_event_id(),
                "event_type": USES_EVENT,
                "aggregate_id": f"{int(list_id)}:{ref[1]}",
                "payload": orjson.dumps(
                    {
                        "list_id": int(list_id),
                        "index": ref[1],
                        "fields": sorted(checked.fields),
                        "verifier": verifier,
                        "audience": checked.audience,
                        "at": at,
                    }
                ).decode(),
                "occurred_at": at,
                "source": "gateway",
                "request_id": request_id_var.get(),
            }
            limit_keys, limit_args = self.limiter.limit_keys(limits)
            try:
                keys = [
                    *limit_keys,
                    self.ready,
                    status_key(self.namespace, int(list_id)),
                    nonce_key(self.namespace, checked.nonce),
                    self.stream,
                ]
                args: list[str | int] = [
                    len(limits),
                    *limit_args,
                    int(ref[1]),
                    nonce_ttl(checked.expires_at, now),
                    *_flat(event),
                ]
                answer: Any
                if self._lean is not None:  # it bounds its calls by REDIS_TIMEOUT_SECONDS itself
                    answer = await self._lean.evalsha(VERIFY_SCRIPT, keys, args)
                else:
                    async with asyncio.timeout(REDIS_TIMEOUT_SECONDS):
                        answer = await self._script(keys=keys, args=args)
            except (RedisError, TimeoutError) as exc:
                log.warning("license status cache unavailable; asking the service", extra={"error": str(exc)})
                raise AskService("redis") from exc
            counted = True
            kind = answer[0].decode() if isinstance(answer[0], bytes) else str(answer[0])
            if kind == "limited":
                self.limiter.raise_if_passed(limits, int(answer[1]), int(answer[2]))
            if kind == "unknown":
                raise AskService("status cache not ready")
            if kind in ("suspended", "revoked"):
                raise PresentationRefused(f"license_{kind}")
            if kind == "replayed":
                raise PresentationRefused("presentation_replayed")
            if kind != "valid":
                raise PresentationRefused("status_unknown")
        except PresentationRefused as error:
            if not counted:
                await self.limiter.hit_all(limits)
            self.answered += 1
            return {"valid": False, "reason": error.reason, "message": error.message}
        except AskService:
            if not counted:
                await self.limiter.hit_all(limits)
            self.handed_over += 1
            return None
        self.answered += 1
        return {
            "valid": True,
            "type": code,
            "type_name": type_name,
            "issuer": str(checked.payload.get("issuer_department", "")),
            "fields": checked.fields,
        }

    async def close(self) -> None:
        if self._lean is not None:
            await self._lean.close()
        await self.redis.aclose()

    async def _ensure_key(self, kid: str, now: float) -> bool:
        """Whether the issuer key `kid` is known, the keys read again from the service when it is not (at most
        once a second) or when they are older than JWKS_REFRESH_SECONDS."""
        if kid in self._keys and now - self._keys_at <= JWKS_REFRESH_SECONDS:
            return True
        async with self._lock:
            if kid not in self._keys and time.time() - self._keys_at < 1:
                return False
            if kid not in self._keys or time.time() - self._keys_at > JWKS_REFRESH_SECONDS:
                reply = await self.clients.licenses.GetIssuerJwks(
                    pb.GetIssuerJwksRequest(), **self.clients.options(None)
                )
                keys = {}
                for jwk in json.loads(reply.json).get("keys", []):
                    if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519" and jwk.get("kid"):
                        keys[jwk["kid"]] = (key_from_jwk(jwk), jwk)
                self._keys, self._keys_at = keys, time.time()
        return kid in self._keys

    async def _type_name(self, code: str, now: float) -> str | None:
        """A license type's name, None if this gateway does not know it (the catalogue read at most once a
        second, and again after TYPES_REFRESH_SECONDS)."""
        if code in self._types and now - self._types_at <= TYPES_REFRESH_SECONDS:
            return self._types[code]
        async with self._lock:
            if code not in self._types and time.time() - self._types_at < 1:
                return None
            if code not in self._types or time.time() - self._types_at > TYPES_REFRESH_SECONDS:
                reply = await self.clients.licenses.ListLicenseTypes(
                    pb.ListLicenseTypesRequest(), **self.clients.options(None)
                )
                self._types, self._types_at = {t.code: t.name for t in reply.types}, time.time()
        return self._types.get(code)


def _flat(fields: Mapping[str, Any]) -> list[str]:
    return [str(part) for pair in fields.items() for part in pair]
