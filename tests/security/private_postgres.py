"""A throwaway PostgreSQL cluster of the test's own (initdb into a temp directory, trust auth, a free loopback
port), so a test may stop and restart it without touching the machine's shared server. `None` from `binaries()`
when no PostgreSQL server binaries are installed. PostgreSQL refuses to run as root: as root, the cluster lives in
a fresh /tmp directory owned by the `postgres` system user and its commands run through `runuser`."""

from __future__ import annotations

import asyncio
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.conftest import free_port


def binaries() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin holding initdb and pg_ctl."""
    found = [
        Path(d)
        for d in glob.glob("/usr/lib/postgresql/*/bin")
        if (Path(d) / "initdb").exists() and (Path(d) / "pg_ctl").exists()
    ]
    return max(found, key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0) if found else None


class PrivatePostgres:
    def __init__(self, directory: Path, bin_dir: Path) -> None:
        self.as_user: list[str] = []
        if (
            os.geteuid() == 0
        ):  # the test's own tmp directories are root's (0700): one the server's user can use
            owner = pwd.getpwnam("postgres")
            directory = Path(tempfile.mkdtemp(prefix="bst-private-pg-"))
            os.chown(directory, owner.pw_uid, owner.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.directory = directory
        self.data = directory / "data"
        self.bin = bin_dir
        self.port = free_port()
        self.log = directory / "postgres.log"

    def url(self, database: str, driver: str = "postgresql+asyncpg") -> str:
        return f"{driver}://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *argv: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        subprocess.run(
            [*self.as_user, str(self.bin / argv[0]), *argv[1:]],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=120,
        )

    def _pg_ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
        starting = ("-l", str(self.log), "-o", options) if action in ("start", "restart") else ()
        self._run("pg_ctl", action, "-D", str(self.data), "-w", *starting, *extra)

    async def init(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if self.as_user and not shutil.which("runuser"):
            raise RuntimeError("running as root needs runuser to start PostgreSQL as the postgres user")
        await asyncio.to_thread(
            self._run,
            "initdb",
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
        )
        await self.start()

    async def start(self) -> None:
        await asyncio.to_thread(self._pg_ctl, "start")

    async def stop(self, mode: str = "fast") -> None:
        await asyncio.to_thread(self._pg_ctl, "stop", "-m", mode)

    async def restart(self, mode: str = "fast") -> None:
        await asyncio.to_thread(self._pg_ctl, "restart", "-m", mode)

    async def create_databases(self, names: tuple[str, ...]) -> dict[str, str]:
        import asyncpg

        conn = await asyncpg.connect(self.url("postgres", "postgresql"))
        try:
            for name in names:
                await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return {name: self.url(name) for name in names}

    async def close(self) -> None:
        if (self.data / "postmaster.pid").exists():
            await self.stop("immediate")
        if self.as_user:
            shutil.rmtree(self.directory, ignore_errors=True)
