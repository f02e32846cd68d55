"""The OWASP API Security Top 10 (2023), at least one attack each, through the real gateway and services."""

from __future__ import annotations

import random

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.routing import APIRoute

from gateway.routers import ROUTERS
from services.kernel.auth import parse_jwks
from tests.helpers import (
    admin_token,
    citizen_token,
    create_staff,
    manifest,
    new_phone,
    password_tokens,
    registered_mini_app,
    staff_token,
)

pytestmark = pytest.mark.security


def report(county: str = "530102") -> dict:
    return {
        "county": county,
        "category": "satellite",
        "description": "户户通没有信号，电视一直显示无信号",
        "contact_name": "王大爷",
        "contact_phone": new_phone(),
    }


async def test_api1_broken_object_level_authorization(platform):
    owner, stranger = citizen_token(platform), citizen_token(platform)
    async with platform.client(owner) as client:
        filed = await client.post("/api/v1/repair/tickets", json=report())
    assert filed.status_code == 201, filed.text
    ticket_no = filed.json()["ticket_no"]
    async with platform.client(stranger) as client:
        read = await client.get(f"/api/v1/repair/tickets/{ticket_no}")
        cancel = await client.post(f"/api/v1/repair/tickets/{ticket_no}/cancel", json={"reason": "不需要了"})
        listed = (await client.get("/api/v1/repair/tickets", params={"mine": True})).json()
    assert read.status_code in (403, 404) and cancel.status_code in (403, 404)
    assert ticket_no not in {t["ticket_no"] for t in listed["tickets"]}
    foreign = staff_token(platform, roles=["county_admin"], region="532801")
    async with platform.client(foreign) as client:
        assert (await client.get(f"/api/v1/repair/tickets/{ticket_no}")).status_code in (403, 404)


