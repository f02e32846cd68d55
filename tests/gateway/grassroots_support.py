"""Helpers for the grassroots tests: each test builds its own corner of a county (points, outlets at a random place),
so that tests in any order never see each other's data."""

from __future__ import annotations

import io
import random
import uuid
from typing import Any

from PIL import Image

from services.kernel import regions
from tests.helpers import citizen_token, new_phone, staff_token

SHIZONG = "530323"  # 师宗县: service points, the register, village 回访
LUOPING = "530324"  # 罗平县: outlets, choice, coverage, duplicates


def somewhere(county: str) -> tuple[float, float]:
    """A random place inside the county, some kilometres from its centre (each test its own)."""
    centre = regions.get(county)
    assert centre is not None
    return (
        round(centre.lat + random.uniform(-0.15, 0.15), 6),
        round(centre.lng + random.uniform(-0.15, 0.15), 6),
    )


def admin(platform: Any, county: str) -> str:
    return staff_token(
        platform, roles=["county_admin"], region=county, subject=f"admin-{uuid.uuid4().hex[:8]}"
    )


def window(platform: Any, county: str) -> str:
    return staff_token(
        platform, roles=["window_staff"], region=county, subject=f"window-{uuid.uuid4().hex[:8]}"
    )


def agent(platform: Any, county: str, subject: str) -> str:
    return staff_token(platform, roles=["village_agent"], region=county, subject=subject)


def technician(platform: Any, county: str, outlet_id: str) -> str:
    return staff_token(
        platform, roles=["outlet_technician"], region=county, subject=f"tech-{outlet_id}", outlet=outlet_id
    )


def citizen(platform: Any) -> str:
    return citizen_token(platform)


async def new_point(
    platform: Any, county: str, level: str, at: tuple[float, float], agents: list[str] | None = None
) -> dict[str, Any]:
    async with platform.client(admin(platform, county)) as client:
        reply = await client.post(
            "/api/v1/repair/service-points",
            json={
                "county": county,
                "name": f"{'村' if level == 'village' else '镇'}服务点{uuid.uuid4().hex[:4]}",
                "level": level,
                "lat": at[0],
                "lng": at[1],
                "agent_ids": agents or [],
            },
        )
    assert reply.status_code == 201, reply.text
    return reply.json()  # type: ignore[no-any-return]


async def new_outlet(
    platform: Any, county: str, at: tuple[float, float], *, categories: list[str] | None = None, **extra: Any
) -> dict[str, Any]:
    async with platform.client(admin(platform, county)) as client:
        reply = await client.post(
            "/api/v1/repair/outlets",
            json={
                "county": county,
                "name": f"维修部{uuid.uuid4().hex[:4]}",
                "kind": "market",
                "categories": categories or ["satellite", "dtmb"],
                "lat": at[0],
                "lng": at[1],
                "phone": "0874-" + str(random.randrange(1000000, 9999999)),
                **extra,
            },
        )
    assert reply.status_code == 201, reply.text
    return reply.json()  # type: ignore[no-any-return]


def report(**fields: Any) -> dict[str, Any]:
    return {
        "category": "satellite",
        "description": "户户通没有信号",
        "contact_name": "李大妈",
        "contact_phone": new_phone(),
        **fields,
    }


async def file(platform: Any, token: str, **fields: Any) -> dict[str, Any]:
    async with platform.client(token) as client:
        reply = await client.post("/api/v1/repair/tickets", json=report(**fields))
    assert reply.status_code == 201, reply.text
    return reply.json()  # type: ignore[no-any-return]


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 120, 60)).save(out, format="JPEG")
    return out.getvalue()


async def repair(platform: Any, county: str, ticket: dict[str, Any]) -> None:
    """The assigned outlet accepts the ticket and resolves it with a photo."""
    outlet_id = ticket["assignee"]["outlet_id"]
    async with platform.client(technician(platform, county, outlet_id)) as client:
        accepted = await client.post(f"/api/v1/repair/tickets/{ticket['ticket_no']}/accept")
        assert accepted.status_code == 200, accepted.text
        photo = await client.post("/api/v1/repair/uploads", files={"file": ("p.jpg", jpeg(), "image/jpeg")})
        resolved = await client.post(
            f"/api/v1/repair/tickets/{ticket['ticket_no']}/resolve",
            json={"note": "更换高频头", "evidence": [photo.json()["evidence_id"]]},
        )
        assert resolved.status_code == 200, resolved.text
