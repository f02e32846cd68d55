"""The writes of a new ticket on Core statements: what the filing rules decided, inserted in one go.

The rules of `tickets.create_ticket` and `dispatch.dispatch` record what they decide with `session.add(...)` (the
ticket, its timeline, the dispatch decision, notices, outbox events: `common.add_timeline`, `notify`, `publish`).
Through the ORM each of those is a unit-of-work flush at commit, and the answer was read back with three more
statements: about 10 ms of the repair service's CPU per report. Here the rules get a stand-in for their session,
`TicketWrites.session`: its `add` collects the objects (plain value carriers, never attached to a session), every
other call (the rules' reads, the capacity update, the number block, savepoints) goes to the real session and so
runs in the same transaction. `TicketWrites.write` then inserts the collected rows in the order the rules added
them: on SQLite one statement per table (compiled once per dialect; executemany for the timeline, notices and outbox
rows), on PostgreSQL all of them in one statement (one round trip) that also reads the assignee's contact; and
`answer` builds the answer from the same values: no flush, no read-back. Events published = the outbox rows the
rules added, as before.

On PostgreSQL, when the report's transaction has not begun (`Database.transaction(deferred=True)`: the filing as the
service runs it, `tickets.file_in_own_transaction`), the same statement also takes the assignee's capacity slot
(`take_with_the_rows`): the dispatch's take is then not a round trip of its own, and the slot and the rows are
written together or not at all. If the outlet filled up after the dispatch read it, the statement fails whole
(`OutletFilled`) and the report is filed again.

What is not a new row of the report stays with the real session as before (an Idempotency-Key claim, the evidence
attached, the counter of ticket numbers), so its unit of work has nothing else to do at commit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

from asyncpg.exceptions import DivisionByZeroError
from sqlalchemy import Column, Table, bindparam, insert, inspect, select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

from bst.repair.v1 import repair_pb2
from services.kernel.db import utcnow
from services.kernel.reads import (
    WROTE_ALONE,
    Read,
    asyncpg_of,
    connection_of,
    execute_in,
    outside_transaction,
    read_in,
)
from services.kernel.rows import NewRow
from services.repair.common import rfc3339
from services.repair.models import Evidence, Outlet, Ticket, TicketEvent
from services.repair.schemas import AssigneeRead, TicketRead, TimelineRead
from services.repair.ticket_reads import ticket_message, ticket_read_from

Processor = Callable[[Any], Any] | None

# session.info: outlet id → (name, phone) of the outlets the dispatch chose in this transaction (it read them)
OUTLET_CONTACTS = "bst.repair.outlet_contacts"
OUTLET_CONTACT = Read(select(Outlet.name, Outlet.phone).where(Outlet.outlet_id == bindparam("outlet_id")))


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    bind: tuple[Processor, ...]


class RowInsert:
    """`INSERT INTO table (every column but an autoincrement key) VALUES (...)`, compiled once per dialect, with the
    columns' defaults applied in Python (a raw driver statement gets none of SQLAlchemy's)."""

    __slots__ = ("_compiled", "attributes", "columns", "table")

    def __init__(self, entity: type[Any]) -> None:
        mapper = inspect(entity)
        self.table = cast(Table, mapper.local_table)
        pairs = [(prop.key, prop.columns[0]) for prop in mapper.column_attrs]
        pairs = [(key, column) for key, column in pairs if not _generated(column)]
        self.attributes = tuple(key for key, _ in pairs)
        self.columns: tuple[Column[Any], ...] = tuple(column for _, column in pairs)
        self._compiled: dict[str, _Compiled] = {}

    def compiled(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            statement = insert(self.table)
            compiled = statement.compile(dialect=dialect, column_keys=[c.key for c in self.columns])
            names = tuple(compiled.positiontup or ())
            if names != tuple(c.key for c in self.columns):
                raise RuntimeError(f"unexpected parameter order for {self.table.name}: {names}")
            bind = tuple(compiled.binds[name].type._cached_bind_processor(dialect) for name in names)
            found = self._compiled[dialect.name] = _Compiled(sql=str(compiled), bind=bind)
        return found

    def row_values(self, values: dict[str, Any]) -> list[Any]:
        """A `NewRow`'s values in column order, each column's default where the rules set none."""
        return [
            values[key] if key in values else _default(column)
            for key, column in zip(self.attributes, self.columns, strict=True)
        ]

    def values(self, entity: Any) -> list[Any]:
        """The entity's column values, each column's default where the rules set none (and kept on the entity,
        as a flush would, so the answer sees what was stored)."""
        state = entity.__dict__
        row = []
        for key, column in zip(self.attributes, self.columns, strict=True):
            if key in state:
                value = state[key]
            else:
                value = state[key] = _default(column)
            row.append(value)
        return row


def _generated(column: Column[Any]) -> bool:
    """An integer primary key the database numbers (the timeline's, the outbox's, ... `id`)."""
    return bool(column.primary_key and column.autoincrement is True)


def _default(column: Column[Any]) -> Any:
    default = column.default
    if default is None:
        return None
    if default.is_scalar:  # type: ignore[attr-defined]
        return default.arg  # type: ignore[attr-defined]
    if default.is_callable:  # type: ignore[attr-defined]
        return default.arg(None)  # type: ignore[attr-defined]
    raise RuntimeError(f"{column} has a default this module cannot compute")


_INSERTS: dict[type[Any], RowInsert] = {}


def _insert_of(entity: type[Any]) -> RowInsert:
    found = _INSERTS.get(entity)
    if found is None:
        found = _INSERTS[entity] = RowInsert(entity)
    return found


class _Collecting:
    """The session the filing rules see: `add` and `collect_row` (services.kernel.rows.add_row) collect, everything
    else is the real session's."""

    __slots__ = ("_session", "added")

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self.added: list[Any] = []

    def add(self, entity: Any, _warn: bool = True) -> None:
        self.added.append(entity)

    def add_all(self, entities: Any) -> None:
        self.added.extend(entities)

    def collect_row(self, row: NewRow) -> None:
        self.added.append(row)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


