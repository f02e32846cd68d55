"""SQLite for asyncio without a thread per connection: aiosqlite's async surface over `sqlite3`, run inline.

SQLAlchemy's `sqlite+aiosqlite` dialect talks to an aiosqlite connection, which runs every call — execute, fetch,
cursor open and close, commit — on a worker thread and wakes the event loop when it is done. A ticket read is about
fifty such round trips, and each costs a thread switch, a GIL hand-over (up to the 5 ms switch interval when the
loop is busy) and a loop wake-up: measured, 4.2 ms per `GetTicket` of which most was waiting on the hops. The SQLite
work itself is microseconds (the database is a local file, reads in WAL mode never wait for a writer).

So the embedded default hands the dialect, through `async_creator`, a connection object with the same async methods
that simply run on the calling thread. What that asks in return, and what `Database` does about it:

- A statement that has to wait blocks the loop. Readers never wait in WAL mode. Writers wait for the write lock, so
  `Database.transaction()` serialises this process's write transactions on an asyncio lock before `BEGIN
  IMMEDIATE`: within one process no writer ever waits inside SQLite. Only another *process* writing the same file
  (a second replica, a migration) can make `BEGIN IMMEDIATE` wait, for at most that process's write transaction
  (milliseconds), bounded by `busy_timeout`. Scale-out beyond one process per database is PostgreSQL's job.
- The connection is used only from the loop's thread; `check_same_thread=False` is for the pool's garbage collection
  and `dispose()`, which may close it from elsewhere.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Iterable, Sequence
from typing import Any

log = logging.getLogger("bst.db")


class InlineCursor:
    __slots__ = ("_cursor",)

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> InlineCursor:
        self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> InlineCursor:
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class InlineConnection:
    """The parts of `aiosqlite.Connection` that SQLAlchemy's aiosqlite dialect uses."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        self._connection: sqlite3.Connection | None = (
            connection  # the dialect checks it before commit/rollback
        )

    @property
    def sqlite(self) -> sqlite3.Connection:
        """The `sqlite3` connection itself, for the lean reads of `services.kernel.reads`."""
        return self._conn

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._conn.cursor())

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        if self._connection is not None:
            self._connection = None
            self._conn.close()


def inline_creator(database: str, *, timeout: float):  # type: ignore[no-untyped-def]
    """An `async_creator` for `create_async_engine("sqlite+aiosqlite://…")` that opens inline connections.
    Autocommit mode (`isolation_level=None`): the transaction statements are the engine's own (BEGIN [IMMEDIATE])."""

    async def connect() -> InlineConnection:
        return InlineConnection(
            sqlite3.connect(database, timeout=timeout, isolation_level=None, check_same_thread=False)
        )

    return connect


class WalCheckpointer:
    """WAL checkpoints off the event loop.

    SQLite checkpoints the write-ahead log into the database file itself, by default inside whichever commit
    pushes the log past 1,000 pages — and a checkpoint writes and fsyncs megabytes. Run inline, that commit would
    stall the loop (and every request on it) for tens of milliseconds. So inline connections switch the automatic
    checkpoint off (`wal_autocheckpoint=0`), and after a commit, at most once per `every_seconds` and one at a time,
    a PASSIVE checkpoint runs on a worker thread with a connection of its own; PASSIVE never waits for readers or
    writers, and the next one continues where it stopped."""

    def __init__(self, database: str, *, every_seconds: float = 1.0) -> None:
        self.database = database
        self.every_seconds = every_seconds
        self._last = 0.0
        self._task: asyncio.Task[None] | None = None
        self._connection: sqlite3.Connection | None = None

    def after_commit(self) -> None:
        now = time.monotonic()
        if (self._task is None or self._task.done()) and now - self._last >= self.every_seconds:
            self._last = now
            self._task = asyncio.get_running_loop().create_task(self._run(), name="sqlite-checkpoint")

    async def _run(self) -> None:
        try:
            await asyncio.to_thread(self.checkpoint)
        except sqlite3.Error as exc:  # the next commit's checkpoint tries again
            log.warning("WAL checkpoint failed", extra={"database": self.database, "error": str(exc)})

    def checkpoint(self) -> tuple[int, int, int]:
        """(busy, frames in the log, frames checkpointed), as `PRAGMA wal_checkpoint` reports them."""
        if self._connection is None:
            self._connection = sqlite3.connect(self.database, timeout=1.0, check_same_thread=False)
        return tuple(self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone())  # type: ignore[return-value]

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            await asyncio.wait({self._task}, timeout=10)
        if self._connection is not None:
            self._connection.close()
            self._connection = None
