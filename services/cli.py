"""`bst`: migrate, seed and run the whole platform.

bst up                  migrate, seed, then run the gateway and the four services until Ctrl-C
bst serve NAME          run one process in the foreground (a container's command): gateway, intake, licenses,
                        reviews or repair; JSON logs to stdout; SIGTERM drains it
bst migrate [NAME ...]  apply Alembic migrations (all databases by default)
bst schema apply NAME   migrate one database, one runner at a time (a PostgreSQL advisory lock): a migration Job
bst schema wait NAME    wait until one database is at the migrations' head or past it (an init container: new
                        pods wait for their migration Job; a rollback's older pods run on the newer schema)
bst schema status NAME  print the database's revision and the head
bst seed                load the demo and reference data (idempotent)
bst revision NAME -m M  autogenerate a migration for one database from its models
bst calendar load FILE  load the State Council's holiday schedule of a year (used by every process)
bst calendar status     which years official schedules cover
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from services.kernel import workdays
from services.kernel.db import Database, is_sqlite
from services.kernel.logging import configure_logging
from services.kernel.migrations import alembic_config, upgrade
from services.kernel.settings import DATABASE_NAMES, Settings, get_settings

log = logging.getLogger("bst.cli")
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Component:
    name: str
    module: str  # run as `python -m <module>`; `<module>.seed:seed` loads its data

    @property
    def migrations(self) -> Path:
        return ROOT.joinpath(*self.module.split("."), "migrations")

    def seeder(self) -> Callable[[Database, Settings], Awaitable[None]]:
        return importlib.import_module(f"{self.module}.seed").seed  # type: ignore[no-any-return]


COMPONENTS = {
    "gateway": Component("gateway", "gateway"),
    "intake": Component("intake", "services.intake"),
    "licenses": Component("licenses", "services.licenses"),
    "reviews": Component("reviews", "services.reviews"),
    "repair": Component("repair", "services.repair"),
}
assert tuple(COMPONENTS) == DATABASE_NAMES


def migrate(settings: Settings, names: list[str] | None = None) -> None:
    for name in names or list(COMPONENTS):
        upgrade(COMPONENTS[name].migrations, settings.database_url(name))
        log.info("migrated", extra={"database": name})


async def seed(settings: Settings, names: list[str] | None = None) -> None:
    for name in names or list(COMPONENTS):
        db = Database(settings.database_url(name))
        try:
            await COMPONENTS[name].seeder()(db, settings)
        finally:
            await db.dispose()
        log.info("seeded", extra={"database": name})


def revision(name: str, message: str) -> None:
    """Autogenerate a migration by comparing the models with a scratch SQLite database at head."""
    from alembic import command

    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite+aiosqlite:///{scratch}/scratch.db"
        upgrade(COMPONENTS[name].migrations, url)
        command.revision(alembic_config(COMPONENTS[name].migrations, url), message=message, autogenerate=True)


def serve(name: str) -> int:
    """Run one process of the platform in this process, as `python -m <module>` would (one per container)."""
    import runpy

    runpy.run_module(COMPONENTS[name].module, run_name="__main__", alter_sys=True)
    return 0


MIGRATION_LOCK = 0x6273_745F_6D69_6772  # "bst_migr": one migration runner per database at a time


def schema_state(settings: Settings, name: str) -> tuple[str, set[str], set[str]]:
    """Where one database stands against the migrations this code ships: ("current" | "behind" | "ahead",
    its revisions, the heads). "ahead" is a revision this code does not know: a newer release migrated it, and
    this (older) code runs on it during a rollback, as every migration keeps the previous release working."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import pool
    from sqlalchemy.ext.asyncio import create_async_engine

    url = settings.database_url(name)
    script = ScriptDirectory.from_config(alembic_config(COMPONENTS[name].migrations, url))
    heads = set(script.get_heads())
    known = {r.revision for r in script.walk_revisions()}

    async def current() -> set[str]:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        try:
            async with engine.connect() as conn:
                return set(await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_heads()))
        finally:
            await engine.dispose()

    revisions = asyncio.run(current())
    if revisions == heads:
        return "current", revisions, heads
    if revisions - known:
        return "ahead", revisions, heads
    return "behind", revisions, heads


