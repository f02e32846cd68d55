"""好差评 through the real gateway and services: a resolved repair ticket and a concluded application are each
invited, rated 差评, rectified on the working-day calendar, called back and reviewed again, and every indicator of
the unit and the county moves exactly as a recount of the raw reviews says."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from services.kernel.workdays import add_working_days, is_working_day
from services.reviews import clock
from tests.gateway.repair_support import file_ticket, technician, upload
from tests.gateway.reviews_support import (
    CHINA,
    eventually,
    indicators_of,
    invitation_for,
    publish,
    published,
    recount_of,
    sms_texts,
)
from tests.helpers import admin_token, new_ip, sms_tokens, staff_token

WUHUA = "530102"
LUQUAN = "530128"


@pytest.fixture
def frozen(monkeypatch):
    """The reviews service's clock at a fixed China time (the platform runs in this process)."""

    def freeze(when: dt.datetime) -> str:
        monkeypatch.setattr(clock, "now", lambda: when)
        return when.date().isoformat()

    return freeze


async def me_id(platform, token: str) -> str:
    async with platform.client(token) as client:
        return str((await client.get("/api/v1/me")).json()["id"])


async def post_review(client, body: dict, **headers):
    return await client.post("/api/v1/reviews", json=body, headers={"X-Forwarded-For": new_ip(), **headers})


async def act(platform, token: str, rect_id: str, action: str, body: dict | None = None) -> dict:
    async with platform.client(token) as client:
        reply = await client.post(f"/api/v1/reviews/rectifications/{rect_id}/{action}", json=body or {})
    assert reply.status_code == 200, reply.text
    return reply.json()


