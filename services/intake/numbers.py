"""The unified application number (统一赋码): county adcode, date (China time), sequence, check character.

`530102 20270104 000123 7`: 6 digits of the county, 8 of the day, at least 6 of the day's sequence, and an
ISO 7064 MOD 11-2 check character (0-9 or X, as on a resident ID card) over all the digits before it.

The sequence is one per day across the province, so a number is unique whatever the county. No request takes a
row lock for its number: each process takes a block of sequence numbers at once (one short transaction of its own)
and hands them out from memory. Numbers a process did not use before it stopped are never reused, only skipped.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from services.intake.models import NumberBlock
from services.kernel.db import Database
from services.kernel.workdays import CHINA

WEIGHTS_MOD = 11


def check_character(digits: str) -> str:
    """ISO 7064 MOD 11-2 over `digits`."""
    total = 0
    for char in digits:
        total = (total + int(char)) * 2 % WEIGHTS_MOD
    value = (12 - total) % WEIGHTS_MOD
    return "X" if value == 10 else str(value)


def is_valid_number(number: str) -> bool:
    body, check = number[:-1], number[-1:]
    return len(number) >= 21 and body.isdigit() and check_character(body) == check


def compose(county: str, day: str, sequence: int) -> str:
    body = f"{county}{day}{sequence:06d}"
    return body + check_character(body)


class NumberAllocator:
    """Hands out the day's sequence numbers of this process from blocks reserved in the database."""

    def __init__(self, db: Database, block_size: int = 50) -> None:
        self.db = db
        self.block_size = block_size
        self._day = ""
        self._next = 0
        self._end = 0
        self._lock = asyncio.Lock()

    async def next_number(self, county: str, now: dt.datetime) -> str:
        day = now.astimezone(CHINA).strftime("%Y%m%d")
        async with self._lock:
            if day != self._day or self._next >= self._end:
                self._next = await self._reserve(day)
                self._end = self._next + self.block_size
                self._day = day
            sequence = self._next
            self._next += 1
        return compose(county, day, sequence)

    async def _reserve(self, day: str) -> int:
        """The first number of a new block of `block_size` for `day` (its own short transaction)."""
        async with self.db.transaction() as session:
            dialect = (await session.connection()).dialect.name
            insert = pg_insert if dialect == "postgresql" else sqlite_insert
            await session.execute(insert(NumberBlock).values(day=day, next_free=1).on_conflict_do_nothing())
            end = (
                await session.execute(
                    update(NumberBlock)
                    .where(NumberBlock.day == day)
                    .values(next_free=NumberBlock.next_free + self.block_size)
                    .returning(NumberBlock.next_free)
                )
            ).scalar_one()
            return int(end) - self.block_size

    async def peek(self, day: str) -> int:
        async with self.db.reader() as session:
            return int(
                (await session.scalar(select(NumberBlock.next_free).where(NumberBlock.day == day))) or 1
            )
