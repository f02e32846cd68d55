"""Faults with real processes: `bst up` under ticket-creation load while each service and Redis is killed (SIGKILL),
Redis is stopped and started, PostgreSQL is restarted, and a service gets SIGTERM. Two stores: the embedded default
(SQLite + the embedded Redis), and `[postgres]` — a private throwaway PostgreSQL cluster (initdb in a temp directory,
never the machine's shared server) and a redis-server of the test's own, so both can be restarted.
Each fault reports the requests during it, the errors, the seconds until creation worked again,
acknowledged-but-lost tickets (must be 0) and duplicates (must be 0); afterwards every outbox row of repair is
published and in its stream. Every creation carries an `Idempotency-Key`; a failed one is retried with the same
key and body, as the app does. The figures are written to stdout and to `faults.json` in the test's directory.

CI runs a short load (`BST_FAULT_SECONDS`, 4 s of load around each fault); a longer run is the same test with a
bigger number.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from services.kernel.settings import DATABASE_NAMES
from tests.conftest import free_port
from tests.security import private_postgres
from tests.security.conftest import OwnRedis
from tests.security.private_postgres import PrivatePostgres

pytestmark = pytest.mark.security

LOAD_SECONDS = float(os.environ.get("BST_FAULT_SECONDS", "4"))
WORKERS = 4
CHILD_COMMANDS = {
    "redis": "redis-server",
    "repair": "-m services.repair ",
    "intake": "-m services.intake ",
    "licenses": "-m services.licenses ",
    "reviews": "-m services.reviews ",
    "gateway": "-m gateway ",
}


def children_of(parent: int) -> dict[int, str]:
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if int(fields[1]) == parent and fields[0] != "Z":
            found[int(entry.name)] = command
    return found


def pid_of(parent: int, child: str) -> int:
    pids = [pid for pid, command in children_of(parent).items() if CHILD_COMMANDS[child] in command]
    assert pids, (child, children_of(parent))
    return pids[0]


@dataclass
class Load:
    base: str
    token: str
    acknowledged: dict[str, str] = field(default_factory=dict)  # idempotency key → ticket_no
    pending: dict[str, dict] = field(default_factory=dict)  # key → body, not yet acknowledged
    log: list[tuple[float, bool]] = field(default_factory=list)  # (when, succeeded)
    stop: bool = False

    async def create(self, client: httpx.AsyncClient, key: str, body: dict) -> bool:
        try:
            reply = await client.post(
                "/api/v1/repair/tickets", json=body, headers={"Idempotency-Key": key}, timeout=10
            )
        except httpx.HTTPError:
            self.log.append((time.monotonic(), False))
            return False
        ok = reply.status_code == 201
        self.log.append((time.monotonic(), ok))
        if ok:
            number = reply.json()["ticket_no"]
            if key in self.acknowledged:
                assert self.acknowledged[key] == number, "the same key answered two tickets"
            self.acknowledged[key] = number
            self.pending.pop(key, None)
        else:
            assert reply.status_code in (502, 503, 504, 409, 429), reply.text
        return ok

    async def worker(self, n: int) -> None:
        async with httpx.AsyncClient(
            base_url=self.base, headers={"Authorization": f"Bearer {self.token}"}
        ) as client:
            while not self.stop:
                key = uuid.uuid4().hex
                body = {
                    "county": "530102",
                    "category": "satellite",
                    "description": f"户户通没有信号 压测{key[:8]}",
                    "contact_name": "王大爷",
                    "contact_phone": "13900000000",
                }
                self.pending[key] = body
                for _ in range(10_000):  # the app retries a failed creation with the same key and body
                    if self.stop or await self.create(client, key, body):
                        break
                    await asyncio.sleep(0.2)

    async def settle(self) -> None:
        """After the faults: every request that never got its answer is retried once more with its key."""
        async with httpx.AsyncClient(
            base_url=self.base, headers={"Authorization": f"Bearer {self.token}"}
        ) as client:
            for _ in range(100):
                if not self.pending:
                    return
                for key, body in list(self.pending.items()):
                    await self.create(client, key, body)
                await asyncio.sleep(0.3)


async def wait_ready(base: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=base) as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get("/readyz", timeout=2)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.3)
    raise AssertionError("the platform did not become ready")


async def sign_in_citizen(base: str, admin_password: str) -> str:
    phone = f"139{uuid.uuid4().int % 10**8:08d}"
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        admin = (
            await client.post(
                "/api/v1/auth/token",
                json={"grant_type": "password", "username": "admin", "password": admin_password},
            )
        ).json()["access_token"]
        assert (await client.post("/api/v1/auth/sms-code", json={"phone": phone})).status_code == 202
        outbox = (
            await client.get(
                "/api/v1/admin/sms-outbox",
                params={"phone": phone},
                headers={"Authorization": f"Bearer {admin}"},
            )
        ).json()
        code = re.search(r"验证码为(\d{6})", outbox[0]["text"]).group(1)  # type: ignore[union-attr]
        tokens = (
            await client.post("/api/v1/auth/token", json={"grant_type": "sms", "phone": phone, "code": code})
        ).json()
    return str(tokens["access_token"])


async def my_ticket_numbers(base: str, token: str) -> list[str]:
    numbers: list[str] = []
    cursor = ""
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=20
    ) as client:
        while True:
            page = (
                await client.get(
                    "/api/v1/repair/tickets", params={"mine": True, "limit": 100, "cursor": cursor}
                )
            ).json()
            numbers += [t["ticket_no"] for t in page["tickets"]]
            cursor = page.get("next_cursor") or ""
            if not cursor:
                return numbers


def redis_socket_of(supervisor: int) -> str | None:
    """The embedded Redis's socket, from its process title (`redis-server unixsocket:<path>`)."""
    for command in children_of(supervisor).values():
        match = re.search(r"redis-server unixsocket:(\S+)", command)
        if match:
            return match.group(1)
    return None


