"""Two quick key rotations sign nobody out: the services fetch the JWKS again on an unknown kid."""

from __future__ import annotations

import jwt
import pytest

from tests.helpers import admin_token, create_staff, password_tokens

pytestmark = pytest.mark.security


async def test_two_quick_rotations_and_fresh_tokens_work_at_the_services_at_once(platform):
    admin = await admin_token(platform)
    staff = await create_staff(platform, roles=["county_admin"], region="530102")
    kids = []
    for _ in range(2):
        async with platform.client(admin) as client:
            rotated = await client.post("/api/v1/admin/signing-keys/rotate")
        assert rotated.status_code == 200
        kids.append(rotated.json()["kid"])
        fresh = await password_tokens(platform, staff["username"], staff["password"])
        assert jwt.get_unverified_header(fresh["access_token"])["kid"] == kids[-1]
        async with platform.client(fresh["access_token"]) as client:
            at_service = await client.get("/api/v1/repair/outlets", params={"county": "530102"})
        assert at_service.status_code == 200, at_service.text  # no waiting: the first call already works
    async with platform.client(admin) as client:
        audit = (await client.get("/api/v1/admin/audit", params={"event": "signing_key_rotated"})).json()
    recorded = {e["subject"] for e in audit}
    assert set(kids) <= recorded
    assert all(e["actor"] for e in audit if e["subject"] in kids)
