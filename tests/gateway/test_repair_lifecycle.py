"""The life of a broadcast-TV repair ticket through the real gateway and services: transitions, who may act and
see, rejection and the county queue, outlets, the end-to-end story to the statistics, paging and the stats' guard."""

from __future__ import annotations

import asyncio

from tests.gateway.repair_support import (
    JINGHONG,
    LUQUAN,
    WUHUA,
    county_qr_url,
    demo_password,
    file_ticket,
    technician,
    upload,
)
from tests.gateway.reviews_support import texted_all
from tests.helpers import admin_token, delegate, new_phone, password_tokens, sms_tokens, staff_token

# -- the life of a ticket ----------------------------------------------------------------------------------------


async def test_wrong_transitions_are_409_with_the_current_state(platform):
    citizen = await sms_tokens(platform)
    ticket = await file_ticket(platform, citizen["access_token"], county=WUHUA)
    tech = technician(platform, ticket["assignee"]["outlet_id"])
    async with platform.client(tech) as client:
        resolve_early = await client.post(
            f"/api/v1/repair/tickets/{ticket['ticket_no']}/resolve",
            json={"note": "修好了", "evidence": ["EV" + "0" * 20]},
        )
        accepted = await client.post(f"/api/v1/repair/tickets/{ticket['ticket_no']}/accept")
        accept_again = await client.post(f"/api/v1/repair/tickets/{ticket['ticket_no']}/accept")
    async with platform.client(citizen["access_token"]) as client:
        cancel_late = await client.post(f"/api/v1/repair/tickets/{ticket['ticket_no']}/cancel")
        rate_early = await client.post(
            f"/api/v1/repair/tickets/{ticket['ticket_no']}/rating", json={"level": 5}
        )
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    for reply in (resolve_early, accept_again, cancel_late, rate_early):
        assert reply.status_code == 409
    assert resolve_early.json()["code"] == "ticket_dispatched"
    assert accept_again.json()["code"] == "ticket_accepted"


async def test_a_technician_cannot_act_on_another_outlets_ticket(platform):
    citizen = await sms_tokens(platform)
    ticket = await file_ticket(platform, citizen["access_token"], county=WUHUA)
    other = technician(
        platform, "OUT-530102-02" if ticket["assignee"]["outlet_id"] != "OUT-530102-02" else "OUT-530102-01"
    )
    async with platform.client(other) as client:
        accept = await client.post(f"/api/v1/repair/tickets/{ticket['ticket_no']}/accept")
        read = await client.get(f"/api/v1/repair/tickets/{ticket['ticket_no']}")
    assert accept.status_code == 403 and accept.json()["code"] == "not_your_ticket"
    assert read.status_code == 403


async def test_county_admins_see_their_county_only(platform):
    citizen = await sms_tokens(platform)
    ticket = await file_ticket(platform, citizen["access_token"], county=WUHUA)
    jinghong_admin = staff_token(platform, roles=["county_admin"], region=JINGHONG)
    wuhua_admin = await password_tokens(platform, "wuhua.admin", demo_password(platform))
    async with platform.client(jinghong_admin) as client:
        read = await client.get(f"/api/v1/repair/tickets/{ticket['ticket_no']}")
        listed = await client.get("/api/v1/repair/tickets", params={"county": WUHUA})
        stats = await client.get("/api/v1/repair/stats", params={"county": WUHUA})
        outlets = await client.get("/api/v1/repair/outlets", params={"county": WUHUA})
        create = await client.post(
            "/api/v1/repair/outlets",
            json={
                "county": WUHUA,
                "name": "越权网点",
                "kind": "market",
                "categories": ["satellite"],
                "lat": 25.04,
                "lng": 102.7,
                "phone": "0871-1234567",
            },
        )
    for reply in (read, listed, stats, outlets, create):
        assert reply.status_code == 403, reply.text
    async with platform.client(wuhua_admin["access_token"]) as client:
        own = await client.get(f"/api/v1/repair/tickets/{ticket['ticket_no']}")
        page = (await client.get("/api/v1/repair/tickets", params={"county": WUHUA, "limit": 100})).json()
    assert own.status_code == 200
    assert ticket["ticket_no"] in [t["ticket_no"] for t in page["tickets"]]