async def test_api2_broken_authentication(platform):
    good = citizen_token(platform)
    kid = jwt.get_unverified_header(good)["kid"]
    claims = jwt.decode(good, options={"verify_signature": False})
    impostor = jwt.encode(claims, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": kid})
    unknown_kid = jwt.encode(
        claims, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": "made-up"}
    )
    for token in (impostor, unknown_kid, good[:-4] + "AAAA"):
        async with platform.client(token) as client:
            assert (await client.get("/api/v1/me")).status_code == 401
            assert (await client.get("/api/v1/repair/tickets", params={"mine": True})).status_code == 401


async def test_api3_broken_object_property_level_authorization(platform):
    staff = await create_staff(platform, roles=["window_staff"], region="530102")
    async with platform.client(await admin_token(platform)) as client:
        mass = await client.patch(
            f"/api/v1/admin/accounts/{staff['id']}", json={"kind": "citizen", "password_hash": "x"}
        )
        accounts = (await client.get("/api/v1/admin/accounts", params={"limit": 5})).json()
    async with platform.client(citizen_token(platform)) as client:
        raised = await client.post(
            "/api/v1/me/real-name",
            json={"name": "王", "id_number": "11010519491231002X", "real_name_level": 3},
        )
    assert mass.status_code == 422 and raised.status_code == 422
    leaked = {"password_hash", "phone_enc", "id_number_enc", "failed_logins", "locked_until"}
    assert all(not leaked & set(a) for a in accounts)


async def test_api4_unrestricted_resource_consumption(platform):
    phone = new_phone()
    async with platform.client(await admin_token(platform)) as client:
        too_many = await client.get("/api/v1/admin/accounts", params={"limit": 100000})
    async with platform.client() as client:
        first = await client.post(
            "/api/v1/auth/sms-code", json={"phone": phone}, headers={"X-Forwarded-For": "10.1.1.1"}
        )
        again = await client.post(
            "/api/v1/auth/sms-code", json={"phone": phone}, headers={"X-Forwarded-For": "10.1.1.2"}
        )
    assert too_many.status_code == 422
    assert first.status_code == 202 and again.status_code == 429 and int(again.headers["retry-after"]) > 0
    # A body over the largest upload is refused before it is read: test_hardening.py sends one on a raw socket.


async def test_api5_broken_function_level_authorization(platform):
    account = {
        "username": f"x{random.randrange(10**9)}",
        "password": "a-strong-password-1",
        "display_name": "某",
        "roles": ["platform_admin"],
        "region": "53",
    }
    calls = [
        ("POST", "/api/v1/admin/signing-keys/rotate", None),
        ("GET", "/api/v1/admin/audit", None),
        ("POST", "/api/v1/admin/accounts", account),
    ]
    for role, region in (("county_admin", "530102"), ("app_reviewer", "53"), ("outlet_technician", "530102")):
        token = staff_token(platform, roles=[role], region=region, outlet="OUT-530102-01")
        async with platform.client(token) as client:
            for method, path, body in calls:
                assert (await client.request(method, path, json=body)).status_code == 403, (role, path)


async def test_api6_unrestricted_access_to_sensitive_business_flows(platform):
    """A village agent cannot flood a resident with delegation codes (nor use someone without consent)."""
    staff = await create_staff(platform, roles=["village_agent"], region="530128")
    agent = (await password_tokens(platform, staff["username"], staff["password"]))["access_token"]
    phone = new_phone()
    async with platform.client(agent) as client:
        statuses = [
            (
                await client.post(
                    "/api/v1/auth/delegations", json={"resident": {"name": "王", "phone": phone}}
                )
            ).status_code
            for _ in range(5)
        ]
    assert statuses[:3] == [202] * 3 and statuses[3:] == [429, 429]


async def test_api7_server_side_request_forgery(platform):
    app = await registered_mini_app(platform)
    async with platform.client(app["developer"]) as client:
        for entry_url in (
            "https://anything.yn.gov.cn:6379/",
            "https://127.0.0.1/",
            "http://anything.yn.gov.cn/",
        ):
            reply = await client.post(
                f"/api/v1/mini-apps/{app['app_id']}/versions", json=manifest(entry_url=entry_url)
            )
            assert reply.status_code == 422, (entry_url, reply.text)


async def test_api8_security_misconfiguration(platform):
    async with platform.client() as client:
        missing = await client.get("/api/v1/nothing-here")
        wrong_method = await client.delete("/api/v1/auth/token")
        bad = await client.post(
            "/api/v1/auth/token", content=b"{not json", headers={"Content-Type": "application/json"}
        )
    for reply in (missing, wrong_method, bad):
        assert reply.headers["content-type"].startswith("application/problem+json")
        assert reply.headers["x-content-type-options"] == "nosniff"
        assert "Traceback" not in reply.text
    assert (missing.status_code, wrong_method.status_code, bad.status_code) == (404, 405, 422)


async def test_api9_improper_inventory_management(platform):
    """Every API route is in the OpenAPI document (nothing undocumented answers), and nothing else answers."""
    async with platform.client() as client:
        document = (await client.get("/openapi.json")).json()
        legacy = await client.get("/api/v0/me")
    documented = set(document["paths"])
    routes = {
        route.path
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute) and route.include_in_schema and route.path.startswith("/api/")
    }
    assert routes and routes <= documented
    assert legacy.status_code == 404


async def test_api10_unsafe_consumption_of_apis(platform):
    """What the platform reads from others is checked: a JWKS with HMAC or RSA keys gives no key, and the entry
    probe stores a bounded error for a hostile answer and follows no redirect."""
    keys = parse_jwks(
        {
            "keys": [
                {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"},
                {"kty": "RSA", "n": "AQAB", "e": "AQAB", "kid": "rsa"},
                {"kty": "OKP", "crv": "X25519", "x": "AAAA", "kid": "x"},
            ]
        }
    )
    assert keys == {}
    from tests.security.test_ssrf import FakeDns

    registry = platform.app.state.runtime.registry
    fake = FakeDns({"hostile.yn.gov.cn": ["8.8.8.8"]})
    registry.resolve = fake
    try:
        from tests.helpers import listed_mini_app

        app = await listed_mini_app(platform, version=manifest(entry_url="https://hostile.yn.gov.cn/"))

        def answer(request: httpx.Request) -> httpx.Response:
            return httpx.Response(
                302, headers={"Location": "https://169.254.169.254/latest/meta-data/" + "x" * 5000}
            )

        import datetime as dt

        results = await registry.probe.probe_once(
            now=dt.datetime.now(dt.UTC), transport=httpx.MockTransport(answer)
        )
    finally:
        from gateway.registry.ssrf import system_resolve

        registry.resolve = system_resolve
    health = results[app["app_id"]]
    assert health.http_status == 302 and len(health.error or "") <= 200
