"""Identity in depth through the real gateway: the refresh grace for a resent refresh token, and identity-result
correction (身份认证结果纠错) from the citizen's filing to the identity office's decision and its effect."""

from __future__ import annotations

import random
from typing import Any

from tests.gateway.identity_support import age_rotation, valid_id
from tests.helpers import admin_token, new_phone, sms_tokens, staff_access_token


async def refresh(platform: Any, refresh_token: str) -> Any:
    async with platform.client() as client:
        return await client.post(
            "/api/v1/auth/token", json={"grant_type": "refresh_token", "refresh_token": refresh_token}
        )


# -- refresh grace ----------------------------------------------------------------------------------------------


async def test_a_refresh_token_resent_within_the_grace_gets_the_same_new_pair(platform):
    tokens = await sms_tokens(platform)
    first = await refresh(platform, tokens["refresh_token"])
    resent = await refresh(platform, tokens["refresh_token"])  # the network lost the first answer
    assert first.status_code == 200 and resent.status_code == 200, resent.text
    assert resent.json() == first.json()
    onward = await refresh(platform, first.json()["refresh_token"])  # the session goes on
    assert onward.status_code == 200


async def test_reuse_after_the_grace_still_revokes_the_family(platform):
    tokens = await sms_tokens(platform)
    first = await refresh(platform, tokens["refresh_token"])
    assert first.status_code == 200
    await age_rotation(platform, tokens["refresh_token"], seconds=platform.settings.refresh_grace_seconds + 1)
    reused = await refresh(platform, tokens["refresh_token"])
    assert reused.status_code == 401 and reused.json()["code"] == "refresh_token_reused"
    assert (await refresh(platform, first.json()["refresh_token"])).status_code == 401


async def test_no_grace_once_the_new_pair_was_used(platform):
    tokens = await sms_tokens(platform)
    first = await refresh(platform, tokens["refresh_token"])
    assert (await refresh(platform, first.json()["refresh_token"])).status_code == 200
    reused = await refresh(platform, tokens["refresh_token"])  # within seconds, but the successor moved on
    assert reused.status_code == 401 and reused.json()["code"] == "refresh_token_reused"


# -- identity-result correction ---------------------------------------------------------------------------------


def new_id_number() -> str:
    birth = f"{random.randrange(1950, 2005)}{random.randrange(1, 13):02d}{random.randrange(1, 29):02d}"
    return valid_id(f"530102{birth}{random.randrange(1000):03d}")


async def bound_citizen(platform: Any, id_number: str | None = None) -> dict[str, Any]:
    phone = new_phone()
    tokens = await sms_tokens(platform, phone)
    async with platform.client(tokens["access_token"]) as client:
        me = (await client.get("/api/v1/me")).json()
        if id_number:
            bound = await client.post("/api/v1/me/real-name", json={"name": "李四", "id_number": id_number})
            assert bound.status_code == 200, bound.text
    return {"token": tokens["access_token"], "id": me["id"], "phone": phone}


async def me(platform: Any, token: str) -> dict[str, Any]:
    async with platform.client(token) as client:
        return (await client.get("/api/v1/me")).json()  # type: ignore[no-any-return]


async def sms_to(platform: Any, phone: str) -> list[str]:
    async with platform.client(await admin_token(platform)) as client:
        return [
            m["text"] for m in (await client.get("/api/v1/admin/sms-outbox", params={"phone": phone})).json()
        ]


