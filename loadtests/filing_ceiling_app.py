"""The lean ceiling of filing a ticket: the stripped prototype of `POST /api/v1/repair/tickets` on this architecture.

Two processes, as the platform has: a bare FastAPI front (`--role front`) that reads the JSON body into its model,
makes the request proto and calls a bare grpc.aio service (`--role service`) over one channel, then answers the
ticket proto as JSON with the gateway's own conversion (`gateway.convert.ticket_answer`, rendered by orjson). The
service, per call, in one transaction on the repair schema (migrated as `bst migrate` does, so every table has its
real indexes): takes a slot of the outlet's capacity (one UPDATE), inserts the ticket, its two timeline entries and
its two outbox events (statements compiled once: `services.repair.ticket_writes.RowInsert`), commits, and answers
the ticket proto built from the values it wrote. On SQLite: one `sqlite3` connection inline on the loop, WAL,
`BEGIN IMMEDIATE` … `COMMIT`, the platform's pragmas. On PostgreSQL: an asyncpg pool of 10; BEGIN, the UPDATE, all
the rows in one statement (`WITH … INSERT`), COMMIT: four round trips.

What it leaves out, all of which the platform does: the caller's token, the filing rules (the county's service points
and response settings, the nearest qualifying outlet, the ticket number block, the reporter's outlet choice, the
Idempotency-Key), the dispatch decision, notifications and the village place, the access log, metrics, rate limits,
the server interceptor, the outbox relay to Redis and the consumers of the events. So its rate is an upper bound for
the platform's filing on the same machine in the same run: `BENCH_CEILING=1 make bench` measures it right after the
reference (loadtests/bench/ceiling.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import Response

from bst.repair.v1 import repair_pb2
from gateway.convert import ticket_answer
from loadtests.ceiling_parts import main as ceiling_main
from loadtests.ceiling_parts import method_call, serve_method, sqlite_connection
from services.kernel.events import new_event_id
from services.kernel.rows import new_entity
from services.repair.models import OutboxEvent, Ticket, TicketEvent
from services.repair.schemas import TicketCreate
from services.repair.ticket_writes import FiledTicket, RowInsert, combined_sql

SERVICE = "bst.ceiling.v1.Filing"
METHOD = f"/{SERVICE}/Create"
OUTLET = "OUT-CEILING-01"
COUNTY = "530102"
CHINA = dt.timezone(dt.timedelta(hours=8))


# -- the service ------------------------------------------------------------------------------------------------


class Writes:
    """The rows of one report, with each table's INSERT compiled once."""

    def __init__(self, dialect: Any) -> None:
        self.dialect = dialect
        self.inserts: dict[type[Any], RowInsert] = {
            m: RowInsert(m) for m in (Ticket, TicketEvent, OutboxEvent)
        }
        self.number = 0

    def rows(self, request: repair_pb2.CreateTicketRequest) -> tuple[Any, list[tuple[Any, list[Any]]]]:
        self.number += 1
        now = dt.datetime.now(dt.UTC)
        ticket = new_entity(
            Ticket,
            ticket_no=f"BX{COUNTY}{now.astimezone(CHINA):%y%m%d}{self.number:06d}",
            status="dispatched",
            county=request.county,
            category=request.category,
            description=request.description,
            channel=request.channel or "window",
            reporter_id="ceiling",
            agent_id=None,
            filed_by="ceiling",
            contact_name=request.contact_name,
            contact_phone=request.contact_phone,
            lat=request.lat,
            lng=request.lng,
            address=request.address,
            point="",
            excluded_outlets=[],
            due_at=now + dt.timedelta(hours=48),
            created_at=now,
            overdue=False,
            assignee_outlet_id=OUTLET,
            assignee_distance_km=0.5,
            dispatched_at=now,
            accept_due_at=now + dt.timedelta(hours=2),
            response_target_hours=3.0,
        )
        events = [
            new_entity(
                TicketEvent, ticket_no=ticket.ticket_no, at=now, action=a, actor="ceiling", note="", status=s
            )
            for a, s in (("reported", "pending_dispatch"), ("dispatched", "dispatched"))
        ]
        outbox = [
            new_entity(
                OutboxEvent,
                event_id=new_event_id(),
                event_type=kind,
                aggregate_id=ticket.ticket_no,
                payload=orjson.dumps({"ticket_no": ticket.ticket_no, "county": ticket.county}).decode(),
                request_id="-",
                created_at=now,
            )
            for kind in ("repair.ticket.dispatched", "repair.ticket.created")
        ]
        bound = []
        for model, entities in ((Ticket, [ticket]), (TicketEvent, events), (OutboxEvent, outbox)):
            insert = self.inserts[model]
            binds = insert.compiled(self.dialect).bind
            bound.append(
                (
                    model,
                    [
                        tuple(v if p is None else p(v) for p, v in zip(binds, insert.values(e), strict=True))
                        for e in entities
                    ],
                )
            )
        return (ticket, events), bound


