"""Small factories for repair's rule tests: outlets, people, reports, a context."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.auth import Principal
from services.kernel.events import Outbox
from services.kernel.storage import LocalDiskStore
from services.repair import service
from services.repair.common import get_county
from services.repair.models import Outlet, OutletCategory
from services.repair.qr import QrSigner
from services.repair.schemas import TicketCreate, TicketRead

COUNTY = "530102"  # 五华区, centre 25.0436, 102.7073
LAT, LNG = 25.0436, 102.7073


def context(tmp_path: Path, **changes: Any) -> service.RepairContext:
    from services.repair.models import OutboxEvent

    return service.RepairContext(
        outbox=Outbox(OutboxEvent),
        qr=QrSigner(b"k" * 32, "https://bst.example.gov.cn"),
        store=LocalDiskStore(tmp_path),
        **{"accept_minutes": 120, **changes},
    )


async def outlet(
    session: AsyncSession,
    *,
    north_km: float = 0.0,
    east_km: float = 0.0,
    capacity: int = 10,
    open_tickets: int = 0,
    kind: str = "market",
    categories: tuple[str, ...] = ("satellite",),
    active: bool = True,
    county: str = COUNTY,
) -> str:
    """An outlet `north_km` north and `east_km` east of the county's centre; its id."""
    outlet_id = f"T-{uuid.uuid4().hex[:10]}"
    lat, lng = (LAT, LNG) if county == COUNTY else (get_county(county).lat, get_county(county).lng)
    session.add(
        Outlet(
            outlet_id=outlet_id,
            county=county,
            name=outlet_id,
            kind=kind,
            lat=lat + north_km / 111.32,
            lng=lng + east_km / 100.8,
            phone="0871-1",
            capacity=capacity,
            open_tickets=open_tickets,
            active=active,
            categories=[OutletCategory(category=c) for c in categories],
        )
    )
    await session.flush()
    return outlet_id


def citizen() -> Principal:
    return Principal(sub=f"c-{uuid.uuid4().hex[:8]}", kind="citizen")


def agent_for(resident: Principal, agent: str | None = None) -> Principal:
    """A village agent's delegation token for `resident`: sub = the resident, actor = the agent."""
    return Principal(
        sub=resident.sub, kind="citizen", actor=agent or f"agent-{uuid.uuid4().hex[:8]}", region=COUNTY
    )


def report(**fields: Any) -> TicketCreate:
    return TicketCreate(
        **{
            "county": COUNTY,
            "category": "satellite",
            "description": "没信号",
            "contact_name": "李",
            "contact_phone": "13900001111",
            **fields,
        }
    )


async def file(
    session: AsyncSession, ctx: service.RepairContext, principal: Principal, key: str = "", **fields: Any
) -> TicketRead:
    return await service.create_ticket(
        session=session, ctx=ctx, principal=principal, ticket_in=report(**fields), idempotency_key=key
    )
