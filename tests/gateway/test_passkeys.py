"""Passkeys (WebAuthn) through the real gateway, with a software authenticator (soft-webauthn) in the phone's place:
register, sign in (named and discoverable), list and remove, and what an attacker tries — another origin or RP id,
a replayed assertion, a cloned authenticator — each refused with nothing changed."""

from __future__ import annotations

import base64
import copy
from typing import Any

import jwt
from redis.asyncio import Redis
from soft_webauthn import SoftWebauthnDevice

from tests.conftest import free_port
from tests.helpers import (
    admin_token,
    create_staff,
    latest_code,
    new_ip,
    new_phone,
    password_tokens,
    sms_tokens,
)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def origin_of(platform: Any) -> str:
    return platform.settings.public_url.rstrip("/")


def create(device: SoftWebauthnDevice, options: dict[str, Any], origin: str) -> dict[str, Any]:
    """What the browser does with the server's creation options (JSON) and hands back (RegistrationResponse JSON)."""
    public_key = {
        **options,
        "challenge": unb64url(options["challenge"]),
        "user": {**options["user"], "id": unb64url(options["user"]["id"])},
    }
    made = device.create({"publicKey": public_key}, origin)
    raw_id = b64url(made["rawId"])
    return {
        "id": raw_id,
        "rawId": raw_id,
        "type": "public-key",
        "response": {
            "clientDataJSON": b64url(made["response"]["clientDataJSON"]),
            "attestationObject": b64url(made["response"]["attestationObject"]),
            "transports": ["internal"],
        },
        "clientExtensionResults": {},
    }


def get(device: SoftWebauthnDevice, options: dict[str, Any], origin: str) -> dict[str, Any]:
    """The browser's `navigator.credentials.get` answer (AuthenticationResponse JSON)."""
    made = device.get({"publicKey": {**options, "challenge": unb64url(options["challenge"])}}, origin)
    raw_id = b64url(made["rawId"])
    response = made["response"]
    return {
        "id": raw_id,
        "rawId": raw_id,
        "type": "public-key",
        "response": {
            "authenticatorData": b64url(response["authenticatorData"]),
            "clientDataJSON": b64url(response["clientDataJSON"]),
            "signature": b64url(response["signature"]),
            "userHandle": b64url(response["userHandle"]),
        },
        "clientExtensionResults": {},
    }


async def register(platform: Any, token: str, device: SoftWebauthnDevice, origin: str | None = None) -> Any:
    async with platform.client(token) as client:
        options = await client.post("/api/v1/me/passkeys/options")
        assert options.status_code == 200, options.text
        credential = create(device, options.json(), origin or origin_of(platform))
        return await client.post("/api/v1/me/passkeys", json={"credential": credential, "name": "我的手机"})


async def sign_in(
    platform: Any, device: SoftWebauthnDevice, who: dict[str, str] | None = None, origin: str | None = None
) -> tuple[Any, dict[str, Any]]:
    """Ask for options, let the device answer, exchange it: (the token reply, the body that was sent)."""
    async with platform.client() as client:
        options = await client.post(
            "/api/v1/auth/passkey/options", json=who or {}, headers={"X-Forwarded-For": new_ip()}
        )
        assert options.status_code == 200, options.text
        body = {
            "grant_type": "passkey",
            "session": options.json()["session"],
            "credential": get(device, options.json(), origin or origin_of(platform)),
        }
        reply = await client.post("/api/v1/auth/token", json=body, headers={"X-Forwarded-For": new_ip()})
    return reply, body


async def citizen_with_passkey(platform: Any) -> tuple[str, dict[str, Any], SoftWebauthnDevice]:
    phone = new_phone()
    tokens = await sms_tokens(platform, phone)
    device = SoftWebauthnDevice()
    created = await register(platform, tokens["access_token"], device)
    assert created.status_code == 201, created.text
    return phone, tokens, device


async def my_passkeys(platform: Any, token: str) -> list[dict[str, Any]]:
    async with platform.client(token) as client:
        reply = await client.get("/api/v1/me/passkeys")
    assert reply.status_code == 200, reply.text
    return reply.json()  # type: ignore[no-any-return]


async def my_id(platform: Any, token: str) -> str:
    async with platform.client(token) as client:
        return str((await client.get("/api/v1/me")).json()["id"])


# -- the ceremonies ---------------------------------------------------------------------------------------------


