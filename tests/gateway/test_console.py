"""The staff console (`/console/`) in headless Chromium against the real gateway and services: a reviewer approves
then delists a mini-app and the public catalogue follows; a technician accepts and resolves a ticket with a photo
from a 360-px phone; a county admin's dashboard shows a new ticket without reloading. Screenshots of every page are
written under the test's tmp dir (and copied to var/screenshots for people to look at).

Selenium blocks, and the gateway runs on this test's event loop: every browser step runs in a worker thread."""

from __future__ import annotations

import asyncio
import base64
import io
import random
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.helpers import citizen_token, create_staff, listed_mini_app, manifest, new_ip, password_tokens

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
WAIT = 20

needs_chromium = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)",
)


def chromium(profile: Path, width: int, height: int) -> WebDriver:
    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={width},{height}")
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"X-Forwarded-For": new_ip()}})
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 500},
    )
    return driver


@pytest.fixture
def phone(tmp_path: Path) -> Iterator[WebDriver]:
    driver = chromium(tmp_path / "profile-phone", 360, 740)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def wall(tmp_path: Path) -> Iterator[WebDriver]:
    driver = chromium(tmp_path / "profile-wall", 1920, 1080)
    try:
        yield driver
    finally:
        driver.quit()


class Page:
    """The console as a staff member's browser shows it; every method blocks (call through asyncio.to_thread)."""

    def __init__(self, driver: WebDriver, base: str, shots: Path) -> None:
        self.driver, self.base, self.shots = driver, base, shots
        self.wait = WebDriverWait(driver, WAIT)

    def go(self, path: str) -> None:
        self.driver.get(self.base + path)

    def el(self, css: str):  # type: ignore[no-untyped-def]
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def text(self, css: str) -> str:
        return str(self.el(css).text)

    def visible(self, css: str) -> None:
        self.wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, css)))

    def has_text(self, css: str, text: str) -> None:
        self.wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))

    def type(self, css: str, text: str) -> None:
        field = self.el(css)
        field.clear()
        field.send_keys(text)

    def click(self, css: str) -> None:
        target = self.el(css)
        self.wait.until(ec.element_to_be_clickable(target))
        self.driver.execute_script(
            "arguments[0].scrollIntoView({block: 'center'}); arguments[0].click()", target
        )

    def sign_in(self, username: str, password: str, lands_on: str) -> None:
        self.go("/console/")
        self.type("#username", username)
        self.type("#password", password)
        self.click("#signin-btn")
        self.wait.until(ec.url_contains(lands_on))

    def screenshot(self, name: str) -> Path:
        """The whole page; nothing may stick out sideways."""
        overflow = self.driver.execute_script(
            "return document.documentElement.scrollWidth - window.innerWidth"
        )
        assert overflow <= 0, f"{name}: the page is {overflow}px wider than the screen"
        size = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
        shot = self.driver.execute_cdp_cmd(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
            },
        )
        path = self.shots / f"{name}.png"
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def script_errors(self) -> list[str]:
        return [
            str(e["message"])
            for e in self.driver.get_log("browser")
            if e["level"] == "SEVERE" and "Failed to load resource" not in e["message"]
        ]

    def unlabelled_controls(self) -> list[str]:
        """Inputs, selects and textareas without a label a screen reader can read."""
        return list(
            self.driver.execute_script(
                "return [].filter.call(document.querySelectorAll('input, select, textarea'), function (e) {"
                " return e.offsetParent !== null && !(e.labels && e.labels.length) && !e.getAttribute('aria-label');"
                "}).map(function (e) { return e.id || e.name || e.outerHTML; })"
            )
        )


def keep(path: Path, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, SCREENSHOTS / name)


def jpeg(path: Path) -> Path:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (40, 140, 60)).save(out, format="JPEG", quality=85)
    path.write_bytes(out.getvalue())
    return path


async def file_ticket(platform, county: str, outlet_id: str | None = None, **fields: object) -> dict:
    body = {
        "county": county,
        "category": "satellite",
        "description": "电视没有信号，机顶盒提示无信号",
        "contact_name": "李阿姨",
        "contact_phone": f"139{random.randrange(10**8):08d}",
        "address": "某村3组",
        **fields,
    }
    if outlet_id:
        body["outlet_id"] = outlet_id
    async with platform.client(citizen_token(platform)) as client:
        reply = await client.post("/api/v1/repair/tickets", json=body)
    assert reply.status_code == 201, reply.text
    return reply.json()  # type: ignore[no-any-return]


