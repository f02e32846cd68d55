"""The database layer under concurrency, on both backends: SQLite runs inline on the loop (sqlite_inline), so its
write transactions take turns in the process and reads never wait for them."""

from __future__ import annotations

import asyncio
import secrets
import sys

import pytest
from sqlalchemy import Integer, String, bindparam, select, text, update
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.kernel.db import Database, new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


class Counter(Base):
    __tablename__ = "counter"
    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


async def fresh(backend) -> Database:  # type: ignore[no-untyped-def]
    db = Database(await backend.scratch_database(f"db{secrets.token_hex(3)}"))
    async with db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    async with db.transaction() as session:
        session.add(Counter(name="n", value=0))
    return db


async def test_concurrent_read_modify_write_transactions_lose_no_update(backend):
    db = await fresh(backend)

    async def bump() -> None:
        async with db.transaction() as session:
            row = (await session.scalars(select(Counter).where(Counter.name == "n").with_for_update())).one()
            await asyncio.sleep(0)  # give every other coroutine the chance to interleave
            row.value += 1

    await asyncio.gather(*(bump() for _ in range(60)))
    async with db.reader() as session:
        assert await session.scalar(select(Counter.value)) == 60
    await db.dispose()


async def test_reads_go_on_while_a_write_transaction_is_open_and_see_only_committed_data(backend):
    db = await fresh(backend)
    inside, release = asyncio.Event(), asyncio.Event()

    async def slow_writer() -> None:
        async with db.transaction() as session:
            (await session.scalars(select(Counter))).one().value = 7
            await session.flush()
            inside.set()
            await release.wait()

    writer = asyncio.create_task(slow_writer())
    await inside.wait()
    for _ in range(20):
        async with db.reader() as session:
            assert await session.scalar(select(Counter.value)) == 0
    release.set()
    await writer
    async with db.reader() as session:
        assert await session.scalar(select(Counter.value)) == 7
    await db.dispose()


async def test_a_failed_transaction_rolls_back_and_lets_the_next_writer_in(backend):
    db = await fresh(backend)

    async def failing() -> None:
        async with db.transaction() as session:
            (await session.scalars(select(Counter))).one().value = 99
            await session.flush()
            raise RuntimeError("boom")

    results = await asyncio.gather(failing(), failing(), return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
    async with db.transaction() as session:
        (await session.scalars(select(Counter))).one().value += 1
    async with db.reader() as session:
        assert await session.scalar(select(Counter.value)) == 1
    await db.dispose()


async def test_another_process_writing_the_same_sqlite_file_is_waited_for(backend, tmp_path):
    """A second process (a replica, a migration) holding the write lock briefly: this process's writer waits for
    it within busy_timeout and then commits; nothing is lost on either side."""
    if backend.name != "embedded":
        pytest.skip("SQLite only")
    db = await fresh(backend)
    path = db.engine.url.database
    holder = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import sqlite3, sys, time\n"
        f"c = sqlite3.connect({path!r}, isolation_level=None)\n"
        "c.execute('BEGIN IMMEDIATE'); c.execute(\"UPDATE counter SET value = value + 100\")\n"
        "print('locked', flush=True); time.sleep(0.5); c.execute('COMMIT')\n",
        stdout=asyncio.subprocess.PIPE,
    )
    assert holder.stdout is not None
    assert (await holder.stdout.readline()).strip() == b"locked"
    async with db.transaction() as session:
        await session.execute(text("UPDATE counter SET value = value + 1"))
    assert await asyncio.wait_for(holder.wait(), 10) == 0
    async with db.reader() as session:
        assert await session.scalar(select(Counter.value)) == 101
    await db.dispose()


async def test_the_write_ahead_log_is_checkpointed_off_the_loop(backend):
    """Inline SQLite connections never checkpoint inside a commit (it would stall the loop); the Database does it
    on a worker thread after commits, so the log's frames reach the database file and the WAL does not grow."""
    if backend.name != "embedded":
        pytest.skip("SQLite only")
    db = await fresh(backend)
    async with db.reader() as session:
        assert await session.scalar(text("PRAGMA wal_autocheckpoint")) == 0
    assert db._checkpointer is not None
    db._checkpointer.every_seconds = 0.0
    for i in range(50):
        async with db.transaction() as session:
            session.add(Counter(name=f"c{i}", value=i))
        await asyncio.sleep(0)
    await asyncio.sleep(0.2)
    busy, frames, done = db._checkpointer.checkpoint()
    assert busy == 0 and done == frames  # everything written so far is in the database file
    await db.dispose()


