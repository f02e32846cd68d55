"""Every bad-input and abuse row of 好差评, through the gateway: each refused with its status and code, and
changing nothing; the agent's consent; windows and their QR; mini-app uses; appeals."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from services.reviews import clock
from tests.gateway.repair_support import county_qr_url, demo_password, file_ticket, technician, upload
from tests.gateway.reviews_support import CHINA, eventually, indicators_of, invitation_for, publish, sms_texts
from tests.gateway.test_reviews import concluded, me_id, post_review
from tests.helpers import (
    admin_token,
    citizen_token,
    create_staff,
    delegate,
    listed_mini_app,
    new_ip,
    new_phone,
    password_tokens,
    sms_tokens,
    staff_token,
)

LUQUAN = "530128"
WUHUA = "530102"


async def invited_application(platform, token: str, **extra) -> tuple[str, str]:
    """A concluded application of the token's person: (application number, department)."""
    applicant = extra.pop("applicant", None) or await me_id(platform, token)
    department = extra.pop("department", None) or f"测试局{uuid.uuid4().hex[:8]}"
    application_no = f"YN{uuid.uuid4().hex[:14].upper()}"
    await publish(
        platform,
        "intake",
        "intake.application.concluded",
        application_no,
        concluded(application_no, applicant, department, **extra),
    )
    async with platform.client(token) as client:
        await invitation_for(client, application_no)
    return application_no, department


def body(application_no: str, level: int = 5, **fields) -> dict:
    return {"case_type": "application", "case_id": application_no, "level": level, **fields}


async def my_review_count(platform, token: str) -> int:
    async with platform.client(token) as client:
        return int((await client.get("/api/v1/me/summary")).json()["reviews"])


async def test_someone_not_served_is_403_and_a_second_review_409(platform):
    person = (await sms_tokens(platform))["access_token"]
    stranger = (await sms_tokens(platform))["access_token"]
    application_no, _ = await invited_application(platform, person)
    async with platform.client(stranger) as client:
        not_served = await post_review(client, body(application_no))
        unknown = await post_review(client, body("YN-NO-SUCH-CASE"))
    async with platform.client(person) as client:
        first = await post_review(client, body(application_no, 5))
        second = await post_review(client, body(application_no, 1))
        anonymous = await platform.client().post("/api/v1/reviews", json=body(application_no))
    assert not_served.status_code == 403 and not_served.json()["code"] == "not_served"
    assert "本人" in not_served.json()["detail"]
    assert unknown.status_code == 404
    assert first.status_code == 201
    assert second.status_code == 409 and second.json()["code"] == "already_reviewed"
    assert anonymous.status_code == 401
    assert await my_review_count(platform, stranger) == 0
    assert await my_review_count(platform, person) == 1


async def test_levels_outside_1_to_5_and_bad_channels_are_422(platform):
    person = (await sms_tokens(platform))["access_token"]
    application_no, _ = await invited_application(platform, person)
    async with platform.client(person) as client:
        replies = [
            await post_review(client, body(application_no, 0)),
            await post_review(client, body(application_no, 6)),
            await post_review(client, body(application_no, 5, channel="carrier_pigeon")),
            await post_review(client, body(application_no, 5, comment="长" * 501)),
        ]
    assert [r.status_code for r in replies] == [422, 422, 422, 422]
    assert replies[0].json()["errors"][0]["field"] == "level"
    assert await my_review_count(platform, person) == 0


async def test_a_review_after_the_window_is_409(platform, monkeypatch):
    served = dt.datetime(2026, 6, 1, 9, 0, tzinfo=CHINA)
    monkeypatch.setattr(clock, "now", lambda: served)
    person = (await sms_tokens(platform))["access_token"]
    application_no, _ = await invited_application(platform, person)
    monkeypatch.setattr(
        clock, "now", lambda: served + dt.timedelta(days=platform.settings.review_days, seconds=1)
    )
    async with platform.client(person) as client:
        late = await post_review(client, body(application_no))
        invitations = (await client.get("/api/v1/me/review-invitations")).json()
    assert late.status_code == 409 and late.json()["code"] == "review_window_closed"
    assert application_no not in {i["case_id"] for i in invitations}