async def test_reject_sends_the_ticket_to_the_next_nearest_and_the_decision_is_recorded(platform):
    citizen = await sms_tokens(platform)
    ticket = await file_ticket(platform, citizen["access_token"], county=WUHUA, lat=25.1290, lng=102.6475)
    first = ticket["assignee"]["outlet_id"]
    async with platform.client(technician(platform, first)) as client:
        no_reason = await client.post(f"/api/v1/repair/tickets/{ticket['ticket_no']}/reject", json={})
        rejected = await client.post(
            f"/api/v1/repair/tickets/{ticket['ticket_no']}/reject", json={"reason": "师傅外出培训，无法上门"}
        )
    assert no_reason.status_code == 422
    assert rejected.status_code == 200
    second = rejected.json()["assignee"]["outlet_id"]
    assert rejected.json()["status"] == "dispatched" and second not in (first, "OUT-530102-04")
    admin = await password_tokens(platform, "wuhua.admin", demo_password(platform))
    async with platform.client(admin["access_token"]) as client:
        decisions = (
            await client.get(f"/api/v1/repair/tickets/{ticket['ticket_no']}/dispatch-decisions")
        ).json()
    assert [d["reason"] for d in decisions] == ["report", "reject"]
    assert decisions[0]["chosen_outlet_id"] == first and decisions[1]["chosen_outlet_id"] == second
    verdicts = {c["outlet_id"]: c["verdict"] for c in decisions[1]["candidates"]}
    assert verdicts[first] == "excluded" and verdicts[second] == "chosen"
    assert all(c["distance_km"] >= 0 for c in decisions[1]["candidates"])


async def test_full_outlets_leave_the_ticket_on_the_county_queue_until_one_frees_up(platform):
    admin = await password_tokens(platform, "admin", __import__("tests.conftest").conftest.ADMIN_PASSWORD)
    async with platform.client(admin["access_token"]) as client:
        created = await client.post(
            "/api/v1/repair/outlets",
            json={
                "county": "530103",
                "name": "盘龙区唯一户户通点",
                "kind": "market",
                "categories": ["satellite"],
                "lat": 25.12,
                "lng": 102.75,
                "phone": "0871-65550000",
                "capacity": 1,
            },
        )
    assert created.status_code == 201, created.text
    outlet = created.json()["outlet_id"]
    citizen = await sms_tokens(platform)
    first = await file_ticket(platform, citizen["access_token"], county="530103")
    queued = await file_ticket(platform, citizen["access_token"], county="530103")
    assert first["assignee"]["outlet_id"] == outlet
    assert queued["status"] == "pending_dispatch" and queued.get("assignee") is None
    async with platform.client(technician(platform, outlet, "530103")) as client:
        await client.post(f"/api/v1/repair/tickets/{first['ticket_no']}/accept")
        photo = (await upload(client)).json()["evidence_id"]
        await client.post(
            f"/api/v1/repair/tickets/{first['ticket_no']}/resolve",
            json={"note": "更换高频头", "evidence": [photo]},
        )
    for _ in range(50):  # the repair service's timers retry the queue
        async with platform.client(citizen["access_token"]) as client:
            now = (await client.get(f"/api/v1/repair/tickets/{queued['ticket_no']}")).json()
        if now["status"] == "dispatched":
            break
        await asyncio.sleep(0.2)
    assert now["status"] == "dispatched" and now["assignee"]["outlet_id"] == outlet


async def test_outlets_are_managed_by_their_county(platform):
    wuhua_admin = await password_tokens(platform, "wuhua.admin", demo_password(platform))
    async with platform.client(wuhua_admin["access_token"]) as client:
        bad_kind = await client.post(
            "/api/v1/repair/outlets",
            json={
                "county": WUHUA,
                "name": "x",
                "kind": "operator",
                "categories": ["satellite"],
                "lat": 25.04,
                "lng": 102.7,
                "phone": "0871-1",
            },
        )
        outside = await client.post(
            "/api/v1/repair/outlets",
            json={
                "county": WUHUA,
                "name": "x",
                "kind": "market",
                "categories": ["satellite"],
                "lat": 27.9,
                "lng": 99.7,
                "phone": "0871-1234567",
            },
        )
        created = await client.post(
            "/api/v1/repair/outlets",
            json={
                "county": WUHUA,
                "name": "五华区普吉户户通点",
                "kind": "market",
                "categories": ["satellite", "dtmb"],
                "lat": 25.08,
                "lng": 102.68,
                "phone": "0871-65119999",
            },
        )
        outlet_id = created.json()["outlet_id"]
        paused = await client.patch(
            f"/api/v1/repair/outlets/{outlet_id}", json={"active": False, "capacity": 5}
        )
        listed = (await client.get("/api/v1/repair/outlets", params={"county": WUHUA})).json()
    assert bad_kind.status_code == 422 and outside.status_code == 422
    assert created.status_code == 201
    assert paused.json()["active"] is False and paused.json()["capacity"] == 5
    assert outlet_id in {o["outlet_id"] for o in listed}


