"""The lean client answers exactly as redis-py does (scripts and pipelines), in order under concurrency, and
survives a lost connection and a flushed script cache."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from services.kernel.redis_lean import LeanRedis, connect_lean

ECHO = "return {ARGV[1], #KEYS, tonumber(ARGV[2]) * 2}"
COUNT = "return redis.call('INCR', KEYS[1])"
FAILS = "return redis.call('NO-SUCH-COMMAND')"


async def test_a_script_answers_as_with_redis_py(redis_handle) -> None:
    lean = LeanRedis(redis_handle.url)
    try:
        expected = await redis_handle.client.register_script(ECHO)(keys=["a", "b"], args=["x", 21])
        assert await lean.evalsha(ECHO, ["a", "b"], ["x", 21]) == expected == [b"x", 2, 42]
    finally:
        await lean.close()


async def test_concurrent_calls_each_get_their_own_answer(redis_handle) -> None:
    lean = LeanRedis(redis_handle.url)
    try:
        answers = await asyncio.gather(*(lean.evalsha(ECHO, [], [f"n{i}", i]) for i in range(300)))
        assert answers == [[f"n{i}".encode(), 0, 2 * i] for i in range(300)]
    finally:
        await lean.close()


async def test_a_flushed_script_is_loaded_again(redis_handle) -> None:
    lean = LeanRedis(redis_handle.url)
    key = f"leantest:{uuid.uuid4().hex}"
    try:
        assert await lean.evalsha(COUNT, [key], []) == 1
        await redis_handle.client.script_flush()
        assert await lean.evalsha(COUNT, [key], []) == 2  # NOSCRIPT, loaded, run once
    finally:
        await redis_handle.client.delete(key)
        await lean.close()


async def test_a_script_error_is_a_response_error_and_the_connection_goes_on(redis_handle) -> None:
    lean = LeanRedis(redis_handle.url)
    try:
        with pytest.raises(ResponseError):
            await lean.evalsha(FAILS, [], [])
        assert await lean.evalsha(ECHO, [], ["y", 1]) == [b"y", 0, 2]
    finally:
        await lean.close()


async def test_a_lost_connection_fails_its_calls_and_the_next_call_reconnects(redis_handle) -> None:
    lean = LeanRedis(redis_handle.url)
    try:
        assert await lean.evalsha(ECHO, [], ["a", 1]) == [b"a", 0, 2]
        protocol = lean._protocol
        assert protocol is not None and protocol.transport is not None
        pending = asyncio.ensure_future(protocol.send(b"*1\r\n$4\r\nPING\r\n"))
        protocol.transport.abort()
        with pytest.raises(RedisConnectionError):
            await pending
        assert await lean.evalsha(ECHO, [], ["b", 2]) == [b"b", 0, 4]
        assert lean._protocol is not protocol
    finally:
        await lean.close()


async def test_an_unreachable_server_is_a_connection_error() -> None:
    lean = LeanRedis("unix:///nonexistent/redis.sock")
    with pytest.raises(RedisConnectionError):
        await lean.evalsha(ECHO, [], ["a", 1])


def test_urls() -> None:
    tcp = LeanRedis("redis://user:p%40ss@cache.internal:6380/3")
    assert (tcp.host, tcp.port, tcp.username, tcp.password, tcp.db, tcp.unix) == (
        "cache.internal",
        6380,
        "user",
        "p@ss",
        3,
        None,
    )
    unix = LeanRedis("unix:///run/redis/redis.sock?db=2")
    assert (unix.unix, unix.db, unix.password) == ("/run/redis/redis.sock", 2, None)
    assert connect_lean("rediss://cache.internal:6380/0") is None  # TLS stays with redis-py
    assert connect_lean("redis://127.0.0.1:6379/0") is not None


async def test_a_server_that_does_not_answer_fails_the_call_after_the_timeout(tmp_path) -> None:
    accepted: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)  # reads nothing, answers nothing

    path = tmp_path / "silent.sock"
    server = await asyncio.start_unix_server(silent, path=str(path))
    lean = LeanRedis(f"unix://{path}", timeout=0.2)
    try:
        started = asyncio.get_running_loop().time()
        calls = [asyncio.ensure_future(lean.evalsha(ECHO, [], ["a", 1])) for _ in range(3)]
        for call in calls:
            with pytest.raises(RedisConnectionError, match="did not answer"):
                await call
        assert asyncio.get_running_loop().time() - started < 2
        with pytest.raises(RedisConnectionError):  # the next call connects again, and waits again
            await lean.evalsha(ECHO, [], ["b", 1])
        assert len(accepted) == 2
    finally:
        await lean.close()
        server.close()
        for writer in accepted:
            writer.close()


async def test_a_pipeline_answers_in_order_and_a_refused_command_fails_it_after_the_rest_ran(
    redis_handle,
) -> None:
    lean = LeanRedis(redis_handle.url)
    key, stream = f"leantest:{uuid.uuid4().hex}", f"leantest:{uuid.uuid4().hex}"
    try:
        assert await lean.pipeline([]) == []
        replies = await lean.pipeline(
            [["INCR", key], ["INCRBY", key, 5], ["XADD", stream, "*", "payload", "到了"], ["GET", key]]
        )
        assert replies[:2] == [1, 6] and replies[3] == b"6"
        [(entry_id, fields)] = await redis_handle.client.xrange(stream)
        assert replies[2] == entry_id and fields == {b"payload": "到了".encode()}
        with pytest.raises(ResponseError):
            await lean.pipeline([["INCR", key], ["HSET", key, "f", "v"], ["INCR", key]])
        assert await redis_handle.client.get(key) == b"8"  # not a transaction: the others ran
    finally:
        await redis_handle.client.delete(key, stream)
        await lean.close()