async def test_staff_cannot_review_a_case_they_served(platform):
    department = f"测试局{uuid.uuid4().hex[:8]}"
    subject = f"staff-{uuid.uuid4().hex[:8]}"
    own = staff_token(
        platform, roles=["department_staff"], region=LUQUAN, subject=subject, department=department
    )
    application_no, _ = await invited_application(platform, own, applicant=subject, department=department)
    async with platform.client(own) as client:
        reply = await post_review(client, body(application_no))
    assert reply.status_code == 403 and reply.json()["code"] == "own_case"


async def test_a_flood_from_one_account_or_one_network_is_429(platform):
    flooder = citizen_token(platform)
    async with platform.client(flooder) as client:
        replies = [await post_review(client, body(f"YN-FLOOD-{n}")) for n in range(21)]
    assert {r.status_code for r in replies[:20]} == {404}
    assert replies[20].status_code == 429 and int(replies[20].headers["Retry-After"]) > 0
    assert "频繁" in replies[20].json()["detail"]

    network = new_ip()
    statuses = []
    for n in range(platform.settings.review_limit_per_network + 1):
        async with platform.client(citizen_token(platform)) as client:
            reply = await client.post(
                "/api/v1/reviews", json=body(f"YN-NET-{n}"), headers={"X-Forwarded-For": network}
            )
        statuses.append(reply.status_code)
    assert set(statuses[:-1]) == {404} and statuses[-1] == 429


async def test_a_retried_submission_creates_one_review(platform):
    person = (await sms_tokens(platform))["access_token"]
    application_no, _ = await invited_application(platform, person)
    key = {"Idempotency-Key": f"k-{uuid.uuid4()}"}
    async with platform.client(person) as client:
        first = await post_review(client, body(application_no, 3, comment="一般"), **key)
        retry = await post_review(client, body(application_no, 3, comment="一般"), **key)
        changed = await post_review(client, body(application_no, 1, comment="一般"), **key)
    assert first.status_code == 201 and retry.status_code == 201
    assert retry.json()["review_id"] == first.json()["review_id"]
    assert changed.status_code == 422 and changed.json()["code"] == "idempotency_key_reused"
    assert await my_review_count(platform, person) == 1


async def test_an_agent_never_records_a_repair_review_the_resident_reviews_it(platform):
    agent = (await password_tokens(platform, "luquan.agent", demo_password(platform)))["access_token"]
    resident_phone = new_phone()

    delegated = await delegate(
        platform, agent, "杨奶奶", resident_phone
    )  # the resident reads out the SMS code
    ticket = await file_ticket(
        platform,
        delegated["access_token"],
        qr=await county_qr_url(platform, LUQUAN),
        contact_phone=resident_phone,
    )
    ticket_no, outlet = ticket["ticket_no"], ticket["assignee"]["outlet_id"]
    async with platform.client(technician(platform, outlet, LUQUAN)) as client:
        await client.post(f"/api/v1/repair/tickets/{ticket_no}/accept")
        photo = (await upload(client)).json()["evidence_id"]
        await client.post(
            f"/api/v1/repair/tickets/{ticket_no}/resolve", json={"note": "修好", "evidence": [photo]}
        )
    admin = await admin_token(platform)

    async def texted() -> (
        bool
    ):  # the resident is invited by SMS too (before signing in, so codes are not mixed)
        return any(
            ticket_no in t and "前对服务作出评价" in t
            for t in await sms_texts(platform, admin, resident_phone)
        )

    await eventually(texted)
    resident = (await sms_tokens(platform, resident_phone))["access_token"]
    async with platform.client(resident) as client:
        invitation = await invitation_for(client, ticket_no)  # the resident, not the agent, is invited
    assert invitation["case_type"] == "repair_ticket"
    review = {"case_type": "repair_ticket", "case_id": ticket_no, "level": 5}
    async with platform.client(agent) as client:
        as_agent = await post_review(client, review)
    async with platform.client(delegated["access_token"]) as client:
        with_consent = await post_review(client, review)
    # a repair is rated by the resident (六(一)2(3)): the agent's own token is refused; with the delegation the
    # agent records it on the ticket, where it waits for the resident's confirmation, not as a review here
    assert as_agent.status_code == 403 and as_agent.json()["code"] == "consent_required"
    assert with_consent.status_code == 409 and with_consent.json()["code"] == "rate_on_ticket"
    async with platform.client(resident) as client:
        own = await post_review(client, review)
    assert own.status_code == 201, own.text
    assert own.json()["reviewer_id"] == delegated["resident_id"] and not own.json()["recorded_by"]


