"""The repair scan page (`/r/{county}`) in headless Chromium on a 360-px phone screen, against the real gateway and
services: scan, sign in by SMS, report with a photo and a location, follow the repair, rate it.

Selenium blocks, and the gateway runs on this test's event loop: every browser step runs in a worker thread."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.helpers import latest_code, new_ip, new_phone, staff_token

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
WUHUA = "530102"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=360,740",
)
PHONE_UA = (
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Mobile Safari/537.36"
)
WAIT = 20

needs_chromium = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)",
)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    options.add_experimental_option(
        "mobileEmulation",
        {"deviceMetrics": {"width": 360, "height": 740, "pixelRatio": 2.0}, "userAgent": PHONE_UA},
    )
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    # Each test is a phone on its own network behind the platform's proxy (the SMS limit counts per network).
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"X-Forwarded-For": new_ip()}})
    try:
        yield driver
    finally:
        driver.quit()


def jpeg_file(path: Path) -> Path:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (40, 90, 160)).save(out, format="JPEG", quality=85)
    path.write_bytes(out.getvalue())
    return path


async def county_qr_url(platform, county: str = WUHUA) -> str:
    async with platform.client() as client:
        reply = await client.get(f"/api/v1/repair/counties/{county}/qr", params={"format": "svg"})
    assert reply.status_code == 200, reply.text
    return reply.headers["x-qr-url"]


def page_url(platform, code: str) -> str:
    """The scanned code's path and query on the test gateway (which listens elsewhere than BST_PUBLIC_URL)."""
    parts = urlsplit(code)
    return f"{platform.gateway_url}{parts.path}?{parts.query}"


class Phone:
    """The page as a villager's phone shows it; every method blocks, so call it through asyncio.to_thread."""

    def __init__(self, driver: WebDriver, shots: Path) -> None:
        self.driver = driver
        self.shots = shots
        self.wait = WebDriverWait(driver, WAIT)

    def open(self, url: str) -> None:
        """Open the page and wait until it has resolved the code (the header no longer says it is reading it)."""
        self.driver.get(url)
        self.wait.until_not(ec.text_to_be_present_in_element((By.ID, "place"), "正在识别"))

    def el(self, element_id: str):  # type: ignore[no-untyped-def]
        return self.driver.find_element(By.ID, element_id)

    def text(self, element_id: str) -> str:
        return str(self.el(element_id).text)

    def shown(self, element_id: str) -> bool:
        return bool(self.el(element_id).is_displayed())

    def visible(self, element_id: str) -> None:
        self.wait.until(ec.visibility_of_element_located((By.ID, element_id)))

    def has_text(self, element_id: str, text: str) -> None:
        self.wait.until(ec.text_to_be_present_in_element((By.ID, element_id), text))

    def type(self, element_id: str, text: str) -> None:
        field = self.el(element_id)
        field.clear()
        field.send_keys(text)

    def tap(self, element_id: str) -> None:
        target = self.el(element_id)
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", target)
        target.click()

    def tap_label(self, text: str) -> None:
        label = self.driver.find_element(By.XPATH, f"//label[contains(., '{text}')]")
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", label)
        label.click()

    def screenshot(self, name: str) -> Path:
        """The whole page, not only the screen, at the phone's pixel ratio; nothing may stick out sideways."""
        overflow = self.driver.execute_script(
            "return document.documentElement.scrollWidth - window.innerWidth"
        )
        assert overflow <= 0, f"{name}: the page is {overflow}px wider than the 360-px screen"
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
        """What the page's script threw or logged as an error (answers of 4xx from the API are expected)."""
        return [
            str(e["message"])
            for e in self.driver.get_log("browser")
            if e["level"] == "SEVERE" and "Failed to load resource" not in e["message"]
        ]

    def requests(self, method: str, path: str) -> list[dict[str, object]]:
        """The requests the page sent to a path, with their headers, from Chromium's network log."""
        sent = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] != "Network.requestWillBeSent":
                continue
            request = message["params"]["request"]
            if request["method"] == method and urlsplit(request["url"]).path == path:
                sent.append(request)
        return sent


