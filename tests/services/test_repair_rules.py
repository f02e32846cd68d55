"""The repair rules on their own database: the dispatch rule, the timers, the state machine's edges."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest
from sqlalchemy import select

from services.cli import COMPONENTS
from services.kernel.auth import Principal
from services.kernel.db import Database, utcnow
from services.kernel.events import Outbox
from services.kernel.migrations import upgrade
from services.kernel.storage import LocalDiskStore
from services.repair import service
from services.repair.dispatch import great_circle_km, nearest_qualifying_outlet
from services.repair.models import DispatchDecision, Notification, OutboxEvent, Outlet, OutletCategory, Ticket
from services.repair.qr import QrSigner
from services.repair.schemas import Category, TicketCreate

COUNTY = "530102"  # 五华区, centre 25.0436, 102.7073
LAT, LNG = 25.0436, 102.7073


@pytest.fixture(scope="module")
async def rules_db(backend):
    url = await backend.scratch_database("repair_rules")
    await asyncio.to_thread(upgrade, COMPONENTS["repair"].migrations, url)
    db = Database(url)
    yield db
    await db.dispose()


@pytest.fixture
async def county(rules_db):
    """A fresh county-like namespace: every test gets its own outlets (ids are unique; the county is shared)."""
    async with rules_db.transaction() as session:
        for outlet in (await session.scalars(select(Outlet))).all():
            outlet.active = False  # earlier tests' outlets stop qualifying
    return rules_db


def ctx(tmp_path) -> service.RepairContext:
    return service.RepairContext(
        outbox=Outbox(OutboxEvent),
        qr=QrSigner(b"k" * 32, "https://bst.example.gov.cn"),
        store=LocalDiskStore(tmp_path),
        accept_minutes=120,
    )


async def add_outlet(
    db,
    *,
    north_km: float,
    east_km: float = 0.0,
    capacity: int = 10,
    open_tickets: int = 0,
    kind: str = "market",
    categories=("satellite",),
    active: bool = True,
) -> str:
    outlet_id = f"T-{uuid.uuid4().hex[:10]}"
    async with db.transaction() as session:
        session.add(
            Outlet(
                outlet_id=outlet_id,
                county=COUNTY,
                name=outlet_id,
                kind=kind,
                lat=LAT + north_km / 111.32,
                lng=LNG + east_km / 100.8,
                phone="0871-1",
                capacity=capacity,
                open_tickets=open_tickets,
                active=active,
                categories=[OutletCategory(category=c) for c in categories],
            )
        )
    return outlet_id


async def choose(db, **kwargs):
    async with db.reader() as session:
        return await nearest_qualifying_outlet(
            session, county=COUNTY, category=Category.SATELLITE, lat=LAT, lng=LNG, excluded=set(), **kwargs
        )


def test_great_circle_distance_kunming_to_jinghong():
    assert great_circle_km(25.0436, 102.7073, 22.0094, 100.7975) == pytest.approx(385, abs=10)
    assert great_circle_km(25.0, 102.7, 25.0, 102.7) == 0


async def test_nearest_wins_and_ties_go_to_fewer_open_tickets(county):
    far = await add_outlet(county, north_km=1.5)
    near_busy = await add_outlet(county, north_km=1, open_tickets=5)
    near_free = await add_outlet(county, north_km=-1, open_tickets=1)
    choice = await choose(county)
    assert choice.outlet.outlet_id == near_free
    assert choice.distance_km == pytest.approx(1.0, abs=0.01)
    verdicts = {c.outlet_id: c.verdict for c in choice.candidates}
    assert verdicts == {near_free: "chosen", near_busy: "farther", far: "farther"}


async def test_full_inactive_excluded_and_wrong_kind_outlets_never_qualify(county):
    full = await add_outlet(county, north_km=0.5, capacity=2, open_tickets=2)
    paused = await add_outlet(county, north_km=0.6, active=False)
    operator = await add_outlet(county, north_km=0.1, kind="operator", categories=("cable",))
    dtmb_only = await add_outlet(county, north_km=0.2, categories=("dtmb",))
    excluded = await add_outlet(county, north_km=0.7)
    far = await add_outlet(county, north_km=40)
    async with county.reader() as session:
        choice = await nearest_qualifying_outlet(
            session, county=COUNTY, category=Category.SATELLITE, lat=LAT, lng=LNG, excluded={excluded}
        )
    assert choice.outlet.outlet_id == far  # found by growing the search past 32 km
    verdicts = {c.outlet_id: c.verdict for c in choice.candidates}
    assert (
        verdicts[full] == "at_capacity"
        and verdicts[paused] == "inactive"
        and verdicts[excluded] == "excluded"
    )
    assert operator not in verdicts and dtmb_only not in verdicts  # they do not serve satellite at all


async def test_a_reporters_choice_wins_only_when_it_qualifies(county):
    nearest = await add_outlet(county, north_km=0.5)
    chosen = await add_outlet(county, north_km=5)
    full = await add_outlet(county, north_km=6, capacity=1, open_tickets=1)
    assert (await choose(county, preferred=chosen)).outlet.outlet_id == chosen
    assert (await choose(county, preferred=full)).outlet.outlet_id == nearest


async def file(db, context, principal) -> Ticket:
    async with db.transaction() as session:
        read = await service.create_ticket(
            session=session,
            ctx=context,
            principal=principal,
            ticket_in=TicketCreate(
                county=COUNTY,
                category="satellite",
                description="没信号",
                contact_name="李",
                contact_phone="13900001111",
            ),
        )
    async with db.reader() as session:
        return await session.get(Ticket, read.ticket_no)


async def test_not_accepted_in_time_goes_to_the_next_outlet_and_alerts_the_county(county, tmp_path):
    first = await add_outlet(county, north_km=0.3)
    second = await add_outlet(county, north_km=2)
    citizen = Principal(sub=f"c-{uuid.uuid4().hex[:8]}", kind="citizen")
    context = ctx(tmp_path)
    ticket = await file(county, context, citizen)
    assert ticket.assignee_outlet_id == first
    async with county.transaction() as session:
        done = await service.sweep(session=session, ctx=context, now=utcnow() + dt.timedelta(minutes=121))
    assert done["accept_timeout"] >= 1
    async with county.reader() as session:
        moved = await session.get(Ticket, ticket.ticket_no)
        reasons = (
            await session.scalars(
                select(DispatchDecision.reason)
                .where(DispatchDecision.ticket_no == ticket.ticket_no)
                .order_by(DispatchDecision.id)
            )
        ).all()
        alerts = (
            await session.scalars(
                select(Notification.recipient).where(
                    Notification.ticket_no == ticket.ticket_no, Notification.kind == "accept_timeout"
                )
            )
        ).all()
        first_outlet = await session.get(Outlet, first)
    assert moved.assignee_outlet_id == second and moved.excluded_outlets == [first]
    assert reasons == ["report", "accept_timeout"]
    assert f"region:{COUNTY}" in alerts and citizen.sub in alerts
    assert first_outlet.open_tickets == 0  # its slot was given back


async def test_past_due_is_flagged_once_and_escalated_to_county_and_prefecture(county, tmp_path):
    await add_outlet(county, north_km=0.3, capacity=100)
    context = ctx(tmp_path)
    ticket = await file(county, context, Principal(sub=f"c-{uuid.uuid4().hex[:8]}", kind="citizen"))
    later = utcnow() + dt.timedelta(hours=25)
    for _ in range(2):
        async with county.transaction() as session:
            await service.sweep(
                session=session, ctx=dataclass_replace(context, accept_minutes=10_000), now=later
            )
    async with county.reader() as session:
        flagged = await session.get(Ticket, ticket.ticket_no)
        escalations = (
            await session.scalars(
                select(Notification.recipient).where(
                    Notification.ticket_no == ticket.ticket_no, Notification.kind == "overdue"
                )
            )
        ).all()
    assert flagged.overdue is True
    assert sorted(r for r in escalations if r.startswith("region:")) == [
        f"region:{COUNTY[:4]}",
        f"region:{COUNTY}",
    ]


def dataclass_replace(context, **changes):
    import dataclasses

    return dataclasses.replace(context, **changes)
