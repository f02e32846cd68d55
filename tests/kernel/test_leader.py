"""Leader election: one replica runs a once-per-cluster loop; another takes over when it stops or loses the lease."""

from __future__ import annotations

import asyncio
import secrets

import pytest
from sqlalchemy import text

from services.kernel.background import stop_task
from services.kernel.db import Database
from services.kernel.leader import LeaderElected
from tests.helpers import wait_for


class Probe:
    """A loop that records which replica is running it, and notices two running at once."""

    def __init__(self) -> None:
        self.running: set[str] = set()
        self.overlaps = 0
        self.ticks: dict[str, int] = {}

    def loop(self, who: str):
        async def run() -> None:
            self.running.add(who)
            try:
                while True:
                    if len(self.running) > 1:
                        self.overlaps += 1
                    self.ticks[who] = self.ticks.get(who, 0) + 1
                    await asyncio.sleep(0.01)
            finally:
                self.running.discard(who)

        return run


async def elect_two(make) -> tuple[Probe, LeaderElected, LeaderElected, asyncio.Task, asyncio.Task]:
    probe = Probe()
    a, b = make(probe.loop("a")), make(probe.loop("b"))
    ta, tb = asyncio.create_task(a.run()), asyncio.create_task(b.run())
    await wait_for(lambda: a.is_leader or b.is_leader)
    await asyncio.sleep(0.5)  # both have tried several times by now
    return probe, a, b, ta, tb


async def assert_one_leader_then_failover(probe, a, b, ta, tb) -> tuple[int, int]:
    assert a.is_leader != b.is_leader, "exactly one replica leads"
    assert len(probe.ticks) == 1 and probe.overlaps == 0
    leader, follower, leader_task = (a, b, ta) if a.is_leader else (b, a, tb)
    first_token = leader.token
    await stop_task(leader_task)  # the leader's pod goes away (SIGTERM)
    await wait_for(lambda: follower.is_leader)
    await wait_for(lambda: len(probe.ticks) == 2)
    assert probe.overlaps == 0
    assert follower.token is not None and follower.token != first_token
    await stop_task(tb if leader_task is ta else ta)
    return first_token, follower.token


async def test_redis_lease_elects_one_replica_and_hands_over_when_it_stops(redis_handle):
    namespace = f"leadertest{secrets.token_hex(4)}"

    def make(loop):
        return LeaderElected("t", loop, redis=redis_handle.client, namespace=namespace, ttl_seconds=0.9)

    probe, a, b, ta, tb = await elect_two(make)
    first, second = await assert_one_leader_then_failover(probe, a, b, ta, tb)
    assert second > first  # a later leader's fencing token is larger


async def test_redis_leader_stops_its_loop_when_the_lease_is_taken_from_it(redis_handle):
    namespace = f"leadertest{secrets.token_hex(4)}"
    probe = Probe()
    leader = LeaderElected(
        "t", probe.loop("a"), redis=redis_handle.client, namespace=namespace, ttl_seconds=0.6
    )
    task = asyncio.create_task(leader.run())
    await wait_for(lambda: leader.is_leader and "a" in probe.running)
    await redis_handle.client.set(leader.key, "someone-else")  # e.g. the lease expired during a pause
    await wait_for(lambda: not leader.is_leader and "a" not in probe.running, timeout=3)
    await stop_task(task)


async def test_a_loop_that_ends_ends_the_election(redis_handle):
    done = asyncio.Event()

    async def once() -> None:
        done.set()

    leader = LeaderElected("t", once, redis=redis_handle.client, namespace=f"lt{secrets.token_hex(4)}")
    await asyncio.wait_for(leader.run(), timeout=5)
    assert done.is_set() and leader.terms == 1 and not leader.is_leader
    assert await redis_handle.client.get(leader.key) is None  # given back, not left to expire


async def test_on_sqlite_the_loop_simply_runs(tmp_path):
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    ran = asyncio.Event()

    async def loop() -> None:
        ran.set()

    leader = LeaderElected("t", loop, db=db)
    assert leader.backend == "none"
    await asyncio.wait_for(leader.run(), timeout=2)
    assert ran.is_set()
    await db.dispose()


@pytest.fixture
async def postgres_db(backend):
    if backend.name != "postgres" or not backend.database_urls:
        pytest.skip("needs BST_TEST_POSTGRES_URL (an advisory lock is PostgreSQL's)")
    url = await backend.scratch_database(f"leader{secrets.token_hex(3)}")
    dbs = [Database(url), Database(url)]  # two replicas: two engines, two pools
    yield dbs
    for db in dbs:
        await db.dispose()


async def test_postgres_advisory_lock_elects_one_replica_and_hands_over(postgres_db):
    first, second = postgres_db
    engines = iter([first, second])

    def make(loop):
        return LeaderElected("t", loop, db=next(engines), ttl_seconds=1.5, retry_seconds=0.1)

    probe, a, b, ta, tb = await elect_two(make)
    await assert_one_leader_then_failover(probe, a, b, ta, tb)


async def test_postgres_leader_stops_when_its_lock_connection_dies(postgres_db):
    first, second = postgres_db
    probe = Probe()
    a = LeaderElected("t", probe.loop("a"), db=first, ttl_seconds=1.5, retry_seconds=0.1)
    b = LeaderElected("t", probe.loop("b"), db=second, ttl_seconds=1.5, retry_seconds=0.1)
    ta = asyncio.create_task(a.run())
    await wait_for(lambda: a.is_leader)
    tb = asyncio.create_task(b.run())
    await asyncio.sleep(0.3)
    assert not b.is_leader
    lost = a.token
    async with second.engine.connect() as conn:  # the database ends the leader's session (a failover, a kill)
        await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": lost})
        await conn.commit()
    await wait_for(
        lambda: "a" not in probe.running or a.token != lost
    )  # a stopped the loop it ran on that lock
    # a new term: whoever holds the lock now runs the loop, under a new fencing token, never two at once
    await wait_for(lambda: (b.is_leader and "b" in probe.running) or (a.is_leader and a.token != lost))
    assert probe.overlaps == 0 and a.is_leader != b.is_leader
    assert (b.token if b.is_leader else a.token) != lost
    async with second.engine.connect() as conn:
        holders = await conn.scalar(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())"
            )
        )
    assert holders == 1  # the new leader's, and nobody else's
    await stop_task(ta)
    await stop_task(tb)
