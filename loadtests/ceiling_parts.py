"""What the lean ceilings (loadtests/filing_ceiling_app.py, read_ceiling_app.py) share: the inline SQLite
connection with the platform's pragmas, the bare grpc.aio service of one method, the front's one channel, and the
two-role command line."""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import grpc

from loadtests.reference_app import serve
from services.kernel.background import freeze_startup_objects


def sqlite_connection(path: str) -> sqlite3.Connection:
    """One `sqlite3` connection used inline on the loop, with the platform's pragmas."""
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=5000"):
        db.execute(f"PRAGMA {pragma}")
    return db


async def serve_method(
    port: int,
    service: str,
    method: str,
    handle: Callable[[Any, Any], Awaitable[Any]],
    request: Any,
    reply: Any,
    *,
    tune_gc: bool,
) -> None:
    """A bare grpc.aio server (no interceptor) of one unary method, until it is stopped; with `tune_gc`, the
    collector tuned as the platform's processes tune it once started."""
    server = grpc.aio.server()
    handler = grpc.unary_unary_rpc_method_handler(
        handle, request_deserializer=request.FromString, response_serializer=reply.SerializeToString
    )
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service, {method: handler}),))
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    if tune_gc:
        freeze_startup_objects()
    await server.wait_for_termination()


async def method_call(target: str, path: str, request: Any, reply: Any, *, tune_gc: bool) -> Any:
    """The front's callable of the service's one method, over one channel once it is ready."""
    channel = grpc.aio.insecure_channel(target)
    await asyncio.wait_for(channel.channel_ready(), 30)
    call = channel.unary_unary(
        path, request_serializer=request.SerializeToString, response_deserializer=reply.FromString
    )
    if tune_gc:
        freeze_startup_objects()
    return call


def main(
    argv: list[str] | None,
    *,
    prog: str,
    description: str | None,
    database_help: str,
    run_service: Callable[[int, str], Coroutine[Any, Any, None]],
    build_front: Callable[[str], Any],
) -> None:
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--port", type=int, required=True, help="front: HTTP port; service: gRPC port")
    parser.add_argument("--role", choices=("front", "service"), required=True)
    parser.add_argument("--grpc", help="front: the service's address, host:port")
    parser.add_argument("--database", help=database_help)
    args = parser.parse_args(argv)
    if args.role == "service":
        asyncio.run(run_service(args.port, args.database))
    else:
        serve(build_front(args.grpc), args.port)
