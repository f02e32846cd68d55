"""Lean reads for hot paths: Core selects compiled once per dialect, run on one pooled DBAPI connection.

A read through a session costs a transaction (BEGIN … ROLLBACK on SQLite), the ORM's identity map, a statement
compiled or looked up in the cache on every call and a `Row` per result. A hot read needs none of it:

    TICKET = Read(select(Ticket.ticket_no, Ticket.status, ...).where(Ticket.ticket_no == bindparam("ticket_no")))

    async with db.reads() as reads:
        row = await reads.first(TICKET, ticket_no=ticket_no)      # a named tuple, or None
        rows = await reads.all(TIMELINE, ticket_no=ticket_no)

- The statement is compiled once per dialect (on first use) into its SQL text, the order of its bind parameters and
  the type processors of its parameters and columns (so a `UTCDateTime` column still comes back as an aware UTC
  datetime, and a SQLite Boolean as a bool). Bind parameters are named with `bindparam("name")`; expanding (`IN`)
  parameters are not supported.
- One connection is checked out of the engine's pool for the whole `async with`, and the statements run on its
  driver connection directly: on SQLite the inline `sqlite3` connection in autocommit mode (a SELECT in WAL mode is
  its own read transaction, no BEGIN round trip); on PostgreSQL the asyncpg connection, whose statement cache
  prepares each statement once per connection (no pre-ping per checkout: see `db.create_engine`).
- Rows are named tuples with the statement's column labels: label clashing columns (`Outlet.name.label(...)`).

Inside a write transaction, `read_in(await connection_of(session), READ, ...)` runs a `Read` on the session's own
connection (after flushing what the session holds), and `change_in(connection, CHANGE, ...)` an UPDATE compiled once
(`Change`): the hot reads and counters of a write without the ORM (services/repair/dispatch.py).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.sql.selectable import SelectBase
from sqlalchemy.util import greenlet_spawn

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class Compiled:
    sql: str
    params: tuple[str, ...]  # bind parameter names, in positional order
    bind: tuple[Processor, ...]
    result: tuple[Processor, ...] | None  # None when no column needs converting
    row: Callable[[Sequence[Any]], Any]  # the named tuple's _make
    fixed: dict[
        str, Any
    ]  # the statement's own values (`.limit(1)`, a literal compared with): no name to pass

    def values(self, params: dict[str, Any]) -> tuple[Any, ...]:
        fixed = self.fixed
        return tuple(
            value if process is None else process(value)
            for process, value in zip(
                self.bind, (params[n] if n in params else fixed[n] for n in self.params), strict=True
            )
        )


class Read:
    """A Core select, compiled once per dialect."""

    __slots__ = ("_compiled", "statement")

    def __init__(self, statement: SelectBase) -> None:
        self.statement = statement
        self._compiled: dict[str, Compiled] = {}

    def compiled(self, dialect: Dialect) -> Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            found = self._compiled[dialect.name] = _compile(self.statement, dialect)
        return found


def _compile(statement: SelectBase, dialect: Dialect) -> Compiled:
    compiled = statement.compile(dialect=dialect)
    names = tuple(compiled.positiontup or ())
    bind = tuple(compiled.binds[name].type._cached_bind_processor(dialect) for name in names)
    columns = list(statement.selected_columns)
    result = tuple(_result_processor(column.type, dialect) for column in columns)
    labels = [column.key or f"c{i}" for i, column in enumerate(columns)]
    row_type = namedtuple("Row", labels, rename=True)  # type: ignore[misc]
    fixed = {name: compiled.binds[name].value for name in names if not compiled.binds[name].required}
    return Compiled(
        sql=str(compiled),
        params=names,
        bind=bind,
        result=result if any(result) else None,
        row=row_type._make,
        fixed=fixed,
    )


def _result_processor(type_: Any, dialect: Dialect) -> Processor:
    """The column type's result processor for this dialect; None when the driver's value is already the answer
    (asyncpg's numeric processors want the column's type oid, and float8/int come back as Python numbers)."""
    try:
        return type_._cached_result_processor(dialect, None)  # type: ignore[no-any-return]
    except (TypeError, KeyError):
        return None


class ReadConnection:
    """Statements on one checked-out driver connection; see the module's docstring."""

    __slots__ = ("_dialect", "_driver", "_sqlite")

    def __init__(self, dialect: Dialect, driver: Any, *, sqlite: bool) -> None:
        self._dialect = dialect
        self._driver = driver
        self._sqlite = sqlite

    async def all(self, read: Read, **params: Any) -> list[Any]:
        compiled = read.compiled(self._dialect)
        values = compiled.values(params)
        if self._sqlite:
            raw = self._driver.sqlite.execute(compiled.sql, values).fetchall()
        else:
            raw = await self._driver.fetch(compiled.sql, *values)
        return _rows(compiled, raw)

    async def first(self, read: Read, **params: Any) -> Any | None:
        rows = await self.all(read, **params)
        return rows[0] if rows else None


