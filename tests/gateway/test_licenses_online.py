"""Online verification in the gateway itself: a suspension, reinstatement or revocation counts from the moment the
issuer's call returns; without a trusted status cache the licenses service answers, the same; the use record gets
every accepted verification exactly once."""

from __future__ import annotations

import datetime as dt
import uuid

from services.kernel.events import Event
from services.kernel.license_cache import USES_EVENT, status_key, uses_stream
from services.kernel.sdjwt import jws_parts
from services.licenses.status_cache import StatusCache
from tests.gateway.test_licenses import AUDIENCE, answering_itself, driving_licence, issuer_token
from tests.gateway.test_licenses_limits import limits, network
from tests.helpers import sms_tokens
from tests.services.licenses.conftest import new_id_number


async def issued_and_shown(platform, count: int) -> tuple[str, str, list[dict]]:  # type: ignore[no-untyped-def]
    """(license id, the holder's token, `count` presentations of name and class to AUDIENCE)."""
    number = new_id_number()
    async with platform.client(issuer_token(platform)) as issuer:
        issued = await issuer.post("/api/v1/licenses", json=driving_licence(number))
    assert issued.status_code == 201, issued.text
    license_id = issued.json()["license_id"]
    citizen = (await sms_tokens(platform))["access_token"]
    async with platform.client(citizen) as client:
        bound = await client.post("/api/v1/me/real-name", json={"name": "张三", "id_number": number})
        assert bound.status_code == 200, bound.text
        shown = []
        for _ in range(count):
            reply = await client.post(
                f"/api/v1/me/licenses/{license_id}/presentations",
                json={"fields": ["name", "class"], "nonce": uuid.uuid4().hex, "audience": AUDIENCE},
            )
            assert reply.status_code == 201, reply.text
            shown.append(reply.json())
    return license_id, citizen, shown


async def verify(platform, shown: dict) -> dict:  # type: ignore[no-untyped-def]
    body = {"presentation": shown["presentation"], "nonce": shown["nonce"], "audience": AUDIENCE}
    async with platform.client() as client:
        reply = await client.post("/api/v1/licenses/verify", json=body)
    assert reply.status_code == 200, reply.text
    return reply.json()  # type: ignore[no-any-return]


async def change(platform, license_id: str, action: str) -> None:  # type: ignore[no-untyped-def]
    async with platform.client(issuer_token(platform)) as issuer:
        reply = await issuer.post(f"/api/v1/licenses/{license_id}/{action}", json={"reason": "核查需要"})
    assert reply.status_code == 200, reply.text


async def test_a_suspension_and_a_reinstatement_count_online_at_once(platform) -> None:
    license_id, _, shown = await issued_and_shown(platform, 3)
    gateway = await answering_itself(platform, shown[0]["presentation"])
    answered = gateway.answered
    await change(platform, license_id, "suspend")
    suspended = await verify(platform, shown[0])
    await change(platform, license_id, "reinstate")
    valid = await verify(platform, shown[1])
    await change(platform, license_id, "revoke")
    revoked = await verify(platform, shown[2])
    assert (suspended["valid"], suspended["reason"]) == (False, "license_suspended")
    assert suspended["message"] == "证照已被暂停使用"
    assert valid["valid"] is True and valid["fields"] == {"name": "张三", "class": "C1"}
    assert (revoked["valid"], revoked["reason"], revoked["message"]) == (
        False,
        "license_revoked",
        "证照已被注销",
    )
    assert gateway.answered == answered + 3


async def test_without_a_ready_status_cache_the_service_answers_the_same(platform, monkeypatch) -> None:
    license_id, citizen, shown = await issued_and_shown(platform, 3)
    gateway = await answering_itself(platform, shown[0]["presentation"])
    handed_over = gateway.handed_over
    monkeypatch.setattr(gateway, "ready", f"{gateway.ready}:absent")  # as if Redis lost its data
    valid = await verify(platform, shown[0])
    replayed = await verify(platform, shown[0])
    await change(platform, license_id, "revoke")
    revoked = await verify(platform, shown[1])
    assert gateway.handed_over == handed_over + 3
    assert valid["valid"] is True and valid["type_name"] == "机动车驾驶证"
    assert (replayed["valid"], replayed["reason"]) == (False, "presentation_replayed")
    assert (revoked["valid"], revoked["reason"]) == (False, "license_revoked")
    async with platform.client(citizen) as client:
        uses = (await client.get(f"/api/v1/me/licenses/{license_id}/uses")).json()
    assert [u["kind"] for u in uses].count("verification") == 1


