"""`make demo`: the core story, told step by step against a running platform (`make run` in another terminal).

A villager scans the county's repair code and reports a fault; the nearest outlet's technician accepts it,
photographs the repair and resolves it; the villager rates it; the county sees it in its figures. Then a developer
submits a mini-app, a reviewer approves it and it appears in the public catalogue.

    python scripts/demo.py [http://127.0.0.1:8000]
"""

from __future__ import annotations

import json
import random
import re
import struct
import sys
import time
import uuid
import zlib
from typing import Any

import httpx

from services.kernel.settings import Settings, get_settings

STATUS = {"dispatched": "已派单", "accepted": "已接单", "resolved": "已修复", "pending_dispatch": "待派单"}
COUNTY, OUTLET = "530102", "OUT-530102-01"  # 五华区 and the outlet of the demo technician `wuhua.tech`


def out(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def say(step: str, text: str) -> None:
    out(f"\n[{step}] {text}")


def show(label: str, value: Any) -> None:
    out(f"      {label}: {value}")


def ok(reply: httpx.Response, *statuses: int) -> Any:
    if reply.status_code not in (statuses or (200,)):
        out(f"      ✘ {reply.request.method} {reply.request.url.path} → {reply.status_code} {reply.text}")
        raise SystemExit(1)
    return reply.json() if reply.content and "json" in reply.headers.get("content-type", "") else None


def png() -> bytes:
    """A small green PNG: the 'photo' of the repaired receiver."""
    width, height = 64, 48
    raw = b"".join(b"\x00" + b"\x20\xa0\x40" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def sign_in(client: httpx.Client, username: str, password: str) -> dict[str, str]:
    tokens = ok(
        client.post(
            "/api/v1/auth/token", json={"grant_type": "password", "username": username, "password": password}
        )
    )
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def main(base: str, settings: Settings | None = None) -> int:
    """Run the story; `settings` says where the demo accounts' password is (the platform's var dir)."""
    settings = settings or get_settings()
    demo = json.loads((settings.var_dir / "demo-accounts.json").read_text())["password"]
    admin_password = settings.admin_password or demo
    client = httpx.Client(base_url=base, timeout=15)
    started = time.monotonic()

    say("0", f"平台 {base} 是否就绪")
    ok(client.get("/readyz"))
    show("readyz", "200")

    say("1", "村民扫描五华区的报修二维码")
    qr = client.get(f"/api/v1/repair/counties/{COUNTY}/qr", params={"format": "svg"})
    ok_code = qr.headers["x-qr-url"]
    place = ok(client.get("/api/v1/repair/qr", params={"qr": ok_code}))
    show("二维码", ok_code)
    show("县区", f"{place['county_name']}（{place['county']}）")

    say("2", "村民用短信验证码登录")
    phone = f"139{random.randrange(10**8):08d}"
    ok(client.post("/api/v1/auth/sms-code", json={"phone": phone}), 202)
    admin = sign_in(client, "admin", admin_password)
    text = ok(client.get("/api/v1/admin/sms-outbox", params={"phone": phone}, headers=admin))[0]["text"]
    code = re.search(r"验证码为(\d{6})", text).group(1)  # type: ignore[union-attr]
    tokens = ok(client.post("/api/v1/auth/token", json={"grant_type": "sms", "phone": phone, "code": code}))
    citizen = {"Authorization": f"Bearer {tokens['access_token']}"}
    show("手机号", phone)

    say("3", "村民报修：户户通没有信号")
    ticket = ok(
        client.post(
            "/api/v1/repair/tickets",
            json={
                "qr": ok_code,
                "category": "satellite",
                "description": "户户通一直显示无信号",
                "contact_name": "王大爷",
                "contact_phone": phone,
                "address": "沙朗乡某村3组12号",
                "outlet_id": OUTLET,
            },
            headers={**citizen, "Idempotency-Key": str(uuid.uuid4())},
        ),
        201,
    )
    number = ticket["ticket_no"]
    status = STATUS.get(ticket["status"], ticket["status"])
    show("报修单", f"{number}，{status}，派给 {ticket['assignee']['name']}，最晚 {ticket['due_at']} 前修好")

    say("4", "网点技术员 wuhua.tech 接单、拍照、提交修复")
    tech = sign_in(client, "wuhua.tech", demo)
    ok(client.post(f"/api/v1/repair/tickets/{number}/accept", headers=tech))
    evidence = ok(
        client.post(
            "/api/v1/repair/uploads", files={"file": ("fixed.png", png(), "image/png")}, headers=tech
        ),
        201,
    )
    resolved = ok(
        client.post(
            f"/api/v1/repair/tickets/{number}/resolve",
            json={"note": "高频头进水，更换后信号恢复", "evidence": [evidence["evidence_id"]]},
            headers=tech,
        )
    )
    show("状态", STATUS.get(resolved["status"], resolved["status"]))

    say("5", "村民评价：非常满意")
    rated = ok(
        client.post(
            f"/api/v1/repair/tickets/{number}/rating",
            json={"level": 5, "comment": "师傅来得快"},
            headers={**citizen, "Idempotency-Key": str(uuid.uuid4())},
        )
    )
    show("评价", f"{rated['rating']['level']} 非常满意")

    say("6", "五华区管理员看本县数据（工作台 /console/dashboard 同样能看到）")
    county = sign_in(client, "wuhua.admin", demo)
    stats = ok(client.get("/api/v1/repair/stats", params={"county": COUNTY}, headers=county))
    show("工单总数", stats["total"])
    show("24小时修复率", f"{stats['restored_within_24h_share'] * 100:.1f}%")
    show("平均评价", f"{stats['mean_rating']:.2f}")

    say("7", "开发者提交小程序，审核员通过，群众在目录里看到")
    developer = sign_in(client, "dev.guangdian", demo)
    app_id = f"demo{random.randrange(10**6)}.guangdian"
    ok(
        client.post(
            "/api/v1/mini-apps",
            json={
                "app_id": app_id,
                "name": "广电政策问答",
                "department": "云南省广播电视局",
                "category": "广播电视",
                "description": "户户通、应急广播相关政策问答",
            },
            headers=developer,
        ),
        201,
    )
    ok(
        client.post(
            f"/api/v1/mini-apps/{app_id}/versions",
            json={
                "version": "1.0.0",
                "entry_url": "https://gd.yn.gov.cn/qa/",
                "scopes": ["profile"],
                "changelog": "首个版本",
            },
            headers=developer,
        ),
        201,
    )
    reviewer = sign_in(client, "reviewer", demo)
    ok(client.post(f"/api/v1/admin/mini-apps/{app_id}/versions/1.0.0/approve", json={}, headers=reviewer))
    listed = ok(client.get(f"/api/v1/mini-apps/{app_id}"))
    show("目录", f"{listed['name']} {listed['version']}（{app_id}）已上架")

    out(
        f"\n✔ the core story ran in {time.monotonic() - started:.1f} s. Open {base}/console/ to see it in the console."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"))
