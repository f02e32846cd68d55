"""Background loops stop when told to, even when a client library turns the cancellation into its own error; what a
process allocated at start-up is frozen out of the collector's reach, which then runs less often."""

from __future__ import annotations

import asyncio
import logging

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from services.kernel.background import stop_task
from services.kernel.revocation import RevocationList


class CancelSwallowingPipeline:
    """Like a Redis client whose connection, cancelled mid-command, disconnects and raises ConnectionError."""

    def __init__(self, calls: list[str]) -> None:
        self.calls = calls

    def zremrangebyscore(self, *args: object) -> None: ...

    def zrangebyscore(self, *args: object, **kwargs: object) -> None: ...

    async def execute(self) -> list[object]:
        self.calls.append("execute")
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            raise RedisConnectionError("Connection closed by server.") from None
        return [0, []]


class FakeRedis:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def pipeline(self, transaction: bool = False) -> CancelSwallowingPipeline:
        return CancelSwallowingPipeline(self.calls)


async def test_a_retrying_loop_stops_although_the_library_swallowed_the_cancellation() -> None:
    revocations = RevocationList(FakeRedis(), "t", refresh_seconds=0.01)  # type: ignore[arg-type]
    revocations.start()
    await asyncio.sleep(0.05)  # inside execute(), waiting on the "server"
    task = revocations._task
    assert task is not None
    await asyncio.wait_for(revocations.stop(), timeout=2.0)
    assert task.cancelled()


async def test_stop_task_gives_up_on_a_task_that_ignores_cancellation(
    caplog: pytest.LogCaptureFixture,
) -> None:
    release = asyncio.Event()

    async def stubborn() -> None:
        while not release.is_set():
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                continue

    task = asyncio.create_task(stubborn(), name="stubborn")
    await asyncio.sleep(0)
    with caplog.at_level(logging.ERROR, logger="bst.background"):
        await stop_task(task, timeout=0.1)
    assert not task.done()
    assert "ignored its cancellation" in caplog.text
    release.set()
    task.cancel()
    await asyncio.wait({task}, timeout=1.0)
    assert task.done()


def test_after_start_up_objects_are_frozen_and_the_collector_runs_less_often():
    import gc

    from services.kernel.background import GC_THRESHOLDS, freeze_startup_objects

    before = gc.get_threshold()
    try:
        kept = [[i] for i in range(1000)]  # allocated "at start-up"
        freeze_startup_objects()
        assert gc.get_threshold() == GC_THRESHOLDS and GC_THRESHOLDS[0] > 700
        assert gc.get_freeze_count() >= len(kept)
    finally:
        gc.set_threshold(*before)