async def test_a_reconciliation_restores_a_lost_status(platform) -> None:
    license_id, _, shown = await issued_and_shown(platform, 1)
    gateway = await answering_itself(platform, shown[0]["presentation"])
    await change(platform, license_id, "revoke")
    ref = jws_parts(shown[0]["presentation"].split("~", 1)[0])[1]["status"]["status_list"]
    list_id = int(ref["uri"].rsplit("/", 1)[1])
    redis = platform.redis.client
    namespace = platform.settings.redis_namespace
    assert await redis.hget(status_key(namespace, list_id), str(ref["idx"])) == b"revoked"
    await redis.hdel(status_key(namespace, list_id), str(ref["idx"]))  # lost (an old snapshot restored)
    assert await StatusCache(redis, namespace).reconcile(platform.services["licenses"].runtime.db)
    answered = gateway.answered
    again = await verify(platform, shown[0])
    assert (again["valid"], again["reason"]) == (False, "license_revoked")
    assert gateway.answered == answered + 1


async def test_each_verification_is_in_the_use_record_once(platform) -> None:
    license_id, citizen, shown = await issued_and_shown(platform, 1)
    await answering_itself(platform, shown[0]["presentation"])
    staff = issuer_token(platform)
    body = {"presentation": shown[0]["presentation"], "nonce": shown[0]["nonce"], "audience": AUDIENCE}
    async with platform.client(staff) as client:
        valid = (await client.post("/api/v1/licenses/verify", json=body)).json()
    assert valid["valid"] is True
    ref = jws_parts(shown[0]["presentation"].split("~", 1)[0])[1]["status"]["status_list"]
    event = Event(
        event_id=str(uuid.uuid4()),
        event_type=USES_EVENT,
        aggregate_id="-",
        payload={
            "list_id": int(ref["uri"].rsplit("/", 1)[1]),
            "index": ref["idx"],
            "fields": ["name"],
            "verifier": "测试核验点",
            "audience": AUDIENCE,
            "at": dt.datetime.now(dt.UTC).isoformat(),
        },
        occurred_at=dt.datetime.now(dt.UTC).isoformat(),
        source="gateway",
        request_id="-",
    )
    redis = platform.redis.client
    stream = uses_stream(platform.settings.redis_namespace)
    for _ in range(2):  # delivered twice (a gateway retried, or a consumer crashed before acknowledging)
        await redis.xadd(stream, event.to_fields())
    async with platform.client(citizen) as client:
        uses = (await client.get(f"/api/v1/me/licenses/{license_id}/uses")).json()
    verifications = sorted((u["who"], u["purpose"]) for u in uses if u["kind"] == "verification")
    assert verifications == [
        (f"公安厅交通管理局（{AUDIENCE}）", "在线核验：准驾车型、姓名"),
        (f"测试核验点（{AUDIENCE}）", "在线核验：姓名"),
    ]
    assert await redis.xlen(stream) == 0  # written records leave the stream


async def test_valid_presentations_count_against_the_network_limit_too(platform) -> None:
    _, _, shown = await issued_and_shown(platform, 3)
    gateway = await answering_itself(platform, shown[0]["presentation"])
    answered = gateway.answered
    crowded = network()
    with limits(platform, license_verify_limit_per_network=2):
        async with platform.client() as client:
            replies = [
                await client.post(
                    "/api/v1/licenses/verify",
                    json={"presentation": s["presentation"], "nonce": s["nonce"], "audience": AUDIENCE},
                    headers={"X-Forwarded-For": f"{crowded}.{host}"},
                )
                for host, s in enumerate(shown, start=1)
            ]
    assert [r.status_code for r in replies] == [200, 200, 429]
    assert all(r.json()["valid"] is True for r in replies[:2])
    assert replies[2].json()["code"] == "rate_limited" and "频繁" in replies[2].json()["detail"]
    assert int(replies[2].headers["Retry-After"]) > 0
    retry = await verify(platform, shown[2])  # refused by the limit, so its nonce was not spent
    assert retry["valid"] is True and gateway.answered == answered + 3  # the 429 is no answer