async def outbox_against_stream(
    repair_rows: Callable[[], Awaitable[list[tuple[str, object]]]], redis_url: str, namespace: str
) -> dict[str, int]:
    """Every outbox row of repair is published, and every published event is in repair's stream."""
    from redis.asyncio import Redis

    deadline = time.monotonic() + 30
    while True:
        rows = await repair_rows()
        unpublished = [r for r in rows if r[1] is None]
        if not unpublished or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    redis = Redis.from_url(redis_url)
    try:
        entries = await redis.xrange(f"{namespace}:events:repair")
    finally:
        await redis.aclose()
    published = {fields[b"event_id"].decode() for _, fields in entries}
    outbox = {r[0] for r in rows}
    return {
        "outbox_rows": len(outbox),
        "unpublished": len(unpublished),
        "missing_from_stream": len(outbox - published),
        "stream_entries": len(entries),
    }


def sqlite_rows(path: Path) -> Callable[[], Awaitable[list[tuple[str, object]]]]:
    async def rows() -> list[tuple[str, object]]:
        with sqlite3.connect(path) as db:
            return [(r[0], r[1]) for r in db.execute("SELECT event_id, published_at FROM outbox")]

    return rows


def postgres_rows(url: str) -> Callable[[], Awaitable[list[tuple[str, object]]]]:
    async def rows() -> list[tuple[str, object]]:
        import asyncpg

        conn = await asyncpg.connect(url)
        try:
            return [(r[0], r[1]) for r in await conn.fetch("SELECT event_id, published_at FROM outbox")]
        finally:
            await conn.close()

    return rows


def figures(load: Load, fault_at: float, end: float) -> dict[str, float | int]:
    during = [(t, ok) for t, ok in load.log if fault_at <= t <= end]
    failures = [t for t, ok in during if not ok]
    return {
        "requests_during_fault": len(during),
        "errors": len(failures),
        # until creation worked steadily again: the last failure after the fault
        "seconds_to_recovery": round(failures[-1] - fault_at, 2) if failures else 0.0,
    }


Fault = tuple[str, Callable[[], Awaitable[None]]]


def kill(supervisor: int, child: str, sig: int) -> Callable[[], Awaitable[None]]:
    async def act() -> None:
        os.kill(pid_of(supervisor, child), sig)

    return act


def stop_and_start(stop: Callable[[], Awaitable[None]], start: Callable[[], Awaitable[None]]):  # type: ignore[no-untyped-def]
    async def act() -> None:
        await stop()
        await asyncio.sleep(min(2.0, LOAD_SECONDS / 2))  # down for a while under load
        await start()

    return act