def schema_apply(settings: Settings, name: str) -> None:
    """Migrate one database; on PostgreSQL under an advisory lock, so that two runners (a Job retried while its
    first pod still runs, an operator by hand) take turns instead of racing on the same DDL."""
    url = settings.database_url(name)
    if is_sqlite(url):
        migrate(settings, [name])
        return
    from sqlalchemy import pool, text
    from sqlalchemy.ext.asyncio import create_async_engine

    async def locked() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        try:
            async with engine.connect() as conn:
                conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                log.info("waiting for the migration lock", extra={"database": name})
                await conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK})
                try:
                    await asyncio.to_thread(migrate, settings, [name])
                finally:
                    await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK})
        finally:
            await engine.dispose()

    asyncio.run(locked())


def schema_wait(settings: Settings, name: str, timeout: float, every: float = 2.0) -> int:
    """0 once the database is at the head of the migrations this code ships; 1 after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            state, current, heads = schema_state(settings, name)
            if state != "behind":
                log.info(
                    f"schema is {state}", extra={"database": name, "revision": ",".join(sorted(current))}
                )
                return 0
            state = {"database": name, "current": ",".join(sorted(current)) or "none"}
            log.info("waiting for migrations", extra={**state, "head": ",".join(sorted(heads))})
        except Exception as exc:  # the database not reachable yet is one more reason to wait
            log.info("waiting for the database", extra={"database": name, "error": str(exc)[:200]})
        if time.monotonic() >= deadline:
            log.error("schema not current in time", extra={"database": name, "timeout_seconds": timeout})
            return 1
        time.sleep(every)


def _pump(prefix: str, stream: object) -> None:
    for line in iter(stream.readline, ""):  # type: ignore[attr-defined]
        sys.stdout.write(f"{prefix} {line}")
        sys.stdout.flush()


def up(settings: Settings) -> int:
    """Run every process under one supervisor that restarts any that dies (the embedded Redis included), with
    back-off; Ctrl-C (or SIGTERM) stops them all, gracefully."""
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    settings.resolved_secret_key()  # made once, before any child races for it
    migrate(settings)
    asyncio.run(seed(settings))

    env = dict(os.environ)
    supervisor = Supervisor()
    redis_server = None
    if not settings.redis_url:
        from services.kernel.redis import RedisServerProcess

        redis_server = RedisServerProcess(settings.var_dir / "redis")
        env["BST_REDIS_URL"] = redis_server.url
        supervisor.add("redis", redis_server.argv(), env)
    stopping = threading.Event()

    def request_stop(*_: object) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        if redis_server is not None:
            supervisor.start("redis")
            _wait_for_socket(redis_server.socket, 10.0)
        for name, (module, own_env) in _replica_plan(settings, env).items():
            supervisor.add(name, [sys.executable, "-m", module], own_env)
            supervisor.start(name)
        _print_banner(settings)
        while not stopping.is_set():
            supervisor.tend()
            stopping.wait(0.1)
    finally:
        supervisor.stop_all(settings.shutdown_grace_seconds + 5)
        if redis_server is not None:
            redis_server.close()
    return 0


def _wait_for_socket(path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.02)


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str]
    process: subprocess.Popen[str] | None = None
    started_at: float = 0.0
    restart_at: float | None = None
    backoff: float = 0.0
    restarts: int = 0


class Supervisor:
    """Keeps every child running: a child that exits is started again after a back-off that doubles from
    `BACKOFF_FIRST` up to `BACKOFF_MAX` seconds while it keeps dying, and starts over once it has run `STABLE`
    seconds. Every exit and restart is logged."""

    BACKOFF_FIRST = 0.1
    BACKOFF_MAX = 5.0
    STABLE = 10.0

    def __init__(self) -> None:
        self.children: dict[str, Child] = {}
        self.width = 8

    def add(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        self.children[name] = Child(name, argv, env)
        self.width = max(self.width, len(name))

    def start(self, name: str) -> None:
        child = self.children[name]
        child.process = subprocess.Popen(
            child.argv,
            env=child.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            start_new_session=True,
        )
        child.started_at, child.restart_at = time.monotonic(), None
        threading.Thread(
            target=_pump, args=(f"{name:<{self.width}} |", child.process.stdout), daemon=True
        ).start()

    def tend(self) -> None:
        now = time.monotonic()
        for child in self.children.values():
            if child.process is None:
                continue
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.restarts += 1
                    log.warning("restarting", extra={"child": child.name, "restarts": child.restarts})
                    self.start(child.name)
                continue
            code = child.process.poll()
            if code is None:
                continue
            ran = now - child.started_at
            child.backoff = (
                self.BACKOFF_FIRST
                if ran >= self.STABLE or not child.backoff
                else min(child.backoff * 2, self.BACKOFF_MAX)
            )
            child.restart_at = now + child.backoff
            log.error(
                "a process exited; it will be restarted",
                extra={
                    "child": child.name,
                    "code": code,
                    "ran_seconds": round(ran, 1),
                    "in_seconds": child.backoff,
                },
            )

    def stop_all(self, timeout: float) -> None:
        """Stop the platform's processes first, then the Redis they write to."""
        running = {n: c.process for n, c in self.children.items() if c.process is not None}
        _stop_all({n: p for n, p in running.items() if n != "redis"}, timeout)
        _stop_all({n: p for n, p in running.items() if n == "redis"}, timeout)


