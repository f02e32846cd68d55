"""The staff console's two work panels in headless Chromium against the real gateway and services: department staff
work an application through the intake worklist (补齐补正, the citizen resubmits, 受理, 办结) and the API shows it
concluded; an outlet technician on a phone and a county admin on a wall screen work a rectification opened by a
level-1 review (查实 → 整改 → 回访) and the API shows each new status; an overdue case is red and first, the outlet
disputes it with reason and evidence and the county admin decides. Screenshots go under the test's tmp dir (and
var/screenshots)."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from tests.gateway.repair_support import upload
from tests.gateway.reviews_support import invitation_for
from tests.gateway.test_console import Page, chromium, keep, needs_chromium
from tests.gateway.test_intake_support import COUNTY, Clock, new_citizen, new_item
from tests.helpers import citizen_token, create_staff, new_ip, password_tokens

JINGHONG, OUTLET = "532801", "OUT-532801-02"  # 景洪市勐罕镇户户通维修点: satellite


@pytest.fixture
def clock(monkeypatch):  # type: ignore[no-untyped-def]
    return Clock(monkeypatch)


@pytest.fixture
def small(tmp_path: Path) -> Iterator[WebDriver]:
    driver = chromium(tmp_path / "profile-small", 360, 740)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def large(tmp_path: Path) -> Iterator[WebDriver]:
    driver = chromium(tmp_path / "profile-large", 1920, 1080)
    try:
        yield driver
    finally:
        driver.quit()


def pick(page: Page, css: str, value: str) -> None:
    """Choose an option of a select as a person does (the change event fires)."""
    Select(page.el(css)).select_by_value(value)


def application(item: dict) -> dict:
    return {
        "item_code": item["item_code"],
        "region": COUNTY,
        "form": {"phone": "13900000000"},
        "materials": [
            {"material_id": "plan", "file_id": "f-plan"},
            {"material_id": "photo", "file_id": "f-1"},
        ],
    }


async def submit(platform, citizen: str, item: dict) -> str:
    async with platform.client(citizen) as client:
        reply = await client.post(
            "/api/v1/intake/applications",
            json=application(item),
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
    assert reply.status_code == 201, reply.text
    return str(reply.json()["application_no"])


@needs_chromium
async def test_department_staff_work_an_application_from_correction_to_conclusion(
    platform, large, clock, tmp_path
):
    department = f"测试局{random.randrange(10**8)}"
    account = await create_staff(
        platform,
        roles=["department_staff"],
        region=COUNTY,
        department=department,
        display_name="市监局受理员",
    )
    token = (await password_tokens(platform, account["username"], account["password"]))["access_token"]
    item = await new_item(platform, token, department=department, mode="online", name="食品经营许可（测试）")
    citizen, _ = new_citizen(platform)
    clock.now = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    late = await submit(platform, citizen, item)  # its acceptance deadline passed weeks ago
    clock.now = dt.datetime.now(dt.UTC)
    number = await submit(platform, citizen, item)
    page = Page(large, platform.gateway_url, tmp_path)

    def ask_for_correction() -> None:
        page.sign_in(account["username"], account["password"], "/console/intake")
        page.go("/console/intake?per=1")  # one case a page: the second comes with 加载更多 (the API's cursor)
        page.visible(f"#app-{late}")
        assert not page.driver.find_elements("css selector", f"#app-{number}")
        page.click("#i-more")
        page.visible(f"#app-{number}")
        page.wait.until(lambda d: not d.find_element("css selector", "#i-more").is_displayed())
        page.go("/console/intake")
        page.visible(f"#app-{number}")
        rows = page.driver.execute_script(
            "return [].map.call(document.querySelectorAll('#applications li[data-application]'),"
            " function (li) { return li.getAttribute('data-application'); })"
        )
        assert rows == [late, number]  # the oldest deadline first
        assert "overdue" in page.el(f"#app-{late}").get_attribute("class")
        assert "已超时" in page.text(f"#app-{late}") and "已超时" not in page.text(f"#app-{number}")
        assert "overdue" not in page.el(f"#app-{number}").get_attribute("class")
        card = page.text(f"#app-{number}")
        assert (
            "食品经营许可（测试）" in card and "联系电话：13900000000" in card and "平面图、现场照片" in card
        )
        pick(page, "#i-overdue", "true")
        page.wait.until(lambda d: not d.find_elements("css selector", f"#app-{number}"))
        assert page.el(f"#app-{late}").is_displayed()
        pick(page, "#i-overdue", "")
        page.visible(f"#app-{number}")
        # Refusing without a reason and asking for nothing are stopped on the page.
        page.click(f"#refuse-{number}")
        page.has_text("#status", "不予受理必须填写理由")
        page.click(f"#correct-{number}")
        page.has_text("#status", "须写明缺少的材料")
        page.type(f"#missing-{number}", "平面图（须标注尺寸）\n现场照片（须含门头）")
        assert page.unlabelled_controls() == []
        keep(page.screenshot("intake-worklist"), "console-intake.png")
        page.click(f"#correct-{number}")
        page.has_text("#status", "已告知申请人补齐补正")
        page.wait.until(lambda d: not d.find_elements("css selector", f"#app-{number}"))
        pick(page, "#i-status", "correction_requested")
        page.has_text(f"#app-{number}", "待补正：平面图（须标注尺寸）、现场照片（须含门头）")

    await asyncio.to_thread(ask_for_correction)
    async with platform.client(citizen) as client:
        asked = (await client.get(f"/api/v1/intake/applications/{number}")).json()
        assert asked["status"] == "correction_requested"
        assert asked["missing"] == ["平面图（须标注尺寸）", "现场照片（须含门头）"]
        again = await client.post(
            f"/api/v1/intake/applications/{number}/resubmit",
            json={
                "materials": [
                    {"material_id": "plan", "file_id": "f-plan-2"},
                    {"material_id": "photo", "file_id": "f-2"},
                ]
            },
        )
    assert again.status_code == 200 and again.json()["status"] == "submitted", again.text

    def accept_and_conclude() -> None:
        pick(page, "#i-status", "submitted")
        page.visible(f"#accept-{number}")
        page.type(f"#opinion-{number}", "材料齐全，予以受理")
        page.click(f"#accept-{number}")
        page.has_text("#status", "已受理")
        pick(page, "#i-status", "accepted")
        page.visible(f"#approve-{number}")
        page.click(f"#deny-{number}")
        page.has_text("#status", "不予批准必须写明理由")
        assert page.unlabelled_controls() == []
        page.screenshot("intake-accepted")
        page.click(f"#approve-{number}")
        page.has_text("#status", "已办结（准予）")
        pick(page, "#i-status", "concluded")
        page.has_text(f"#app-{number}", "办结结果：准予")
        assert page.script_errors() == []

    await asyncio.to_thread(accept_and_conclude)
    async with platform.client(token) as client:
        done = (await client.get(f"/api/v1/intake/applications/{number}")).json()
    assert done["status"] == "concluded" and done["outcome"] == "approved"
    assert [(t["action"], t["note"]) for t in done["timeline"]] == [
        ("submitted", "渠道 online"),
        ("request_correction", "需补正：平面图（须标注尺寸）、现场照片（须含门头）"),
        ("resubmitted", "已补正：平面图（须标注尺寸）、现场照片（须含门头）"),
        ("accept", "材料齐全，予以受理"),
        ("conclude", "准予"),
    ]


async def bad_review_of_a_resolved_ticket(platform, technician: str) -> str:
    """A ticket at the outlet, resolved by its technician, rated 1 by its reporter: the new rectification's id."""
    citizen = citizen_token(platform)
    async with platform.client(citizen) as client:
        filed = await client.post(
            "/api/v1/repair/tickets",
            json={
                "county": JINGHONG,
                "category": "satellite",
                "description": "户户通没有信号",
                "contact_name": "玉香",
                "contact_phone": f"139{random.randrange(10**8):08d}",
                "outlet_id": OUTLET,
            },
        )
    assert filed.status_code == 201, filed.text
    ticket_no = filed.json()["ticket_no"]
    assert filed.json()["assignee"]["outlet_id"] == OUTLET
    async with platform.client(technician) as client:
        assert (await client.post(f"/api/v1/repair/tickets/{ticket_no}/accept")).status_code == 200
        photo = await upload(client)
        resolved = await client.post(
            f"/api/v1/repair/tickets/{ticket_no}/resolve",
            json={"note": "更换高频头", "evidence": [photo.json()["evidence_id"]]},
        )
    assert resolved.status_code == 200, resolved.text
    async with platform.client(citizen) as client:
        await invitation_for(client, ticket_no)
        review = await client.post(
            "/api/v1/reviews",
            json={
                "case_type": "repair_ticket",
                "case_id": ticket_no,
                "level": 1,
                "comment": "说好上午来，下午才到",
            },
            headers={"Idempotency-Key": str(uuid.uuid4()), "X-Forwarded-For": new_ip()},
        )
    assert review.status_code == 201, review.text
    rect = review.json()["rectification"]
    assert rect["status"] == "open" and rect["unit"] == OUTLET
    return str(rect["rectification_id"])


