"""Bad input answers 422 and writes nothing: ids beyond 64 bits, `null` in an account update."""

from __future__ import annotations

import pytest

from tests.helpers import admin_token, create_staff, password_tokens

pytestmark = pytest.mark.security

BEYOND_64_BITS = str(2**64 + 1)


async def test_before_id_beyond_64_bits_is_422_not_500(platform):
    async with platform.client(await admin_token(platform)) as client:
        audit = await client.get("/api/v1/admin/audit", params={"before_id": BEYOND_64_BITS})
        at_limit = await client.get("/api/v1/admin/audit", params={"before_id": str(2**63 - 1)})
    assert audit.status_code == 422, audit.text
    assert audit.json()["code"] == "invalid_input"
    assert at_limit.status_code == 200


async def account_by_id(client, account_id: str) -> dict:
    after = ""
    while True:
        page = (await client.get("/api/v1/admin/accounts", params={"limit": 200, "after": after})).json()
        found = [a for a in page if a["id"] == account_id]
        if found or not page:
            return found[0]
        after = page[-1]["id"]


@pytest.mark.parametrize("field", ["region", "roles", "status", "display_name", "outlet_id"])
async def test_null_in_an_account_update_is_422_and_changes_nothing(platform, field):
    staff = await create_staff(platform, roles=["county_admin"], region="530102")
    async with platform.client(await admin_token(platform)) as client:
        reply = await client.patch(f"/api/v1/admin/accounts/{staff['id']}", json={field: None})
        account = await account_by_id(client, staff["id"])
    assert reply.status_code == 422, reply.text
    assert reply.json()["errors"][0]["field"] == field
    assert account["region"] == "530102" and account["roles"] == ["county_admin"]
    assert account["status"] == "active" and account["display_name"] == staff["display_name"]


async def test_an_admin_cannot_remove_their_own_admin_role(platform):
    admin = await create_staff(platform, roles=["platform_admin"], region="53")
    tokens = await password_tokens(platform, admin["username"], admin["password"])
    async with platform.client(tokens["access_token"]) as client:
        demoted = await client.patch(
            f"/api/v1/admin/accounts/{admin['id']}", json={"roles": ["county_admin"]}
        )
        account = await account_by_id(client, admin["id"])
    assert demoted.status_code == 403 and demoted.json()["code"] == "cannot_demote_self"
    assert account["roles"] == ["platform_admin"]
