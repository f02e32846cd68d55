"""A lean Redis client for hot calls: scripts (EVALSHA) and plain command pipelines over one pipelined connection.

redis-py's asyncio client spends ~100 µs of CPU on a script call (its connection pool, retry wrapper, argument
encoder and response callbacks); the online license verification makes one per request and has ~300 µs in all, and
the outbox relay publishes every committed event with a pipeline of XADDs.
This client writes the RESP command itself, reads the replies with hiredis in order (Redis answers a connection's
commands in the order sent, so many requests share the connection without waiting for each other), and
reconnects after a failure. Anything it cannot serve (a `rediss://` URL, say) stays with redis-py: `connect_lean`
answers None.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import deque
from collections.abc import Sequence
from urllib.parse import parse_qs, unquote, urlsplit

import hiredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

Arg = str | bytes | int


def _encode(parts: Sequence[Arg]) -> bytes:
    out = [b"*%d\r\n" % len(parts)]
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


class _Protocol(asyncio.Protocol):
    """One connection: replies matched to commands in order. A reply later than `timeout` seconds fails every
    call waiting on the connection and closes it (a watchdog looks once every `timeout / 4`, so no timer is set
    per call); the next call connects again."""

    def __init__(self, timeout: float) -> None:
        self.reader = hiredis.Reader()
        self.waiting: deque[tuple[asyncio.Future[object], float]] = deque()
        self.transport: asyncio.Transport | None = None
        self.lost: Exception | None = None
        self.timeout = timeout
        self.loop = asyncio.get_running_loop()
        self.watchdog: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.watchdog = self.loop.call_later(self.timeout / 4, self._watch)

    def data_received(self, data: bytes) -> None:
        self.reader.feed(data)
        while self.waiting:
            reply = self.reader.gets()
            if reply is False:
                return
            future = self.waiting.popleft()[0]
            if not future.done():
                future.set_result(reply)

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(RedisConnectionError(f"Redis connection lost: {exc or 'closed'}"))

    def send(self, command: bytes) -> asyncio.Future[object]:
        return self.send_many([command])[0]

    def send_many(self, commands: Sequence[bytes]) -> list[asyncio.Future[object]]:
        """The commands in one write; a future per reply, in order."""
        if self.lost is not None or self.transport is None or self.transport.is_closing():
            raise self.lost or RedisConnectionError("Redis connection closed")
        due = self.loop.time() + self.timeout
        futures: list[asyncio.Future[object]] = []
        for _ in commands:
            future: asyncio.Future[object] = self.loop.create_future()
            self.waiting.append((future, due))
            futures.append(future)
        self.transport.write(b"".join(commands))
        return futures

    def _watch(self) -> None:
        if self.waiting and self.waiting[0][1] < self.loop.time():
            self._fail(RedisConnectionError(f"Redis did not answer within {self.timeout:g} s"))
            if self.transport is not None:
                self.transport.abort()
            return
        if self.lost is None:
            self.watchdog = self.loop.call_later(self.timeout / 4, self._watch)

    def _fail(self, error: Exception) -> None:
        if self.lost is None:
            self.lost = error
        if self.watchdog is not None:
            self.watchdog.cancel()
        while self.waiting:
            future = self.waiting.popleft()[0]
            if not future.done():
                future.set_exception(self.lost)


class LeanRedis:
    """Scripts run by SHA (loaded on first use and after a NOSCRIPT) and command pipelines, over one pipelined
    connection."""

    def __init__(self, url: str, timeout: float = 5.0) -> None:
        parts = urlsplit(url)
        self.timeout = timeout
        query = parse_qs(parts.query)
        self.unix = parts.path if parts.scheme == "unix" else None
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 6379
        self.password = unquote(parts.password) if parts.password else None
        self.username = unquote(parts.username) if parts.username else None
        db = query.get("db", [""])[0] if parts.scheme == "unix" else parts.path.lstrip("/")
        self.db = int(db or 0)
        self._protocol: _Protocol | None = None
        self._connecting = asyncio.Lock()

    async def evalsha(self, script: str, keys: Sequence[Arg], args: Sequence[Arg]) -> object:
        sha = hashlib.sha1(script.encode()).hexdigest()
        command = _encode(["EVALSHA", sha, len(keys), *keys, *args])
        reply = await self._call(command)
        if isinstance(reply, hiredis.ReplyError) and str(reply).startswith("NOSCRIPT"):
            await self._call(_encode(["SCRIPT", "LOAD", script]))
            reply = await self._call(command)
        if isinstance(reply, hiredis.ReplyError):
            raise ResponseError(str(reply))
        return reply

    async def pipeline(self, commands: Sequence[Sequence[Arg]]) -> list[object]:
        """The commands sent in one write, their replies in order; a ResponseError for the first command Redis
        refused, once every reply has come (the others were carried out: a pipeline is not a transaction)."""
        if not commands:
            return []
        protocol = self._protocol
        if protocol is None or protocol.lost is not None:
            protocol = await self._connect()
        replies: list[object] = []
        lost: Exception | None = None
        for future in protocol.send_many([_encode(c) for c in commands]):
            try:  # a lost connection fails them all: each is awaited, so none is left with an unread error
                replies.append(await future)
            except Exception as exc:
                lost = lost or exc
        if lost is not None:
            raise lost
        for reply in replies:
            if isinstance(reply, hiredis.ReplyError):
                raise ResponseError(str(reply))
        return replies

    async def _call(self, command: bytes) -> object:
        protocol = self._protocol
        if protocol is None or protocol.lost is not None:
            protocol = await self._connect()
        return await protocol.send(command)

    async def _connect(self) -> _Protocol:
        async with self._connecting:
            if self._protocol is not None and self._protocol.lost is None:
                return self._protocol
            loop = asyncio.get_running_loop()
            try:
                async with asyncio.timeout(self.timeout):
                    if self.unix:
                        _, protocol = await loop.create_unix_connection(
                            lambda: _Protocol(self.timeout), self.unix
                        )
                    else:
                        _, protocol = await loop.create_connection(
                            lambda: _Protocol(self.timeout), self.host, self.port
                        )
            except (OSError, TimeoutError) as exc:
                raise RedisConnectionError(f"cannot connect to Redis: {exc}") from exc
            setup: list[list[Arg]] = []
            if self.password:
                setup.append(["AUTH", *([self.username] if self.username else []), self.password])
            if self.db:
                setup.append(["SELECT", self.db])
            for step in setup:
                reply = await protocol.send(_encode(step))
                if isinstance(reply, hiredis.ReplyError):
                    if protocol.transport is not None:
                        protocol.transport.close()
                    raise RedisConnectionError(f"Redis refused {step[0]!s}: {reply}")
            self._protocol = protocol
            return protocol

    async def close(self) -> None:
        if self._protocol is not None and self._protocol.transport is not None:
            self._protocol.transport.close()
        self._protocol = None


def connect_lean(url: str, timeout: float = 5.0) -> LeanRedis | None:
    """A LeanRedis for `url`, or None when it is not a plain `redis://` or `unix://` URL."""
    scheme = urlsplit(url).scheme
    return LeanRedis(url, timeout) if scheme in ("redis", "unix") else None
