"""Leader election for the loops that must run once per cluster, whatever the number of replicas.

The outbox relay and the timers (repair's acceptance timeout, overdue sweep and queue retry; the registry's probe)
run in every replica's process, but only the leader of each loop runs it: `run_as_leader(name, loop, db=..., redis=...)`
waits to be elected, runs `loop()` while it leads, and cancels it the moment leadership is lost.

- **PostgreSQL** (`db` on PostgreSQL): a session advisory lock, `pg_try_advisory_lock(key)`, on a connection of its
  own, in the very database the loop writes — so the scope is exactly "one per database", whatever the Redis
  namespace. PostgreSQL frees the lock when that connection ends (a crashed or partitioned pod), and another
  replica takes it at its next try (`retry_seconds`). The leader checks its connection every `ttl_seconds / 3` and
  stops the loop when the check fails or takes longer than that; so a replica that takes over a lock it has seen
  held waits one `ttl_seconds` before it starts the loop, by when the old leader has stopped even if its session
  was ended under it. The fencing token is the lock connection's backend pid (`pg_backend_pid()`).
- **Redis** (no database, e.g. the gateway's probe): a lease, `SET key me NX PX ttl`, renewed every `ttl / 3` by a
  compare-and-expire script; the leader stops its loop when a renewal is refused or when `ttl` minus a margin has
  passed since the last renewal it *sent* that succeeded — before another replica can take the key. The fencing
  token is a counter (`INCR`) taken at every election, so a later leader always has a larger token.
- **SQLite** (`db` on SQLite, the embedded default): the loop simply runs. A SQLite file lives on one host, and its
  writers already take turns (`BEGIN IMMEDIATE`), so two processes of `bst up` sharing it cannot both apply a pass.

Leadership is a latency and ordering guarantee, and the loops keep their own second line: every pass claims its rows
with `SELECT … FOR UPDATE SKIP LOCKED` and marks them in the same transaction, so even two leaders for a moment (a
process paused past its lease) could not publish an event twice or escalate a ticket twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from services.kernel.background import reraise_if_cancelling, stop_task
from services.kernel.db import Database

log = logging.getLogger("bst.leader")

Loop = Callable[[], Awaitable[None]]

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for `pg_advisory_lock`, from the loop's name."""
    return int.from_bytes(hashlib.sha256(f"bst-leader:{name}".encode()).digest()[:8], "big", signed=True)


