"""广电报修, put right, through the real gateway and services: an unserved category is taken and dispatched by hand,
the contact and arrival steps, circle timeouts per county, landline contact phones, the resident's own rating and
the county-supervised rectification of a low rating, and the statistics' new counts. Bad input everywhere."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from sqlalchemy import select

from services.repair.models import OutboxEvent
from tests.gateway.repair_support import demo_password, file_ticket, report, technician, upload
from tests.gateway.reviews_support import eventually, invitation_for, sms_texts, texted_all
from tests.helpers import (
    admin_token,
    create_staff,
    delegate,
    new_phone,
    password_tokens,
    sms_tokens,
    staff_token,
)

WUHUA = "530102"
LUQUAN = "530128"
LONGYANG = "530502"  # no outlet repairs ott; 云南广电网络隆阳分公司 is the county's operator
FUMIN = "530124"  # 富民县: no repair outlet at all
CJK = re.compile(r"[\u4e00-\u9fff]")


def county_admin(platform, county: str, subject: str | None = None) -> str:
    return staff_token(
        platform, roles=["county_admin"], region=county, subject=subject or f"adm-{uuid.uuid4().hex[:8]}"
    )


async def payloads(platform, ticket_no: str, event_type: str) -> list[dict[str, object]]:
    async with platform.services["repair"].runtime.db.reader() as session:
        rows = (
            await session.scalars(
                select(OutboxEvent.payload).where(
                    OutboxEvent.aggregate_id == ticket_no, OutboxEvent.event_type == event_type
                )
            )
        ).all()
    return [json.loads(r) for r in rows]


# -- 1. a category no outlet of the county serves ------------------------------------------------------------------


async def test_an_unserved_report_is_taken_the_county_alerted_and_dispatched_by_hand(platform):
    supervisor_phone = new_phone()
    await create_staff(platform, roles=["county_admin"], region=FUMIN, phone=supervisor_phone)
    citizen = (await sms_tokens(platform))["access_token"]
    ticket = await file_ticket(platform, citizen, county=FUMIN)
    ticket_no = ticket["ticket_no"]
    assert ticket["status"] == "pending_dispatch" and ticket["assignee"] is None
    admin = await admin_token(platform)

    async def texted() -> list[str]:
        return [t for t in await sms_texts(platform, admin, supervisor_phone) if ticket_no in t]

    assert "待派单队列" in (await eventually(texted))[0]
    staff = county_admin(platform, FUMIN)
    async with platform.client(staff) as client:
        notes = (await client.get("/api/v1/me/notifications")).json()
        queue = (await client.get("/api/v1/repair/tickets", params={"status": "pending_dispatch"})).json()
        created = await client.post(
            "/api/v1/repair/outlets",
            json={
                "county": FUMIN,
                "name": "富民县广电服务站",
                "kind": "market",
                "categories": ["dtmb"],  # not satellite: the queue timer never takes the ticket itself
                "lat": 25.2219,
                "lng": 102.4976,
                "phone": "0871-88811111",
            },
        )
    assert any(n["ticket_no"] == ticket_no and n["kind"] == "unserved" for n in notes), notes
    assert ticket_no in {t["ticket_no"] for t in queue["tickets"]}
    assert created.status_code == 201, created.text
    outlet_id = created.json()["outlet_id"]

    path = f"/api/v1/repair/tickets/{ticket_no}/dispatch"
    async with platform.client(citizen) as client:
        by_citizen = await client.post(path, json={"outlet_id": outlet_id})
    async with platform.client(county_admin(platform, WUHUA)) as client:
        by_other_county = await client.post(path, json={"outlet_id": outlet_id})
    async with platform.client(staff) as client:
        bad = {
            "no outlet": await client.post(path, json={}),
            "blank outlet": await client.post(path, json={"outlet_id": "  "}),
            "extra field": await client.post(path, json={"outlet_id": outlet_id, "priority": 1}),
            "unknown outlet": await client.post(path, json={"outlet_id": "NO-SUCH-OUTLET"}),
            "other county's outlet": await client.post(path, json={"outlet_id": "530102-01"}),
            "bad ticket number": await client.post(
                "/api/v1/repair/tickets/nope/dispatch", json={"outlet_id": outlet_id}
            ),
        }
        still = (await client.get(f"/api/v1/repair/tickets/{ticket_no}")).json()
        done = await client.post(path, json={"outlet_id": outlet_id, "note": "电话确认可上门"})
        again = await client.post(path, json={"outlet_id": outlet_id})
    assert by_citizen.status_code == 403 and by_other_county.status_code == 403
    for name, reply in bad.items():
        assert reply.status_code == 422, (name, reply.text)
        assert reply.headers["content-type"].startswith("application/problem+json"), name
    unknown = bad["unknown outlet"].json()
    assert unknown["code"] == "unknown_outlet" and CJK.search(unknown["detail"])
    assert still["status"] == "pending_dispatch"  # nothing changed by the refusals
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "dispatched" and done.json()["assignee"]["outlet_id"] == outlet_id
    assert any(e["action"] == "dispatched" and "(manual)" in e["note"] for e in done.json()["timeline"])
    assert again.status_code == 409 and again.json()["code"] == "ticket_dispatched"


async def test_an_unserved_non_basic_report_goes_to_the_countys_operator(platform):
    citizen = (await sms_tokens(platform))["access_token"]
    ticket = await file_ticket(platform, citizen, county=LONGYANG, category="ott")
    assert ticket["status"] == "dispatched", ticket
    assert ticket["assignee"]["name"] == "云南广电网络隆阳分公司"
    [event] = await payloads(platform, ticket["ticket_no"], "repair.ticket.unserved")
    assert event["escalate_to_region"] == LONGYANG and "督促运营商" in str(event["escalate_notice"])


# -- 3. contact and arrival; the circles' acceptance timeouts ------------------------------------------------------


async def test_the_technician_records_contact_then_arrival(platform):
    citizen = (await sms_tokens(platform))["access_token"]
    ticket = await file_ticket(platform, citizen, county=WUHUA, lat=25.1290, lng=102.6475)
    ticket_no, outlet = ticket["ticket_no"], ticket["assignee"]["outlet_id"]
    base = f"/api/v1/repair/tickets/{ticket_no}"
    tech = technician(platform, outlet)
    async with platform.client(tech) as client:
        early = await client.post(f"{base}/contacted")
        assert (await client.post(f"{base}/accept")).status_code == 200
        before_contact = await client.post(f"{base}/arrive")
        contacted = await client.post(f"{base}/contacted")
        twice = await client.post(f"{base}/contacted")
    async with platform.client(technician(platform, "530102-99")) as client:
        other_outlet = await client.post(f"{base}/arrive")
    async with platform.client(citizen) as client:
        by_reporter = await client.post(f"{base}/arrive")
        bad_number = await client.post("/api/v1/repair/tickets/BX1/arrive")
    async with platform.client(tech) as client:
        arrived = await client.post(f"{base}/arrive")
        arrived_twice = await client.post(f"{base}/arrive")
    assert early.status_code == 409 and early.json()["code"] == "ticket_dispatched"
    assert CJK.search(early.json()["detail"])
    assert before_contact.status_code == 409 and before_contact.json()["code"] == "not_contacted"
    assert contacted.status_code == 200 and contacted.json()["contacted_at"]
    assert contacted.json()["arrived_at"] is None
    assert twice.status_code == 409 and twice.json()["code"] == "already_contacted"
    assert other_outlet.status_code == 403 and by_reporter.status_code == 403
    assert bad_number.status_code == 422
    assert arrived.status_code == 200, arrived.text
    body = arrived.json()
    assert body["arrived_at"] >= body["contacted_at"]
    assert [e["action"] for e in body["timeline"]][-2:] == ["contacted", "arrived"]
    assert arrived_twice.status_code == 409 and arrived_twice.json()["code"] == "already_arrived"


async def test_a_county_sets_its_circle_acceptance_timeouts(platform):
    county = "530115"  # 晋宁区
    path = f"/api/v1/repair/counties/{county}/response-settings"
    staff = county_admin(platform, county)
    async with platform.client(staff) as client:
        defaults = await client.get(path)
        bad = {
            "village longer than township": await client.put(
                path, json={"village_accept_minutes": 90, "township_accept_minutes": 60}
            ),
            "zero": await client.put(path, json={"village_accept_minutes": 0, "township_accept_minutes": 60}),
            "too long": await client.put(
                path, json={"village_accept_minutes": 15, "township_accept_minutes": 10_000}
            ),
            "text": await client.put(
                path, json={"village_accept_minutes": "soon", "township_accept_minutes": 60}
            ),
            "missing": await client.put(path, json={"village_accept_minutes": 15}),
            "extra": await client.put(
                path, json={"village_accept_minutes": 15, "township_accept_minutes": 60, "x": 1}
            ),
            "bad county": await client.put(
                "/api/v1/repair/counties/5301/response-settings",
                json={"village_accept_minutes": 15, "township_accept_minutes": 60},
            ),
        }
        unchanged = (await client.get(path)).json()
        saved = await client.put(path, json={"village_accept_minutes": 20, "township_accept_minutes": 45})
        read = (await client.get(path)).json()
    citizen = (await sms_tokens(platform))["access_token"]
    for who in (county_admin(platform, WUHUA), technician(platform, "530102-01"), citizen):
        async with platform.client(who) as client:
            refused = await client.put(path, json={"village_accept_minutes": 5, "township_accept_minutes": 5})
            peek = await client.get(path)
        assert refused.status_code == 403 and peek.status_code == 403
    assert defaults.status_code == 200 and defaults.json()["customised"] is False
    assert defaults.json()["village_accept_minutes"] < defaults.json()["township_accept_minutes"]
    for name, reply in bad.items():
        assert reply.status_code == 422, (name, reply.text)
    assert unchanged["customised"] is False
    assert saved.status_code == 200 and read["customised"] is True
    assert (read["village_accept_minutes"], read["township_accept_minutes"]) == (20, 45)


# -- 5. landlines for phone reports; SMS to mobiles only ----------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("0871-12345678", "0871-12345678"),
        ("087112345678", "0871-12345678"),
        ("0691-2123456", "0691-2123456"),
        ("(010) 12345678", "010-12345678"),
    ],
)
async def test_window_staff_take_a_phone_report_with_a_landline(platform, given, stored):
    window = (await password_tokens(platform, "wuhua.window", demo_password(platform)))["access_token"]
    async with platform.client(window) as client:
        reply = await client.post(
            "/api/v1/repair/tickets", json=report(county=WUHUA, channel="phone", contact_phone=given)
        )
    assert reply.status_code == 201, reply.text
    assert reply.json()["contact_phone"] == stored
    events = await payloads(platform, reply.json()["ticket_no"], "repair.ticket.dispatched")
    assert events and all("notify_phones" not in e for e in events)  # no SMS to a landline


async def test_a_phone_report_with_a_mobile_texts_the_resident(platform):
    window = (await password_tokens(platform, "wuhua.window", demo_password(platform)))["access_token"]
    mobile = new_phone()
    async with platform.client(window) as client:
        reply = await client.post(
            "/api/v1/repair/tickets", json=report(county=WUHUA, channel="phone", contact_phone=mobile)
        )
    assert reply.status_code == 201, reply.text
    ticket_no = reply.json()["ticket_no"]
    admin = await admin_token(platform)

    async def texted() -> list[str]:
        return [t for t in await sms_texts(platform, admin, mobile) if ticket_no in t]

    assert "已派给" in (await eventually(texted))[0]


# -- 4 and 6. the resident rates; a low rating opens a county-supervised rectification -----------------------------


async def resolved_ticket(platform, token: str, county: str = WUHUA) -> tuple[str, str]:
    ticket = await file_ticket(platform, token, county=county)
    ticket_no, outlet = ticket["ticket_no"], ticket["assignee"]["outlet_id"]
    async with platform.client(technician(platform, outlet, county)) as client:
        assert (await client.post(f"/api/v1/repair/tickets/{ticket_no}/accept")).status_code == 200
        photo = (await upload(client)).json()["evidence_id"]
        resolved = await client.post(
            f"/api/v1/repair/tickets/{ticket_no}/resolve", json={"note": "修好", "evidence": [photo]}
        )
    assert resolved.status_code == 200, resolved.text
    return str(ticket_no), str(outlet)


async def test_an_agents_rating_waits_for_the_resident_who_keeps_the_invitation(platform):
    agent = (await password_tokens(platform, "luquan.agent", demo_password(platform)))["access_token"]
    resident_phone = new_phone()
    delegated = (await delegate(platform, agent, "杨奶奶", resident_phone))["access_token"]
    ticket_no, _ = await resolved_ticket(platform, delegated, LUQUAN)
    async with platform.client(delegated) as client:
        recorded = await client.post(f"/api/v1/repair/tickets/{ticket_no}/rating", json={"level": 5})
        out_of_range = await client.post(f"/api/v1/repair/tickets/{ticket_no}/rating", json={"level": 9})
    assert recorded.status_code == 202 and recorded.json()["pending_rating"]["level"] == 5
    assert out_of_range.status_code == 422
    await texted_all(
        platform, await admin_token(platform), resident_phone, f"{ticket_no}已办理完毕", "代您记录"
    )
    resident = (await sms_tokens(platform, resident_phone))["access_token"]
    async with platform.client(resident) as client:
        invitation = await invitation_for(client, ticket_no)
        ticket = (await client.get(f"/api/v1/repair/tickets/{ticket_no}")).json()
    assert invitation["case_type"] == "repair_ticket" and ticket["rating"] is None
    assert ticket["pending_rating"]["recorded_by"] == recorded.json()["agent_id"]


async def test_a_low_rating_opens_a_rectification_the_county_supervises_and_closes(platform):
    citizen = (await sms_tokens(platform))["access_token"]
    ticket_no, outlet = await resolved_ticket(platform, citizen)
    async with platform.client(citizen) as client:
        rated = await client.post(
            f"/api/v1/repair/tickets/{ticket_no}/rating", json={"level": 1, "comment": "师傅迟到两天"}
        )
    assert rated.status_code == 200, rated.text
    supervisor = county_admin(platform, WUHUA)

    async def opened() -> dict[str, object] | None:
        async with platform.client(supervisor) as client:
            page = (await client.get("/api/v1/reviews/rectifications")).json()
        return next((r for r in page["rectifications"] if r["case_id"] == ticket_no), None)

    rect = await eventually(opened)
    assert rect["unit_kind"] == "outlet" and rect["unit"] == outlet and rect["status"] == "open"
    base = f"/api/v1/reviews/rectifications/{rect['rectification_id']}"
    tech = technician(platform, outlet)
    async with platform.client(tech) as client:
        assert (await client.post(f"{base}/verify", json={})).status_code == 200
        assert (await client.post(f"{base}/rectify", json={"note": "已重新上门调试"})).status_code == 200
    async with platform.client(supervisor) as client:
        visited = await client.post(f"{base}/return-visit", json={"reached": True, "satisfied": True})
    assert visited.status_code == 200, visited.text
    async with platform.client(tech) as client:
        by_outlet = await client.post(f"{base}/close", json={"note": "已整改"})
    async with platform.client(county_admin(platform, LUQUAN)) as client:
        other_county = await client.post(f"{base}/close", json={"note": "办结"})
    async with platform.client(supervisor) as client:
        no_note = await client.post(f"{base}/close", json={})
        closed = await client.post(f"{base}/close", json={"note": "回访满意，同意办结"})
    assert by_outlet.status_code == 403 and other_county.status_code == 403
    assert no_note.status_code == 422 and no_note.json()["code"] == "note_required"
    assert CJK.search(no_note.json()["detail"])
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    assert closed.json()["steps"][-1]["note"] == "回访满意，同意办结"


# -- 2. statistics -------------------------------------------------------------------------------------------------


async def test_statistics_carry_the_restored_and_unrestored_counts(platform):
    async with platform.client(county_admin(platform, WUHUA)) as client:
        stats = await client.get("/api/v1/repair/stats", params={"county": WUHUA})
        other = await client.get("/api/v1/repair/stats", params={"county": LUQUAN})
        bad = await client.get("/api/v1/repair/stats", params={"county": "53xx"})
    assert stats.status_code == 200, stats.text
    body = stats.json()
    assert body["restored_tickets"] >= 0 and body["unrestored_overdue"] >= 0
    assert 0.0 <= body["restored_within_24h_share"] <= 1.0
    assert other.status_code == 403 and bad.status_code == 422