class Store:
    """Where `bst up` keeps its data: the embedded default (SQLite + embedded Redis), or a private PostgreSQL
    cluster and a redis-server of the test's own, both of which the faults may stop, kill and restart."""

    def __init__(self, kind: str, tmp_path: Path) -> None:
        self.kind = kind
        self.tmp_path = tmp_path
        self.env: dict[str, str] = {}
        self.postgres: PrivatePostgres | None = None
        self.redis: OwnRedis | None = None
        self.urls: dict[str, str] = {}

    async def __aenter__(self) -> Store:
        if self.kind == "postgres":
            bin_dir = private_postgres.binaries()
            if bin_dir is None:
                pytest.skip("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (initdb, pg_ctl)")
            self.postgres = PrivatePostgres(self.tmp_path / "pg", bin_dir)
            await self.postgres.init()
            self.urls = await self.postgres.create_databases(DATABASE_NAMES)
            self.redis = OwnRedis(self.tmp_path / "redis")
            await self.redis.start()
            self.env = {f"BST_{n.upper()}_DATABASE_URL": u for n, u in self.urls.items()}
            self.env["BST_REDIS_URL"] = self.redis.url
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.redis is not None:
            await self.redis.close()
        if self.postgres is not None:
            await self.postgres.close()

    def faults(self, supervisor: int) -> list[Fault]:
        faults: list[Fault] = [
            (f"kill -9 {name}", kill(supervisor, name, signal.SIGKILL))
            for name in ("repair", "intake", "licenses", "reviews")
        ]
        if self.redis is None:
            faults += [
                ("kill -9 embedded redis", kill(supervisor, "redis", signal.SIGKILL)),
                (
                    "SIGTERM embedded redis (the supervisor starts it again)",
                    kill(supervisor, "redis", signal.SIGTERM),
                ),
            ]
        else:
            redis = self.redis
            faults += [
                (
                    "kill -9 redis, started again",
                    stop_and_start(lambda: redis.stop(signal.SIGKILL), redis.start),
                ),
                (
                    "redis stopped and started",
                    stop_and_start(lambda: redis.stop(signal.SIGTERM), redis.start),
                ),
            ]
        if self.postgres is not None:
            faults.append(("postgresql restarted", self.postgres.restart))
        faults += [
            ("SIGTERM repair", kill(supervisor, "repair", signal.SIGTERM)),
            ("kill -9 gateway", kill(supervisor, "gateway", signal.SIGKILL)),
        ]
        return faults

    async def events(self, supervisor: int) -> dict[str, int]:
        if self.redis is not None:
            return await outbox_against_stream(
                postgres_rows(self.postgres.url("repair", "postgresql")),  # type: ignore[union-attr]
                self.redis.url,
                "bst",
            )
        socket_path = redis_socket_of(supervisor)
        if socket_path is None:
            return {"skipped": 1}
        return await outbox_against_stream(
            sqlite_rows(self.tmp_path / "var" / "repair.db"), f"unix://{socket_path}", "bst"
        )


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to find the children")
@pytest.mark.parametrize("store", ["embedded", "postgres"])
async def test_faults_under_creation_load_lose_and_duplicate_nothing(tmp_path, store):
    async with Store(store, tmp_path) as backing:
        await run_faults(tmp_path, backing)


async def run_faults(tmp_path: Path, store: Store) -> None:
    port = free_port()
    admin_password = "fault-" + uuid.uuid4().hex
    env = {k: v for k, v in os.environ.items() if not k.startswith("BST_")}
    env.update(
        {
            "BST_VAR_DIR": str(tmp_path / "var"),
            "BST_GATEWAY_PORT": str(port),
            "BST_LOG_FORMAT": "text",
            "BST_LOG_LEVEL": "WARNING",
            "BST_ADMIN_PASSWORD": admin_password,
            "BST_SHUTDOWN_GRACE_SECONDS": "5",
            **{
                f"BST_{n.upper()}_ADDR": f"127.0.0.1:{free_port()}"
                for n in ("intake", "licenses", "reviews", "repair")
            },
            **store.env,
        }
    )
    log_file = (tmp_path / "bst-up.log").open("w")
    up = await asyncio.to_thread(
        subprocess.Popen,
        [sys.executable, "-m", "services.cli", "up"],
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    report: dict[str, dict[str, float | int]] = {}
    try:
        await wait_ready(base, 120)
        token = await sign_in_citizen(base, admin_password)
        load = Load(base, token)
        workers = [asyncio.create_task(load.worker(n)) for n in range(WORKERS)]
        await asyncio.sleep(LOAD_SECONDS / 2)
        for name, act in store.faults(up.pid):
            fault_at = time.monotonic()
            await act()
            await asyncio.sleep(LOAD_SECONDS)
            await wait_ready(base, 60)
            await asyncio.sleep(LOAD_SECONDS / 2)
            report[name] = figures(load, fault_at, time.monotonic())
        load.stop = True
        await asyncio.gather(*workers)
        await load.settle()
        numbers = await my_ticket_numbers(base, token)
        events = await store.events(up.pid)
        lost = [n for n in load.acknowledged.values() if n not in numbers]
        duplicates = len(numbers) - len(set(load.acknowledged.values()))
        summary = {
            "acknowledged": len(load.acknowledged),
            "never_answered": len(load.pending),
            "acknowledged_but_lost": len(lost),
            "duplicates": duplicates,
            **{f"events_{k}": v for k, v in events.items()},
        }
    finally:
        up.send_signal(signal.SIGTERM)
        await asyncio.to_thread(up.wait, 60)
        log_file.close()
    for row in report.values():
        row.update({"acknowledged_but_lost": len(lost), "duplicates": duplicates})
    (tmp_path / "faults.json").write_text(
        json.dumps({"store": store.kind, "faults": report, "summary": summary}, ensure_ascii=False)
    )
    lines = "\n".join(f"  {name}: {json.dumps(row, ensure_ascii=False)}" for name, row in report.items())
    sys.stdout.write(f"\nfaults under creation load ({store.kind}):\n{lines}\n  summary: {summary}\n")
    assert up.returncode == 0
    assert summary["acknowledged"] > 0 and summary["never_answered"] == 0
    assert lost == [] and duplicates == 0, summary
    assert summary.get("events_unpublished", 0) == 0 and summary.get("events_missing_from_stream", 0) == 0, (
        summary
    )
    assert all(row["requests_during_fault"] > 0 for row in report.values()), report
