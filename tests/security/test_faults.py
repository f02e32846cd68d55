"""Faults with real processes: `bst up` under ticket-creation load while a service or the embedded Redis is killed
(SIGKILL), Redis is stopped and started, and a service gets SIGTERM. Each fault reports the requests during it,
the errors, the seconds until creation worked again, acknowledged-but-lost tickets (must be 0) and duplicates
(must be 0); afterwards every outbox row of repair is published and in its stream. Every creation carries an
`Idempotency-Key`; a failed one is retried with the same key and body, as the app does. The figures are written
to stdout and to `faults.json` in the test's directory.

CI runs a short load (`BST_FAULT_SECONDS`, 4 s of load around each fault); a longer run is the same test with a
bigger number.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port

pytestmark = pytest.mark.security

LOAD_SECONDS = float(os.environ.get("BST_FAULT_SECONDS", "4"))
WORKERS = 4
CHILD_COMMANDS = {
    "redis": "redis-server",
    "repair": "-m services.repair ",
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


async def outbox_against_stream(var_dir: Path, socket_path: str, namespace: str) -> dict[str, int]:
    """Every outbox row of repair is published, and every published event is in repair's stream."""
    import sqlite3

    from redis.asyncio import Redis

    deadline = time.monotonic() + 30
    while True:
        with sqlite3.connect(var_dir / "repair.db") as db:
            rows = db.execute("SELECT event_id, published_at FROM outbox").fetchall()
        unpublished = [r for r in rows if r[1] is None]
        if not unpublished or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    redis = Redis(unix_socket_path=socket_path)
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


def figures(load: Load, fault_at: float, end: float) -> dict[str, float | int]:
    during = [(t, ok) for t, ok in load.log if fault_at <= t <= end]
    failures = [t for t, ok in during if not ok]
    return {
        "requests_during_fault": len(during),
        "errors": len(failures),
        # until creation worked steadily again: the last failure after the fault
        "seconds_to_recovery": round(failures[-1] - fault_at, 2) if failures else 0.0,
    }


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to find the children")
async def test_faults_under_creation_load_lose_and_duplicate_nothing(tmp_path):
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
        faults = [
            ("kill -9 repair", "repair", signal.SIGKILL),
            ("kill -9 embedded redis", "redis", signal.SIGKILL),
            ("SIGTERM repair", "repair", signal.SIGTERM),
            ("kill -9 gateway", "gateway", signal.SIGKILL),
        ]
        await asyncio.sleep(LOAD_SECONDS / 2)
        for name, child, sig in faults:
            fault_at = time.monotonic()
            os.kill(pid_of(up.pid, child), sig)
            await asyncio.sleep(LOAD_SECONDS)
            await wait_ready(base, 60)
            await asyncio.sleep(LOAD_SECONDS / 2)
            report[name] = figures(load, fault_at, time.monotonic())
        load.stop = True
        await asyncio.gather(*workers)
        await load.settle()
        numbers = await my_ticket_numbers(base, token)
        socket_path = redis_socket_of(up.pid)
        events = (
            await outbox_against_stream(tmp_path / "var", socket_path, "bst")
            if socket_path
            else {"skipped": 1}
        )
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
        json.dumps({"faults": report, "summary": summary}, ensure_ascii=False)
    )
    sys.stdout.write(f"\nfaults under creation load: {json.dumps(report, ensure_ascii=False)}\n{summary}\n")
    assert up.returncode == 0
    assert summary["acknowledged"] > 0 and summary["never_answered"] == 0
    assert lost == [] and duplicates == 0, summary
    assert summary.get("events_unpublished", 0) == 0 and summary.get("events_missing_from_stream", 0) == 0, (
        summary
    )
    assert all(row["requests_during_fault"] > 0 for row in report.values()), report
