"""One async SQLAlchemy engine per service database: SQLite files by default, PostgreSQL when configured."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session
from sqlalchemy.types import DateTime, TypeDecorator

from services.kernel.errors import DomainError
from services.kernel.reads import DEFERRED, TX_CONNECTION, WROTE_ALONE, Reader, begin_on_driver
from services.kernel.sqlite_inline import WalCheckpointer, inline_creator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)

    def bind_processor(self, dialect: Any) -> Any:
        """On SQLite one function where SQLAlchemy chains two (this type's conversion to UTC, then the dialect's
        text format, field by field): the same text, `2026-11-30 05:30:00.000000` (every write of a report
        binds several of these)."""
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def process(value: dt.datetime | None) -> str | None:
            if value is None:
                return None
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

        return process


SQLITE_BUSY_SECONDS = 5.0  # how long BEGIN IMMEDIATE waits for another process's write transaction


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_SECONDS * 1000)}")
    cursor.execute("PRAGMA wal_autocheckpoint=0")  # checkpoints run off the loop: see WalCheckpointer
    cursor.close()


def _on_sqlite_begin(conn: Any) -> None:
    # Writers take the write lock at BEGIN, so two writers queue on busy_timeout instead of failing when a
    # read transaction tries to upgrade; readers begin deferred and never block anyone (WAL).
    # Sent on the `sqlite3` connection itself: through `exec_driver_sql` it was a whole statement execution of
    # SQLAlchemy's (context, cursor, events) for a statement with no parameters and no result.
    immediate = conn.get_execution_options().get("sqlite_immediate", False)
    conn.connection.driver_connection.sqlite.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")


# How long a request waits for a pooled PostgreSQL connection before it fails (with a 503, as the database being
# unavailable): longer than any request's deadline, so a busy pool only queues.
POOL_WAIT_SECONDS = 30.0


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """An engine with the pragmas and pool that suit the backend."""
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # Inline connections (see sqlite_inline) in autocommit mode: pysqlite's own transaction handling is off,
        # so BEGIN / BEGIN IMMEDIATE are ours to send.
        engine = create_async_engine(
            url, async_creator=inline_creator(database or ":memory:", timeout=SQLITE_BUSY_SECONDS)
        )
        event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
        event.listen(engine.sync_engine, "begin", _on_sqlite_begin)
        return engine
    # No pre-ping per checkout (a round trip on every read): connections are recycled after half an hour, and one
    # that the server dropped is invalidated on its first error (SQLAlchemy for sessions, `Reader` for lean reads).
    # No overflow: past `pool_size` a request waits for a connection. An overflow connection is closed as soon as
    # it is given back, so under a steady burst each request paid PostgreSQL a new backend (a fork, its caches
    # warmed again): 40 a second, a third of the machine, in the filing bench (loadtests/README.md).
    engine = create_async_engine(
        url, pool_size=pool_size, max_overflow=0, pool_timeout=POOL_WAIT_SECONDS, pool_recycle=1800
    )
    event.listen(engine.sync_engine, "checkout", _refuse_unsettled)
    return engine


def unsettled(adapter: Any) -> bool:
    """Whether a pooled PostgreSQL connection (SQLAlchemy's asyncpg adapter) is in a state no one may use: closed,
    or inside a transaction its adapter does not know of. A BEGIN cancelled while on the wire (a request timed out
    or its server was stopped) leaves asyncpg holding that transaction as its top one, and the server may be in it:
    the next `transaction()` on that connection would then be a SAVEPOINT inside it, and every "commit" after it a
    RELEASE, never durable, its locks kept (the ticket counter's row: every report of the county waited)."""
    driver = getattr(adapter, "driver_connection", None)
    if driver is None:
        return False
    if driver.is_closed():
        return True
    if getattr(adapter, "_transaction", None) is not None:
        return False
    return getattr(driver, "_top_xact", None) is not None or bool(driver.is_in_transaction())


def _refuse_unsettled(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """Pool checkout: an unsettled connection (`unsettled`) is discarded and another one is opened in its place
    (SQLAlchemy's DisconnectionError protocol): attribute reads, no round trip."""
    if unsettled(dbapi_connection):
        raise DisconnectionError("the connection is closed or in a transaction of its own")


# asyncpg's errors of a connection the server dropped or refused (a restart, a failover, "shutting down"), by name:
# asyncpg is only installed where PostgreSQL is used.
LOST_CONNECTION_ERRORS = frozenset(
    {
        "ConnectionDoesNotExistError",
        "InterfaceError",
        "InternalClientError",
        "PostgresConnectionError",
        "CannotConnectNowError",
        "AdminShutdownError",
        "CrashShutdownError",
        "ConnectionFailureError",
        "ClientCannotConnectError",
    }
)


def _caused_by(error: BaseException, test: Callable[[BaseException], bool]) -> bool:
    """Whether `error` or what caused it (`__cause__`, or a DBAPI error's `orig`; a few links deep) passes `test`."""
    seen: BaseException | None = error
    for _ in range(8):
        if seen is None:
            return False
        if test(seen):
            return True
        seen = seen.__cause__ or getattr(seen, "orig", None)
    return False


def _asyncpg_error_in(names: frozenset[str]) -> Callable[[BaseException], bool]:
    return lambda e: type(e).__module__.startswith("asyncpg") and type(e).__name__ in names


_LOST = _asyncpg_error_in(LOST_CONNECTION_ERRORS)


def connection_lost(error: BaseException) -> bool:
    """True when `error` (or what caused it) is the database dropping or refusing the connection, not a bug: the
    call did not happen or was rolled back with its connection, and the caller may retry (an idempotent one)."""
    return _caused_by(
        error,
        lambda e: (
            bool(getattr(e, "connection_invalidated", False))
            or isinstance(
                e, ConnectionError | TimeoutError | PoolTimeout
            )  # PoolTimeout: the pool stayed busy
            or _LOST(e)
        ),
    )


# PostgreSQL refuses text it cannot store (a NUL character, a byte sequence that is not UTF-8): bad input, not a bug.
UNSTORABLE_TEXT_ERRORS = frozenset({"CharacterNotInRepertoireError", "UntranslatableCharacterError"})
_UNSTORABLE = _asyncpg_error_in(UNSTORABLE_TEXT_ERRORS)


def unstorable_text(error: BaseException) -> bool:
    """True when `error` (or what caused it) is the database refusing a text value of the request (22021, 22P05)."""
    return _caused_by(error, _UNSTORABLE)


AFTER_TRANSACTION = "bst.after_transaction"


def after_transaction(session: AsyncSession, callback: Callable[[bool], None]) -> None:
    """Call `callback(committed)` once the transaction of `Database.transaction()` has ended (committed or not),
    after its connection's work is done (and, on SQLite, before the next writer's turn)."""
    session.info.setdefault(AFTER_TRANSACTION, []).append(callback)


async def _invalidate_if_unsettled(connection: AsyncConnection) -> None:
    """A transaction that failed because the server went away (a restart, a failover), or was cancelled, never
    hands its connection back to the pool as it is (`unsettled`): a lean statement sent straight to asyncpg
    (`reads.asyncpg_of`) fails without SQLAlchemy seeing it, a deferred transaction that had not begun has no
    ROLLBACK to fail on, and a cancelled BEGIN leaves a transaction its adapter does not know of."""
    sync = connection.sync_connection
    if sync is None or sync.invalidated or sync.closed:  # SQLAlchemy saw the loss itself (asking for
        return  # `sync.connection` now would connect again)
    if unsettled(sync.connection.dbapi_connection):
        await connection.invalidate()


class Database:
    """An engine and its session factory. The caller owns the transaction: `async with db.transaction() as s:`."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.sqlite = is_sqlite(url)
        self.engine = create_engine(url, pool_size=pool_size)
        self.side_pool_size = max(2, pool_size // 2)  # autonomous(): one statement each, half the main pool
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, sync_session_class=Session)
        # Lean reads for hot paths: `async with db.reads() as reads: await reads.first(READ, key=...)`.
        self.reads = Reader(self.engine, sqlite=self.sqlite)
        self._side: AsyncEngine | None = None  # see autonomous()
        # SQLite: this process's write transactions take turns here, so that none ever waits inside SQLite for
        # another one of ours (the connections run inline on the loop: see sqlite_inline).
        self._writer = asyncio.Lock() if self.sqlite else None
        database = make_url(url).database if self.sqlite else None
        self._checkpointer = WalCheckpointer(database) if database and database != ":memory:" else None

    @asynccontextmanager
    async def transaction(self, *, deferred: bool = False) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on any error except a DomainError
        raised with `commit_anyway` (a refusal whose bookkeeping must be kept).

        `deferred` (PostgreSQL; SQLite ignores it): BEGIN is not sent up front. Until the first write, the lean
        reads (`read_in`) run each on its own, as they would in a READ COMMITTED transaction (each statement its
        own snapshot); the first write begins the transaction: an ORM flush or savepoint, `change_in`,
        `execute_in`, `returning_in`. A request whose one write is a single statement sent before anything began
        (`ticket_writes`) runs it alone: atomic by itself, committed by the server, with no BEGIN and no COMMIT
        round trip. For requests that read a little and then write once: filing a ticket."""
        committed = False
        async with self._writer or nullcontext(), self._session() as session:
            try:
                # the transaction's one connection (BEGIN IMMEDIATE on SQLite), kept for `connection_of`; asking
                # for it begins the session's transaction
                connection = session.info[TX_CONNECTION] = await session.connection(
                    execution_options={"sqlite_immediate": True} if self.sqlite else None
                )
                # the connection's info outlives this checkout: the mark is taken off before the connection can
                # go back to the pool (commit, rollback)
                sync = connection.sync_connection
                marked = sync.info if deferred and not self.sqlite and sync is not None else None
                if marked is not None:
                    marked[DEFERRED] = True
                elif not self.sqlite:
                    try:
                        await begin_on_driver(connection)
                    except BaseException:
                        await _invalidate_if_unsettled(connection)
                        raise
                try:
                    try:
                        yield session
                    finally:
                        if marked is not None:
                            marked.pop(DEFERRED, None)
                except DomainError as error:
                    if error.commit_anyway:
                        await session.commit()
                        committed = True
                    else:
                        await session.rollback()
                    raise
                except BaseException:
                    if not self.sqlite:
                        await _invalidate_if_unsettled(connection)
                    await session.rollback()
                    raise
                if session.info.pop(WROTE_ALONE, False) and (session.new or session.dirty or session.deleted):
                    # what is left would be committed apart from the write that already was: not one transaction
                    await session.rollback()
                    raise RuntimeError(
                        "a deferred transaction changed rows after its one write had run alone"
                    )
                await session.commit()
                committed = True
            finally:
                session.info.pop(TX_CONNECTION, None)
                for callback in session.info.pop(AFTER_TRANSACTION, ()):
                    callback(committed)
        if self._checkpointer is not None:
            self._checkpointer.after_commit()

    @asynccontextmanager
    async def autonomous(self) -> AsyncIterator[AsyncConnection]:
        """PostgreSQL only: statements each committed at once (autocommit: one round trip, no BEGIN/COMMIT), on a
        small pool of its own (so that a request holding a connection of the main pool never waits for a second
        one from it). For a counter row that must not stay locked for a whole request; the caller gives back what
        it took if its request's transaction does not commit (`after_transaction`)."""
        if self.sqlite:
            raise RuntimeError("SQLite writers take turns; use the request's own transaction")
        if self._side is None:
            self._side = create_async_engine(
                self.url,
                pool_size=self.side_pool_size,
                max_overflow=0,  # as the main pool (create_engine)
                pool_timeout=POOL_WAIT_SECONDS,
                pool_recycle=1800,
                isolation_level="AUTOCOMMIT",
            )
            event.listen(self._side.sync_engine, "checkout", _refuse_unsettled)
        async with self._side.connect() as conn:
            try:
                yield conn
            except BaseException:
                await _invalidate_if_unsettled(conn)
                raise

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only."""
        async with self._session() as session:
            yield session

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[AsyncSession]:
        """A new session, closed at the end. One that holds no transaction any more (committed or rolled back) has
        no connection to give back: it is closed there and then, without the task, the shield and the greenlet of
        `AsyncSession.close` (one of each per request on the filing bench); one still in a transaction is closed
        by SQLAlchemy, which gives its connection back even if the caller is being cancelled."""
        session = self.sessions()
        try:
            yield session
        finally:
            if session.sync_session.in_transaction():
                await session.__aexit__(None, None, None)
            else:
                session.sync_session.close()

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self._side is not None:
            await self._side.dispose()
        if self._checkpointer is not None:
            await self._checkpointer.close()