class Reader:
    """`async with reader() as reads:` one pooled connection for a few lean reads."""

    __slots__ = ("_engine", "_sqlite")

    def __init__(self, engine: AsyncEngine, *, sqlite: bool) -> None:
        self._engine = engine
        self._sqlite = sqlite

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[ReadConnection]:
        proxied = await self._engine.raw_connection()
        driver: Any = proxied.driver_connection
        try:
            yield ReadConnection(self._engine.dialect, driver, sqlite=self._sqlite)
        except BaseException:
            if not self._sqlite and driver.is_closed():  # the server went away: never hand this one out again
                await greenlet_spawn(proxied.invalidate)
            raise
        finally:
            await greenlet_spawn(proxied.close)  # back to the pool (its reset may await the driver)


async def read_in(connection: AsyncConnection, read: Read, **params: Any) -> list[Any]:
    """A lean read inside a session's own transaction (`connection_of(session)`), for the hot reads of a write: the
    statement compiled once, run on the transaction's connection (the `sqlite3` connection directly on SQLite;
    through `exec_driver_sql` on PostgreSQL, so that the driver's transaction has begun); rows as `ReadConnection`
    gives them."""
    compiled = read.compiled(connection.dialect)
    values = compiled.values(params)
    if connection.dialect.name == "sqlite":
        raw = sqlite_of(connection).execute(compiled.sql, values).fetchall()
    elif (driver := asyncpg_of(connection)) is not None:
        raw = await driver.fetch(compiled.sql, *values)
    else:
        raw = (await connection.exec_driver_sql(compiled.sql, values)).fetchall()
    return _rows(compiled, raw)


async def execute_in(connection: AsyncConnection, sql: str, rows: Sequence[tuple[Any, ...]]) -> int:
    """A driver statement (already compiled for this dialect, parameters already bound) inside the transaction,
    once per row (executemany when more than one); the rows it changed."""
    if connection.dialect.name == "sqlite":
        sqlite = sqlite_of(connection)
        cursor = sqlite.executemany(sql, rows) if len(rows) > 1 else sqlite.execute(sql, rows[0])
        return int(cursor.rowcount)
    if outside_transaction(connection):
        await begin_on_driver(connection)  # a write begins a deferred transaction
    if (driver := asyncpg_of(connection)) is not None:
        if len(rows) > 1:
            await driver.executemany(sql, rows)
            return -1  # asyncpg does not count an executemany's rows
        return _changed(await driver.execute(sql, *rows[0]))
    result = await connection.exec_driver_sql(sql, list(rows) if len(rows) > 1 else rows[0])
    return int(result.rowcount)


def _changed(status: str) -> int:
    """The rows a command changed, from PostgreSQL's command tag ("UPDATE 3", "INSERT 0 1", "DELETE 0")."""
    last = status.rpartition(" ")[2]
    return int(last) if last.isdigit() else -1


def _rows(compiled: Compiled, raw: Sequence[Any]) -> list[Any]:
    make, result = compiled.row, compiled.result
    if result is None:
        return [make(r) for r in raw]
    return [
        make([value if process is None else process(value) for process, value in zip(result, r, strict=True)])
        for r in raw
    ]


class Change:
    """An INSERT, UPDATE or DELETE with named bind parameters (`bindparam("name")`), compiled once per dialect; run
    in a transaction with `change_in`. Its parameters are bound with their types' processors, like a `Read`'s."""

    __slots__ = ("_compiled", "statement")

    def __init__(self, statement: Any) -> None:
        self.statement = statement
        self._compiled: dict[str, Compiled] = {}

    def bound(self, dialect: Dialect, params: dict[str, Any]) -> tuple[str, tuple[Any, ...]]:
        found = self._compiled.get(dialect.name)
        if found is None:
            compiled = self.statement.compile(dialect=dialect)
            names = tuple(compiled.positiontup or ())
            found = self._compiled[dialect.name] = Compiled(
                sql=str(compiled),
                params=names,
                bind=tuple(compiled.binds[name].type._cached_bind_processor(dialect) for name in names),
                result=None,
                row=tuple,
                fixed={n: compiled.binds[n].value for n in names if not compiled.binds[n].required},
            )
        return found.sql, found.values(params)


