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
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine
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
    return Compiled(
        sql=str(compiled),
        params=names,
        bind=bind,
        result=result if any(result) else None,
        row=row_type._make,
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
        values = [
            value if process is None else process(value)
            for process, value in zip(compiled.bind, (params[n] for n in compiled.params), strict=True)
        ]
        if self._sqlite:
            raw = self._driver.sqlite.execute(compiled.sql, values).fetchall()
        else:
            raw = await self._driver.fetch(compiled.sql, *values)
        make, result = compiled.row, compiled.result
        if result is None:
            return [make(r) for r in raw]
        return [
            make(
                [
                    value if process is None else process(value)
                    for process, value in zip(result, r, strict=True)
                ]
            )
            for r in raw
        ]

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