async def test_window_staff_record_a_visit_and_the_person_reviews_through_the_windows_qr(platform):
    department = f"五华区政务服务中心{uuid.uuid4().hex[:6]}"
    manager = staff_token(
        platform, roles=["department_staff"], region=WUHUA, subject="mgr", department=department
    )
    async with platform.client(manager) as client:
        created = await client.post(
            "/api/v1/reviews/windows", json={"name": "3号窗口", "department": department, "region": WUHUA}
        )
    assert created.status_code == 201, created.text
    window = created.json()
    async with platform.client() as anyone:
        svg = await anyone.get(f"/api/v1/reviews/windows/{window['window_id']}/qr")
        resolved = await anyone.get("/api/v1/reviews/windows/resolve", params={"qr": svg.headers["x-qr-url"]})
        forged = await anyone.get(
            "/api/v1/reviews/windows/resolve", params={"qr": svg.headers["x-qr-url"][:-4] + "AAAA"}
        )
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert (
        svg.headers["x-qr-url"] == window["review_url"]
        and resolved.json()["window_id"] == window["window_id"]
    )
    assert forged.status_code == 422
    async with platform.client() as phone_browser:  # what the phone opens after scanning the printed code
        page = await phone_browser.get(window["review_url"].removeprefix(platform.settings.public_url))
        fake = await phone_browser.get(
            forged.request.url.params["qr"].removeprefix(platform.settings.public_url)
        )
    assert page.status_code == 200 and "3号窗口" in page.text and "非常满意" in page.text
    assert fake.status_code == 422 and "无效" in fake.text

    clerk = staff_token(
        platform, roles=["window_staff"], region=WUHUA, subject=f"clerk-{uuid.uuid4().hex[:6]}"
    )
    phone = new_phone()
    visit = {"window_id": window["window_id"], "phone": phone, "item_name": "社保卡补办"}
    async with platform.client(clerk) as client:
        recorded = await client.post("/api/v1/reviews/window-visits", json=visit)
        self_review = await post_review(
            client, {"case_type": "window_visit", "case_id": recorded.json()["case_id"], "level": 5}
        )
    assert recorded.status_code == 201, recorded.text
    assert self_review.status_code == 403 and self_review.json()["code"] == "own_case"
    admin = await admin_token(platform)

    async def texted() -> bool:  # invited by SMS (awaited before signing in, so the codes are not mixed up)
        return any("社保卡补办" in t for t in await sms_texts(platform, admin, phone))

    await eventually(texted)
    person = (await sms_tokens(platform, phone))["access_token"]
    async with platform.client(person) as client:
        invitation = await invitation_for(client, recorded.json()["case_id"])
        reviewed = await post_review(
            client,
            {
                "case_type": "window_visit",
                "case_id": invitation["case_id"],
                "level": 5,
                "channel": "window_qr",
            },
        )
    assert reviewed.status_code == 201 and reviewed.json()["channel"] == "window_qr"
    async with platform.client() as anyone:
        figures = await indicators_of(anyone, clock.china_day(clock.now()), department=department)
    assert figures["cases"] == 1 and figures["reviews"] == 1 and figures["active_rate"] == 1.0