async def change_in(connection: AsyncConnection, change: Change, **params: Any) -> int:
    """Run a `Change` inside the transaction of `connection`; the rows it changed."""
    sql, values = change.bound(connection.dialect, params)
    return await execute_in(connection, sql, [values])


async def returning_in(connection: AsyncConnection, change: Change, **params: Any) -> list[tuple[Any, ...]]:
    """Run a `Change` with a RETURNING clause inside the transaction of `connection`; the rows it returned, as
    the driver gives them (no result processors)."""
    sql, values = change.bound(connection.dialect, params)
    if connection.dialect.name == "sqlite":
        return list(sqlite_of(connection).execute(sql, values).fetchall())
    if outside_transaction(connection):
        await begin_on_driver(connection)  # a write begins a deferred transaction
    if (driver := asyncpg_of(connection)) is not None:
        return [tuple(row) for row in await driver.fetch(sql, *values)]
    return [tuple(row) for row in (await connection.exec_driver_sql(sql, values)).fetchall()]


def sqlite_of(connection: AsyncConnection) -> Any:
    """The `sqlite3` connection under a started connection of an inline SQLite engine (services.kernel.sqlite_inline),
    reached through plain attributes: `get_raw_connection()` would cost a greenlet hop for the same object."""
    sync = connection.sync_connection
    if sync is None:
        raise RuntimeError("the connection has not started")
    return sync.connection.driver_connection.sqlite  # type: ignore[union-attr]


DEFERRED = "bst.deferred"  # the connection's info: its transaction is deferred (`Database.transaction(deferred=...)`)


def outside_transaction(connection: AsyncConnection) -> bool:
    """PostgreSQL, in a deferred transaction that has not begun yet: a statement sent now runs alone, committed by
    itself (no BEGIN has gone out)."""
    sync = connection.sync_connection
    if sync is None or not sync.info.get(DEFERRED):
        return False
    return getattr(sync.connection.dbapi_connection, "_transaction", False) is None


WROTE_ALONE = "bst.wrote_alone"  # session.info: a write of this deferred transaction ran alone (committed)


async def change_alone(connection: AsyncConnection, change: Change, **params: Any) -> int:
    """Run a `Change` on its own, committed at once, while `outside_transaction(connection)`: a counter that must
    not stay locked for the rest of a request (the caller gives back what it took if the request fails)."""
    if not outside_transaction(connection):
        raise RuntimeError("a statement runs alone only before its deferred transaction has begun")
    sql, values = change.bound(connection.dialect, params)
    driver = asyncpg_of(connection)
    if driver is None:
        raise RuntimeError("a statement runs alone only on asyncpg")
    return _changed(await driver.execute(sql, *values))


def asyncpg_of(connection: AsyncConnection) -> Any | None:
    """The asyncpg connection under a started PostgreSQL connection, when statements may go to it directly: its
    transaction has begun (SQLAlchemy's adapter begins one lazily, at its first statement: `begin_on_driver` begins
    it at once) or it runs in autocommit. Straight to asyncpg a statement costs a third of what it costs through
    `exec_driver_sql` (a greenlet hop, an execution context, the adapter's cursor and its own statement cache). None
    when the adapter is not one this knows, and the caller goes through SQLAlchemy."""
    sync = connection.sync_connection
    adapter = sync.connection.dbapi_connection if sync is not None else None
    if (
        getattr(adapter, "_transaction", None) is None
        and getattr(adapter, "autocommit", False) is not True
        and not (sync is not None and sync.info.get(DEFERRED))
    ):
        return None
    return getattr(adapter, "driver_connection", None)


async def begin_on_driver(connection: AsyncConnection) -> None:
    """PostgreSQL: begin the driver's transaction now (BEGIN would otherwise go out with the first statement run
    through SQLAlchemy), so that `asyncpg_of` lets the transaction's lean statements go straight to asyncpg."""
    sync = connection.sync_connection
    adapter = sync.connection.dbapi_connection if sync is not None else None
    start = getattr(adapter, "_start_transaction", None)
    if start is not None and getattr(adapter, "_transaction", False) is None:
        await start()


TX_CONNECTION = "bst.tx_connection"  # session.info: the connection of `Database.transaction()`'s transaction


async def connection_of(session: AsyncSession) -> AsyncConnection:
    """The session's transaction connection for `read_in`/`change_in`, after anything the session still holds has
    been flushed (what an ORM query would have done first). Inside `Database.transaction()` it is the one that
    transaction began on, kept in the session's info (asking the session again costs two greenlet hops)."""
    if session.new or session.dirty or session.deleted:
        await session.flush()
    found: AsyncConnection | None = session.info.get(TX_CONNECTION)
    return found if found is not None else await session.connection()
