"""Repair's rule tests: each test on its own session inside a transaction that is rolled back afterwards (the rules
never commit; `begin_nested` inside them becomes a SAVEPOINT), so no test sees another test's data."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services.cli import COMPONENTS
from services.kernel.db import Database
from services.kernel.migrations import upgrade


@pytest.fixture(scope="session")
async def repair_db(backend) -> AsyncIterator[Database]:
    """One scratch repair database per backend, migrated once."""
    url = await backend.scratch_database("repair_rules")
    await asyncio.to_thread(upgrade, COMPONENTS["repair"].migrations, url)
    db = Database(url)
    yield db
    await db.dispose()


@pytest.fixture
async def session(repair_db: Database) -> AsyncIterator[AsyncSession]:
    """A session whose every change is rolled back when the test ends."""
    async with repair_db.engine.connect() as connection:
        outer = await connection.begin()
        session = AsyncSession(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        try:
            yield session
        finally:
            await session.close()
            await outer.rollback()