def keep(path: Path, name: str) -> None:
    """A copy under var/screenshots (git-ignored) for people to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, SCREENSHOTS / name)


@needs_chromium
async def test_a_villager_scans_signs_in_reports_follows_and_rates_a_repair(platform, browser, tmp_path):
    phone = Phone(browser, tmp_path)
    number = new_phone()
    code = await county_qr_url(platform)
    photo = jpeg_file(tmp_path / "tv.jpg")
    # The phone is at the 沙朗 outlet's place, and lets the page read its position.
    async with platform.client(staff_token(platform, roles=["county_admin"], region=WUHUA)) as client:
        outlets = (await client.get("/api/v1/repair/outlets", params={"county": WUHUA})).json()
    here = next(o for o in outlets if o["outlet_id"] == f"OUT-{WUHUA}-02")
    await asyncio.to_thread(
        browser.execute_cdp_cmd,
        "Browser.grantPermissions",
        {"origin": platform.gateway_url, "permissions": ["geolocation"]},
    )
    await asyncio.to_thread(
        browser.execute_cdp_cmd,
        "Emulation.setGeolocationOverride",
        {"latitude": here["lat"], "longitude": here["lng"], "accuracy": 20},
    )

    # 1. The code names the county; reporting needs a sign-in. The county's hotline is there before it.
    async with platform.client() as client:
        hotline = (await client.get(f"/api/v1/repair/counties/{WUHUA}/hotline")).json()["phone"]
    await asyncio.to_thread(phone.open, page_url(platform, code))
    assert await asyncio.to_thread(phone.shown, "v-login")
    assert await asyncio.to_thread(phone.text, "title") == "五华区 广电报修"
    assert await asyncio.to_thread(phone.shown, "hotline")
    assert await asyncio.to_thread(phone.text, "hotline") == hotline
    href = await asyncio.to_thread(phone.el("hotline").get_attribute, "href")
    assert href == "tel:" + hotline.replace("-", "")

    # 2. Sign in with the SMS code.
    def ask_for_code() -> None:
        phone.type("login-phone", number)
        phone.tap("send-code")
        phone.has_text("code-info", "验证码已发到")
        assert not phone.el("send-code").is_enabled()
        assert re.fullmatch(r"重新获取\(\d{2}秒\)", phone.text("send-code"))
        phone.screenshot("1-sign-in")
        # Asked again within the minute: the API's 429 and its Retry-After are shown and the wait starts again.
        browser.execute_script("document.getElementById('send-code').disabled = false")
        phone.tap("send-code")
        phone.has_text("err-login-code", "秒后再试")
        assert re.search(r"请\d+秒后再试", phone.text("err-login-code"))
        assert not phone.el("send-code").is_enabled()

    await asyncio.to_thread(ask_for_code)
    sms = await latest_code(platform, number)

    def sign_in() -> None:
        phone.type("login-code", sms)
        phone.tap("login-btn")
        phone.visible("v-form")
        assert phone.el("contact_phone").get_attribute("value") == number
        assert browser.execute_script("return JSON.parse(sessionStorage.getItem('bst.auth')).phone") == number

    await asyncio.to_thread(sign_in)

    # 3. The report: a wrong contact phone comes back from the API as a field error next to the field.
    def fill_in() -> None:
        phone.tap_label("户户通/卫星电视")
        phone.type("description", "电视一直显示无信号，昨天晚上开始的")
        phone.type("contact_name", "王大爷")
        phone.type("contact_phone", "12345")
        phone.type("address", "沙朗乡某村3组12号")
        phone.tap("locate")
        phone.has_text("loc-info", "已获取位置")
        phone.el("photo").send_keys(str(photo))
        phone.has_text("thumb-state", "照片已上传")
        assert phone.el("thumb-img").get_attribute("src").startswith("blob:")
        phone.tap("submit")
        phone.has_text("err-contact_phone", "手机号（11位，1开头）或带区号的固定电话")
        assert phone.el("contact_phone").get_attribute("aria-invalid") == "true"
        phone.screenshot("2-field-error")
        phone.type("contact_phone", number)
        phone.screenshot("3-form")
        # A double tap: the second submit must not file a second ticket.
        browser.execute_script(
            "var f = document.getElementById('ticket-form'); f.requestSubmit(); f.requestSubmit();"
        )
        phone.visible("v-ticket")

    await asyncio.to_thread(fill_in)

    # 4. The ticket number, the outlet with a tap-to-call number, the distance and the 24-hour promise.
    ticket_no = await asyncio.to_thread(phone.text, "t-no")
    assert re.fullmatch(r"BX\d{16}", ticket_no)
    token = await asyncio.to_thread(
        browser.execute_script, "return JSON.parse(sessionStorage.getItem('bst.auth')).access"
    )
    async with platform.client(token) as client:
        ticket = (await client.get(f"/api/v1/repair/tickets/{ticket_no}")).json()
        mine = (await client.get("/api/v1/repair/tickets", params={"mine": True})).json()["tickets"]
    assert [t["ticket_no"] for t in mine] == [ticket_no]
    assert ticket["channel"] == "qr" and ticket["county"] == WUHUA and ticket["category"] == "satellite"
    assert ticket["contact_phone"] == number and ticket["contact_name"] == "王大爷"
    assert (ticket["lat"], ticket["lng"]) == (pytest.approx(here["lat"]), pytest.approx(here["lng"]))
    assert len(ticket["evidence_ids"]) == 1
    assignee = ticket["assignee"]
    assert assignee and ticket["status"] == "dispatched"

    def ticket_view() -> dict[str, str]:
        shown = {name: phone.text(f"t-{name}") for name in ("status", "outlet", "distance", "call", "due")}
        return {**shown, "href": phone.el("t-call").get_attribute("href")}

    shown = await asyncio.to_thread(ticket_view)
    assert shown["status"] == "已派单" and shown["outlet"] == assignee["name"]
    assert (
        shown["href"] == "tel:" + re.sub(r"[^0-9+]", "", assignee["phone"])
        and assignee["phone"] in shown["call"]
    )
    assert re.fullmatch(r"就在附近（不到100米）|距离约 [\d.]+ (米|公里)", shown["distance"])
    due = ticket["due_at"]
    assert f"最晚 {int(due[5:7])}月{int(due[8:10])}日 {due[11:16]} 前修好" in shown["due"]
    # Every POST of the report carried the same Idempotency-Key, made once for the form.
    posts = await asyncio.to_thread(phone.requests, "POST", "/api/v1/repair/tickets")
    keys = {p["headers"].get("Idempotency-Key") for p in posts}  # type: ignore[union-attr]
    assert len(posts) >= 2 and len(keys) == 1
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", keys.pop() or ""
    )
    assert all(json.loads(p["postData"])["qr"] == code for p in posts)  # type: ignore[arg-type]
    await asyncio.to_thread(phone.screenshot, "4-ticket")

    # Back to the page later with an expired access token: it refreshes the session and shows the ticket again.
    def come_back_later() -> None:
        browser.execute_script(
            "var a = JSON.parse(sessionStorage.getItem('bst.auth')); a.access = 'expired';"
            " sessionStorage.setItem('bst.auth', JSON.stringify(a));"
        )
        browser.refresh()
        phone.visible("v-ticket")
        phone.has_text("t-no", ticket_no)
        assert (
            browser.execute_script("return JSON.parse(sessionStorage.getItem('bst.auth')).access")
            != "expired"
        )

    await asyncio.to_thread(come_back_later)

    # The assigned outlet's technician accepts, photographs the repair and resolves it.
    outlet = assignee["outlet_id"]
    technician = staff_token(
        platform, roles=["outlet_technician"], region=WUHUA, subject=f"tech-{outlet}", outlet=outlet
    )
    async with platform.client(technician) as client:
        accepted = await client.post(f"/api/v1/repair/tickets/{ticket_no}/accept")
        assert accepted.status_code == 200, accepted.text
        evidence = await client.post(
            "/api/v1/repair/uploads", files={"file": ("fixed.jpg", photo.read_bytes(), "image/jpeg")}
        )
        resolved = await client.post(
            f"/api/v1/repair/tickets/{ticket_no}/resolve",
            json={"note": "高频头进水，更换后信号恢复", "evidence": [evidence.json()["evidence_id"]]},
        )
        assert resolved.status_code == 200, resolved.text

    # 5. 刷新进度 shows the repair in the timeline and asks for a rating; 5 非常满意.
    def follow_and_rate() -> None:
        phone.tap("refresh")
        phone.has_text("t-status", "已修复")
        timeline = phone.text("timeline")
        for step in ("您已报修", "已派单给维修网点", "维修人员已接单", "维修人员已修复", "高频头进水"):
            assert step in timeline, timeline
        phone.visible("rate-form")
        phone.screenshot("5-resolved")
        phone.driver.find_element(By.XPATH, "//input[@name='level' and @value='5']/..").click()
        phone.type("comment", "师傅来得快，谢谢")
        phone.tap("rate-btn")
        phone.visible("rated")
        assert "感谢您的评价" in phone.text("rated") and "非常满意" in phone.text("rated-level")
        assert not phone.shown("rate-form")

    await asyncio.to_thread(follow_and_rate)
    keep(await asyncio.to_thread(phone.screenshot, "6-rated"), "repair-scan.png")
    assert await asyncio.to_thread(phone.script_errors) == []
    token = await asyncio.to_thread(
        browser.execute_script, "return JSON.parse(sessionStorage.getItem('bst.auth')).access"
    )
    async with platform.client(token) as client:
        rated = (await client.get(f"/api/v1/repair/tickets/{ticket_no}")).json()
    assert rated["rating"]["level"] == 5 and rated["rating"]["comment"] == "师傅来得快，谢谢"


@needs_chromium
async def test_a_tampered_code_shows_a_neutral_reason_the_hotline_and_no_form(platform, browser, tmp_path):
    phone = Phone(browser, tmp_path)
    parts = urlsplit(await county_qr_url(platform))
    query = dict(parse_qsl(parts.query))
    query["s"] = ("B" if query["s"][0] == "A" else "A") + query["s"][1:]  # one character changed
    tampered = parts._replace(query=urlencode(query)).geturl()
    async with platform.client() as client:
        refused = await client.get("/api/v1/repair/qr", params={"qr": tampered})
    assert refused.status_code == 422 and refused.json()["code"] == "qr_signature"

    await asyncio.to_thread(phone.open, page_url(platform, tampered))
    assert await asyncio.to_thread(phone.shown, "v-error")
    # A code that cannot be read does not accuse the villager of forging it: it says so plainly and gives the
    # county's hotline and the village agent as the way to report anyway.
    assert "无法识别" in await asyncio.to_thread(phone.text, "qr-error")
    said = await asyncio.to_thread(phone.text, "v-error")
    assert "服务热线" in said and "代办员" in said
    page_text = await asyncio.to_thread(browser.execute_script, "return document.body.innerText")
    assert not re.search("伪造|涂改|篡改", page_text)
    assert await asyncio.to_thread(phone.shown, "hotline")
    assert re.fullmatch(r"[0-9+\-]{5,20}", await asyncio.to_thread(phone.text, "hotline"))
    assert await asyncio.to_thread(phone.text, "qr-detail") == refused.json()["detail"]
    for view in ("v-login", "v-form", "v-ticket"):
        assert not await asyncio.to_thread(phone.shown, view)
    visible_inputs = await asyncio.to_thread(
        browser.execute_script,
        "return [].filter.call(document.querySelectorAll('input, textarea, button:not([data-elder-toggle])'),"
        " function (e) { return e.offsetParent !== null; }).length",
    )
    assert visible_inputs == 0
    keep(await asyncio.to_thread(phone.screenshot, "tampered"), "repair-scan-tampered.png")
    assert await asyncio.to_thread(phone.script_errors) == []


async def test_the_scan_page_shares_the_platforms_elder_mode(platform, browser, tmp_path):
    """长辈模式 on the citizen page is the console's: one toggle, larger text, remembered on the phone."""
    phone = Phone(browser, tmp_path)
    await asyncio.to_thread(phone.open, page_url(platform, await county_qr_url(platform)))
    size = "return document.getElementById('title').getBoundingClientRect().height"  # as the eye sees it
    before = await asyncio.to_thread(browser.execute_script, size)
    toggle = await asyncio.to_thread(browser.find_element, By.CSS_SELECTOR, "[data-elder-toggle]")
    await asyncio.to_thread(toggle.click)
    assert await asyncio.to_thread(toggle.get_attribute, "aria-pressed") == "true"
    assert await asyncio.to_thread(browser.execute_script, size) > before
    await asyncio.to_thread(phone.open, page_url(platform, await county_qr_url(platform)))  # kept on reload
    assert "elder" in await asyncio.to_thread(
        browser.execute_script, "return document.documentElement.className"
    )
    keep(await asyncio.to_thread(phone.screenshot, "elder"), "repair-scan-elder.png")
    assert await asyncio.to_thread(phone.script_errors) == []


async def test_the_page_is_small_self_contained_and_names_the_public_base(platform):
    """Slow phones on village networks: the page, its script and its style stay under 30 KB, load nothing from
    elsewhere, and the page carries the platform's public base that printed codes are made of."""
    async with platform.client() as client:
        page = await client.get(f"/r/{WUHUA}", params={"k": "00000000", "s": "x"})
        assets = [await client.get(f"/m/repair-scan/{name}") for name in ("app.js", "style.css")]
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert all(a.status_code == 200 for a in assets)
    assert len(page.content) + sum(len(a.content) for a in assets) < 30_000
    base = platform.settings.public_url.rstrip("/")
    assert f'<meta name="bst-public-url" content="{base}">' in page.text
    assert "connect-src 'self'" in page.headers["content-security-policy"]
    for text in (page.text, *(a.text for a in assets)):
        assert not re.search(r"(src|href)=[\"']?(https?:)?//|url\(|@import", text)
