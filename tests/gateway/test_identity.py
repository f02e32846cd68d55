"""Unified identity through the real gateway: sign-in by SMS, password and scan, tokens (rotation, reuse, logout,
key rotation), forged tokens, and the admin-only SMS outbox."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time

import jwt
from sqlalchemy import update

from gateway.identity.models import SmsCode
from services.kernel.db import Database, utcnow
from tests.gateway.identity_support import age_rotation, platform_demo_password, wait_until_refused
from tests.helpers import (
    admin_token,
    create_staff,
    latest_code,
    new_ip,
    new_phone,
    password_tokens,
    sms_tokens,
    staff_token,
)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# -- SMS sign-in ------------------------------------------------------------------------------------------------


async def test_citizen_signs_in_by_sms_and_sees_their_masked_phone(platform):
    phone = new_phone()
    tokens = await sms_tokens(platform, phone)
    assert tokens["token_type"] == "Bearer" and 0 < tokens["expires_in"] <= 600
    async with platform.client(tokens["access_token"]) as client:
        me = (await client.get("/api/v1/me")).json()
    assert me["kind"] == "citizen" and me["roles"] == [] and me["region"] is None
    assert me["phone_masked"] == f"{phone[:3]}****{phone[-4:]}"
    assert phone not in json.dumps(me)
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert {"kid"} <= jwt.get_unverified_header(tokens["access_token"]).keys()
    assert {"iss", "aud", "sub", "roles", "jti", "exp", "iat"} <= claims.keys()
    assert claims["exp"] - claims["iat"] <= 600


async def test_a_code_works_once(platform):
    phone = new_phone()
    async with platform.client() as client:
        await client.post(
            "/api/v1/auth/sms-code", json={"phone": phone}, headers={"X-Forwarded-For": new_ip()}
        )
        code = await latest_code(platform, phone)
        body = {"grant_type": "sms", "phone": phone, "code": code}
        first = await client.post("/api/v1/auth/token", json=body)
        replay = await client.post("/api/v1/auth/token", json=body)
    assert first.status_code == 200
    assert replay.status_code == 401 and replay.json()["code"] == "invalid_code"


async def test_a_wrong_code_five_times_kills_the_code(platform):
    phone = new_phone()
    async with platform.client() as client:
        await client.post(
            "/api/v1/auth/sms-code", json={"phone": phone}, headers={"X-Forwarded-For": new_ip()}
        )
        code = await latest_code(platform, phone)
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        statuses = [
            (
                await client.post(
                    "/api/v1/auth/token", json={"grant_type": "sms", "phone": phone, "code": wrong}
                )
            ).status_code
            for _ in range(5)
        ]
        right = await client.post(
            "/api/v1/auth/token", json={"grant_type": "sms", "phone": phone, "code": code}
        )
    assert statuses == [401] * 5
    assert right.status_code == 401  # the code died after five wrong tries


async def test_an_expired_code_is_refused(platform):
    phone = new_phone()
    async with platform.client() as client:
        await client.post(
            "/api/v1/auth/sms-code", json={"phone": phone}, headers={"X-Forwarded-For": new_ip()}
        )
        code = await latest_code(platform, phone)
        db = Database(platform.settings.database_url("gateway"))
        async with db.transaction() as session:
            await session.execute(
                update(SmsCode).where(SmsCode.used_at.is_(None)).values(expires_at=utcnow())
            )
        await db.dispose()
        reply = await client.post(
            "/api/v1/auth/token", json={"grant_type": "sms", "phone": phone, "code": code}
        )
    assert reply.status_code == 401


async def test_asking_again_within_a_minute_is_rate_limited_with_retry_after(platform):
    phone = new_phone()
    async with platform.client() as client:
        first = await client.post(
            "/api/v1/auth/sms-code", json={"phone": phone}, headers={"X-Forwarded-For": new_ip()}
        )
        again = await client.post(
            "/api/v1/auth/sms-code", json={"phone": phone}, headers={"X-Forwarded-For": new_ip()}
        )
    assert first.status_code == 202 and first.json()["expires_in"] == 300
    assert again.status_code == 429
    assert 1 <= int(again.headers["retry-after"]) <= 60
    assert again.headers["content-type"] == "application/problem+json"


async def test_one_network_cannot_flood_many_phones(platform):
    ip = new_ip()
    async with platform.client() as client:
        statuses = [
            (
                await client.post(
                    "/api/v1/auth/sms-code", json={"phone": new_phone()}, headers={"X-Forwarded-For": ip}
                )
            ).status_code
            for _ in range(31)
        ]
    assert statuses[:30] == [202] * 30
    assert statuses[30] == 429


async def test_malformed_phone_and_code_are_422_with_fields(platform):
    async with platform.client() as client:
        bad_phone = await client.post("/api/v1/auth/sms-code", json={"phone": "12345"})
        bad_code = await client.post(
            "/api/v1/auth/token", json={"grant_type": "sms", "phone": new_phone(), "code": "12ab56"}
        )
        unknown_grant = await client.post("/api/v1/auth/token", json={"grant_type": "magic"})
    assert bad_phone.status_code == 422 and bad_phone.json()["errors"][0]["field"] == "phone"
    assert bad_code.status_code == 422 and "code" in bad_code.json()["errors"][0]["field"]
    assert unknown_grant.status_code == 422


# -- password sign-in and lockout -------------------------------------------------------------------------------


async def test_staff_sign_in_by_password_and_lockout_after_failures(platform):
    staff = await create_staff(platform, roles=["window_staff"], region="530102")
    ip = new_ip()
    async with platform.client() as client:

        def attempt(password):
            return client.post(
                "/api/v1/auth/token",
                headers={"X-Forwarded-For": ip},
                json={"grant_type": "password", "username": staff["username"], "password": password},
            )

        ok = await attempt(staff["password"])
        failures = [(await attempt("wrong-password")).status_code for _ in range(5)]
        locked = await attempt(staff["password"])
    assert ok.status_code == 200
    assert failures == [401] * 5
    assert locked.status_code == 429 and locked.json()["code"] == "account_locked"
    assert int(locked.headers["retry-after"]) > 60
    async with platform.client(await admin_token(platform)) as client:
        audit = (await client.get("/api/v1/admin/audit", params={"subject": staff["id"]})).json()
    events = [e["event"] for e in audit]
    assert "lockout" in events and events.count("signin_failed") == 5 and "account_created" in events


async def test_unknown_user_and_wrong_password_look_the_same(platform):
    async with platform.client() as client:
        unknown = await client.post(
            "/api/v1/auth/token",
            headers={"X-Forwarded-For": new_ip()},
            json={"grant_type": "password", "username": "nobody", "password": "x" * 12},
        )
        wrong = await client.post(
            "/api/v1/auth/token",
            headers={"X-Forwarded-For": new_ip()},
            json={"grant_type": "password", "username": "admin", "password": "x" * 12},
        )
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json()["detail"] == wrong.json()["detail"]


# -- tokens: refresh rotation, reuse, logout, key rotation ------------------------------------------------------


async def test_refresh_rotates_and_reuse_revokes_the_whole_session(platform):
    tokens = await sms_tokens(platform)
    async with platform.client() as client:
        rotated = await client.post(
            "/api/v1/auth/token",
            json={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        )
        assert rotated.status_code == 200
        fresh = rotated.json()
        assert fresh["refresh_token"] != tokens["refresh_token"]
        await age_rotation(platform, tokens["refresh_token"])  # past the resend grace
        reused = await client.post(
            "/api/v1/auth/token",
            json={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        )
        after_reuse = await client.post(
            "/api/v1/auth/token",
            json={"grant_type": "refresh_token", "refresh_token": fresh["refresh_token"]},
        )
    assert reused.status_code == 401 and reused.json()["code"] == "refresh_token_reused"
    assert after_reuse.status_code == 401  # the thief's and the owner's tokens of that family both died
    assert await wait_until_refused(platform, fresh["access_token"]) == 401


async def test_logout_revokes_the_family_and_its_access_tokens(platform):
    tokens = await sms_tokens(platform)
    other_session = await sms_tokens(platform)
    async with platform.client(tokens["access_token"]) as client:
        out = await client.post("/api/v1/auth/logout")
        refresh = await client.post(
            "/api/v1/auth/token",
            json={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        )
    assert out.status_code == 204
    assert refresh.status_code == 401
    assert await wait_until_refused(platform, tokens["access_token"]) == 401
    async with platform.client(other_session["access_token"]) as client:
        assert (await client.get("/api/v1/me")).status_code == 200


async def test_key_rotation_signs_nobody_out(platform):
    admin = await admin_token(platform)
    before = await sms_tokens(platform)
    async with platform.client(admin) as client:
        kid = (await client.post("/api/v1/admin/signing-keys/rotate")).json()["kid"]
        jwks = (await client.get("/.well-known/jwks.json")).json()
    after = await sms_tokens(platform)
    assert jwt.get_unverified_header(after["access_token"])["kid"] == kid
    old_kid = jwt.get_unverified_header(before["access_token"])["kid"]
    assert {old_kid, kid} <= {k["kid"] for k in jwks["keys"]}
    async with platform.client(before["access_token"]) as client:
        assert (await client.get("/api/v1/me")).status_code == 200
    wuhua_admin = await password_tokens(platform, "wuhua.admin", platform_demo_password(platform))
    async with platform.client(wuhua_admin["access_token"]) as client:  # a service verifies the new kid too
        assert (await client.get("/api/v1/repair/outlets", params={"county": "530102"})).status_code == 200


# -- forged and stale tokens, at the gateway and at the services ------------------------------------------------


async def test_forged_tokens_are_refused_everywhere_without_a_5xx(platform):
    good = staff_token(platform, roles=["county_admin"], region="530102")
    header, body, signature = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    jwks = None
    async with platform.client() as client:
        jwks = (await client.get("/.well-known/jwks.json")).json()
    public_x = jwks["keys"][0]["x"].encode()
    none_token = f"{b64(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())}.{body}."
    hs_header = b64(json.dumps({"alg": "HS256", "kid": jwks["keys"][0]["kid"], "typ": "JWT"}).encode())
    hs_sig = b64(hmac.new(public_x, f"{hs_header}.{body}".encode(), hashlib.sha256).digest())
    raised = b64(json.dumps({**claims, "roles": ["platform_admin"], "region": "53"}).encode())
    expired = staff_token(platform, roles=["county_admin"], region="530102", exp=int(time.time()) - 3600)
    future = staff_token(platform, roles=["county_admin"], region="530102", nbf=int(time.time()) + 3600)
    settings = platform.settings
    from gateway.identity.tokens import issue_access_token

    other_audience = issue_access_token(
        platform.keys,
        issuer=settings.issuer,
        audience="some-mini-app",
        subject="x",
        lifetime_seconds=600,
        roles=["county_admin"],
        region="530102",
    )
    forged = {
        "alg-none": none_token,
        "hmac-with-public-key": f"{hs_header}.{body}.{hs_sig}",
        "raised-roles": f"{header}.{raised}.{signature}",
        "expired": expired,
        "not-yet-valid": future,
        "other-audience": other_audience,
        "garbage": "not-a-jwt",
    }
    for name, token in forged.items():
        async with platform.client(token) as client:
            at_gateway = await client.get("/api/v1/me")
            at_service = await client.get("/api/v1/repair/outlets", params={"county": "530102"})
        assert at_gateway.status_code == 401, name
        assert at_service.status_code == 401, name


# -- scan-to-login ----------------------------------------------------------------------------------------------


async def test_pc_signs_in_by_scanning_with_the_phone(platform):
    phone_tokens = await sms_tokens(platform)
    async with platform.client() as pc:
        created = (await pc.post("/api/v1/auth/qr-sessions", headers={"X-Forwarded-For": new_ip()})).json()
        sid, poll = created["session_id"], created["poll_token"]
        assert created["expires_in"] == 120 and created["qr_url"].endswith(sid)
        pending = (await pc.get(f"/api/v1/auth/qr-sessions/{sid}", headers={"X-Poll-Token": poll})).json()
        wrong_poll = await pc.get(f"/api/v1/auth/qr-sessions/{sid}", headers={"X-Poll-Token": "x" * 24})
        async with platform.client(phone_tokens["access_token"]) as phone:
            assert (await phone.post(f"/api/v1/auth/qr-sessions/{sid}/scan")).status_code == 204
            waiting = asyncio.create_task(
                pc.get(f"/api/v1/auth/qr-sessions/{sid}", params={"wait": 5}, headers={"X-Poll-Token": poll})
            )
            await asyncio.sleep(0.3)
            assert (await phone.post(f"/api/v1/auth/qr-sessions/{sid}/confirm")).status_code == 204
        done = (await waiting).json()
        second = await pc.get(f"/api/v1/auth/qr-sessions/{sid}", headers={"X-Poll-Token": poll})
    assert pending["status"] == "pending"
    assert wrong_poll.status_code == 401
    assert done["status"] in ("scanned", "confirmed")
    if done["status"] == "scanned":
        async with platform.client() as pc:
            done = (await pc.get(f"/api/v1/auth/qr-sessions/{sid}", headers={"X-Poll-Token": poll})).json()
            second = await pc.get(f"/api/v1/auth/qr-sessions/{sid}", headers={"X-Poll-Token": poll})
    assert done["status"] == "confirmed" and done["tokens"]["access_token"]
    assert second.json()["status"] == "consumed" and second.json()["tokens"] is None  # tokens come once
    pc_sub = jwt.decode(done["tokens"]["access_token"], options={"verify_signature": False})["sub"]
    phone_sub = jwt.decode(phone_tokens["access_token"], options={"verify_signature": False})["sub"]
    assert pc_sub == phone_sub


async def test_an_unknown_qr_session_is_404(platform):
    tokens = await sms_tokens(platform)
    async with platform.client(tokens["access_token"]) as client:
        reply = await client.post("/api/v1/auth/qr-sessions/does-not-exist/scan")
    assert reply.status_code == 404 and reply.json()["code"] == "qr_expired"


# -- the SMS outbox is for admins -------------------------------------------------------------------------------


async def test_only_admins_read_the_sms_outbox(platform):
    citizen = await sms_tokens(platform)
    async with platform.client(citizen["access_token"]) as client:
        assert (await client.get("/api/v1/admin/sms-outbox")).status_code == 403


async def test_user_space_summary_counts_from_the_services(platform):
    citizen = await sms_tokens(platform)
    async with platform.client(citizen["access_token"]) as client:
        summary = (await client.get("/api/v1/me/summary")).json()
    assert summary["reviews"] == 0
