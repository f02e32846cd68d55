"""Identity accounts through the real gateway: village agents acting for residents, staff accounts and their
administration, and real-name binding and legal persons."""

from __future__ import annotations

import asyncio

import jwt

from tests.conftest import ADMIN_PASSWORD
from tests.gateway.identity_support import credit_code, platform_demo_password, valid_id, wait_until_refused
from tests.helpers import (
    admin_token,
    create_staff,
    delegate,
    new_ip,
    new_phone,
    password_tokens,
    sms_tokens,
)

# -- village agents ---------------------------------------------------------------------------------------------


async def test_agent_acts_for_a_resident_who_later_signs_in_as_themself(platform):
    agent = await password_tokens(platform, "luquan.agent", platform_demo_password(platform))
    phone = new_phone()
    delegated = await delegate(platform, agent["access_token"], "李阿婆", phone)
    again = await delegate(platform, agent["access_token"], "李阿婆", phone)
    assert again["resident_id"] == delegated["resident_id"]  # found, not created twice
    claims = jwt.decode(delegated["access_token"], options={"verify_signature": False})
    agent_id = jwt.decode(agent["access_token"], options={"verify_signature": False})["sub"]
    assert claims["sub"] == delegated["resident_id"] and claims["act"] == {"sub": agent_id}
    assert claims["exp"] - claims["iat"] <= 600 and claims["region"] == "530128"
    async with platform.client(delegated["access_token"]) as client:
        me = (await client.get("/api/v1/me")).json()
        staff_route = await client.get("/api/v1/admin/accounts")
        staff_rpc = await client.get("/api/v1/repair/outlets", params={"county": "530128"})
    assert me["display_name"] == "李阿婆" and me["acting_as"] == agent_id
    assert me["phone_masked"] is None  # the agent does not see the resident's profile
    assert staff_route.status_code == 403
    assert staff_rpc.status_code == 403
    own = await sms_tokens(platform, phone)
    assert (
        jwt.decode(own["access_token"], options={"verify_signature": False})["sub"]
        == delegated["resident_id"]
    )
    async with platform.client(await admin_token(platform)) as client:
        audit = (
            await client.get(
                "/api/v1/admin/audit", params={"event": "delegation", "subject": delegated["resident_id"]}
            )
        ).json()
    assert audit and audit[0]["actor"] == agent_id


async def test_only_village_agents_delegate(platform):
    citizen = await sms_tokens(platform)
    async with platform.client(citizen["access_token"]) as client:
        reply = await client.post(
            "/api/v1/auth/delegations", json={"resident": {"name": "张三", "phone": new_phone()}}
        )
    async with platform.client() as client:
        anonymous = await client.post(
            "/api/v1/auth/delegations", json={"resident": {"name": "张三", "phone": new_phone()}}
        )
    assert reply.status_code == 403
    assert anonymous.status_code == 401


# -- accounts and administration --------------------------------------------------------------------------------


async def test_admin_creates_staff_with_roles_and_region(platform):
    staff = await create_staff(platform, roles=["county_admin"], region="530102", phone="13812345678")
    assert staff["roles"] == ["county_admin"] and staff["region"] == "530102"
    assert staff["phone_masked"] == "138****5678"
    tokens = await password_tokens(platform, staff["username"], staff["password"])
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert claims["roles"] == ["county_admin"] and claims["region"] == "530102"
    async with platform.client(tokens["access_token"]) as client:
        own = await client.get("/api/v1/repair/outlets", params={"county": "530102"})
        other = await client.get("/api/v1/repair/outlets", params={"county": "532801"})
    assert own.status_code == 200 and other.status_code == 403