def _replica_plan(settings: Settings, env: dict[str, str]) -> dict[str, tuple[str, dict[str, str]]]:
    """Every process to start: name → (module, environment). With `BST_REPLICAS=n` each service runs n times, the
    first on its configured address and the others on free ports of the same host, every replica told its own
    `BST_LISTEN_ADDR`; every process gets each service's address as the list of its replicas (a gRPC `ipv4:`
    target, which the gateway's round-robin channel spreads calls over). The gateway runs n times on one port."""
    n = settings.replicas
    addresses: dict[str, list[str]] = {}
    for name in ("intake", "licenses", "reviews", "repair"):
        first = settings.service_addr(name)
        host = first.rsplit(":", 1)[0]
        addresses[name] = [first, *(f"{host}:{_free_port(host)}" for _ in range(n - 1))]
    shared = dict(env)
    if n > 1:
        shared.update({f"BST_{name.upper()}_ADDR": "ipv4:" + ",".join(a) for name, a in addresses.items()})
    plan: dict[str, tuple[str, dict[str, str]]] = {}
    for name, replicas in addresses.items():
        for i, address in enumerate(replicas):
            own = dict(shared)
            if n > 1:
                own["BST_LISTEN_ADDR"] = address
            plan[name if i == 0 else f"{name}.{i + 1}"] = (COMPONENTS[name].module, own)
    for i in range(n):
        plan["gateway" if i == 0 else f"gateway.{i + 1}"] = (COMPONENTS["gateway"].module, shared)
    return plan


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _stop_all(children: dict[str, subprocess.Popen[str]], timeout: float) -> None:
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for name, child in children.items():
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.warning("did not stop in time; killing", extra={"child": name})
            child.kill()
            child.wait()


