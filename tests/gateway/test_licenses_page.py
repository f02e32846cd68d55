"""The wallet page (`/m/license-wallet/`) in headless Chromium on a phone screen, against the real gateway and
services: sign in by SMS, bind the ID number, open the driving licence, show name and class as a QR code, which
verifies; the use record then shows the verification. Selenium blocks: every browser step runs in a thread."""

from __future__ import annotations

import asyncio
import base64
import io

import zxingcpp
from PIL import Image
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.gateway.test_licenses import driving_licence, issuer_token
from tests.gateway.test_scan_page import WAIT, browser, needs_chromium  # noqa: F401 - the fixture
from tests.helpers import latest_code, new_phone
from tests.services.licenses.conftest import new_id_number


@needs_chromium
async def test_a_citizen_shows_name_and_class_from_the_wallet_page(platform, browser) -> None:  # noqa: F811
    number, phone = new_id_number(), new_phone()
    async with platform.client(issuer_token(platform)) as issuer:
        assert (await issuer.post("/api/v1/licenses", json=driving_licence(number))).status_code == 201
    wait = WebDriverWait(browser, WAIT, ignored_exceptions=[StaleElementReferenceException])

    def visible(element_id: str):
        return wait.until(ec.visibility_of_element_located((By.ID, element_id)))

    def step(fn):
        return asyncio.to_thread(fn)

    await step(lambda: browser.get(f"{platform.gateway_url}/m/license-wallet/"))
    await step(lambda: visible("phone").send_keys(phone))
    await step(lambda: browser.find_element(By.ID, "send-code").click())
    await step(lambda: wait.until(ec.text_to_be_present_in_element((By.ID, "notice"), "验证码已发送")))
    code = await latest_code(platform, phone)
    await step(lambda: browser.find_element(By.ID, "code").send_keys(code))
    await step(lambda: browser.find_element(By.CSS_SELECTOR, "#login-form button[type=submit]").click())
    await step(lambda: visible("name").send_keys("张三"))
    await step(lambda: browser.find_element(By.ID, "id-number").send_keys(number))
    await step(lambda: browser.find_element(By.CSS_SELECTOR, "#bind-form button").click())
    item = await step(lambda: wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, "#list button"))))
    assert "机动车驾驶证" in item.text and "有效" in item.text
    await step(item.click)
    await step(lambda: visible("present-btn"))
    await step(lambda: browser.find_element(By.CSS_SELECTOR, "#fields input[value=class]").click())
    await step(lambda: browser.find_element(By.ID, "present-btn").click())
    qr = await step(lambda: visible("qr"))
    src = await step(lambda: qr.get_attribute("src"))
    assert "秒内有效" in await step(lambda: browser.find_element(By.ID, "countdown").text)
    png = base64.b64decode(src.split(",", 1)[1])
    presentation = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))[0].text
    async with platform.client() as client:
        verdict = (await client.post("/api/v1/licenses/verify", json={"presentation": presentation})).json()
    assert verdict["valid"] and verdict["fields"] == {"name": "张三", "class": "C1"}
    await step(lambda: browser.find_element(By.CSS_SELECTOR, "#v-license .back").click())
    await step(lambda: visible("v-wallet"))
    item = await step(lambda: wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, "#list button"))))
    await step(item.click)
    await step(lambda: wait.until(ec.text_to_be_present_in_element((By.ID, "uses"), "核验")))
