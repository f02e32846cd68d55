"""The lean ceiling of reading a ticket: the stripped prototype of `GET /api/v1/repair/tickets/{no}` on this
architecture, as the issue that set the read's target describes it.

Two processes, as the platform has: a bare FastAPI front (`--role front`) that calls a bare grpc.aio service
(`--role service`, no interceptor) over one channel and answers the ticket proto as JSON with the gateway's own
conversion (`gateway.convert.ticket_answer`, rendered by orjson). The service, per call, runs the platform's own two
statements (`services.repair.ticket_reads.TICKET`: the ticket with its outlet; `TIMELINE`: the timeline with its
evidence), compiled once, on one `sqlite3` connection inline on the loop (WAL, the platform's pragmas), and builds
the proto from the rows with the platform's `ticket_message`. Both processes tune the garbage collector as the
platform's do once started (`freeze_startup_objects`).

What it leaves out, all of which the platform does: the caller's token (the gateway's cached check and the
service's), the may-read rule, the access log, metrics, rate limits, the server interceptor and the connection pool.
So its rate is an upper bound for the platform's read on the same machine in the same run: `BENCH_CEILING=1 make
bench` measures it right after the reference (loadtests/bench/ceiling.py). SQLite only: on PostgreSQL the bench
measures the filing ceiling alone.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import grpc
import orjson
from fastapi import FastAPI
from fastapi.responses import Response
from sqlalchemy.dialects.sqlite import pysqlite

from bst.repair.v1 import repair_pb2
from gateway.convert import ticket_answer
from loadtests.ceiling_parts import main as ceiling_main
from loadtests.ceiling_parts import method_call, serve_method, sqlite_connection
from services.kernel.reads import Compiled
from services.repair.ticket_reads import TICKET, TIMELINE, ticket_message

SERVICE = "bst.ceiling.v1.Reading"
METHOD = f"/{SERVICE}/Get"
TICKET_NO = "BX530102991231000001"  # the one ticket the ceiling's database holds (loadtests/bench/ceiling.py)


# -- the service ------------------------------------------------------------------------------------------------


def rows(db: sqlite3.Connection, compiled: Compiled, values: dict[str, Any]) -> list[Any]:
    """A compiled read's rows on `sqlite3`, as `services.kernel.reads` makes them."""
    params = [
        (bind(values[name]) if bind else values[name]) if name in values else compiled.fixed[name]
        for name, bind in zip(compiled.params, compiled.bind, strict=True)
    ]
    found = db.execute(compiled.sql, params).fetchall()
    if compiled.result is not None:
        found = [
            tuple(v if p is None else p(v) for p, v in zip(compiled.result, row, strict=True))
            for row in found
        ]
    return [compiled.row(row) for row in found]


class SqliteReading:
    def __init__(self, path: str) -> None:
        self.db = sqlite_connection(path)
        dialect = pysqlite.dialect()
        self.ticket, self.timeline = TICKET.compiled(dialect), TIMELINE.compiled(dialect)

    def get(self, ticket_no: str) -> repair_pb2.Ticket | None:
        found = rows(self.db, self.ticket, {"ticket_no": ticket_no})
        if not found:
            return None
        return ticket_message(found[0], rows(self.db, self.timeline, {"ticket_no": ticket_no}))


async def run_service(port: int, database: str) -> None:
    reading = SqliteReading(database)

    async def get(request: repair_pb2.GetTicketRequest, context: Any) -> repair_pb2.Ticket:
        found = reading.get(request.ticket_no)
        if found is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, "no such ticket")
        return found

    await serve_method(
        port, SERVICE, "Get", get, repair_pb2.GetTicketRequest, repair_pb2.Ticket, tune_gc=True
    )


# -- the front ----------------------------------------------------------------------------------------------------


def build_front(target: str) -> FastAPI:
    app = FastAPI(title="read ceiling")
    state: dict[str, Any] = {}

    @app.on_event("startup")
    async def connect() -> None:
        state["call"] = await method_call(
            target, METHOD, repair_pb2.GetTicketRequest, repair_pb2.Ticket, tune_gc=True
        )

    @app.get("/t/{ticket_no}")
    async def read(ticket_no: str) -> Response:
        reply = await state["call"](repair_pb2.GetTicketRequest(ticket_no=ticket_no), timeout=5)
        return Response(orjson.dumps(ticket_answer(reply)), media_type="application/json")

    return app


def main(argv: list[str] | None = None) -> None:
    ceiling_main(
        argv,
        prog="python -m loadtests.read_ceiling_app",
        description=__doc__,
        database_help="service: the migrated repair database (a SQLite file)",
        run_service=run_service,
        build_front=build_front,
    )


if __name__ == "__main__":
    main()
