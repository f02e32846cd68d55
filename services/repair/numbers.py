"""Ticket numbers without a hot row: BX + county + yymmdd (China time) + the day's sequence, e.g. BX5301022611250001.

A process takes the sequence of a county and day from `ticket_counters` in blocks (`last = last + BLOCK`), then
hands out the block from memory: the counter row is written once per block instead of once per report, so
concurrent reports of one county no longer queue on it. Blocks are exclusive to the process that took them, so
numbers are unique across replicas; numbers are increasing within a process, and a block left unused when a
process stops leaves a gap (a ticket number is an identifier, not a count).

The block is taken inside the report's own transaction (no second transaction, which on SQLite would wait for the
writer turn the report already holds) and becomes usable by other reports only once that transaction has committed
(`after_transaction`); if it rolls back, the counter did not move and the block is simply not there. While one
report of this process is taking a block, the others of the same county and day wait for its transaction to end.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.db import after_transaction
from services.repair.models import TicketCounter

CHINA = ZoneInfo("Asia/Shanghai")
BLOCK = 50


def ticket_no(county: str, day: str, sequence: int) -> str:
    return f"BX{county}{day}{sequence:04d}"


async def take_block(session: AsyncSession, county: str, day: str, size: int) -> int:
    """Move the county's and day's counter on by `size`; the first number of the block taken."""
    dialect = (await session.connection()).dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(TicketCounter)
        .values(county=county, day=day, last=size)
        .on_conflict_do_update(index_elements=["county", "day"], set_={"last": TicketCounter.last + size})
        .returning(TicketCounter.last)
    )
    last = (await session.execute(statement)).scalar_one()
    return int(last) - size + 1


class TicketNumbers:
    """This process's blocks of ticket numbers, by county and day."""

    def __init__(self, block: int = BLOCK) -> None:
        self.block = block
        self._free: dict[tuple[str, str], tuple[int, int]] = {}  # (next, end)
        self._taking: dict[tuple[str, str], asyncio.Event] = {}

    async def next(self, session: AsyncSession, county: str, now: dt.datetime) -> str:
        day = now.astimezone(CHINA).strftime("%y%m%d")
        key = (county, day)
        while True:
            nxt, end = self._free.get(key, (0, 0))
            if nxt < end:
                self._free[key] = (nxt + 1, end)
                return ticket_no(county, day, nxt)
            taking = self._taking.get(key)
            if taking is None:
                break
            await taking.wait()  # another report of ours is taking a block: use it once it has committed
        taking = self._taking[key] = asyncio.Event()
        try:
            first = await take_block(session, county, day, self.block)
        except BaseException:
            del self._taking[key]
            taking.set()
            raise

        def ended(committed: bool) -> None:
            if committed:
                self._forget_other_days(day)
                self._free[key] = (first + 1, first + self.block)
            del self._taking[key]
            taking.set()

        after_transaction(session, ended)
        return ticket_no(county, day, first)

    def _forget_other_days(self, day: str) -> None:
        for stale in [k for k in self._free if k[1] < day]:
            del self._free[stale]