@needs_chromium
async def whole_catalogue(client, q: str) -> set[str]:
    """Every app id the catalogue lists for `q`, page by page (other tests publish apps of the same name)."""
    found: set[str] = set()
    for offset in range(0, 10_000, 20):
        page = (await client.get("/api/v1/mini-apps", params={"q": q, "limit": 20, "offset": offset})).json()
        found |= {entry["app_id"] for entry in page}
        if len(page) < 20:
            break
    return found


async def test_a_reviewer_approves_then_delists_an_app_and_the_catalogue_follows(platform, wall, tmp_path):
    app = await listed_mini_app(platform)
    app_id = app["app_id"]
    async with platform.client(app["developer"]) as client:
        submitted = await client.post(
            f"/api/v1/mini-apps/{app_id}/versions",
            json=manifest(
                "1.1.0", scopes=["profile", "phone", "repair.tickets"], changelog="增加报修进度查询"
            ),
        )
    assert submitted.status_code == 201, submitted.text
    reviewer = await create_staff(platform, roles=["app_reviewer"], region="53", display_name="审核员小张")
    page = Page(wall, platform.gateway_url, tmp_path)

    def review() -> None:
        page.sign_in(reviewer["username"], reviewer["password"], "/console/review")
        page.go(f"/console/review?app={app_id}")
        page.has_text("#pending-version", "1.1.0")
        assert page.text("#listed-version") == "1.0.0"
        diff = page.text("#diff")
        assert "授权范围" in diff and "repair.tickets" in diff and "增加报修进度查询" in diff
        scopes = page.text("#scopes")
        assert "您的广电报修工单（状态、维修网点、办结时限）" in scopes and "新增" in scopes
        assert page.unlabelled_controls() == []
        page.screenshot("review-pending")
        page.click("#approve")
        page.has_text("#status", "已通过")
        page.has_text("#app-state", "上架版本 1.1.0")

    await asyncio.to_thread(review)
    async with platform.client() as client:
        listed = await client.get(f"/api/v1/mini-apps/{app_id}")
        catalogue = await whole_catalogue(client, app["name"])
    assert listed.status_code == 200 and listed.json()["version"] == "1.1.0"
    assert app_id in catalogue

    def delist() -> None:
        page.click("#delist")
        page.has_text("#status", "下架必须填写理由")
        page.type("#listing-reason", "入口页面存在安全漏洞，整改前暂停服务")
        page.click("#delist")
        page.has_text("#app-state", "已下架")
        page.has_text("#trail", "下架")
        trail = page.text("#trail")
        assert "审核通过" in trail and "入口页面存在安全漏洞" in trail
        keep(page.screenshot("review-delisted"), "console-review.png")
        assert page.script_errors() == []

    await asyncio.to_thread(delist)
    async with platform.client() as client:
        gone = await client.get(f"/api/v1/mini-apps/{app_id}")
        catalogue = await whole_catalogue(client, app["name"])
    assert gone.status_code == 410 and "入口页面存在安全漏洞" in gone.json()["detail"]
    assert app_id not in catalogue


@needs_chromium
async def test_a_technician_accepts_and_resolves_with_a_photo_on_a_phone(platform, phone, tmp_path):
    county, outlet = "533401", "OUT-533401-02"
    technician = await create_staff(
        platform, roles=["outlet_technician"], region=county, outlet_id=outlet, display_name="小中甸维修员"
    )
    ticket = await file_ticket(platform, county, outlet)
    ticket_no = ticket["ticket_no"]
    assert ticket["assignee"]["outlet_id"] == outlet
    photo = jpeg(tmp_path / "fixed.jpg")
    page = Page(phone, platform.gateway_url, tmp_path)

    def work() -> None:
        page.sign_in(technician["username"], technician["password"], "/console/technician")
        page.visible(f"#accept-{ticket_no}")
        card = page.text(f"#ticket-{ticket_no}")
        assert "李阿姨" in card and "已派单" in card
        assert page.el(f"#ticket-{ticket_no} a[href^='tel:']").get_attribute("href").startswith("tel:139")
        page.screenshot("technician-dispatched")
        page.click(f"#accept-{ticket_no}")
        page.visible(f"#contacted-{ticket_no}")
        # arrival is recorded after the first contact with the resident
        assert page.el(f"#arrive-{ticket_no}").get_attribute("disabled") is not None
        page.click(f"#contacted-{ticket_no}")
        page.has_text("#status", "已记录联系用户")
        page.visible(f"#contacted-at-{ticket_no}")
        page.click(f"#arrive-{ticket_no}")
        page.has_text("#status", "已登记到达现场")
        page.visible(f"#arrived-at-{ticket_no}")
        page.visible(f"label[for='photo-{ticket_no}']")
        file_input = page.el(f"#photo-{ticket_no}")
        assert file_input.get_attribute("accept") == "image/*"
        assert file_input.get_attribute("capture") == "environment"
        # Resolving without a photo is refused on the page.
        page.click(f"#resolve-{ticket_no}")
        page.has_text("#status", "请先拍一张修好后的照片")
        file_input.send_keys(str(photo))
        page.has_text(f"#photo-state-{ticket_no}", "照片已上传")
        page.type(f"#note-{ticket_no}", "高频头进水，更换后信号恢复")
        assert page.unlabelled_controls() == []
        keep(page.screenshot("technician-accepted"), "console-technician-360.png")
        page.click(f"#resolve-{ticket_no}")
        page.has_text("#status", "已提交修复")
        assert page.script_errors() == []

    await asyncio.to_thread(work)
    admin = await create_staff(platform, roles=["county_admin"], region=county)
    token = (await password_tokens(platform, admin["username"], admin["password"]))["access_token"]
    async with platform.client(token) as client:
        resolved = (await client.get(f"/api/v1/repair/tickets/{ticket_no}")).json()
    assert resolved["status"] == "resolved"
    assert resolved["resolution_note"] == "高频头进水，更换后信号恢复" and len(resolved["evidence_ids"]) == 1
    assert resolved["contacted_at"] and resolved["arrived_at"] >= resolved["contacted_at"]