async def test_creation_options_are_webauthn_json_for_this_relying_party(platform):
    tokens = await sms_tokens(platform)
    async with platform.client(tokens["access_token"]) as client:
        options = (await client.post("/api/v1/me/passkeys/options")).json()
    assert options["rp"]["id"] == platform.settings.passkey_rp_id
    assert len(unb64url(options["challenge"])) >= 16
    assert {"type": "public-key", "alg": -7} in options["pubKeyCredParams"]
    assert options["attestation"] == "none"
    assert options["user"]["id"] != await my_id(
        platform, tokens["access_token"]
    )  # opaque, not the account id


async def test_citizen_registers_a_passkey_and_signs_in_with_it(platform):
    phone, tokens, device = await citizen_with_passkey(platform)
    listed = await my_passkeys(platform, tokens["access_token"])
    assert [p["name"] for p in listed] == ["我的手机"] and listed[0]["last_used_at"] is None

    reply, _ = await sign_in(platform, device, {"phone": phone})
    assert reply.status_code == 200, reply.text
    pair = reply.json()
    assert pair["token_type"] == "Bearer" and pair["refresh_token"]
    assert await my_id(platform, pair["access_token"]) == await my_id(platform, tokens["access_token"])
    assert (await my_passkeys(platform, pair["access_token"]))[0]["last_used_at"] is not None

    async with platform.client() as client:  # the pair is an ordinary session: its refresh token rotates
        refreshed = await client.post(
            "/api/v1/auth/token", json={"grant_type": "refresh_token", "refresh_token": pair["refresh_token"]}
        )
    assert refreshed.status_code == 200, refreshed.text


async def test_a_resent_registration_answers_the_first_passkey(platform):
    tokens = await sms_tokens(platform)
    device = SoftWebauthnDevice()
    async with platform.client(tokens["access_token"]) as client:
        options = (await client.post("/api/v1/me/passkeys/options")).json()
        credential = create(device, options, origin_of(platform))
        first = await client.post("/api/v1/me/passkeys", json={"credential": credential})
        again = await client.post("/api/v1/me/passkeys", json={"credential": credential})
    assert first.status_code == 201 and again.status_code == 201 and again.json() == first.json()
    assert len(await my_passkeys(platform, tokens["access_token"])) == 1
    stranger = await sms_tokens(platform)
    async with platform.client(stranger["access_token"]) as client:
        await client.post("/api/v1/me/passkeys/options")
        stolen = await client.post("/api/v1/me/passkeys", json={"credential": credential})
    assert stolen.status_code in (409, 422) and await my_passkeys(platform, stranger["access_token"]) == []


async def test_a_discoverable_passkey_signs_in_without_a_name(platform):
    _, tokens, device = await citizen_with_passkey(platform)
    async with platform.client() as client:
        options = (await client.post("/api/v1/auth/passkey/options", json={})).json()
    assert options["allowCredentials"] == [] and options["session"]
    reply, _ = await sign_in(platform, device)
    assert reply.status_code == 200, reply.text
    assert await my_id(platform, reply.json()["access_token"]) == await my_id(
        platform, tokens["access_token"]
    )


async def test_staff_register_passkeys_too_and_sign_in_with_their_username(platform):
    staff = await create_staff(platform, roles=["window_staff"], region="530102")
    tokens = await password_tokens(platform, staff["username"], staff["password"])
    device = SoftWebauthnDevice()
    assert (await register(platform, tokens["access_token"], device)).status_code == 201
    reply, _ = await sign_in(platform, device, {"username": staff["username"]})
    assert reply.status_code == 200, reply.text
    claims = jwt.decode(reply.json()["access_token"], options={"verify_signature": False})
    assert claims["sub"] == staff["id"] and claims["roles"] == ["window_staff"]


async def test_a_passkey_is_removed_and_then_signs_in_no_more(platform):
    phone, tokens, device = await citizen_with_passkey(platform)
    passkey_id = (await my_passkeys(platform, tokens["access_token"]))[0]["passkey_id"]
    stranger = await sms_tokens(platform)
    async with platform.client(stranger["access_token"]) as client:
        assert (await client.delete(f"/api/v1/me/passkeys/{passkey_id}")).status_code == 404
    assert len(await my_passkeys(platform, tokens["access_token"])) == 1
    async with platform.client(tokens["access_token"]) as client:
        assert (await client.delete(f"/api/v1/me/passkeys/{passkey_id}")).status_code == 204
    assert await my_passkeys(platform, tokens["access_token"]) == []
    reply, _ = await sign_in(platform, device, {"phone": phone})
    assert reply.status_code == 401 and reply.json()["code"] == "passkey_unknown"