async def test_a_number_bound_to_the_wrong_person_is_moved_to_its_owner(platform):
    number = new_id_number()
    impostor = await bound_citizen(platform, number)
    owner = await bound_citizen(platform)
    async with platform.client(owner["token"]) as client:
        taken = await client.post("/api/v1/me/real-name", json={"name": "张三", "id_number": number})
        assert taken.status_code == 409  # the real-name check failed: the number is someone else's
        filed = await client.post(
            "/api/v1/identity-corrections",
            json={
                "account_id": owner["id"],
                "kind": "bind",
                "name": "张三",
                "id_number": number,
                "reason": "我的身份证号被他人绑定",
                "evidence": ["upload:idcard-front-123", "派出所证明 2026-0042"],
            },
        )
        assert filed.status_code == 201, filed.text
        correction = filed.json()
        assert correction["status"] == "pending" and number not in str(correction)
        again = await client.post(
            "/api/v1/identity-corrections",
            json={
                **{k: correction[k] for k in ("account_id", "kind", "name", "reason", "evidence")},
                "id_number": number,
            },
        )
        assert again.status_code == 409 and again.json()["code"] == "correction_pending"

    officer, officer_id = await staff_access_token(platform, "identity_officer")
    async with platform.client(officer) as client:
        queue = (
            await client.get("/api/v1/identity-corrections", params={"status": "pending", "limit": 200})
        ).json()
        assert correction["id"] in [c["id"] for c in queue]
        approved = await client.post(
            f"/api/v1/admin/identity-corrections/{correction['id']}/approve", json={}
        )
    assert approved.status_code == 200, approved.text
    decided = approved.json()
    assert decided["status"] == "approved" and decided["decided_by"] == officer_id
    assert decided["effect"] == {"unbound": [impostor["id"]], "bound": owner["id"]}

    owner_now, impostor_now = await me(platform, owner["token"]), await me(platform, impostor["token"])
    assert (
        owner_now["real_name_level"] == 2
        and owner_now["id_number_masked"]
        and owner_now["display_name"] == "张三"
    )
    assert impostor_now["real_name_level"] == 1 and impostor_now["id_number_masked"] is None
    assert any("纠错申请已通过" in t for t in await sms_to(platform, owner["phone"]))
    assert any("已解除绑定" in t for t in await sms_to(platform, impostor["phone"]))
    async with platform.client(await admin_token(platform)) as client:
        audit = (await client.get("/api/v1/admin/audit", params={"subject": impostor["id"]})).json()
    assert {"event": "real_name_unbound", "actor": officer_id} in [
        {"event": a["event"], "actor": a["actor"]} for a in audit
    ]


async def test_an_unbind_correction_undoes_the_binding_and_a_rejection_changes_nothing(platform):
    citizen = await bound_citizen(platform, new_id_number())
    officer, _ = await staff_access_token(platform, "identity_officer")
    body = {
        "account_id": citizen["id"],
        "kind": "unbind",
        "reason": "这不是我的身份证号",
        "evidence": ["upload:1"],
    }
    async with platform.client(citizen["token"]) as client:
        first = (await client.post("/api/v1/identity-corrections", json=body)).json()
    async with platform.client(officer) as client:
        rejected = await client.post(
            f"/api/v1/admin/identity-corrections/{first['id']}/reject", json={"reason": "证明材料不清晰"}
        )
        assert rejected.status_code == 200 and rejected.json()["effect"] == {}
        twice = await client.post(f"/api/v1/admin/identity-corrections/{first['id']}/approve")
        assert twice.status_code == 409 and twice.json()["code"] == "correction_decided"
    assert (await me(platform, citizen["token"]))["real_name_level"] == 2
    assert any("未通过：证明材料不清晰" in t for t in await sms_to(platform, citizen["phone"]))

    async with platform.client(citizen["token"]) as client:
        second = (await client.post("/api/v1/identity-corrections", json=body)).json()
        mine = (await client.get("/api/v1/identity-corrections")).json()
    assert [c["id"] for c in mine] == [second["id"], first["id"]]
    async with platform.client(officer) as client:
        assert (
            await client.post(f"/api/v1/admin/identity-corrections/{second['id']}/approve")
        ).status_code == 200
    now = await me(platform, citizen["token"])
    assert now["real_name_level"] == 1 and now["id_number_masked"] is None