@needs_chromium
async def test_a_county_admin_sees_a_new_ticket_on_the_dashboard_without_reloading(platform, wall, tmp_path):
    county = "530502"
    admin = await create_staff(platform, roles=["county_admin"], region=county, display_name="隆阳区管理员")
    token = (await password_tokens(platform, admin["username"], admin["password"]))["access_token"]
    async with platform.client(token) as client:
        outlets = (await client.get("/api/v1/repair/outlets", params={"county": county})).json()
    here = {"lat": outlets[1]["lat"] + 0.01, "lng": outlets[1]["lng"] - 0.01}
    await file_ticket(platform, county, **here)
    page = Page(wall, platform.gateway_url, tmp_path)

    def open_dashboard() -> None:
        page.sign_in(admin["username"], admin["password"], "/console/dashboard")
        page.go("/console/dashboard?every=1")
        page.visible("#latest li[data-ticket]")
        page.visible("#map-svg circle.ticket")
        page.visible("#trend-count svg")
        # A mark that a reload would wipe.
        page.driver.execute_script("window.__stayed = true")

    await asyncio.to_thread(open_dashboard)
    ticket = await file_ticket(platform, county, description="机顶盒无法开机", **here)

    def sees_it() -> None:
        page.visible(f"#latest li[data-ticket='{ticket['ticket_no']}']")
        assert "新" in page.text(f"#latest li[data-ticket='{ticket['ticket_no']}']")
        assert page.driver.execute_script("return window.__stayed") is True
        assert int(page.text("#k-open")) >= 2
        assert page.unlabelled_controls() == []
        keep(page.screenshot("dashboard-1920"), "console-dashboard-1920.png")
        page.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": 360, "height": 740, "deviceScaleFactor": 1, "mobile": True},
        )
        page.driver.set_window_size(360, 740)
        page.go("/console/dashboard")
        page.visible("#latest li[data-ticket]")
        page.visible("#trend-share svg")
        keep(page.screenshot("dashboard-360"), "console-dashboard-360.png")
        assert page.script_errors() == []

    await asyncio.to_thread(sees_it)


