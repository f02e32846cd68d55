"""Online verifications written to the use record in groups: whoever arrives while a group commits waits for the
next one, so a busy verifier costs one transaction per group instead of one per request. A caller's answer waits
for its own row's commit: no acknowledged verification is ever missing from the record."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import insert

from services.kernel.db import Database
from services.licenses.models import LicenseUse

MAX_GROUP = 500


class UseWriter:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._waiting: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def write(self, use: dict[str, Any]) -> None:
        """Return once `use` is committed (raise if its group failed to commit)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((use, done))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        await asyncio.shield(done)  # a cancelled caller's row is still written with its group

    async def _flush(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting[:MAX_GROUP], self._waiting[MAX_GROUP:]
            try:
                async with self.db.transaction() as session:
                    await session.execute(insert(LicenseUse), [use for use, _ in group])
            except BaseException as error:
                for _, done in group:
                    if not done.done():
                        done.set_exception(
                            error if isinstance(error, Exception) else RuntimeError("cancelled")
                        )
                if not isinstance(error, Exception):
                    raise
            else:
                for _, done in group:
                    if not done.done():
                        done.set_result(None)
