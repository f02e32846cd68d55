"""扫码登录 (scan-to-login) for the PC portal: the PC shows a QR code, the signed-in phone scans and confirms, the
PC (polling with its secret poll token) receives tokens exactly once. A session lives 2 minutes, in Redis."""

from __future__ import annotations

import asyncio
import secrets

from redis.asyncio import Redis

from gateway.identity.crypto import token_hash
from gateway.identity.schemas import QrSessionCreated, QrSessionState
from services.kernel.auth import Principal, require_signed_in
from services.kernel.errors import Forbidden, NotFound, Unauthenticated, WrongState

QR_SECONDS = 120

# Move the session from one status to the next only if it is in the expected one (and, when given, held by
# the expected account); answers 1 when it moved.
_TRANSITION = """
local s = redis.call('HGET', KEYS[1], 'status')
if not s then return -1 end
if s ~= ARGV[1] then return 0 end
if ARGV[3] ~= '' then
  local held = redis.call('HGET', KEYS[1], 'account')
  if held and held ~= '' and held ~= ARGV[3] then return -2 end
  redis.call('HSET', KEYS[1], 'account', ARGV[3])
end
redis.call('HSET', KEYS[1], 'status', ARGV[2])
return 1
"""


class QrLogins:
    def __init__(self, redis: Redis, namespace: str, public_url: str) -> None:
        self.redis = redis
        self.prefix = f"{namespace}:qrlogin:"
        self.public_url = public_url.rstrip("/")
        self._transition = redis.register_script(_TRANSITION)

    async def create(self) -> QrSessionCreated:
        session_id = secrets.token_urlsafe(18)
        poll_token = secrets.token_urlsafe(24)
        key = self.prefix + session_id
        await self.redis.hset(
            key, mapping={"status": "pending", "poll": token_hash(poll_token), "account": ""}
        )
        await self.redis.expire(key, QR_SECONDS)
        return QrSessionCreated(
            session_id=session_id,
            qr_url=f"{self.public_url}/qr-login/{session_id}",
            poll_token=poll_token,
            expires_in=QR_SECONDS,
        )

    async def _move(self, session_id: str, expected: str, to: str, account: str = "") -> None:
        moved = await self._transition(keys=[self.prefix + session_id], args=[expected, to, account])
        if moved == -1:
            raise NotFound("this QR code has expired; refresh it on the computer", code="qr_expired")
        if moved == -2:
            raise Forbidden("this QR code was scanned by another account", code="qr_other_account")
        if moved == 0:
            status = await self.redis.hget(self.prefix + session_id, "status")
            raise WrongState(
                f"this QR login is {(status or b'gone').decode()}, not {expected}", code="qr_wrong_state"
            )

    async def scan(self, session_id: str, principal: Principal) -> None:
        self._require_person(principal)
        await self._move(session_id, "pending", "scanned", principal.sub)

    async def confirm(self, session_id: str, principal: Principal) -> None:
        self._require_person(principal)
        await self._move(session_id, "scanned", "confirmed", principal.sub)

    async def cancel(self, session_id: str, principal: Principal) -> None:
        self._require_person(principal)
        await self._move(session_id, "scanned", "cancelled", principal.sub)

    @staticmethod
    def _require_person(principal: Principal) -> None:
        require_signed_in(principal)
        if principal.actor is not None:
            raise Forbidden(
                "sign in to the computer as yourself, not for someone else", code="not_for_delegates"
            )

    async def poll(
        self, session_id: str, poll_token: str, *, wait_seconds: float
    ) -> tuple[str, str | None, int]:
        """(status, account id once confirmed and claimed, seconds left); waits up to `wait_seconds` for a change."""
        key = self.prefix + session_id
        deadline = asyncio.get_running_loop().time() + wait_seconds
        first: str | None = None
        while True:
            values = await self.redis.hmget(key, ["status", "poll", "account"])
            if values[0] is None:
                raise NotFound("this QR code has expired; refresh it", code="qr_expired")
            status, poll, account = (v.decode() for v in values)
            if not secrets.compare_digest(poll, token_hash(poll_token)):
                raise Unauthenticated("wrong poll token for this QR login", code="invalid_poll_token")
            if status == "confirmed":
                if await self._transition(keys=[key], args=["confirmed", "consumed", ""]) == 1:
                    return "confirmed", account, max(0, await self.redis.ttl(key))
                continue
            first = first or status
            if status != first or asyncio.get_running_loop().time() >= deadline:
                return status, None, max(0, await self.redis.ttl(key))
            await asyncio.sleep(0.25)


def state(status: str, expires_in: int) -> QrSessionState:
    return QrSessionState(status=status, expires_in=expires_in)  # type: ignore[arg-type]
