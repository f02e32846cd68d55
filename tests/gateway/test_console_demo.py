"""`make demo` walks the core story against a running platform: here, the test platform."""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path

from tests.helpers import admin_token

DEMO = Path(__file__).resolve().parents[2] / "scripts" / "demo.py"


async def room_at(platform, county: str, outlet_id: str, slots: int) -> int:
    """Make sure `outlet_id` can take `slots` more tickets (other tests of the session file reports in the demo's
    county and may have filled the demo technician's outlet); its capacity before, to put back."""
    async with platform.client(await admin_token(platform)) as admin:
        reply = await admin.get("/api/v1/repair/outlets", params={"county": county})
        assert reply.status_code == 200, reply.text
        outlet = next(o for o in reply.json() if o["outlet_id"] == outlet_id)
        if outlet["capacity"] - outlet["open_tickets"] < slots:
            capacity = {"capacity": outlet["open_tickets"] + slots}
            changed = await admin.patch(f"/api/v1/repair/outlets/{outlet_id}", json=capacity)
            assert changed.status_code == 200, changed.text
    return int(outlet["capacity"])


async def test_the_demo_tells_the_core_story(platform, capsys):
    spec = importlib.util.spec_from_file_location("bst_demo", DEMO)
    assert spec and spec.loader
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    capacity = await room_at(platform, demo.COUNTY, demo.OUTLET, slots=3)
    try:
        assert await asyncio.to_thread(demo.main, platform.gateway_url, platform.settings) == 0
    finally:
        async with platform.client(await admin_token(platform)) as admin:
            await admin.patch(f"/api/v1/repair/outlets/{demo.OUTLET}", json={"capacity": capacity})
    told = capsys.readouterr().out
    for step in ("报修单: BX", "状态: 已修复", "评价: 5 非常满意", "已上架", "✔ the core story ran"):
        assert step in told, told