def answer(ticket: Any, events: list[Any]) -> repair_pb2.Ticket:
    """The ticket proto from the written values, as the platform builds it (`ticket_writes.FiledTicket`)."""
    return FiledTicket(ticket, ("天顶广电维修点", "0871-1234567"), events, []).message()


class SqliteFiling:
    def __init__(self, path: str) -> None:
        from sqlalchemy.dialects.sqlite import pysqlite

        self.db = sqlite_connection(path)
        self.writes = Writes(pysqlite.dialect())
        self.sql = {m: i.compiled(self.writes.dialect).sql for m, i in self.writes.inserts.items()}

    async def create(self, request: repair_pb2.CreateTicketRequest) -> repair_pb2.Ticket:
        (ticket, events), bound = self.writes.rows(request)
        db = (
            self.db
        )  # inline on the loop: nothing awaited between BEGIN and COMMIT, so writers never interleave
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute(
                "UPDATE outlets SET open_tickets = open_tickets + 1 WHERE outlet_id = ? AND open_tickets < capacity",
                (OUTLET,),
            )
            for model, rows in bound:
                db.executemany(self.sql[model], rows) if len(rows) > 1 else db.execute(
                    self.sql[model], rows[0]
                )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return answer(ticket, events)


class PostgresFiling:
    def __init__(self, url: str) -> None:
        from sqlalchemy.dialects.postgresql import asyncpg as pg

        self.url = url
        self.writes = Writes(pg.dialect())
        self.pool: Any = None
        self.sql: str = ""

    async def start(self) -> None:
        import asyncpg

        self.pool = await asyncpg.create_pool(self.url, min_size=10, max_size=10)
        # the platform's own one-statement write of a report's rows (and its assignee's name and phone)
        self.sql = combined_sql(((Ticket, 1), (TicketEvent, 2), (OutboxEvent, 2)), self.writes.dialect)

    async def create(self, request: repair_pb2.CreateTicketRequest) -> repair_pb2.Ticket:
        (ticket, events), bound = self.writes.rows(request)
        values = [value for _, rows in bound for row in rows for value in row]
        async with self.pool.acquire() as connection, connection.transaction():
            await connection.execute(
                "UPDATE outlets SET open_tickets = open_tickets + 1 WHERE outlet_id = $1 AND open_tickets < capacity",
                OUTLET,
            )
            await connection.fetch(self.sql, *values, OUTLET)
        return answer(ticket, events)


async def run_service(port: int, database: str) -> None:
    filing: Any
    if urlsplit(database).scheme.startswith("postgresql"):
        filing = PostgresFiling(database.replace("+asyncpg", ""))
        await filing.start()
    else:
        filing = SqliteFiling(database)

    async def create(request: repair_pb2.CreateTicketRequest, context: Any) -> repair_pb2.Ticket:
        return await filing.create(request)

    await serve_method(
        port, SERVICE, "Create", create, repair_pb2.CreateTicketRequest, repair_pb2.Ticket, tune_gc=False
    )


# -- the front ----------------------------------------------------------------------------------------------------


def build_front(target: str) -> FastAPI:
    app = FastAPI(title="filing ceiling")
    state: dict[str, Any] = {}

    @app.on_event("startup")
    async def connect() -> None:
        state["call"] = await method_call(
            target, METHOD, repair_pb2.CreateTicketRequest, repair_pb2.Ticket, tune_gc=False
        )

    @app.post("/t", status_code=201)
    async def file(request: Request) -> Response:
        body = TicketCreate.model_validate_json(await request.body())
        message = repair_pb2.CreateTicketRequest(
            county=body.county or "",
            category=body.category.value,
            description=body.description,
            contact_name=body.contact_name,
            contact_phone=body.contact_phone,
            address=body.address,
            channel=body.channel.value if body.channel else "",
        )
        if body.lat is not None and body.lng is not None:
            message.lat, message.lng = body.lat, body.lng
        reply = await state["call"](message, timeout=5)
        return Response(orjson.dumps(ticket_answer(reply)), status_code=201, media_type="application/json")

    return app


def main(argv: list[str] | None = None) -> None:
    ceiling_main(
        argv,
        prog="python -m loadtests.filing_ceiling_app",
        description=__doc__,
        database_help="service: the migrated repair database: a SQLite file or a PostgreSQL URL",
        run_service=run_service,
        build_front=build_front,
    )


if __name__ == "__main__":
    main()