async def test_a_mini_app_use_is_invited_once_a_day_and_counted_for_the_app(platform):
    app = await listed_mini_app(platform)
    person = (await sms_tokens(platform))["access_token"]
    async with platform.client(person) as client:
        first = await client.post("/api/v1/me/mini-app-uses", json={"app_id": app["app_id"]})
        again = await client.post("/api/v1/me/mini-app-uses", json={"app_id": app["app_id"]})
        unknown = await client.post("/api/v1/me/mini-app-uses", json={"app_id": "no.such.app"})
        reviewed = await post_review(
            client,
            {"case_type": "mini_app", "case_id": first.json()["case_id"], "level": 4, "channel": "app"},
        )
    assert first.status_code == 201 and again.json()["invitation_id"] == first.json()["invitation_id"]
    assert unknown.status_code == 404
    assert reviewed.status_code == 201
    async with platform.client() as anyone:
        figures = await indicators_of(anyone, clock.china_day(clock.now()), app_id=app["app_id"])
    assert (figures["cases"], figures["reviews"], figures["good_rate"]) == (1, 1, 1.0)


async def test_an_upheld_appeal_excludes_the_review_from_the_indicators_visibly(platform):
    person = (await sms_tokens(platform))["access_token"]
    application_no, department = await invited_application(platform, person)
    async with platform.client(person) as client:
        bad = (await post_review(client, body(application_no, 1, comment="乱评的"))).json()
    unit = staff_token(
        platform, roles=["department_staff"], region=LUQUAN, subject="u1", department=department
    )
    supervisor = staff_token(platform, roles=["county_admin"], region=LUQUAN, subject="sup-luquan")
    appeal_body = {"reason": "办事人当天未到窗口", "evidence": ["窗口监控截图"]}
    async with platform.client(person) as client:
        by_reviewer = await client.post(f"/api/v1/reviews/{bad['review_id']}/appeal", json=appeal_body)
    async with platform.client(unit) as client:
        no_evidence = await client.post(f"/api/v1/reviews/{bad['review_id']}/appeal", json={"reason": "不服"})
        appeal = await client.post(f"/api/v1/reviews/{bad['review_id']}/appeal", json=appeal_body)
        twice = await client.post(f"/api/v1/reviews/{bad['review_id']}/appeal", json=appeal_body)
        self_decided = await client.post(
            f"/api/v1/reviews/appeals/{appeal.json()['appeal_id']}/decide",
            json={"upheld": True, "reason": "我说了算"},
        )
    assert by_reviewer.status_code == 403 and no_evidence.status_code == 422
    assert appeal.status_code == 201 and twice.status_code == 409 and self_decided.status_code == 403
    day = clock.china_day(clock.now())
    async with platform.client() as anyone:
        before = await indicators_of(anyone, day, department=department)
    async with platform.client(supervisor) as client:
        pending = (await client.get("/api/v1/reviews/appeals", params={"status": "pending"})).json()
        decided = await client.post(
            f"/api/v1/reviews/appeals/{appeal.json()['appeal_id']}/decide",
            json={"upheld": True, "reason": "经调取监控，办事人当天未到窗口"},
        )
    assert appeal.json()["appeal_id"] in {a["appeal_id"] for a in pending}
    assert decided.status_code == 200 and decided.json()["status"] == "upheld"
    async with platform.client() as anyone:
        after = await indicators_of(anyone, day, department=department)
        public = (await anyone.get("/api/v1/public/reviews", params={"department": department})).json()
    assert (before["reviews"], before["bad_count"]) == (1, 1)
    assert (after["reviews"], after["bad_count"], after["excluded"]) == (0, 0, 1)
    assert public[0]["excluded"] and "未到窗口" in public[0]["excluded_reason"]


async def test_staff_read_indicators_in_their_region_and_anyone_reads_the_public_ones(platform):
    wuhua = staff_token(platform, roles=["county_admin"], region=WUHUA, subject="a")
    async with platform.client(wuhua) as client:
        own = await client.get("/api/v1/reviews/indicators", params={"region": WUHUA})
        other = await client.get("/api/v1/reviews/indicators", params={"region": LUQUAN})
        public = await client.get("/api/v1/reviews/indicators", params={"region": LUQUAN, "public": "true"})
        two = await client.get("/api/v1/reviews/indicators", params={"region": LUQUAN, "department": "x"})
        bad_day = await client.get("/api/v1/reviews/indicators", params={"from": "2026-13-01"})
    assert own.status_code == 200 and own.json()["public"] is False
    assert other.status_code == 403 and public.status_code == 200 and public.json()["public"] is True
    assert two.status_code == 422 and two.json()["code"] == "one_dimension"
    assert bad_day.status_code == 422


