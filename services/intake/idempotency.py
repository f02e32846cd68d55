"""`Idempotency-Key` on intake's creating requests (applications, 一件事 bundles, appointments).

A key belongs to its caller and the person acted for. It is claimed before anything is written: a repeat with the
same body answers with what the first request created; a different body (or a different kind of request) under the
same key is 422 `idempotency_key_reused`."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.models import IdempotencyKey
from services.kernel.auth import Principal
from services.kernel.db import utcnow
from services.kernel.errors import FieldError, InvalidInput, WrongState


def body_hash(kind: str, *parts: Any) -> str:
    """The digest of a request's kind and body: the same key reused for another kind of request differs too."""
    text = json.dumps([kind, *parts], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def idempotency_owner(principal: Principal) -> str:
    """A key belongs to its caller and the person acted for."""
    return f"{principal.actor or principal.sub}>{principal.sub}"


async def find_replay(*, session: AsyncSession, principal: Principal, key: str, digest: str) -> str | None:
    """What an earlier request with this key created; 422 when that request's body differs."""
    seen = await session.get(IdempotencyKey, (idempotency_owner(principal), key), populate_existing=True)
    if seen is None:
        return None
    if seen.request_hash != digest:
        raise InvalidInput(
            "此 Idempotency-Key 已用于另一个不同的请求，请换一个",
            code="idempotency_key_reused",
            fields=[FieldError("Idempotency-Key", "已用于不同的请求")],
        )
    return seen.result or None


async def claim_key(
    session: AsyncSession, principal: Principal, key: str, digest: str
) -> tuple[IdempotencyKey | None, str | None]:
    """(our claim on the key, None) for a first request; (None, what it created) for a repeat.

    The claim is written first, in a savepoint: a concurrent request with the same key waits on it (PostgreSQL) or
    on the write lock (SQLite), then answers with the first request's result instead of failing. The caller sets
    `claim.result` in the same transaction as what it creates."""
    for _ in range(2):
        replay = await find_replay(session=session, principal=principal, key=key, digest=digest)
        if replay:
            return None, replay
        claim = IdempotencyKey(
            owner=idempotency_owner(principal), key=key, request_hash=digest, result="", created_at=utcnow()
        )
        try:
            async with session.begin_nested():
                session.add(claim)
        except IntegrityError:
            continue
        return claim, None
    raise WrongState("同一请求正在处理，请稍后重试", code="idempotency_in_flight")