async def test_bad_account_requests_are_refused_and_change_nothing(platform):
    admin = await admin_token(platform)
    base = {"password": "a-strong-password-1", "display_name": "测试"}
    async with platform.client(admin) as client:
        before = len((await client.get("/api/v1/admin/accounts", params={"limit": 200})).json())
        duplicate = await client.post(
            "/api/v1/admin/accounts",
            json={**base, "username": "admin", "roles": ["county_admin"], "region": "530102"},
        )
        unknown_role = await client.post(
            "/api/v1/admin/accounts",
            json={**base, "username": "x.role", "roles": ["king"], "region": "530102"},
        )
        bad_region = await client.post(
            "/api/v1/admin/accounts",
            json={**base, "username": "x.region", "roles": ["county_admin"], "region": "110101"},
        )
        technician_without_outlet = await client.post(
            "/api/v1/admin/accounts",
            json={**base, "username": "x.tech", "roles": ["outlet_technician"], "region": "530102"},
        )
        short_password = await client.post(
            "/api/v1/admin/accounts",
            json={
                **base,
                "password": "short",
                "username": "x.pwd",
                "roles": ["county_admin"],
                "region": "530102",
            },
        )
        after = len((await client.get("/api/v1/admin/accounts", params={"limit": 200})).json())
    assert duplicate.status_code == 409
    assert unknown_role.status_code == 422 and unknown_role.json()["errors"][0]["field"].startswith("roles")
    assert bad_region.status_code == 422 and bad_region.json()["errors"][0]["field"] == "region"
    assert technician_without_outlet.status_code == 422
    assert technician_without_outlet.json()["errors"][0]["field"] == "outlet_id"
    assert short_password.status_code == 422
    assert before == after


async def test_non_admins_cannot_create_accounts(platform):
    county_admin = await password_tokens(platform, "wuhua.admin", platform_demo_password(platform))
    async with platform.client(county_admin["access_token"]) as client:
        reply = await client.post(
            "/api/v1/admin/accounts",
            json={
                "username": "sneaky",
                "password": "a-strong-password-1",
                "display_name": "x",
                "roles": ["platform_admin"],
                "region": "53",
            },
        )
    assert reply.status_code == 403


