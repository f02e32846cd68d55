"""Small JSON messages to every process at once, over one Redis pub/sub channel.

Pub/sub delivers in milliseconds but at most once: a process that is disconnected when a message goes out never
sees it. So a listener gets `on_connect` every time its subscription is (re)established, and is expected to
resynchronise there from its source of truth (typically the database); the message only says "look again now".

    broadcast = Broadcast(redis, f"{namespace}:registry", on_message=reload, on_connect=reload_everything)
    await broadcast.start()          # subscribed when this returns
    await broadcast.publish({"ids": ["a"]})
    await broadcast.stop()
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from services.kernel.background import reraise_if_cancelling, stop_task

log = logging.getLogger("bst.broadcast")

MessageHandler = Callable[[dict[str, Any]], Awaitable[None]]
ConnectHandler = Callable[[], Awaitable[None]]


class Broadcast:
    def __init__(
        self,
        redis: Redis,
        channel: str,
        *,
        on_message: MessageHandler,
        on_connect: ConnectHandler | None = None,
        retry_seconds: float = 1.0,
    ) -> None:
        self.redis = redis
        self.channel = channel
        self.on_message = on_message
        self.on_connect = on_connect
        self.retry_seconds = retry_seconds
        self._pubsub: PubSub | None = None
        self._task: asyncio.Task[None] | None = None

    async def publish(self, message: dict[str, Any]) -> int:
        """Send `message` to every subscribed process (this one included); how many received it."""
        return int(await self.redis.publish(self.channel, json.dumps(message, ensure_ascii=False)))

    async def start(self) -> None:
        """Subscribe (so that nothing published after this returns is missed), then listen in the background."""
        await self._subscribe()
        self._task = asyncio.create_task(self._run(), name=f"broadcast:{self.channel}")

    async def stop(self) -> None:
        await stop_task(self._task)
        self._task = None
        await self._close()

    async def _subscribe(self) -> None:
        pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(self.channel)
        except BaseException:
            await pubsub.aclose()
            raise
        self._pubsub = pubsub

    async def _close(self) -> None:
        if self._pubsub is not None:
            with contextlib.suppress(RedisError, OSError):
                await self._pubsub.aclose()
            self._pubsub = None

    async def _run(self) -> None:
        while True:
            try:
                if self._pubsub is None:
                    await self._subscribe()
                    await self._resync()
                await self._listen()
            except (RedisError, OSError) as exc:
                reraise_if_cancelling()
                log.warning("broadcast channel lost; resubscribing", extra={"error": str(exc)})
                await self._close()
                await asyncio.sleep(self.retry_seconds)

    async def _resync(self) -> None:
        if self.on_connect is None:
            return
        try:
            await self.on_connect()
        except Exception:  # the listener must outlive a failed resync; the owner's own schedule tries again
            reraise_if_cancelling()
            log.exception("resynchronising after a reconnect failed", extra={"channel": self.channel})

    async def _listen(self) -> None:
        assert self._pubsub is not None
        while True:
            message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=5.0)
            if message is None or message.get("type") != "message":
                continue
            try:
                payload = json.loads(message["data"])
            except (TypeError, ValueError):
                log.warning("ignoring a malformed broadcast message", extra={"channel": self.channel})
                continue
            if not isinstance(payload, dict):
                continue
            try:
                await self.on_message(payload)
            except Exception:  # one bad message must not stop the listener; the next resync repairs the state
                reraise_if_cancelling()
                log.exception("broadcast handler failed", extra={"channel": self.channel})