async def test_lean_statements_in_a_transaction_run_on_its_own_connection_and_are_rolled_back_with_it(
    backend,
):
    """`connection_of` hands out the connection the transaction began on (kept in the session's info, not asked of
    the session again), flushes what the session holds first, and forgets it when the transaction ends."""
    from services.kernel.reads import TX_CONNECTION, Change, Read, change_in, connection_of, read_in

    db = await fresh(backend)
    value = Read(select(Counter.value).where(Counter.name == bindparam("name")))
    bump = Change(update(Counter).where(Counter.name == bindparam("name")).values(value=Counter.value + 1))

    class Stop(Exception):
        pass

    with pytest.raises(Stop):
        async with db.transaction() as session:
            connection = await connection_of(session)
            assert connection is session.info[TX_CONNECTION] and connection is await session.connection()
            session.add(Counter(name="m", value=7))  # pending: flushed before the lean read sees the table
            assert [r.value for r in await read_in(await connection_of(session), value, name="m")] == [7]
            assert await change_in(await connection_of(session), bump, name="n") == 1
            assert [r.value for r in await read_in(connection, value, name="n")] == [1]
            raise Stop
    assert TX_CONNECTION not in session.info
    async with db.reader() as session:
        assert (await session.scalars(select(Counter.name))).all() == ["n"]
        assert await session.scalar(select(Counter.value)) == 0
    await db.dispose()


def test_a_utc_timestamp_is_bound_on_sqlite_as_sqlalchemy_would_bind_it():
    """`UTCDateTime`'s one-step SQLite processor writes the text SQLAlchemy's two steps wrote (so rows written
    before and after compare and sort alike), and still refuses a naive value."""
    import datetime as dt

    from sqlalchemy.dialects import sqlite
    from sqlalchemy.types import DateTime

    from services.kernel.db import UTCDateTime

    dialect = sqlite.dialect()
    ours = UTCDateTime()._cached_bind_processor(dialect)
    theirs = DateTime(timezone=True)._cached_bind_processor(dialect)
    china, west = dt.timezone(dt.timedelta(hours=8)), dt.timezone(dt.timedelta(hours=-5))
    for value in (
        dt.datetime(2026, 11, 30, 5, 30, tzinfo=dt.UTC),
        dt.datetime(2026, 1, 1, 0, 0, 0, 123, tzinfo=west),
        dt.datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=china),
        dt.datetime.now(dt.UTC),
    ):
        assert ours(value) == theirs(value.astimezone(dt.UTC))
    assert ours(None) is None
    with pytest.raises(ValueError):
        ours(dt.datetime(2026, 11, 30))


async def test_a_busy_postgres_pool_queues_requests_on_its_own_connections_and_opens_no_more(backend):
    """A burst larger than the pool waits for pooled connections: no connection is opened past `pool_size` (each
    would be a new PostgreSQL backend, closed again as soon as it was given back)."""
    if backend.name != "postgres":
        pytest.skip("SQLite runs inline on the loop, without a pool of server connections")
    db = await fresh(backend)
    small = Database(db.url, pool_size=2)
    backends: set[int] = set()
    side_backends: set[int] = set()

    async def report() -> None:
        async with small.transaction() as session:
            backends.add(await session.scalar(text("SELECT pg_backend_pid()")))
            await asyncio.sleep(0.01)
            async with small.autonomous() as conn:
                side_backends.add(await conn.scalar(text("SELECT pg_backend_pid()")))
            await session.execute(update(Counter).values(value=Counter.value + 1))

    await asyncio.gather(*(report() for _ in range(24)))
    assert len(backends) <= 2 and len(side_backends) <= small.side_pool_size == 2
    async with small.reader() as session:
        assert await session.scalar(select(Counter.value)) == 24
    await small.dispose()
    await db.dispose()


def test_a_request_that_waited_out_the_pool_is_answered_as_the_database_being_unavailable():
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    from services.kernel.db import connection_lost

    assert connection_lost(PoolTimeout("QueuePool limit of size 2 overflow 0 reached"))