@pytest.mark.parametrize("action", ["verify", "close"])
async def test_rectification_actions_by_nobody_in_particular_are_refused(platform, action):
    citizen = citizen_token(platform)
    async with platform.client(citizen) as client:
        reply = await client.post(f"/api/v1/reviews/rectifications/RC0000000000000000/{action}", json={})
        listed = await client.get("/api/v1/reviews/rectifications")
    assert reply.status_code == 404 and listed.status_code == 403


async def test_an_overdue_rectification_is_escalated_to_the_regions_supervisors_by_sms(platform):
    from services.reviews.grpc_server import make_context
    from services.reviews.rectifications import sweep_overdue

    county = "530103"  # 盘龙区
    supervisor_phone = new_phone()
    await create_staff(platform, roles=["county_admin"], region=county, phone=supervisor_phone)
    person = (await sms_tokens(platform))["access_token"]
    application_no, _ = await invited_application(platform, person, region=county)
    async with platform.client(person) as client:
        rect = (await post_review(client, body(application_no, 1))).json()["rectification"]
    runtime = platform.services["reviews"].runtime
    late = dt.datetime.fromisoformat(rect["due_at"]) + dt.timedelta(minutes=1)
    async with runtime.db.transaction() as session:  # the timer's pass, at a moment past the deadline
        assert await sweep_overdue(session=session, ctx=make_context(runtime), now=late) >= 1
    runtime.relay.wake()
    admin = await admin_token(platform)

    async def escalated() -> list[str]:
        return [
            t for t in await sms_texts(platform, admin, supervisor_phone) if rect["rectification_id"] in t
        ]

    assert "督办" in (await eventually(escalated))[0]
    async with platform.client(
        staff_token(platform, roles=["county_admin"], region=county, subject="p")
    ) as client:
        overdue = (await client.get("/api/v1/reviews/rectifications", params={"overdue": "true"})).json()
    assert rect["rectification_id"] in {r["rectification_id"] for r in overdue["rectifications"]}


async def test_the_review_routes_are_in_the_openapi_document(platform):
    async with platform.client() as client:
        paths = (await client.get("/openapi.json")).json()["paths"]
    assert {
        "/api/v1/me/review-invitations",
        "/api/v1/reviews",
        "/api/v1/reviews/indicators",
        "/api/v1/reviews/rectifications",
        "/api/v1/reviews/rectifications/{rectification_id}/{action}",
        "/api/v1/reviews/{review_id}/appeal",
        "/api/v1/reviews/appeals/{appeal_id}/decide",
        "/api/v1/public/reviews",
        "/api/v1/public/rectifications",
        "/api/v1/reviews/windows/{window_id}/qr",
        "/api/v1/reviews/window-visits",
        "/api/v1/me/mini-app-uses",
    } <= set(paths)
    assert "Idempotency-Key" in {p["name"] for p in paths["/api/v1/reviews"]["post"]["parameters"]}


async def test_the_reconciliation_finds_the_counters_equal_to_a_recount_and_repairs_a_broken_one(platform):
    from services.reviews import indicators

    admin = await admin_token(platform)
    async with platform.client(admin) as client:
        clean = await client.post("/api/v1/admin/reviews/reconcile")
    assert clean.status_code == 200 and clean.json()["rows_fixed"] == 0
    runtime = platform.services["reviews"].runtime
    async with runtime.db.transaction() as session:  # a counter broken behind the service's back
        await indicators.apply(session, {("region", "532801", "2001-01-01"): indicators.Counter(reviews=7)})
    async with platform.client(admin) as client:
        repaired = await client.post("/api/v1/admin/reviews/reconcile")
        citizen = await platform.client(citizen_token(platform)).post("/api/v1/admin/reviews/reconcile")
    assert repaired.json()["rows_fixed"] == 1 and citizen.status_code == 403
    async with platform.client() as anyone:
        figures = (
            await anyone.get(
                "/api/v1/reviews/indicators",
                params={"region": "532801", "from": "2001-01-01", "to": "2001-01-01"},
            )
        ).json()
    assert figures["reviews"] == 0