class LeaderElected:
    """One loop, run by whichever replica is elected; `run()` until cancelled.

    `is_leader` and `token` say what this replica holds right now; `terms` counts the times it was elected.
    """

    def __init__(
        self,
        name: str,
        loop: Loop,
        *,
        db: Database | None = None,
        redis: Redis | None = None,
        namespace: str = "bst",
        ttl_seconds: float = 15.0,
        retry_seconds: float | None = None,
    ) -> None:
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        self.name = name
        self.loop = loop
        self.db = db
        self.redis = redis
        self.key = f"{namespace}:leader:{name}"
        self.ttl_seconds = ttl_seconds
        self.retry_seconds = retry_seconds if retry_seconds is not None else ttl_seconds / 3
        self.me = secrets.token_hex(8)
        self.is_leader = False
        self.token: int | None = None
        self.terms = 0
        if db is not None and not db.sqlite:
            self.backend = "postgresql"
        elif db is None and redis is not None:
            self.backend = "redis"
        else:
            self.backend = "none"  # SQLite, or nothing shared: this process is the only one that can run it

    # -- the election -------------------------------------------------------------------------------------------

    async def run(self) -> None:
        """Wait to be elected, run the loop while leading, and stand again when leadership is lost."""
        if self.backend == "none":
            self.is_leader, self.terms = True, 1
            try:
                await self.loop()
            finally:
                self.is_leader = False
            return
        contended = False  # this replica has seen the lock held by another, or lost it: someone may still run
        while True:
            try:
                hold = await (self._acquire_pg() if self.backend == "postgresql" else self._acquire_redis())
            except (RedisError, OSError, TimeoutError) as exc:
                reraise_if_cancelling()
                log.warning(
                    "leader election failed; will retry", extra={"loop": self.name, "error": str(exc)}
                )
                hold = None
            except Exception:
                reraise_if_cancelling()
                log.exception("leader election failed; will retry", extra={"loop": self.name})
                hold = None
            if hold is None:
                contended = True
                await asyncio.sleep(self.retry_seconds)
                continue
            finished = await self._lead(hold, contended=contended)
            if finished:
                return
            contended = True

    async def _lead(self, hold: _Hold, *, contended: bool) -> bool:
        """Run the loop until it ends (True) or leadership is lost (False); always give leadership back."""
        if contended and self.backend == "postgresql":
            # PostgreSQL frees a lock the moment its session ends, before the leader that held it notices (it checks
            # every ttl/3, and gives a check ttl/3 to answer): start only after a full ttl, by when it has stopped.
            try:
                await asyncio.sleep(self.ttl_seconds)
            except BaseException:
                with contextlib.suppress(Exception):
                    await asyncio.shield(hold.release())
                raise
        self.is_leader, self.token = True, hold.token
        self.terms += 1
        log.info("elected", extra={"loop": self.name, "backend": self.backend, "token": hold.token})
        task: asyncio.Task[None] = asyncio.ensure_future(self.loop())  # the loop may be any awaitable
        watch = asyncio.create_task(hold.watch(), name=f"lease-{self.name}")
        try:
            await asyncio.wait({task, watch}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self.is_leader = False
            await stop_task(task)
            await stop_task(watch)
            with contextlib.suppress(Exception):
                await asyncio.shield(hold.release())
        if task.done() and not task.cancelled():
            error = task.exception()
            if error is None:
                return True
            log.error("loop failed; standing for election again", exc_info=error, extra={"loop": self.name})
            await asyncio.sleep(self.retry_seconds)
            return False
        log.warning("leadership lost; loop stopped", extra={"loop": self.name, "token": hold.token})
        await asyncio.sleep(self.retry_seconds)  # the others stand first: losing it may mean trouble here
        return False

    async def _acquire_pg(self) -> _Hold | None:
        assert self.db is not None
        conn = await self.db.engine.connect()
        try:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            got = await conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": advisory_key(self.name)})
            if got:
                pid = int(await conn.scalar(text("SELECT pg_backend_pid()")) or 0)
                return _PgHold(self, conn, pid)
        except BaseException:
            await conn.invalidate()  # never back to the pool: it may hold the lock
            raise
        await conn.close()
        return None

    async def _acquire_redis(self) -> _Hold | None:
        assert self.redis is not None
        sent = time.monotonic()
        if not await self.redis.set(self.key, self.me, nx=True, px=int(self.ttl_seconds * 1000)):
            return None
        token = int(await self.redis.incr(f"{self.key}:token"))
        return _RedisHold(self, token, sent)


class _Hold:
    token: int

    async def watch(self) -> None:
        """Return when leadership is lost."""
        raise NotImplementedError

    async def release(self) -> None:
        raise NotImplementedError


class _PgHold(_Hold):
    def __init__(self, owner: LeaderElected, conn: AsyncConnection, pid: int) -> None:
        self.owner, self.conn, self.token = owner, conn, pid

    async def watch(self) -> None:
        every = self.owner.ttl_seconds / 3
        while True:
            await asyncio.sleep(every)
            try:
                await asyncio.wait_for(self.conn.scalar(text("SELECT 1")), timeout=every)
            except Exception as exc:  # the lock's connection is gone or stuck: the lock may be someone else's
                reraise_if_cancelling()
                log.warning("lost the lock's connection", extra={"loop": self.owner.name, "error": str(exc)})
                return

    async def release(self) -> None:
        try:
            await asyncio.wait_for(
                self.conn.scalar(text("SELECT pg_advisory_unlock(:k)"), {"k": advisory_key(self.owner.name)}),
                timeout=2.0,
            )
        finally:
            # Never back to the pool, where a lock left on it would outlive leadership: ending the connection
            # frees the lock in any case.
            with contextlib.suppress(Exception):
                await self.conn.invalidate()


class _RedisHold(_Hold):
    MARGIN = 0.2  # of the ttl: stop this much before the lease could expire under us

    def __init__(self, owner: LeaderElected, token: int, sent: float) -> None:
        self.owner, self.token = owner, token
        self.valid_until = sent + owner.ttl_seconds * (1 - self.MARGIN)

    async def watch(self) -> None:
        owner = self.owner
        assert owner.redis is not None
        ttl_ms = int(owner.ttl_seconds * 1000)
        while True:
            await asyncio.sleep(min(owner.ttl_seconds / 3, max(0.0, self.valid_until - time.monotonic())))
            if time.monotonic() >= self.valid_until:
                return  # could not renew in time: another replica may hold it now
            sent = time.monotonic()
            try:
                renewed = await asyncio.wait_for(
                    owner.redis.eval(_RENEW, 1, owner.key, owner.me, ttl_ms),  # type: ignore[misc]
                    timeout=max(0.05, self.valid_until - sent),
                )
            except (RedisError, OSError, TimeoutError) as exc:
                reraise_if_cancelling()
                log.warning("lease renewal failed", extra={"loop": owner.name, "error": str(exc)})
                continue
            if not renewed:
                return  # the key is someone else's
            self.valid_until = sent + owner.ttl_seconds * (1 - self.MARGIN)

    async def release(self) -> None:
        owner = self.owner
        assert owner.redis is not None
        await asyncio.wait_for(owner.redis.eval(_RELEASE, 1, owner.key, owner.me), timeout=2.0)  # type: ignore[misc]


async def run_as_leader(
    name: str,
    loop: Loop,
    *,
    db: Database | None = None,
    redis: Redis | None = None,
    namespace: str = "bst",
    ttl_seconds: float = 15.0,
) -> None:
    """Run `loop()` on one replica at a time: elected by an advisory lock in `db` (PostgreSQL), else by a Redis
    lease in `redis`; on SQLite it just runs. Returns when the loop returns; cancel it to stop."""
    await LeaderElected(name, loop, db=db, redis=redis, namespace=namespace, ttl_seconds=ttl_seconds).run()
