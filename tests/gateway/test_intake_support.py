"""Shared by the intake gateway tests (no tests here): a fake licenses service, a settable clock, tokens,
sample applications and problem checks."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import grpc
import jwt

from bst.licenses.v1 import licenses_pb2, licenses_pb2_grpc
from gateway.identity.tokens import issue_access_token
from services.intake import applications, transitions
from services.kernel.workdays import CHINA
from tests.helpers import citizen_token, staff_token

SHOP = "SC-GT-001"  # 个体工商户设立登记: online (2 working days to accept), promised 1, ID card proves the id-card
COUNTY = "530102"  # 五华区
MARKET = "市场监督管理局"


class FakeLicenses(licenses_pb2_grpc.LicensesServiceServicer):
    """The caller's own valid e-licenses, by the subject of the token it was called with."""

    def __init__(self) -> None:
        self.wallets: dict[str, list[licenses_pb2.LicenseFacts]] = {}
        self.calls: list[dict[str, Any]] = []

    def give_id_card(self, subject: str, name: str, id_number: str) -> None:
        self.wallets.setdefault(subject, []).append(
            licenses_pb2.LicenseFacts(
                license_id=f"L{random.randrange(10**9)}",
                type="ID-CARD",
                status="valid",
                fields={"name": name, "id_number": id_number},
            )
        )

    async def GetLicenseFacts(self, request, context):  # type: ignore[no-untyped-def]
        metadata = dict(context.invocation_metadata())
        token = str(metadata.get("authorization", "")).removeprefix("Bearer ")
        subject = jwt.decode(token, options={"verify_signature": False})["sub"] if token else ""
        self.calls.append(
            {
                "types": list(request.license_types),
                "subject": subject,
                "metadata": metadata,
                "case_ref": request.case_ref,
                "reader": request.reader,
            }
        )
        held = [f for f in self.wallets.get(subject, []) if f.type in request.license_types]
        return licenses_pb2.GetLicenseFactsResponse(licenses=held)


@asynccontextmanager
async def fake_licenses(platform: Any) -> AsyncIterator[FakeLicenses]:
    """Point the running intake service's licenses client at an in-process fake for the test's duration."""
    fake = FakeLicenses()
    server = grpc.aio.server()
    licenses_pb2_grpc.add_LicensesServiceServicer_to_server(fake, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    client = platform.services["intake"].runtime.license_facts
    original = client.stub
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    client.stub = licenses_pb2_grpc.LicensesServiceStub(channel)
    try:
        yield fake
    finally:
        client.stub = original
        await channel.close()
        await server.stop(0)


class Clock:
    """The intake service's clock, set by the test (the services run in the test's process)."""

    def __init__(self, monkeypatch: Any) -> None:
        self.now = dt.datetime.now(dt.UTC)
        for module in (applications, transitions):
            monkeypatch.setattr(module, "utcnow", lambda: self.now)

    def set(self, year: int, month: int, day: int, hour: int = 10) -> None:
        self.now = dt.datetime(year, month, day, hour, tzinfo=CHINA).astimezone(dt.UTC)


def due(day: str) -> str:
    """A deadline as the API gives it: the end of that working day in China time."""
    return f"{day}T23:59:59+08:00"


def department_staff(platform: Any, department: str = MARKET, region: str = COUNTY, **extra: Any) -> str:
    return staff_token(
        platform,
        roles=["department_staff"],
        region=region,
        department=department,
        subject=f"staff-{random.randrange(10**9)}",
        **extra,
    )


def delegated_token(platform: Any, resident: str, agent: str, region: str = COUNTY) -> str:
    settings = platform.settings
    return issue_access_token(
        platform.keys,
        issuer=settings.issuer,
        audience=settings.jwt_audience,
        subject=resident,
        lifetime_seconds=600,
        region=region,
        actor=agent,
    )


def new_citizen(platform: Any) -> tuple[str, str]:
    subject = f"citizen-{random.randrange(10**12)}"
    return citizen_token(platform, subject), subject


def shop_body(**form: Any) -> dict[str, Any]:
    return {
        "item_code": SHOP,
        "region": COUNTY,
        "form": {"shop_name": "春城米线店", "address": "五华区华山南路12号", "phone": "13912345678", **form},
        "materials": [{"material_id": "premises", "file_id": "F-premises-1"}],
    }


def full_shop_body(**form: Any) -> dict[str, Any]:
    """Without an e-license: the name and ID number typed in, the ID card uploaded."""
    body = shop_body(name="张三", id_number="53010219900101001X", **form)
    body["materials"].append({"material_id": "id-card", "file_id": "F-id-1"})
    return body


HAN = range(0x4E00, 0xA000)


def chinese(text: str) -> bool:
    return any(ord(c) in HAN for c in text)


def assert_problem(reply, status: int, code: str) -> dict:
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"] == "application/problem+json"
    body = reply.json()
    assert body["code"] == code and chinese(body["detail"]), body
    return body


async def my_numbers(platform, token: str) -> list[str]:
    async with platform.client(token) as client:
        page = (await client.get("/api/v1/intake/applications", params={"mine": "true"})).json()
    return [a["application_no"] for a in page["items"]]


async def new_item(platform, staff: str, **fields) -> dict:
    code = f"T-{random.randrange(10**8)}"
    body = {
        "item_code": code,
        "name": "测试许可事项",
        "department": MARKET,
        "regions": [COUNTY],
        "mode": "complex",
        "promised_days": 5,
        "statutory_days": 20,
        "form_schema": {
            "type": "object",
            "properties": {"phone": {"type": "string", "title": "联系电话", "pattern": r"^1\d{10}$"}},
            "required": ["phone"],
        },
        "materials": [
            {"material_id": "plan", "name": "平面图", "key": True},
            {"material_id": "photo", "name": "现场照片"},
        ],
        "special_procedures": [{"name": "现场勘验", "days": 3}],
        **fields,
    }
    async with platform.client(staff) as client:
        reply = await client.post("/api/v1/intake/items", json=body)
    assert reply.status_code == 201, reply.text
    return reply.json()
