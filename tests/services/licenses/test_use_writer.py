"""The use record's group writer: simultaneous verifications are committed together, each caller answered only
after its own row is committed; a group that fails to commit fails every caller in it (none is acknowledged)."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import func, select

from services.kernel.db import utcnow
from services.licenses.models import LicenseUse
from services.licenses.use_writer import UseWriter
from tests.services.licenses.conftest import World


def use(license_id: str, n: int) -> dict:
    return {
        "license_id": license_id,
        "at": utcnow(),
        "kind": "verification",
        "who": f"核验点{n}",
        "purpose": "在线核验：姓名",
        "case_ref": "",
    }


async def count(world: World, license_id: str) -> int:
    async with world.db.reader() as session:
        return int(await session.scalar(select(func.count()).where(LicenseUse.license_id == license_id)) or 0)


async def test_simultaneous_rows_are_all_committed_before_their_callers_return(world: World) -> None:
    writer, license_id = UseWriter(world.db), str(uuid.uuid4())
    commits = 0
    original = world.db.transaction

    def counted():  # type: ignore[no-untyped-def]
        nonlocal commits
        commits += 1
        return original()

    writer.db = type("Counted", (), {"transaction": staticmethod(counted)})()  # type: ignore[assignment]

    async def one(n: int) -> int:
        await writer.write(use(license_id, n))
        return await count(world, license_id)  # its own row is already committed when it returns

    seen = await asyncio.gather(*(one(n) for n in range(40)))
    assert await count(world, license_id) == 40
    assert min(seen) >= 1 and commits < 40  # grouped, not one transaction each


async def test_a_group_that_fails_fails_each_caller(world: World) -> None:
    writer, license_id = UseWriter(world.db), str(uuid.uuid4())
    bad = use(license_id, 1) | {"kind": None}  # NOT NULL: the group's transaction fails
    results = await asyncio.gather(
        writer.write(bad), writer.write(use(license_id, 2)), return_exceptions=True
    )
    assert all(isinstance(r, Exception) for r in results)
    assert await count(world, license_id) == 0
    await writer.write(use(license_id, 3))  # the writer carries on
    assert await count(world, license_id) == 1


async def test_a_single_row_is_written_alone(world: World) -> None:
    writer, license_id = UseWriter(world.db), str(uuid.uuid4())
    await writer.write(use(license_id, 1))
    assert await count(world, license_id) == 1
