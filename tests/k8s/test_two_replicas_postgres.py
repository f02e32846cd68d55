"""Two replicas of the repair service on one PostgreSQL database, as a Deployment with `replicas: 2` runs them:
the outbox relay and the timers run on one of them at a time, every event reaches the stream once, every late
ticket is escalated once and every unaccepted one re-dispatched once, and when the leader goes the other one
carries on. Runs when BST_TEST_POSTGRES_URL (and BST_TEST_REDIS_URL) are set; `.ci/run`'s PostgreSQL pass selects it
by name."""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
import uuid
from collections import Counter

import pytest
from sqlalchemy import func, select, update

from services.cli import COMPONENTS
from services.kernel.auth import Principal
from services.kernel.db import Database, utcnow
from services.kernel.events import Outbox, stream_name
from services.kernel.migrations import upgrade
from services.kernel.redis import connect
from services.kernel.rpc import Runtime
from services.kernel.storage import LocalDiskStore
from services.repair import service
from services.repair.grpc_server import SPEC as REPAIR
from services.repair.models import DispatchDecision, OutboxEvent, Outlet, OutletCategory, Ticket, TicketEvent
from services.repair.qr import QrSigner
from services.repair.schemas import TicketCreate

COUNTY = "530102"
LAT, LNG = 25.0436, 102.7073


@pytest.fixture
async def shared_postgres(backend):
    if backend.name != "postgres" or not backend.database_urls or not backend.redis_url:
        pytest.skip("needs BST_TEST_POSTGRES_URL and BST_TEST_REDIS_URL: two replicas share one PostgreSQL")
    url = await backend.scratch_database(f"repair2r{secrets.token_hex(3)}")
    await asyncio.to_thread(upgrade, COMPONENTS["repair"].migrations, url)
    db = Database(url)
    yield backend, url, db
    await db.dispose()


async def file_tickets(db: Database, tmp_path, n: int) -> list[str]:
    async with db.transaction() as session:
        for i in range(2):
            session.add(
                Outlet(
                    outlet_id=f"R2-{uuid.uuid4().hex[:8]}",
                    county=COUNTY,
                    name=f"outlet {i}",
                    kind="market",
                    lat=LAT + (i + 1) * 0.003,
                    lng=LNG,
                    phone="0871-1",
                    capacity=1000,
                    open_tickets=0,
                    active=True,
                    categories=[OutletCategory(category="satellite")],
                )
            )
    ctx = service.RepairContext(
        outbox=Outbox(OutboxEvent),
        qr=QrSigner(b"k" * 32, "https://bst.example.gov.cn"),
        store=LocalDiskStore(tmp_path),
        accept_minutes=120,
    )
    numbers = []
    for _ in range(n):
        async with db.transaction() as session:
            read = await service.create_ticket(
                session=session,
                ctx=ctx,
                principal=Principal(sub=f"c-{uuid.uuid4().hex[:8]}", kind="citizen"),
                ticket_in=TicketCreate(
                    county=COUNTY,
                    category="satellite",
                    description="没信号",
                    contact_name="李",
                    contact_phone="13900001111",
                ),
            )
        numbers.append(read.ticket_no)
    return numbers


async def make_late(db: Database, overdue: list[str], unaccepted: list[str]) -> None:
    """Move the clock of some tickets: past their 24-hour deadline, or dispatched long ago and not accepted."""
    async with db.transaction() as session:
        past = utcnow() - dt.timedelta(hours=1)
        await session.execute(update(Ticket).where(Ticket.ticket_no.in_(overdue)).values(due_at=past))
        await session.execute(
            update(Ticket)
            .where(Ticket.ticket_no.in_(unaccepted))
            .values(dispatched_at=utcnow() - dt.timedelta(hours=3), accept_due_at=past)
        )