class TicketWrites:
    """The new rows of one report, collected from the rules and inserted by `write` (see the module's docstring)."""

    def __init__(self, session: AsyncSession) -> None:
        self._real = session
        self._collecting = _Collecting(session)
        # the assignee's (name, phone), when the writes read it (PostgreSQL)
        self._contact_read = False
        self._contact: tuple[str, str] | None = None
        self._take: str | None = None  # the outlet whose capacity slot the write takes (`take_with_the_rows`)

    @property
    def session(self) -> AsyncSession:
        """For the rules: a session whose `add` is collected here."""
        return cast(AsyncSession, self._collecting)

    async def take_with_the_rows(self, outlet_id: str) -> bool:
        """Whether the outlet's capacity slot can be taken by the write itself, in the statement that inserts the
        report's rows (and is then as good as taken: `write` raises `OutletFilled` if the outlet filled up
        meanwhile, and nothing is written). PostgreSQL, the filing's deferred transaction not begun: the take is
        then neither a round trip of its own nor a slot to give back if the rows cannot be written."""
        connection = await connection_of(self._real)
        if (
            self._take is not None
            or connection.dialect.name != "postgresql"
            or asyncpg_of(connection) is None
            or not outside_transaction(connection)
        ):
            return False
        self._take = outlet_id
        return True

    async def write(self) -> None:
        """Insert what was collected: one statement per table, in the order each table's rows were added (a
        table's rows keep their order, so timeline and outbox ids follow the rules' order)."""
        by_entity: dict[type[Any], list[Any]] = {}
        for entity in self._collecting.added:
            if type(entity) is NewRow:
                by_entity.setdefault(entity.model, []).append(entity)
                continue
            if inspect(entity).key is not None:  # a row that exists already (changed, not new): the ORM's
                self._real.add(entity)
                continue
            by_entity.setdefault(type(entity), []).append(entity)
        if not by_entity:
            return
        connection = await connection_of(self._real)
        dialect = connection.dialect
        if dialect.name == "postgresql":
            await self._write_at_once(connection, by_entity)
            return
        for entity_type, entities in by_entity.items():
            row_insert = _insert_of(entity_type)
            compiled = row_insert.compiled(dialect)
            await execute_in(
                connection, compiled.sql, [_bound(compiled.bind, _values_of(row_insert, e)) for e in entities]
            )

    async def _write_at_once(self, connection: Any, by_entity: dict[type[Any], list[Any]]) -> None:
        """PostgreSQL: every row in one statement, one round trip (`WITH i0 AS (INSERT ...), i1 AS (INSERT ...)
        ...`; the server runs each data-modifying part exactly once), whose own query reads the assignee's name and
        phone for the answer."""
        shape = tuple((entity_type, len(entities)) for entity_type, entities in by_entity.items())
        sql = combined_sql(shape, connection.dialect, take=self._take is not None)
        values: list[Any] = []
        for entity_type, entities in by_entity.items():
            row_insert = _insert_of(entity_type)
            bind = row_insert.compiled(connection.dialect).bind
            for entity in entities:
                values.extend(_bound(bind, _values_of(row_insert, entity)))
        if self._take is not None:
            values.extend((self._take, utcnow()))
        else:
            tickets = [e for e in by_entity.get(Ticket, ()) if e.assignee_outlet_id]
            values.append(tickets[0].assignee_outlet_id if tickets else None)
        driver = asyncpg_of(connection)
        if driver is not None and outside_transaction(connection):
            self._real.info[WROTE_ALONE] = True  # filing's deferred transaction: this is its one write
        if driver is not None:
            try:
                rows = await driver.fetch(sql, *values)
            except DivisionByZeroError:
                if self._take is None:
                    raise
                raise OutletFilled(self._take) from None
        else:
            rows = (await connection.exec_driver_sql(sql, tuple(values))).fetchall()
        self._contact = (rows[0][0], rows[0][1]) if rows else None
        self._contact_read = True

    async def answer(self, ticket: Ticket) -> FiledTicket:
        """The new ticket as it would be read back, from the values just written: the assignee's name and phone
        as the dispatch read them (one lean read otherwise), the timeline from the rows the rules added, the
        evidence, in upload order, from the rows the rules attached."""
        contact = None
        if ticket.assignee_outlet_id:
            contact = self._contact
            if not self._contact_read:
                contact = self._real.info.get(OUTLET_CONTACTS, {}).get(ticket.assignee_outlet_id)
            if contact is None:
                found = await read_in(
                    await connection_of(self._real), OUTLET_CONTACT, outlet_id=ticket.assignee_outlet_id
                )
                contact = (found[0].name, found[0].phone) if found else None
        events = [
            e
            for e in self._collecting.added
            if (e.model if type(e) is NewRow else type(e)) is TicketEvent and e.ticket_no == ticket.ticket_no
        ]
        attached: list[Evidence] = []
        for evidence in self._real.identity_map.values():
            if isinstance(evidence, Evidence) and evidence.ticket_no == ticket.ticket_no:
                attached.append(evidence)
        evidence_ids = [e.evidence_id for e in sorted(attached, key=lambda e: e.created_at)]
        return FiledTicket(ticket, contact, events, evidence_ids)