async def test_a_resolved_repair_ticket_is_reviewed_rectified_and_counted_as_a_recount_says(platform, frozen):
    day = frozen(dt.datetime(2026, 9, 25, 10, 0, tzinfo=CHINA))  # the Friday before 国庆
    admin = await admin_token(platform)
    citizen = await sms_tokens(platform)
    token = citizen["access_token"]
    async with platform.client(token) as client:
        me = (await client.get("/api/v1/me")).json()
    reporter = me["id"]
    ticket = await file_ticket(platform, token, county=WUHUA, lat=25.1290, lng=102.6475)
    outlet, ticket_no = ticket["assignee"]["outlet_id"], ticket["ticket_no"]
    async with platform.client() as anyone:
        outlet_before = await indicators_of(anyone, day, outlet_id=outlet)
        county_before = await indicators_of(anyone, day, region=WUHUA)

    tech = technician(platform, outlet, WUHUA)
    async with platform.client(tech) as client:
        assert (await client.post(f"/api/v1/repair/tickets/{ticket_no}/accept")).status_code == 200
        photo = (await upload(client)).json()["evidence_id"]
        resolved = await client.post(
            f"/api/v1/repair/tickets/{ticket_no}/resolve", json={"note": "更换高频头", "evidence": [photo]}
        )
    assert resolved.json()["status"] == "resolved"

    async with platform.client(token) as client:  # the reporter — not the technician — is invited
        invitation = await invitation_for(client, ticket_no)
    assert invitation["case_type"] == "repair_ticket" and invitation["unit"] == outlet
    assert dt.datetime.fromisoformat(invitation["due_at"]) == dt.datetime(2026, 10, 10, 10, 0, tzinfo=CHINA)

    comment = "王建国师傅说好下午来结果没来，我的电话13812345678，住五华区学府路12号"
    async with platform.client(token) as client:
        first = await post_review(
            client,
            {
                "case_type": "repair_ticket",
                "case_id": ticket_no,
                "level": 1,
                "tags": ["不守时"],
                "comment": comment,
            },
            **{"Idempotency-Key": f"rv-{uuid.uuid4()}"},
        )
    assert first.status_code == 201, first.text
    review = first.json()
    assert review["reviewer_id"] == reporter and review["level_label"] == "非常不满意"
    rect = review["rectification"]
    assert rect["status"] == "open" and rect["unit"] == outlet and rect["unit_kind"] == "outlet"
    due = dt.datetime.fromisoformat(rect["due_at"])
    assert due == add_working_days(dt.datetime(2026, 9, 25, 10, 0, tzinfo=CHINA), 15)
    assert due.date() == dt.date(2026, 10, 22)  # 15 working days: 国庆 1–7 October are not counted
    between = [dt.date(2026, 9, 26) + dt.timedelta(days=n) for n in range(26)]
    assert any(d.weekday() < 5 and not is_working_day(d) for d in between)

    rect_id = rect["rectification_id"]
    assert (await act(platform, tech, rect_id, "verify"))["status"] == "verified"
    rectified = await act(platform, tech, rect_id, "rectify", {"note": "已对维修员批评教育并重新上门调试"})
    assert rectified["status"] == "rectified" and rectified["rectified_on_time"]
    county_admin = staff_token(platform, roles=["county_admin"], region=WUHUA, subject="wuhua-supervisor")
    visited = await act(
        platform,
        county_admin,
        rect_id,
        "return-visit",
        {"reached": True, "satisfied": True, "note": "电话回访"},
    )
    assert visited["status"] == "returned_visit"

    async with platform.client(token) as client:
        follow_invite = await invitation_for(client, ticket_no, kind="follow_up")
        follow_up = await post_review(
            client, {"case_type": "repair_ticket", "case_id": ticket_no, "level": 4, "comment": "整改后满意"}
        )
        third = await post_review(client, {"case_type": "repair_ticket", "case_id": ticket_no, "level": 5})
    assert follow_invite["kind"] == "follow_up"
    assert follow_up.status_code == 201 and follow_up.json()["kind"] == "follow_up"
    assert third.status_code == 409 and third.json()["code"] == "already_reviewed"
    async with platform.client(tech) as client:  # 八(四): the county closes an outlet's rectification
        by_outlet = await client.post(
            f"/api/v1/reviews/rectifications/{rect_id}/close", json={"note": "好了"}
        )
    assert by_outlet.status_code == 403, by_outlet.text
    closed = await act(platform, county_admin, rect_id, "close", {"note": "整改到位，同意办结"})
    assert [s["action"] for s in closed["steps"]] == [
        "opened",
        "verified",
        "rectified",
        "returned_visit",
        "closed",
    ]

    async with platform.client(token) as client:  # the reviewer sees each step
        mine = (await client.get(f"/api/v1/reviews/{review['review_id']}")).json()
    assert mine["rectification"]["status"] == "closed"
    texts = await eventually(
        lambda: _texts_with(platform, admin, reporter, "已整改"),
    )
    assert any("前对服务作出评价" in t for t in texts)
    assert any("整改期限" in t for t in texts)

    async with platform.client() as anyone:
        outlet_after = await indicators_of(anyone, day, outlet_id=outlet)
        county_after = await indicators_of(anyone, day, region=WUHUA)
        public = (await anyone.get("/api/v1/public/reviews", params={"region": WUHUA, "limit": 100})).json()
    assert published(outlet_after) == published(await recount_of(platform, day, "outlet", outlet))
    assert published(county_after) == published(await recount_of(platform, day, "region", WUHUA))
    for before, after in ((outlet_before, outlet_after), (county_before, county_after)):
        assert after["cases"] - before["cases"] == 1
        assert after["reviews"] - before["reviews"] == 2  # the 差评 and the follow-up
        assert after["reviewed_cases"] - before["reviewed_cases"] == 1
        assert after["bad_count"] - before["bad_count"] == 1
        assert after["verified_bad"] - before["verified_bad"] == 1
        assert after["rectified_on_time"] - before["rectified_on_time"] == 1
        assert after["levels"][1]["count"] - before["levels"][1]["count"] == 1  # one 满意 (4)

    shown = next(r for r in public if r["review_id"] == review["review_id"])
    assert (
        "13812345678" not in shown["comment"]
        and "建国" not in shown["comment"]
        and "12号" not in shown["comment"]
    )
    assert "138****5678" in shown["comment"] and shown["rectification_status"] == "closed"


async def _texts_with(platform, admin: str, account_id: str, needle: str) -> list[str] | None:
    runtime = platform.app.state.runtime
    async with runtime.db.reader() as session:
        account = await runtime.identity.get_account(session=session, account_id=account_id)
    texts = await sms_texts(platform, admin, runtime.identity.phone_of(account))
    return texts if any(needle in t for t in texts) else None


def concluded(application_no: str, applicant: str, department: str, region: str = LUQUAN, **extra) -> dict:
    return {
        "application_no": application_no,
        "item_code": "530000-TEST-001",
        "item_name": "个体工商户登记",
        "department": department,
        "region": region,
        "applicant_id": applicant,
        "agent_id": None,
        "channel": "app",
        "status": "concluded",
        "outcome": "approved",
        "concluded_at": dt.datetime.now(dt.UTC).isoformat(),
        "result_license_type": "",
        "result_fields": {},
        **extra,
    }