async def status_of(platform, token: str, rect_id: str) -> str:
    async with platform.client(token) as client:
        page = (await client.get("/api/v1/reviews/rectifications", params={"limit": 200})).json()
    return next(r["status"] for r in page["rectifications"] if r["rectification_id"] == rect_id)


@needs_chromium
async def test_an_outlet_and_a_county_admin_work_a_rectification_from_verify_to_the_countys_close(
    platform, small, large, tmp_path
):
    tech = await create_staff(
        platform, roles=["outlet_technician"], region=JINGHONG, outlet_id=OUTLET, display_name="勐罕维修员"
    )
    tech_token = (await password_tokens(platform, tech["username"], tech["password"]))["access_token"]
    rect_id = await bad_review_of_a_resolved_ticket(platform, tech_token)
    phone_page = Page(small, platform.gateway_url, tmp_path)

    def verify_and_rectify() -> None:
        phone_page.sign_in(tech["username"], tech["password"], "/console/technician")
        phone_page.go("/console/rectifications")
        phone_page.visible(f"#verify-{rect_id}")
        card = phone_page.text(f"#rect-{rect_id}")
        assert "待查实" in card and "非常不满意：说好上午来，下午才到" in card and OUTLET in card
        assert phone_page.el(f"#dispute-{rect_id}").is_displayed()  # the unit may dispute
        assert not phone_page.driver.find_elements("css selector", f"#decide-{rect_id}")
        phone_page.click(f"#verify-{rect_id}")
        phone_page.has_text("#status", "已查实")
        phone_page.has_text(f"#rstate-{rect_id}", "已查实，整改中")
        phone_page.click(f"#rectify-{rect_id}")
        phone_page.has_text("#status", "请写明整改情况")
        phone_page.type(f"#rnote-{rect_id}", "已对维修员批评教育，承诺按预约时间上门")
        assert phone_page.unlabelled_controls() == []
        keep(phone_page.screenshot("rectification-phone"), "console-rectifications-360.png")
        phone_page.click(f"#rectify-{rect_id}")
        phone_page.has_text("#status", "已提交整改")
        phone_page.has_text(f"#rstate-{rect_id}", "已整改，待回访")
        assert phone_page.script_errors() == []

    await asyncio.to_thread(verify_and_rectify)
    assert await status_of(platform, tech_token, rect_id) == "rectified"

    admin = await create_staff(platform, roles=["county_admin"], region=JINGHONG, display_name="景洪市监督员")
    admin_token = (await password_tokens(platform, admin["username"], admin["password"]))["access_token"]
    wall_page = Page(large, platform.gateway_url, tmp_path)

    def return_visit() -> None:
        wall_page.sign_in(admin["username"], admin["password"], "/console/dashboard")
        wall_page.go("/console/rectifications")
        wall_page.visible(f"#visit-{rect_id}")
        assert "已对维修员批评教育" in wall_page.text(f"#rect-{rect_id}")
        pick(wall_page, f"#satisfied-{rect_id}", "true")
        wall_page.type(f"#vnote-{rect_id}", "电话回访，群众表示满意")
        assert wall_page.unlabelled_controls() == []
        wall_page.screenshot("rectification-wall")
        wall_page.click(f"#visit-{rect_id}")
        wall_page.has_text(f"#rstate-{rect_id}", "已回访，待办结")
        wall_page.visible(f"#close-{rect_id}")
        assert wall_page.script_errors() == []

    await asyncio.to_thread(return_visit)
    assert await status_of(platform, admin_token, rect_id) == "returned_visit"

    def close_with_a_note() -> None:  # 八(四): the county closes an outlet's rectification, with its note
        wall_page.click(f"#close-{rect_id}")
        wall_page.has_text("#status", "请写明办结意见")
        wall_page.type(f"#cnote-{rect_id}", "整改到位，回访满意，同意办结")
        wall_page.click(f"#close-{rect_id}")
        wall_page.has_text(f"#rstate-{rect_id}", "已办结")
        assert wall_page.script_errors() == []

    await asyncio.to_thread(close_with_a_note)
    assert await status_of(platform, admin_token, rect_id) == "closed"