class FiledTicket:
    """A new ticket's answer, built from what was written: the API's shape (`read`) or, for the transport, its
    proto straight from the same values (`message`: no pydantic model on the way)."""

    __slots__ = ("contact", "events", "evidence_ids", "ticket", "ticket_no")

    def __init__(
        self, ticket: Ticket, contact: tuple[str, str] | None, events: list[Any], evidence_ids: list[str]
    ) -> None:
        self.ticket, self.contact, self.events, self.evidence_ids = ticket, contact, events, evidence_ids
        self.ticket_no = ticket.ticket_no

    def read(self) -> TicketRead:
        ticket, contact = self.ticket, self.contact
        assignee = (
            AssigneeRead(
                outlet_id=ticket.assignee_outlet_id,
                name=contact[0],
                phone=contact[1],
                distance_km=ticket.assignee_distance_km or 0.0,
            )
            if ticket.assignee_outlet_id and contact
            else None
        )
        timeline = [
            TimelineRead(at=rfc3339(e.at) or "", action=e.action, actor=e.actor, note=e.note, status=e.status)
            for e in self.events
        ]
        return ticket_read_from(ticket, assignee, timeline, self.evidence_ids)

    def message(self) -> repair_pb2.Ticket:
        name, phone = self.contact or (None, None)
        row = _NewTicketRow(self.ticket, name, phone)
        timeline = [_Entry(0, e.at, e.action, e.actor, e.note, e.status) for e in self.events] + [
            _Entry(1, None, evidence_id, "", "", "") for evidence_id in self.evidence_ids
        ]
        return ticket_message(row, timeline)


