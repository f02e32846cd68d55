"""Helpers of the identity gateway tests: waiting for a revocation to spread, ageing a refresh token's rotation,
the demo accounts' password, and Chinese identity numbers and credit codes with valid check characters."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time

from sqlalchemy import update

from gateway.identity.crypto import token_hash
from gateway.identity.models import RefreshToken
from services.kernel.db import Database, utcnow


async def wait_until_refused(platform, token: str, path: str = "/api/v1/me", seconds: float = 4.0) -> int:
    """The status a token gets once revocation has spread (the revocation list refreshes every second)."""
    deadline = time.monotonic() + seconds
    async with platform.client(token) as client:
        while True:
            status = (await client.get(path)).status_code
            if status == 401 or time.monotonic() > deadline:
                return status
            await asyncio.sleep(0.2)


async def age_rotation(platform, refresh_token: str, seconds: float = 60.0) -> None:
    """Make a rotated refresh token's rotation `seconds` older, as if the reuse came that much later."""
    db = Database(platform.settings.database_url("gateway"))
    async with db.transaction() as session:
        await session.execute(
            update(RefreshToken)
            .where(RefreshToken.token_hash == token_hash(refresh_token))
            .values(rotated_at=utcnow() - dt.timedelta(seconds=seconds))
        )
    await db.dispose()


def platform_demo_password(platform) -> str:
    return json.loads((platform.settings.var_dir / "demo-accounts.json").read_text())["password"]


def valid_id(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


def credit_code(first17: str) -> str:
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(chars.index(c) * w for c, w in zip(first17, weights, strict=True))
    return first17 + chars[(31 - total % 31) % 31]