async def test_a_correction_for_someone_elses_account_is_refused(platform):
    victim = await bound_citizen(platform, new_id_number())
    attacker = await bound_citizen(platform)
    async with platform.client(attacker["token"]) as client:
        reply = await client.post(
            "/api/v1/identity-corrections",
            json={"account_id": victim["id"], "kind": "unbind", "reason": "替别人申请", "evidence": ["x"]},
        )
    assert reply.status_code == 403 and reply.json()["code"] == "not_your_account"
    assert "本人" in reply.json()["detail"]
    async with platform.client(victim["token"]) as client:
        assert (await client.get("/api/v1/identity-corrections")).json() == []
    assert (await me(platform, victim["token"]))["real_name_level"] == 2


async def test_only_the_identity_office_decides_and_others_cannot_read_a_correction(platform):
    citizen = await bound_citizen(platform, new_id_number())
    async with platform.client(citizen["token"]) as client:
        filed = (
            await client.post(
                "/api/v1/identity-corrections",
                json={
                    "account_id": citizen["id"],
                    "kind": "unbind",
                    "reason": "不是我的号码",
                    "evidence": ["x"],
                },
            )
        ).json()
        self_approve = await client.post(f"/api/v1/admin/identity-corrections/{filed['id']}/approve")
    assert self_approve.status_code == 403
    reviewer, _ = await staff_access_token(platform, "app_reviewer")
    stranger = await bound_citizen(platform)
    async with platform.client(reviewer) as client:
        assert (
            await client.post(f"/api/v1/admin/identity-corrections/{filed['id']}/approve")
        ).status_code == 403
    async with platform.client(stranger["token"]) as client:
        assert (await client.get(f"/api/v1/identity-corrections/{filed['id']}")).status_code == 404
    assert (await me(platform, citizen["token"]))["real_name_level"] == 2
    async with platform.client(citizen["token"]) as client:
        assert (await client.get(f"/api/v1/identity-corrections/{filed['id']}")).json()["status"] == "pending"


async def test_a_bind_correction_needs_the_number_and_evidence(platform):
    citizen = await bound_citizen(platform)
    async with platform.client(citizen["token"]) as client:
        no_number = await client.post(
            "/api/v1/identity-corrections",
            json={"account_id": citizen["id"], "kind": "bind", "reason": "核验失败", "evidence": ["x"]},
        )
        no_evidence = await client.post(
            "/api/v1/identity-corrections",
            json={
                "account_id": citizen["id"],
                "kind": "bind",
                "name": "张三",
                "id_number": new_id_number(),
                "reason": "核验失败",
                "evidence": [],
            },
        )
        nothing_bound = await client.post(
            "/api/v1/identity-corrections",
            json={"account_id": citizen["id"], "kind": "unbind", "reason": "不是我的", "evidence": ["x"]},
        )
    assert no_number.status_code == 422 and no_evidence.status_code == 422
    assert nothing_bound.status_code == 409 and nothing_bound.json()["code"] == "nothing_bound"


async def test_a_resent_correction_with_its_idempotency_key_answers_the_first(platform):
    citizen = await bound_citizen(platform, new_id_number())
    body = {
        "account_id": citizen["id"],
        "kind": "unbind",
        "reason": "这不是我的身份证号",
        "evidence": ["upload:9"],
    }
    async with platform.client(citizen["token"]) as client:
        first = await client.post(
            "/api/v1/identity-corrections", json=body, headers={"Idempotency-Key": "k-1"}
        )
        again = await client.post(
            "/api/v1/identity-corrections", json=body, headers={"Idempotency-Key": "k-1"}
        )
        other = await client.post(
            "/api/v1/identity-corrections",
            json={**body, "reason": "另一份申请"},
            headers={"Idempotency-Key": "k-1"},
        )
        mine = (await client.get("/api/v1/identity-corrections")).json()
    assert first.status_code == 201 and again.status_code == 201 and again.json() == first.json()
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert [c["id"] for c in mine] == [first.json()["id"]]
