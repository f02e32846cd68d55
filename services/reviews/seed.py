"""The reviews service starts empty: reviews come only from people who were served."""

from __future__ import annotations

from services.kernel.db import Database
from services.kernel.settings import Settings


async def seed(db: Database, settings: Settings) -> None:
    return None