async def test_someone_elses_passkey_does_not_sign_in_to_my_account(platform):
    phone, _, _ = await citizen_with_passkey(platform)
    _, _, other_device = await citizen_with_passkey(platform)
    reply, _ = await sign_in(platform, other_device, {"phone": phone})
    assert reply.status_code == 401 and reply.json()["code"] == "passkey_unknown"


# -- what an attacker tries -------------------------------------------------------------------------------------


async def test_an_assertion_for_another_origin_is_refused(platform):
    phone, tokens, device = await citizen_with_passkey(platform)
    reply, _ = await sign_in(platform, device, {"phone": phone}, origin="https://phishing.example.com")
    assert reply.status_code == 401 and reply.json()["code"] == "passkey_invalid"
    assert "来源" in reply.json()["detail"]
    assert (await my_passkeys(platform, tokens["access_token"]))[0]["last_used_at"] is None


async def test_an_assertion_for_another_rp_id_is_refused(platform):
    phone, tokens, device = await citizen_with_passkey(platform)
    async with platform.client() as client:
        options = (await client.post("/api/v1/auth/passkey/options", json={"phone": phone})).json()
        device.rp_id = options["rpId"] = "phishing.example.com"  # the authenticator signs for another site
        body = {
            "grant_type": "passkey",
            "session": options["session"],
            "credential": get(device, options, origin_of(platform)),
        }
        reply = await client.post("/api/v1/auth/token", json=body)
    assert reply.status_code == 401 and reply.json()["code"] == "passkey_invalid"
    assert (await my_passkeys(platform, tokens["access_token"]))[0]["last_used_at"] is None


async def test_a_registration_from_another_origin_is_refused(platform):
    tokens = await sms_tokens(platform)
    reply = await register(
        platform, tokens["access_token"], SoftWebauthnDevice(), origin="https://evil.example.com"
    )
    assert reply.status_code == 422 and reply.json()["code"] == "passkey_invalid"
    assert await my_passkeys(platform, tokens["access_token"]) == []


async def test_a_replayed_assertion_is_refused(platform):
    phone, tokens, device = await citizen_with_passkey(platform)
    first, body = await sign_in(platform, device, {"phone": phone})
    assert first.status_code == 200
    used = (await my_passkeys(platform, tokens["access_token"]))[0]["last_used_at"]
    async with platform.client() as client:
        again = await client.post("/api/v1/auth/token", json=body)  # the same session and answer
        assert again.status_code == 401 and again.json()["code"] == "passkey_session_unknown"
        fresh = (await client.post("/api/v1/auth/passkey/options", json={"phone": phone})).json()
        replayed = await client.post("/api/v1/auth/token", json={**body, "session": fresh["session"]})
    assert replayed.status_code == 401 and replayed.json()["code"] == "passkey_invalid"  # the old challenge
    assert (await my_passkeys(platform, tokens["access_token"]))[0]["last_used_at"] == used


async def test_a_cloned_authenticator_whose_counter_went_back_is_refused_and_audited(platform):
    phone, tokens, device = await citizen_with_passkey(platform)
    clone = copy.deepcopy(device)  # the key copied off the device, its counter frozen
    for _ in range(2):
        reply, _ = await sign_in(platform, device, {"phone": phone})
        assert reply.status_code == 200, reply.text
    used = (await my_passkeys(platform, tokens["access_token"]))[0]["last_used_at"]
    reply, _ = await sign_in(platform, clone, {"phone": phone})
    assert reply.status_code == 401 and reply.json()["code"] == "passkey_cloned"
    assert (await my_passkeys(platform, tokens["access_token"]))[0]["last_used_at"] == used
    account = await my_id(platform, tokens["access_token"])
    async with platform.client(await admin_token(platform)) as client:
        audit = (
            await client.get("/api/v1/admin/audit", params={"event": "passkey_cloned", "subject": account})
        ).json()
    assert len(audit) == 1 and audit[0]["detail"]["presented"] == 1
    reply, _ = await sign_in(platform, device, {"phone": phone})  # the genuine one still works
    assert reply.status_code == 200


