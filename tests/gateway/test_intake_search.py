"""Unified search (`/api/v1/search`) finds an intake item in each of its regions, and a published, suspended or
cancelled item reaches search as soon as the staff's route answers."""

from __future__ import annotations

import asyncio
import random
import time

import httpx

from tests.gateway import test_registry_replicas
from tests.gateway.test_intake_support import MARKET, department_staff, new_item

second_gateway = test_registry_replicas.second_gateway  # the fixture: another gateway process


async def item_codes_found(platform, q: str, region: str | None = None) -> list[str]:
    params = {"q": q} | ({"region": region} if region else {})
    async with platform.client() as client:
        reply = await client.get("/api/v1/search", params=params)
    assert reply.status_code == 200, reply.text
    return [h["service_item"]["code"] for h in reply.json() if h["kind"] == "service_item"]


async def test_an_item_offered_in_several_regions_is_found_in_each_and_changes_reach_search_at_once(platform):
    name = f"多地联办测试事项{random.randrange(10**6)}"
    assert await item_codes_found(platform, name) == []  # search has loaded the catalogue before the item
    provincial = department_staff(platform, department=MARKET, region="53")
    item = await new_item(platform, provincial, name=name, regions=["530102", "532301"])
    code = item["item_code"]
    assert await item_codes_found(platform, name) == [code]
    for region in ("530102", "5301", "532301", "5323", "53"):
        assert await item_codes_found(platform, name, region) == [code], region
    for region in ("530302", "5325", "532501"):
        assert await item_codes_found(platform, name, region) == [], region
    async with platform.client(provincial) as client:
        suspended = await client.post(f"/api/v1/intake/items/{code}/suspend", json={"reason": "系统升级"})
    assert suspended.status_code == 200, suspended.text
    assert await item_codes_found(platform, name, "532301") == []
    async with platform.client(provincial) as client:
        published = await client.post(f"/api/v1/intake/items/{code}/publish", json={})
    assert published.status_code == 200, published.text
    assert await item_codes_found(platform, name, "532301") == [code]
    async with platform.client(provincial) as client:
        cancelled = await client.post(f"/api/v1/intake/items/{code}/cancel", json={"reason": "事项已调整"})
    assert cancelled.status_code == 200, cancelled.text
    assert await item_codes_found(platform, name) == []


async def test_an_item_published_through_one_replica_is_found_on_the_other(platform, second_gateway):
    name = f"跨实例检索测试事项{random.randrange(10**6)}"
    path = f"/api/v1/search?q={name}&region=532301"
    async with httpx.AsyncClient(base_url=second_gateway, timeout=10) as other:
        assert (await other.get(path)).json() == []  # the other replica has loaded the catalogue already
        provincial = department_staff(platform, department=MARKET, region="53")
        code = (await new_item(platform, provincial, name=name, regions=["530102", "532301"]))["item_code"]
        deadline = time.monotonic() + 5  # the announcement arrives in milliseconds; the TTL is minutes
        for _ in range(500):
            hits = (await other.get(path)).json()
            if hits or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.01)
    assert [h["service_item"]["code"] for h in hits] == [code]