async def test_a_deferred_postgres_transaction_begins_at_its_first_write_and_a_lone_write_commits_by_itself(
    backend,
):
    """`transaction(deferred=True)`: reads go out on their own; `change_alone` commits at once whatever follows;
    the first lean write begins the transaction, so an error after it rolls it back; a write after nothing began
    runs alone (committed by itself), and rows left to the ORM after it are refused, not committed apart."""
    if backend.name != "postgres":
        pytest.skip("SQLite begins every write transaction up front (BEGIN IMMEDIATE)")
    from services.kernel.reads import (
        WROTE_ALONE,
        Change,
        Read,
        change_alone,
        change_in,
        connection_of,
        outside_transaction,
        read_in,
    )

    db = await fresh(backend)
    value = Read(select(Counter.value).where(Counter.name == bindparam("name")))
    bump = Change(update(Counter).where(Counter.name == bindparam("name")).values(value=Counter.value + 1))

    async def current() -> int:
        async with db.reader() as session:
            return int(await session.scalar(select(Counter.value).where(Counter.name == "n")) or 0)

    class Stop(Exception):
        pass

    with pytest.raises(Stop):
        async with db.transaction(deferred=True) as session:
            connection = await connection_of(session)
            assert [r.value for r in await read_in(connection, value, name="n")] == [0]
            assert outside_transaction(connection)  # a read began nothing
            assert await change_alone(connection, bump, name="n") == 1
            assert await current() == 1  # committed already: another connection sees it
            assert await change_in(connection, bump, name="n") == 1  # a write: the transaction begins
            assert not outside_transaction(connection)
            with pytest.raises(RuntimeError):
                await change_alone(connection, bump, name="n")
            raise Stop
    assert await current() == 1  # the lone write stayed, the transaction's was rolled back

    async with db.transaction(deferred=True) as session:
        connection = await connection_of(session)
        driver = connection.sync_connection.connection.dbapi_connection.driver_connection
        await driver.execute(
            "UPDATE counter SET value = value + 10 WHERE name = 'n'"
        )  # as ticket_writes does
        assert outside_transaction(connection) and await current() == 11
    assert await current() == 11

    with pytest.raises(RuntimeError, match="after its one write"):
        async with db.transaction(deferred=True) as session:
            session.info[WROTE_ALONE] = True
            session.add(Counter(name="late", value=1))
    async with db.reader() as session:
        assert await session.scalar(select(Counter.value).where(Counter.name == "late")) is None

    one = Database(db.url, pool_size=1)  # the mark does not outlive its transaction on the pooled connection
    async with one.transaction(deferred=True) as session:
        assert outside_transaction(await connection_of(session))
    async with one.transaction() as session:
        assert not outside_transaction(await connection_of(session))
    async with one.reader() as session:
        connection = await session.connection()
        assert connection.sync_connection.info.get("bst.deferred") is None
    await one.dispose()
    await db.dispose()


@pytest.mark.parametrize("deferred", [True, False])
async def test_a_connection_the_server_dropped_mid_transaction_is_not_handed_out_again(backend, deferred):
    """A lean statement goes straight to asyncpg: when the server has dropped the connection, the transaction's
    failure takes it out of the pool (a deferred transaction that had not begun has no ROLLBACK to fail on)."""
    if backend.name != "postgres":
        pytest.skip("SQLite runs inline, without a server to drop the connection")
    from services.kernel.db import connection_lost
    from services.kernel.reads import Change, Read, change_in, connection_of, read_in

    db = await fresh(backend)
    one = Database(db.url, pool_size=1)
    value = Read(select(Counter.value).where(Counter.name == bindparam("name")))
    async with one.transaction(deferred=deferred) as session:
        pid = await session.scalar(text("SELECT pg_backend_pid()"))
    async with db.transaction() as other:
        await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    await asyncio.sleep(0.1)
    try:  # refused at checkout when asyncpg has seen the server go (`unsettled`), else failed on first use
        async with one.transaction(deferred=deferred) as session:
            await read_in(await connection_of(session), value, name="n")
    except Exception as failed:
        assert connection_lost(failed)
    async with one.transaction(deferred=deferred) as session:  # a new connection, not the dropped one
        assert [r.value for r in await read_in(await connection_of(session), value, name="n")] == [0]
        assert await session.scalar(text("SELECT pg_backend_pid()")) != pid

    async with one.autonomous() as conn:  # the same for the one-statement writes' own pool
        side = await conn.scalar(text("SELECT pg_backend_pid()"))
    async with db.transaction() as other:
        await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": side})
    await asyncio.sleep(0.1)
    bump = Change(update(Counter).where(Counter.name == bindparam("name")).values(value=Counter.value + 1))
    try:
        for _ in range(one.side_pool_size):  # every pooled one, the dropped one among them
            async with one.autonomous() as conn:
                await change_in(conn, bump, name="n")
    except Exception as failed:
        assert connection_lost(failed)
    for _ in range(one.side_pool_size + 1):
        async with one.autonomous() as conn:
            assert await change_in(conn, bump, name="n") == 1
    await one.dispose()
    await db.dispose()


async def test_a_connection_left_inside_a_transaction_its_adapter_does_not_know_is_never_used_again(backend):
    """What a BEGIN cancelled on the wire leaves behind (asyncpg holding a top transaction SQLAlchemy's adapter
    does not know of): the next transaction on that connection would be a SAVEPOINT inside it and its commit a
    RELEASE, never durable. The pool refuses such a connection at checkout and opens another."""
    if backend.name != "postgres":
        pytest.skip("SQLite runs inline on the loop: no BEGIN is ever in flight")
    from services.kernel.db import unsettled

    db = await fresh(backend)
    one = Database(db.url, pool_size=1)
    async with one.transaction() as session:
        connection = await session.connection()
        adapter = connection.sync_connection.connection.dbapi_connection
        left = adapter.driver_connection
    await left.transaction().start()  # on the pooled connection, behind the adapter's back
    assert unsettled(adapter)
    for deferred in (False, True):
        async with one.transaction(deferred=deferred) as session:
            await session.execute(update(Counter).where(Counter.name == "n").values(value=Counter.value + 1))
    async with db.reader() as session:  # another connection sees both: they were committed, not released
        assert await session.scalar(select(Counter.value).where(Counter.name == "n")) == 2
    assert left.is_closed()
    await one.dispose()
    await db.dispose()
