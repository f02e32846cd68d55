"""An issuer's Idempotency-Key, claimed before anything is written (as intake claims an application's key)."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.db import utcnow
from services.kernel.errors import InvalidInput, WrongState
from services.licenses.models import IssueKey


async def claim_issue_key(
    session: AsyncSession, *, owner: str, key: str, request_hash: str
) -> tuple[IssueKey | None, str | None]:
    """(our claim, None) for a first request; (None, the first license's id) for a repeat.

    The claim is written first, in a savepoint: a simultaneous request with the same key waits on it (PostgreSQL's
    unique index, or SQLite's write lock), then finds the first request's license instead of failing."""
    for _ in range(2):
        seen = await session.get(IssueKey, (owner, key), populate_existing=True)
        if seen is not None:
            if seen.request_hash != request_hash:
                raise InvalidInput("这个 Idempotency-Key 已用于另一份签发请求", code="idempotency_key_reused")
            if seen.license_id:
                return None, seen.license_id
        else:
            claim = IssueKey(
                owner=owner, key=key, request_hash=request_hash, license_id="", created_at=utcnow()
            )
            try:
                async with session.begin_nested():
                    session.add(claim)
            except IntegrityError:
                continue
            return claim, None
    raise WrongState("同一签发请求正在处理中，请稍后重试", code="idempotency_in_flight")