async def test_a_concluded_application_is_reviewed_rectified_and_counted_as_a_recount_says(platform, frozen):
    day = frozen(dt.datetime(2026, 9, 24, 15, 0, tzinfo=CHINA))
    admin = await admin_token(platform)
    citizen = await sms_tokens(platform)
    token = citizen["access_token"]
    applicant = await me_id(platform, token)
    department = f"禄劝县市场监管局{uuid.uuid4().hex[:6]}"
    application_no = f"YN{uuid.uuid4().hex[:14].upper()}"
    async with platform.client() as anyone:
        dept_before = await indicators_of(anyone, day, department=department)
        county_before = await indicators_of(anyone, day, region=LUQUAN)
    await publish(
        platform,
        "intake",
        "intake.application.concluded",
        application_no,
        concluded(
            application_no,
            applicant,
            department,
            notice=f"您的申请{application_no}已办结。",
            notify_account_ids=[applicant, applicant],
        ),
    )
    async with platform.client(token) as client:
        invitation = await invitation_for(client, application_no)
        bad = await post_review(
            client, {"case_type": "application", "case_id": application_no, "level": 2, "channel": "app"}
        )
    assert invitation["unit"] == department and invitation["region"] == LUQUAN
    assert bad.status_code == 201, bad.text
    rect = bad.json()["rectification"]
    start = dt.datetime(2026, 9, 24, 15, 0, tzinfo=CHINA)
    assert dt.datetime.fromisoformat(rect["due_at"]) == add_working_days(start, 15)
    assert (dt.date(2026, 10, 22) - start.date()).days > 15 * 7 / 5  # 国庆 is not counted

    unit = staff_token(
        platform, roles=["department_staff"], region=LUQUAN, subject="dept-staff-1", department=department
    )
    other = staff_token(platform, roles=["department_staff"], region=LUQUAN, subject="x", department="别的局")
    async with platform.client(other) as client:
        refused = await client.post(
            f"/api/v1/reviews/rectifications/{rect['rectification_id']}/verify", json={}
        )
        listed_other = (await client.get("/api/v1/reviews/rectifications")).json()["rectifications"]
    assert refused.status_code == 403
    assert rect["rectification_id"] not in {r["rectification_id"] for r in listed_other}
    async with platform.client(unit) as client:
        listed = (await client.get("/api/v1/reviews/rectifications", params={"status": "open"})).json()
    assert rect["rectification_id"] in {r["rectification_id"] for r in listed["rectifications"]}
    await act(platform, unit, rect["rectification_id"], "verify")
    await act(platform, unit, rect["rectification_id"], "rectify", {"note": "已简化材料，并向申请人致歉"})
    await act(
        platform,
        unit,
        rect["rectification_id"],
        "return-visit",
        {"reached": True, "satisfied": True, "note": ""},
    )
    async with platform.client(token) as client:
        await invitation_for(client, application_no, kind="follow_up")
        again = await post_review(client, {"case_type": "application", "case_id": application_no, "level": 5})
    assert again.status_code == 201 and again.json()["kind"] == "follow_up"
    await act(platform, unit, rect["rectification_id"], "close")

    async with platform.client() as anyone:
        dept_after = await indicators_of(anyone, day, department=department)
        county_after = await indicators_of(anyone, day, region=LUQUAN)
        public_rects = (
            await anyone.get("/api/v1/public/rectifications", params={"department": department})
        ).json()
    assert published(dept_after) == published(await recount_of(platform, day, "department", department))
    assert published(county_after) == published(await recount_of(platform, day, "region", LUQUAN))
    assert dept_before["cases"] == 0 and dept_after["cases"] == 1 and dept_after["reviews"] == 2
    assert dept_after["good_rate"] == 0.5 and dept_after["mean_level"] == 3.5
    assert dept_after["coverage_rate"] == 1.0 and dept_after["active_rate"] == 1.0
    assert dept_after["rectified_on_time_rate"] == 1.0
    assert county_after["cases"] - county_before["cases"] == 1
    assert county_after["bad_count"] - county_before["bad_count"] == 1
    assert [r["status"] for r in public_rects] == ["closed"]

    texts = await eventually(lambda: _texts_with(platform, admin, applicant, "已办结"))
    assert sum(f"您的申请{application_no}已办结" in t for t in texts) == 1  # texted once
    assert any("前对服务作出评价" in t for t in texts)