async def test_disabling_an_account_stops_its_tokens_at_the_gateway_and_the_services(platform):
    staff = await create_staff(platform, roles=["county_admin"], region="530102")
    tokens = await password_tokens(platform, staff["username"], staff["password"])
    admin = await admin_token(platform)
    async with platform.client(admin) as client:
        disabled = await client.patch(f"/api/v1/admin/accounts/{staff['id']}", json={"status": "disabled"})
    assert disabled.status_code == 200 and disabled.json()["status"] == "disabled"
    assert await wait_until_refused(platform, tokens["access_token"]) == 401
    assert (
        await wait_until_refused(platform, tokens["access_token"], "/api/v1/repair/outlets?county=530102")
        == 401
    )
    async with platform.client() as client:
        refresh = await client.post(
            "/api/v1/auth/token",
            json={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        )
        sign_in = await client.post(
            "/api/v1/auth/token",
            headers={"X-Forwarded-For": new_ip()},
            json={"grant_type": "password", "username": staff["username"], "password": staff["password"]},
        )
    assert refresh.status_code == 401
    assert sign_in.status_code == 403 and sign_in.json()["code"] == "account_disabled"
    async with platform.client(admin) as client:
        await client.patch(f"/api/v1/admin/accounts/{staff['id']}", json={"status": "active"})
    await asyncio.sleep(1.1)  # a token issued in the same second as the revocation is refused by design
    again = await password_tokens(platform, staff["username"], staff["password"])
    async with platform.client(again["access_token"]) as client:
        assert (await client.get("/api/v1/me")).status_code == 200


async def test_bootstrap_admin_exists_once(platform):
    admin = await admin_token(platform)
    async with platform.client(admin) as client:
        me = (await client.get("/api/v1/me")).json()
        admins, after = [], None
        while True:  # every page: other tests add platform admins of their own
            params = {"role": "platform_admin", "limit": 200} | ({"after": after} if after else {})
            page = (await client.get("/api/v1/admin/accounts", params=params)).json()
            admins += [a for a in page if a["username"] == "admin"]
            if len(page) < 200:
                break
            after = page[-1]["id"]
    assert me["roles"] == ["platform_admin"] and me["region"] == "53"
    assert len(admins) == 1
    assert ADMIN_PASSWORD


# -- real name and legal persons --------------------------------------------------------------------------------

VALID_ID = "11010519491231002X"


async def test_real_name_binding_validates_and_masks_the_id_number(platform):
    tokens = await sms_tokens(platform)
    async with platform.client(tokens["access_token"]) as client:
        wrong_check = await client.post(
            "/api/v1/me/real-name", json={"name": "王五", "id_number": "110105194912310021"}
        )
        bad_date = await client.post(
            "/api/v1/me/real-name", json={"name": "王五", "id_number": "110105194913310028"}
        )
        bound = await client.post("/api/v1/me/real-name", json={"name": "王五", "id_number": VALID_ID})
    assert wrong_check.status_code == 422 and wrong_check.json()["errors"][0]["field"] == "id_number"
    assert bad_date.status_code == 422
    assert bound.status_code == 200, bound.text
    me = bound.json()
    assert me["real_name_level"] == 2 and me["id_number_masked"] == "110***********002X"
    other = await sms_tokens(platform)
    async with platform.client(other["access_token"]) as client:
        taken = await client.post("/api/v1/me/real-name", json={"name": "冒名", "id_number": VALID_ID})
    assert taken.status_code == 409


async def test_a_citizen_acts_for_their_legal_person(platform):
    tokens = await sms_tokens(platform)
    code = credit_code("91530102MA6K5XYR1")
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    async with platform.client(tokens["access_token"]) as client:
        before_real_name = await client.post(
            "/api/v1/legal-persons", json={"credit_code": code, "name": "昆明某某科技"}
        )
        bind = await client.post(
            "/api/v1/me/real-name", json={"name": "赵六", "id_number": valid_id("53010219900307123")}
        )
        bad_code = await client.post(
            "/api/v1/legal-persons", json={"credit_code": wrong, "name": "昆明某某科技有限公司"}
        )
        created = await client.post(
            "/api/v1/legal-persons", json={"credit_code": code, "name": "昆明某某科技有限公司"}
        )
        twice = await client.post(
            "/api/v1/legal-persons", json={"credit_code": code, "name": "昆明某某科技有限公司"}
        )
        acting = await client.post(
            "/api/v1/auth/token", json={"grant_type": "legal_person", "credit_code": code}
        )
    assert before_real_name.status_code == 403 and before_real_name.json()["code"] == "real_name_required"
    assert bind.status_code == 200, bind.text
    assert bad_code.status_code == 422 and bad_code.json()["errors"][0]["field"] == "credit_code"
    assert created.status_code == 201, created.text
    assert twice.status_code == 409
    assert acting.status_code == 200, acting.text
    async with platform.client(acting.json()["access_token"]) as client:
        me = (await client.get("/api/v1/me")).json()
    citizen_id = jwt.decode(tokens["access_token"], options={"verify_signature": False})["sub"]
    assert me["kind"] == "legal_person" and me["display_name"] == "昆明某某科技有限公司"
    assert me["acting_as"] == citizen_id
    async with platform.client() as client:
        refreshed = await client.post(
            "/api/v1/auth/token",
            json={"grant_type": "refresh_token", "refresh_token": acting.json()["refresh_token"]},
        )
    assert refreshed.status_code == 200
    assert (
        jwt.decode(refreshed.json()["access_token"], options={"verify_signature": False})["kind"]
        == "legal_person"
    )
    stranger = await sms_tokens(platform)
    async with platform.client(stranger["access_token"]) as client:
        refused = await client.post(
            "/api/v1/auth/token", json={"grant_type": "legal_person", "credit_code": code}
        )
    assert refused.status_code == 403