class _Entry(NamedTuple):
    """A `ticket_reads.TIMELINE` row: kind 0 a timeline entry, kind 1 an evidence id (in `action`)."""

    kind: int
    at: Any
    action: str
    actor: str
    note: str
    status: str


class _NewTicketRow:
    """A new ticket as a `ticket_reads.TICKET` row: its columns, its assignee's name and phone, no rating yet."""

    __slots__ = ("_ticket", "outlet_name", "outlet_phone")
    pending_level = None

    def __init__(self, ticket: Ticket, outlet_name: str | None, outlet_phone: str | None) -> None:
        self._ticket, self.outlet_name, self.outlet_phone = ticket, outlet_name, outlet_phone

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ticket, name)


class OutletFilled(Exception):
    """The outlet whose slot the write was to take had filled up since the dispatch read it: nothing was written
    (`TicketWrites.take_with_the_rows`); the report is to be filed again (`tickets.file_in_own_transaction`)."""

    def __init__(self, outlet_id: str) -> None:
        super().__init__(outlet_id)
        self.outlet_id = outlet_id


_COMBINED: dict[tuple[tuple[tuple[type[Any], int], ...], bool], str] = {}


def combined_sql(shape: tuple[tuple[type[Any], int], ...], dialect: Dialect, *, take: bool = False) -> str:
    """The one statement of `_write_at_once` for this many rows of each table (built once per shape). With `take`,
    it also takes a slot of the assignee's capacity (`UPDATE ... WHERE open_tickets < capacity`; its two last
    parameters: the outlet, the time) and fails with a division by zero when the outlet has none left, so that
    the statement, one and atomic, writes nothing."""
    found = _COMBINED.get((shape, take))
    if found is not None:
        return found
    quote = dialect.identifier_preparer
    parts, number = [], 0
    for i, (entity_type, count) in enumerate(shape):
        row_insert = _insert_of(entity_type)
        width = len(row_insert.columns)
        rows = []
        for _ in range(count):
            rows.append("(" + ", ".join(f"${number + k + 1}" for k in range(width)) + ")")
            number += width
        columns = ", ".join(quote.quote(c.name) for c in row_insert.columns)
        table = quote.format_table(row_insert.table)
        parts.append(f"i{i} AS (INSERT INTO {table} ({columns}) VALUES {', '.join(rows)})")
    outlets = quote.format_table(cast(Table, inspect(Outlet).local_table))
    if take:
        # `taken` is computed for the one row of the aggregate, whatever the join finds: 1, or an error
        parts.insert(
            0,
            f"took AS (UPDATE {outlets} SET open_tickets = open_tickets + 1, updated_at = ${number + 2} "
            f"WHERE outlet_id = ${number + 1} AND open_tickets < capacity RETURNING name, phone)",
        )
        final = "SELECT took.name, took.phone, g.taken FROM (SELECT 1 / count(*) AS taken FROM took) AS g "
        final += "LEFT JOIN took ON true"
    else:
        final = f"SELECT name, phone FROM {outlets} WHERE outlet_id = ${number + 1}"
    sql = f"WITH {', '.join(parts)} {final}"
    if len(_COMBINED) < 256:  # a handful of shapes in practice (with or without an agent, queued or not)
        _COMBINED[(shape, take)] = sql
    return sql


def _values_of(row_insert: RowInsert, entity: Any) -> list[Any]:
    return row_insert.row_values(entity.values) if type(entity) is NewRow else row_insert.values(entity)


def _bound(processors: Sequence[Processor], values: list[Any]) -> tuple[Any, ...]:
    return tuple(
        value if process is None else process(value)
        for process, value in zip(processors, values, strict=True)
    )