async def until(condition, timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, "not reached in time"
        await asyncio.sleep(0.1)


async def every_event_once(db: Database, redis, stream: str) -> list:
    """The stream's entries, checked against the outbox read before and after them (the timers may commit more
    in between): every event published before is in the stream, every entry is a committed event, none twice."""
    async with db.reader() as session:
        published = set(
            (
                await session.scalars(
                    select(OutboxEvent.event_id).where(OutboxEvent.published_at.is_not(None))
                )
            ).all()
        )
    entries = await redis.xrange(stream)
    sent = Counter(fields[b"event_id"].decode() for _, fields in entries)
    async with db.reader() as session:
        committed = dict((await session.execute(select(OutboxEvent.event_id, OutboxEvent.event_type))).all())
    missing = {committed[event_id] for event_id in published - set(sent)}
    unknown = {
        fields[b"event_type"] for _, fields in entries if fields[b"event_id"].decode() not in committed
    }
    assert not missing and not unknown, f"published, not in the stream: {missing}; not committed: {unknown}"
    assert max(sent.values()) == 1, [event for event, count in sent.items() if count > 1]
    return entries


def leaders_of(runtime: Runtime) -> set[str]:
    return {leader.name for leader in runtime.leaders if leader.is_leader}


async def test_two_replicas_on_one_postgres_never_double_send_or_double_escalate(shared_postgres, tmp_path):
    backend, url, db = shared_postgres
    tickets = await file_tickets(db, tmp_path, 24)
    overdue, unaccepted = tickets[:12], tickets[12:]
    await make_late(db, overdue, unaccepted)

    namespace = f"bsttest{backend.token}r2{secrets.token_hex(3)}"
    settings = backend.settings(
        repair_database_url=url,
        redis_url=backend.redis_url,
        redis_namespace=namespace,
        repair_timer_seconds=0.05,
        outbox_poll_seconds=0.05,
        leader_ttl_seconds=0.9,
        var_dir=tmp_path,
    )
    replicas = [Runtime(REPAIR, settings), Runtime(REPAIR, settings)]
    for runtime in replicas:
        runtime.start_background()
    redis = connect(backend.redis_url)
    stream = stream_name(namespace, "repair")

    async def outbox_drained() -> bool:
        async with db.reader() as session:
            pending = await session.scalar(
                select(func.count()).select_from(OutboxEvent).where(OutboxEvent.published_at.is_(None))
            )
            escalated = await session.scalar(
                select(func.count(func.distinct(TicketEvent.ticket_no))).where(
                    TicketEvent.action == "overdue"
                )
            )
            redispatched = await session.scalar(
                select(func.count(func.distinct(DispatchDecision.ticket_no))).where(
                    DispatchDecision.reason == "accept_timeout"
                )
            )
        return pending == 0 and escalated == len(overdue) and redispatched == len(unaccepted)

    try:
        await until(outbox_drained)
        await asyncio.sleep(1.0)  # twenty more timer passes and relay polls on each replica

        # One replica leads each loop; the other stands by.
        led = [leaders_of(r) for r in replicas]
        assert led[0] | led[1] == {"repair:run_timers", "repair:outbox-relay"}
        assert not led[0] & led[1]

        # Every committed event is in the stream exactly once.
        entries = await every_event_once(db, redis, stream)
        async with db.reader() as session:
            escalations = Counter(
                (
                    await session.scalars(
                        select(TicketEvent.ticket_no).where(TicketEvent.action == "overdue")
                    )
                ).all()
            )
            redispatches = Counter(
                (
                    await session.scalars(
                        select(DispatchDecision.ticket_no).where(DispatchDecision.reason == "accept_timeout")
                    )
                ).all()
            )
        overdue_events = Counter(
            fields[b"aggregate_id"].decode()
            for _, fields in entries
            if fields[b"event_type"] == b"repair.ticket.overdue"
        )
        assert escalations == dict.fromkeys(overdue, 1)
        assert overdue_events == dict.fromkeys(overdue, 1)
        assert redispatches == dict.fromkeys(unaccepted, 1)

        # The relay's leader goes away (a rolling update, a lost node): the other replica takes over.
        leader = next(r for r in replicas if "repair:outbox-relay" in leaders_of(r))
        other = next(r for r in replicas if r is not leader)
        await leader.close()
        replicas.remove(leader)
        more = await file_tickets(db, tmp_path, 3)
        await make_late(db, more, [])

        async def taken_over() -> bool:
            async with db.reader() as session:
                pending = await session.scalar(
                    select(func.count()).select_from(OutboxEvent).where(OutboxEvent.published_at.is_(None))
                )
                flagged = await session.scalar(
                    select(func.count()).where(Ticket.ticket_no.in_(more), Ticket.overdue.is_(True))
                )
            return pending == 0 and flagged == len(more)

        await until(taken_over)
        assert leaders_of(other) == {"repair:run_timers", "repair:outbox-relay"}
        await every_event_once(db, redis, stream)
    finally:
        for runtime in replicas:
            await runtime.close()
        async for key in redis.scan_iter(match=f"{namespace}:*"):
            await redis.delete(key)
        await redis.aclose()