def _print_banner(settings: Settings) -> None:
    base = f"http://{settings.gateway_host}:{settings.gateway_port}"
    lines = [
        "",
        "办事通 backend is starting:",
        f"  gateway   {base}   (API docs {base}/docs, readiness {base}/readyz)",
        *(f"  {n:<9} grpc://{settings.service_addr(n)}" for n in ("intake", "licenses", "reviews", "repair")),
        *([f"  {settings.replicas} processes of each (BST_REPLICAS)"] if settings.replicas > 1 else []),
        "",
        *importlib.import_module("gateway.seed").demo_account_lines(settings),
        "",
        "Press Ctrl-C to stop everything.",
        "",
    ]
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bst", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="migrate, seed and run everything")
    p_migrate = sub.add_parser("migrate", help="apply migrations")
    p_migrate.add_argument("names", nargs="*")
    p_seed = sub.add_parser("seed", help="load demo and reference data")
    p_seed.add_argument("names", nargs="*")
    p_rev = sub.add_parser("revision", help="autogenerate a migration")
    p_rev.add_argument("name", choices=list(COMPONENTS))
    p_rev.add_argument("-m", "--message", required=True)
    p_cal = sub.add_parser(
        "calendar", help="the working-day calendar: load an official schedule, show coverage"
    )
    cal_sub = p_cal.add_subparsers(dest="calendar_command", required=True)
    p_cal_load = cal_sub.add_parser(
        "load", help="load the State Council's schedule of a year from a JSON file"
    )
    p_cal_load.add_argument("file", type=Path)
    cal_sub.add_parser("status", help="which years an official schedule covers; warn about the next 90 days")
    p_serve = sub.add_parser("serve", help="run one process in the foreground (a container)")
    p_serve.add_argument("name", choices=list(COMPONENTS))
    p_schema = sub.add_parser("schema", help="one database's migrations: apply (locked), wait, status")
    p_schema.add_argument("action", choices=["apply", "wait", "status"])
    p_schema.add_argument("name", choices=list(COMPONENTS))
    p_schema.add_argument(
        "--timeout", type=float, default=600.0, help="wait: give up after this many seconds"
    )
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve(args.name)  # the process configures its own logging (JSON to stdout by default)

    unknown = [n for n in getattr(args, "names", []) if n not in COMPONENTS]
    if unknown:
        parser.error(f"unknown database(s) {', '.join(unknown)}; choose from {', '.join(COMPONENTS)}")
    settings = get_settings()
    # The schema commands run as Jobs and init containers: their logs are the cluster's, in its format.
    configure_logging(
        "bst", level=settings.log_level, fmt=settings.log_format if args.command == "schema" else "text"
    )
    if args.command == "up":
        return up(settings)
    if args.command == "migrate":
        migrate(settings, args.names or None)
    elif args.command == "seed":
        asyncio.run(seed(settings, args.names or None))
    elif args.command == "revision":
        revision(args.name, args.message)
    elif args.command == "calendar":
        return calendar_command(settings, args.calendar_command, getattr(args, "file", None))
    elif args.command == "schema":
        return _schema_command(settings, args.action, args.name, args.timeout)
    return 0


def calendar_command(settings: Settings, command: str, file: Path | None) -> int:
    """`bst calendar load FILE`: check the schedule and put it where every process reads it; `status`: coverage."""
    directory = workdays.directory_for(settings.var_dir)
    if command == "load":
        assert file is not None
        try:
            schedule = workdays.parse_schedule(json.loads(file.read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            sys.stderr.write(f"bst calendar load: {file}: {exc}\n")
            return 2
        path = workdays.save_schedule(directory, schedule)
        sys.stdout.write(
            f"{schedule.year}: {len(schedule.holidays)} holidays, {len(schedule.workdays)} adjusted working days "
            f"-> {path} (every process picks it up within 30 s)\n"
        )
        return 0
    workdays.configure(directory)
    gaps = workdays.uncovered_ahead(90)
    sys.stdout.write(
        f"official schedules: {sorted(workdays.official_years())[-3:]} (directory {directory})\n"
    )
    if gaps:
        sys.stdout.write(f"WARNING: no official schedule for {gaps} within the next 90 days\n")
    return 0


def _schema_command(settings: Settings, action: str, name: str, timeout: float) -> int:
    if action == "apply":
        schema_apply(settings, name)
        return 0
    if action == "wait":
        return schema_wait(settings, name, timeout)
    try:
        state, current, heads = schema_state(settings, name)
    except Exception as exc:  # not reachable, or no database yet: say so plainly
        sys.stdout.write(f"{name}: database not reachable: {str(exc).splitlines()[0][:200]}\n")
        return 2
    sys.stdout.write(
        f"{name}: database at {','.join(sorted(current)) or 'none'}; head {','.join(sorted(heads))}"
        f" ({state})\n"
    )
    return 1 if state == "behind" else 0


if __name__ == "__main__":
    sys.exit(main())
