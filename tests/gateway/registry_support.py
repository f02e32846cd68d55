"""Helpers of the mini-app registry gateway tests: submitting a version, a reviewer's decision, a citizen's
authorization of an app."""

from __future__ import annotations

import httpx

from tests.helpers import manifest


async def submit(platform, app: dict, version: str = "1.0.0", **fields):
    async with platform.client(app["developer"]) as client:
        return await client.post(
            f"/api/v1/mini-apps/{app['app_id']}/versions", json=manifest(version, **fields)
        )


async def decide(platform, token: str, app_id: str, version: str, decision: str, body: dict | None = None):
    async with platform.client(token) as client:
        return await client.post(
            f"/api/v1/admin/mini-apps/{app_id}/versions/{version}/{decision}",
            json=body if body is not None else {},
        )


async def authorize(platform, citizen: str, app_id: str, scopes: list[str]) -> httpx.Response:
    async with platform.client(citizen) as client:
        return await client.post(f"/api/v1/mini-apps/{app_id}/authorize", json={"scopes": scopes})