@needs_chromium
async def test_outlets_poster_and_the_coming_panels_and_elder_mode(platform, wall, tmp_path):
    """Outlet management switches an outlet off and on; the poster shows the county's signed code; the intake and
    rectification panels load; 长辈模式 enlarges the text and is remembered."""
    county = "530128"
    outlet = "OUT-530128-03"  # 禄劝 转龙镇: satellite only; other outlets serve it meanwhile
    admin = await create_staff(platform, roles=["county_admin", "department_staff"], region=county)
    page = Page(wall, platform.gateway_url, tmp_path)

    def walk() -> None:
        page.sign_in(admin["username"], admin["password"], "/console/dashboard")
        page.go(f"/console/outlets?county={county}")
        page.has_text("#outlets", "禄劝县屏山镇广电服务站")
        keep(page.screenshot("outlets"), "console-outlets.png")
        page.click(f"#toggle-{outlet}")
        page.has_text(f"#state-{outlet}", "停用")
        page.has_text("#status", "已停用")
        page.go(f"/console/poster?county={county}")
        page.wait.until(
            lambda d: d.execute_script(
                "var i = document.getElementById('qr'); return i.complete && i.naturalWidth > 0"
            )
        )
        assert page.text("#county-name") == "禄劝彝族苗族自治县" or "禄劝" in page.text("#county-name")
        keep(page.screenshot("poster"), "console-poster.png")
        for path, box in (
            ("/console/intake", "#applications"),
            ("/console/rectifications", "#rectification-list"),
        ):
            page.go(path)
            page.wait.until(lambda d, b=box: d.find_element(By.CSS_SELECTOR, b).text.strip() != "")
            assert page.unlabelled_controls() == []
        page.screenshot("rectifications")
        before = page.driver.execute_script(
            "return parseFloat(getComputedStyle(document.documentElement).fontSize)"
        )
        page.click("[data-elder-toggle]")
        after = page.driver.execute_script(
            "return parseFloat(getComputedStyle(document.documentElement).fontSize)"
        )
        assert after > before * 1.2
        assert page.el("[data-elder-toggle]").get_attribute("aria-pressed") == "true"
        page.go("/")
        assert page.driver.execute_script("return document.documentElement.classList.contains('elder')")
        keep(page.screenshot("landing-elder"), "landing-elder.png")
        assert page.script_errors() == []

    await asyncio.to_thread(walk)
    token = (await password_tokens(platform, admin["username"], admin["password"]))["access_token"]
    async with platform.client(token) as client:
        outlets = {
            o["outlet_id"]: o
            for o in (await client.get("/api/v1/repair/outlets", params={"county": county})).json()
        }
    assert outlets[outlet]["active"] is False

    def switch_back_on() -> None:
        page.go(f"/console/outlets?county={county}")
        page.has_text(f"#state-{outlet}", "停用")
        page.click(f"#toggle-{outlet}")
        page.has_text(f"#state-{outlet}", "启用")

    await asyncio.to_thread(switch_back_on)
    async with platform.client(token) as client:
        outlets = {
            o["outlet_id"]: o
            for o in (await client.get("/api/v1/repair/outlets", params={"county": county})).json()
        }
    assert outlets[outlet]["active"] is True
    async with platform.client() as client:
        landing = await client.get("/")
    assert landing.status_code == 200 and all(
        link in landing.text for link in ('href="/console/"', 'href="/docs"', 'href="/redoc"', 'href="/r/')
    )


@needs_chromium
async def test_staff_sign_in_with_the_keyboard_alone_and_every_page_fits_a_phone(platform, phone, tmp_path):
    """Tab to the fields, a wrong password shows the API's Chinese detail, Enter signs in; then every console page
    is laid out without sideways scrolling on a 360-px screen and keeps a label on every control."""
    account = await create_staff(
        platform,
        roles=["county_admin", "app_reviewer", "department_staff"],
        region="530102",
        display_name="多岗人员",
    )
    page = Page(phone, platform.gateway_url, tmp_path)

    def by_keyboard() -> None:
        from selenium.webdriver.common.keys import Keys

        page.go("/console/")
        body = page.driver.find_element(By.TAG_NAME, "body")
        reached = []
        for _ in range(12):
            body.send_keys(Keys.TAB) if not reached else page.driver.switch_to.active_element.send_keys(
                Keys.TAB
            )
            reached.append(page.driver.switch_to.active_element.get_attribute("id") or "")
            if reached[-1] == "username":
                break
        assert reached[-1] == "username", reached
        active = page.driver.switch_to.active_element
        active.send_keys(account["username"], Keys.TAB)
        page.driver.switch_to.active_element.send_keys("wrong-password-1", Keys.ENTER)
        page.has_text("#status", "用户名或密码错误")
        page.screenshot("signin-wrong")
        page.type("#password", account["password"])
        page.driver.switch_to.active_element.send_keys(Keys.ENTER)
        page.wait.until(ec.url_contains("/console/review"))
        for path in (
            "review",
            "dashboard",
            "outlets?county=530102",
            "poster?county=530102",
            "intake",
            "rectifications",
        ):
            page.go(f"/console/{path}")
            page.visible("#main h1")
            page.wait.until(lambda d: d.execute_script("return document.readyState") == "complete")
            page.driver.implicitly_wait(0)
            page.screenshot("phone-" + path.split("?")[0])
            assert page.unlabelled_controls() == [], path
        assert page.script_errors() == []

    await asyncio.to_thread(by_keyboard)