async def test_an_unknown_session_or_a_garbled_credential_is_a_4xx(platform):
    async with platform.client() as client:
        unknown = await client.post(
            "/api/v1/auth/token",
            json={"grant_type": "passkey", "session": "x" * 32, "credential": {"id": "abc"}},
        )
        options = (await client.post("/api/v1/auth/passkey/options", json={"username": "nobody.here"})).json()
        garbled = await client.post(
            "/api/v1/auth/token",
            json={
                "grant_type": "passkey",
                "session": options["session"],
                "credential": {"id": 5, "response": []},
            },
        )
    assert unknown.status_code == 401 and unknown.json()["code"] == "passkey_session_unknown"
    assert garbled.status_code == 401
    phone, _, device = await citizen_with_passkey(platform)
    _, body = await sign_in(platform, device, {"phone": phone})
    async with platform.client() as client:
        options = (await client.post("/api/v1/auth/passkey/options", json={"phone": phone})).json()
        known_id = body["credential"]["id"]
        for response in (["x"], "x", {"clientDataJSON": 5}):
            reply = await client.post(
                "/api/v1/auth/token",
                json={
                    "grant_type": "passkey",
                    "session": options["session"],
                    "credential": {
                        "id": known_id,
                        "rawId": known_id,
                        "type": "public-key",
                        "response": response,
                    },
                },
            )
            assert reply.status_code == 401, reply.text
            options = (await client.post("/api/v1/auth/passkey/options", json={"phone": phone})).json()
    tokens = await sms_tokens(platform)
    async with platform.client(tokens["access_token"]) as client:
        await client.post("/api/v1/me/passkeys/options")
        bad = await client.post("/api/v1/me/passkeys", json={"credential": {"id": "x", "response": {}}})
        missing = await client.post("/api/v1/me/passkeys", json={"credential": {"id": "x"}})
    assert bad.status_code == 422 and bad.json()["code"] == "passkey_invalid"
    assert missing.status_code == 409 and missing.json()["code"] == "passkey_challenge_missing"


# -- staff of admin roles must use a passkey --------------------------------------------------------------------


async def test_admin_roles_can_be_required_to_use_a_passkey(platform):
    settings = platform.app.state.runtime.settings
    admin = await admin_token(platform)
    phone = new_phone()
    staff = await create_staff(platform, roles=["county_admin"], region="530102", phone=phone)
    settings.passkey_required_roles = "county_admin"
    try:
        # Before any passkey: the password gives an enrolment token that can do nothing but register one.
        enrolment = await password_tokens(platform, staff["username"], staff["password"])
        claims = jwt.decode(enrolment["access_token"], options={"verify_signature": False})
        assert claims["roles"] == [] and claims["scope"] == "passkey_enrolment"
        async with platform.client(enrolment["access_token"]) as client:
            assert (await client.get("/api/v1/admin/accounts")).status_code == 403
        device = SoftWebauthnDevice()
        assert (await register(platform, enrolment["access_token"], device)).status_code == 201
        # Now the password alone is refused, and the passkey gives the full roles.
        async with platform.client() as client:
            refused = await client.post(
                "/api/v1/auth/token",
                json={"grant_type": "password", "username": staff["username"], "password": staff["password"]},
                headers={"X-Forwarded-For": new_ip()},
            )
        assert refused.status_code == 403 and refused.json()["code"] == "passkey_required"
        async with platform.client() as client:  # an SMS code alone is not enough either
            sent = await client.post(
                "/api/v1/auth/sms-code", json={"phone": phone}, headers={"X-Forwarded-For": new_ip()}
            )
            assert sent.status_code == 202
            code = await latest_code(platform, phone)
            by_sms = await client.post(
                "/api/v1/auth/token", json={"grant_type": "sms", "phone": phone, "code": code}
            )
        assert by_sms.status_code == 403 and by_sms.json()["code"] == "passkey_required"
        reply, _ = await sign_in(platform, device, {"username": staff["username"]})
        assert reply.status_code == 200, reply.text
        assert jwt.decode(reply.json()["access_token"], options={"verify_signature": False})["roles"] == [
            "county_admin"
        ]
        # Other roles are not concerned.
        other = await create_staff(platform, roles=["window_staff"], region="530102")
        assert (await password_tokens(platform, other["username"], other["password"]))["access_token"]
    finally:
        settings.passkey_required_roles = ""
    assert admin


async def test_passkey_ceremonies_answer_503_while_their_redis_is_unreachable(platform):
    passkeys = platform.app.state.runtime.passkeys
    real = passkeys.redis
    passkeys.redis = Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=0.2)
    try:
        async with platform.client() as client:
            reply = await client.post(
                "/api/v1/auth/passkey/options", json={}, headers={"X-Forwarded-For": new_ip()}
            )
    finally:
        await passkeys.redis.aclose()
        passkeys.redis = real
    assert reply.status_code == 503 and reply.json()["code"] == "passkey_unavailable"
    assert reply.headers["Retry-After"] == "5"