async def test_an_agent_files_for_a_resident_through_the_whole_life_to_the_statistics(platform):
    """The issue's end-to-end story: an agent files for a resident → nearest outlet → reject → next outlet →
    accepted → resolved with a photo → follow-up → rated → counted in the county's statistics and reviews."""
    agent = await password_tokens(platform, "luquan.agent", demo_password(platform))
    resident_phone = new_phone()
    delegation = await delegate(platform, agent["access_token"], "杨奶奶", resident_phone)
    qr = await county_qr_url(platform, LUQUAN)
    # 撒营盘镇: 18 km north and 9 km east of the county centre.
    ticket = await file_ticket(
        platform,
        delegation["access_token"],
        qr=qr,
        lat=25.7539,
        lng=102.5653,
        contact_name="杨奶奶",
        contact_phone=resident_phone,
        address="撒营盘镇某村3组",
    )
    assert (
        ticket["channel"] == "agent"
        and ticket["agent_id"]
        and ticket["reporter_id"] == delegation["resident_id"]
    )
    assert ticket["assignee"]["outlet_id"] == "OUT-530128-02"
    first = ticket["assignee"]["outlet_id"]
    ticket_no = ticket["ticket_no"]

    async with platform.client(technician(platform, first, LUQUAN)) as client:
        rejected = (
            await client.post(f"/api/v1/repair/tickets/{ticket_no}/reject", json={"reason": "本网点今日无人"})
        ).json()
    second = rejected["assignee"]["outlet_id"]
    assert second != first and rejected["status"] == "dispatched"

    async with platform.client(technician(platform, second, LUQUAN)) as client:
        assert (await client.post(f"/api/v1/repair/tickets/{ticket_no}/accept")).json()[
            "status"
        ] == "accepted"
        photo = (await upload(client)).json()["evidence_id"]
        resolved = await client.post(
            f"/api/v1/repair/tickets/{ticket_no}/resolve",
            json={"note": "锅体偏移，重新对星后信号恢复", "evidence": [photo]},
        )
    assert resolved.json()["status"] == "resolved" and photo in resolved.json()["evidence_ids"]

    async with platform.client(agent["access_token"]) as client:
        closed = await client.post(
            f"/api/v1/repair/tickets/{ticket_no}/follow-up",
            json={"reached": True, "restored": True, "note": "电话回访，已恢复收看"},
        )
    assert closed.json()["status"] == "closed"

    # the resident rates; the agent only records the resident's rating with consent (六(一)2(3)): not in its own
    # name, and with the delegation it waits for the resident's confirmation (their own rating replaces it)
    async with platform.client(agent["access_token"]) as client:
        by_agent = await client.post(f"/api/v1/repair/tickets/{ticket_no}/rating", json={"level": 1})
    assert by_agent.status_code == 403 and by_agent.json()["code"] == "consent_required"
    async with platform.client(delegation["access_token"]) as client:
        recorded = await client.post(f"/api/v1/repair/tickets/{ticket_no}/rating", json={"level": 1})
    assert recorded.status_code == 202 and recorded.json()["rating"] is None
    admin = await password_tokens(platform, "admin", __import__("tests.conftest").conftest.ADMIN_PASSWORD)
    # texted the invitation and the closing first, so the sign-in code is the newest message
    await texted_all(
        platform, admin["access_token"], resident_phone, f"{ticket_no}已办理完毕", "办结", "代您记录"
    )
    resident = await sms_tokens(platform, resident_phone)  # the resident signs in and rates it themselves
    async with platform.client(resident["access_token"]) as client:
        rated = await client.post(
            f"/api/v1/repair/tickets/{ticket_no}/rating", json={"level": 5, "comment": "师傅很负责"}
        )
        again = await client.post(f"/api/v1/repair/tickets/{ticket_no}/rating", json={"level": 1})
    async with platform.client(agent["access_token"]) as client:
        seen_by_agent = (await client.get(f"/api/v1/repair/tickets/{ticket_no}")).json()
    assert rated.status_code == 200 and rated.json()["rating"]["level"] == 5
    assert again.status_code == 409
    actions = [e["action"] for e in seen_by_agent["timeline"]]
    assert actions == [
        "reported",
        "dispatched",
        "rejected",
        "dispatched",
        "accepted",
        "resolved",
        "closed",
        "rating_recorded",  # the agent's, pending; replaced by the resident's own
        "rated",
    ]

    async with platform.client(resident["access_token"]) as client:  # and sees it all
        mine = (await client.get("/api/v1/repair/tickets", params={"mine": True})).json()["tickets"]
        notes = (await client.get("/api/v1/me/notifications")).json()
        summary = (await client.get("/api/v1/me/summary")).json()
    assert [t["ticket_no"] for t in mine] == [ticket_no]
    assert {n["kind"] for n in notes} >= {"filed_for_you", "dispatched", "accepted", "resolved", "closed"}
    assert summary["repair_tickets"] == 1

    async with platform.client(admin["access_token"]) as client:
        stats = (await client.get("/api/v1/repair/stats", params={"county": LUQUAN})).json()
        prefecture = (await client.get("/api/v1/repair/stats", params={"county": "5301"})).json()
        csv_reply = await client.get(
            "/api/v1/repair/stats/export", params={"county": LUQUAN, "month": closed.json()["created_at"][:7]}
        )
    statuses = {c["key"]: c["count"] for c in stats["by_status"]}
    assert statuses.get("closed", 0) >= 1
    assert stats["restored_within_24h_share"] > 0 and stats["mean_rating"] > 0
    assert any(o["outlet_id"] == second and o["ratings"] >= 1 for o in stats["outlets"])
    assert prefecture["total"] >= stats["total"]
    assert csv_reply.headers["content-type"].startswith("text/csv")
    assert ticket_no in csv_reply.text and resident_phone not in csv_reply.text

    for _ in range(50):  # the gateway texts the resident what the app shows, through the SMS backend
        async with platform.client(admin["access_token"]) as client:
            texts = [
                m["text"]
                for m in (
                    await client.get("/api/v1/admin/sms-outbox", params={"phone": resident_phone})
                ).json()
            ]
        if any("办结" in t for t in texts):
            break
        await asyncio.sleep(0.1)
    assert any(ticket_no in t and "派给" in t for t in texts)
    assert any(ticket_no in t and "办结" in t for t in texts)

    for _ in range(50):  # the rating travels to the reviews service as an event
        async with platform.client() as client:
            indicators = (await client.get("/api/v1/reviews/indicators", params={"region": LUQUAN})).json()
        if indicators["total"] >= 1:
            break
        await asyncio.sleep(0.1)
    assert {lv["level"]: lv["count"] for lv in indicators["levels"]}[5] >= 1


async def test_tickets_list_pages_with_a_cursor(platform):
    citizen = await sms_tokens(platform)
    numbers = [
        (await file_ticket(platform, citizen["access_token"], county=WUHUA))["ticket_no"] for _ in range(5)
    ]
    seen: list[str] = []
    cursor = ""
    async with platform.client(citizen["access_token"]) as client:
        while True:
            page = (
                await client.get(
                    "/api/v1/repair/tickets",
                    params={"mine": True, "limit": 2, **({"cursor": cursor} if cursor else {})},
                )
            ).json()
            seen += [t["ticket_no"] for t in page["tickets"]]
            if not page["next_cursor"]:
                break
            cursor = page["next_cursor"]
    assert seen == list(reversed(numbers))


async def test_admin_token_is_needed_for_the_stats(platform):
    citizen = await sms_tokens(platform)
    async with platform.client(citizen["access_token"]) as client:
        assert (await client.get("/api/v1/repair/stats", params={"county": WUHUA})).status_code == 403
    assert await admin_token(platform)
