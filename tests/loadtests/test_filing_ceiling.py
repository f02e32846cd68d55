"""The lean ceilings (loadtests/filing_ceiling_app.py, read_ceiling_app.py) write what a report writes and read what
the ticket read reads, on the real schema: a bench that measured a prototype failing on every request would measure
nothing."""

from __future__ import annotations

import asyncio
import sqlite3

from bst.repair.v1 import repair_pb2
from gateway.convert import ticket_answer
from loadtests.bench.ceiling import _prepare
from loadtests.filing_ceiling_app import OUTLET, SqliteFiling
from loadtests.read_ceiling_app import TICKET_NO, SqliteReading


async def test_a_filing_writes_the_ticket_its_timeline_and_its_events_and_takes_a_slot(tmp_path):
    path = tmp_path / "repair.db"
    await asyncio.to_thread(_prepare, f"sqlite+aiosqlite:///{path}")  # migrates and fills with its own loops
    filing = SqliteFiling(str(path))
    request = repair_pb2.CreateTicketRequest(
        county="530102", category="satellite", description="户户通无信号", contact_name="王大爷",
        contact_phone="13900001111", channel="window", lat=25.05, lng=102.70,
    )  # fmt: skip
    first, second = await filing.create(request), await filing.create(request)
    assert first.ticket_no != second.ticket_no and first.assignee.outlet_id == OUTLET
    assert [e.action for e in first.timeline] == ["reported", "dispatched"]
    db = sqlite3.connect(path)
    new = "SELECT count(*) FROM {} WHERE {} != ?"
    assert db.execute(new.format("tickets", "ticket_no"), (TICKET_NO,)).fetchone() == (2,)
    assert db.execute(new.format("ticket_events", "ticket_no"), (TICKET_NO,)).fetchone() == (4,)
    assert db.execute("SELECT count(*) FROM outbox").fetchone() == (4,)
    assert db.execute("SELECT open_tickets FROM outlets WHERE outlet_id = ?", (OUTLET,)).fetchone() == (2,)


async def test_the_read_answers_the_ticket_with_its_assignee_and_timeline(tmp_path):
    path = tmp_path / "repair.db"
    await asyncio.to_thread(_prepare, f"sqlite+aiosqlite:///{path}")
    reading = SqliteReading(str(path))
    answer = ticket_answer(reading.get(TICKET_NO))
    assert answer["ticket_no"] == TICKET_NO and answer["status"] == "dispatched"
    assert answer["assignee"]["outlet_id"] == OUTLET and answer["assignee"]["name"] == "天顶广电维修点"
    assert [e["action"] for e in answer["timeline"]] == ["reported", "dispatched"]
    assert reading.get("BX530102991231999999") is None