async def make_overdue(platform, rect_id: str) -> None:
    """Move the case's deadline into the past and run the overdue timer's pass, as the reviews service does."""
    from services.reviews.grpc_server import make_context
    from services.reviews.models import Rectification
    from services.reviews.rectifications import sweep_overdue

    runtime = platform.services["reviews"].runtime
    async with runtime.db.transaction() as session:
        rect = await session.get(Rectification, rect_id)
        assert rect is not None
        rect.due_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    async with runtime.db.transaction() as session:
        assert await sweep_overdue(session=session, ctx=make_context(runtime)) >= 1


@needs_chromium
async def test_an_overdue_case_is_red_the_outlet_disputes_it_and_the_county_admin_decides(
    platform, large, tmp_path
):
    tech = await create_staff(
        platform, roles=["outlet_technician"], region=JINGHONG, outlet_id=OUTLET, display_name="勐罕维修员"
    )
    tech_token = (await password_tokens(platform, tech["username"], tech["password"]))["access_token"]
    rect_id = await bad_review_of_a_resolved_ticket(platform, tech_token)
    fresh_id = await bad_review_of_a_resolved_ticket(platform, tech_token)
    await make_overdue(platform, rect_id)
    page = Page(large, platform.gateway_url, tmp_path)

    def dispute() -> None:
        page.sign_in(tech["username"], tech["password"], "/console/technician")
        page.go("/console/rectifications")
        page.visible(f"#rect-{fresh_id}")
        page.visible(f"#rect-{rect_id}")
        order = page.driver.execute_script(
            "return [].map.call(document.querySelectorAll('#rectification-list li[data-rectification]'),"
            " function (li) { return li.getAttribute('data-rectification'); })"
        )
        assert order.index(rect_id) < order.index(fresh_id)  # the earlier due date first
        assert "overdue" in page.el(f"#rect-{rect_id}").get_attribute("class")
        late = page.text(f"#rect-{rect_id}")
        assert "已超时" in late and "超期督办" in late and "已超时" not in page.text(f"#rect-{fresh_id}")
        page.click("#r-overdue")
        page.wait.until(lambda d: not d.find_elements("css selector", f"#rect-{fresh_id}"))
        page.type(f"#dreason-{rect_id}", "当天暴雨山路塌方，已电话告知群众改约")
        page.click(f"#dispute-{rect_id}")
        page.has_text("#status", "须附上至少一项证据")
        page.type(f"#evidence-{rect_id}", "通话记录截图 EV-001\n乡政府道路中断通知")
        assert page.unlabelled_controls() == []
        keep(page.screenshot("rectification-overdue"), "console-rectifications.png")
        page.click(f"#dispute-{rect_id}")
        page.has_text(f"#rstate-{rect_id}", "有异议，待监督部门裁定")
        assert not page.driver.find_elements(
            "css selector", f"#decide-{rect_id}"
        )  # only a supervisor decides
        assert page.script_errors() == []

    await asyncio.to_thread(dispute)
    assert await status_of(platform, tech_token, rect_id) == "disputed"
    admin = await create_staff(platform, roles=["county_admin"], region=JINGHONG, display_name="景洪市监督员")
    admin_token = (await password_tokens(platform, admin["username"], admin["password"]))["access_token"]
    page.driver.delete_all_cookies()
    page.driver.execute_script("sessionStorage.clear()")

    def decide() -> None:
        page.sign_in(admin["username"], admin["password"], "/console/dashboard")
        page.go("/console/rectifications")
        page.visible(f"#decide-{rect_id}")
        card = page.text(f"#rect-{rect_id}")
        assert "异议理由：当天暴雨山路塌方" in card and "通话记录截图 EV-001、乡政府道路中断通知" in card
        assert not page.driver.find_elements("css selector", f"#rectify-{fresh_id}")  # the unit rectifies
        assert page.el(f"#verify-{fresh_id}").is_displayed()  # a supervisor may verify
        page.click(f"#decide-{rect_id}")
        page.has_text("#status", "请选择裁定结果")
        pick(page, f"#upheld-{rect_id}", "false")
        page.type(f"#decision-{rect_id}", "已提前两天预约，未见改约记录")
        page.click(f"#decide-{rect_id}")
        page.has_text(f"#rstate-{rect_id}", "已查实，整改中")
        assert page.script_errors() == []

    await asyncio.to_thread(decide)
    assert await status_of(platform, admin_token, rect_id) == "verified"
