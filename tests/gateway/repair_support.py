"""Helpers of the broadcast-TV repair gateway tests: the counties they use, the demo accounts' password, a photo,
the county QR, a technician's token, uploads, and filing a report."""

from __future__ import annotations

import io
import json

from PIL import Image

from tests.helpers import new_phone, staff_token

WUHUA = "530102"
LUQUAN = "530128"
JINGHONG = "532801"


def demo_password(platform) -> str:
    return json.loads((platform.settings.var_dir / "demo-accounts.json").read_text())["password"]


def jpeg(colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, format="JPEG")
    return out.getvalue()


async def county_qr_url(platform, county: str = WUHUA) -> str:
    async with platform.client() as client:
        reply = await client.get(f"/api/v1/repair/counties/{county}/qr", params={"format": "svg"})
    assert reply.status_code == 200
    return reply.headers["x-qr-url"]


def technician(platform, outlet_id: str, county: str = WUHUA) -> str:
    return staff_token(
        platform, roles=["outlet_technician"], region=county, subject=f"tech-{outlet_id}", outlet=outlet_id
    )


async def upload(
    client, data: bytes | None = None, name: str = "photo.jpg", content_type: str = "image/jpeg"
):
    return await client.post("/api/v1/repair/uploads", files={"file": (name, data or jpeg(), content_type)})


def report(**fields) -> dict[str, object]:
    return {
        "category": "satellite",
        "description": "户户通没有信号，电视一直显示无信号",
        "contact_name": "王大爷",
        "contact_phone": new_phone(),
        **fields,
    }


async def file_ticket(platform, token: str, **fields) -> dict[str, object]:
    async with platform.client(token) as client:
        reply = await client.post("/api/v1/repair/tickets", json=report(**fields))
    assert reply.status_code == 201, reply.text
    return reply.json()
