"""The gateway's reference data: the first signing key (and, with identity, the bootstrap admin)."""

from __future__ import annotations

import datetime as dt

from gateway.identity.keys import KeyStore
from services.kernel.db import Database
from services.kernel.settings import Settings


async def seed(db: Database, settings: Settings) -> None:
    await KeyStore(db, settings.resolved_secret_key(), token_lifetime=dt.timedelta(minutes=10)).load()


def demo_account_lines(settings: Settings) -> list[str]:
    return ["Demo accounts: none yet (accounts arrive with unified identity)."]
