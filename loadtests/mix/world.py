"""Where the mix runs and with what: counties, searches, faults, route names, unique phones and addresses."""

from __future__ import annotations

import itertools
import logging
import random
import re
import struct
import zlib

log = logging.getLogger("loadtests.mix")

# -- where and what --------------------------------------------------------------------------------------------

WUHUA = "530102"  # 五华区, Kunming: demo outlets and the demo technician
LUQUAN = "530128"  # 禄劝县: the village agents' county
COUNTIES = (WUHUA, LUQUAN)
CENTRES = {WUHUA: (25.043635, 102.707262), LUQUAN: (25.551332, 102.471518)}  # as regions.csv publishes them
SPREAD_DEGREES = {WUHUA: 0.04, LUQUAN: 0.15}  # reports come from within ±4 km (五华) / ±15 km (禄劝 villages)
TECHNICIAN = "wuhua.tech"  # outlet technician of OUT-530102-01 (gateway/seed.py)
ROOMY_CAPACITY = 10_000  # the most an outlet may take (OutletUpdate)
SEARCHES = [
    "广电",
    "广电报修",
    "gdbx",
    "guangdian",
    "报修",
    "户户通",
    "hht",
    "电视维修",
    "证照",
    "zhengzhao",
    "亮证",
    "办件",
    "bjcx",
    "进度查询",
    "社保",
    "shebao",
    "医保",
    "营业执照",
]
CATEGORIES = ["satellite"] * 12 + ["dtmb"] * 4 + ["emergency_broadcast", "cable", "iptv", "ott"]
FAULTS = [
    "户户通没有信号，电视一直显示无信号",
    "地面数字电视画面卡顿，部分频道搜不到",
    "机顶盒开机后黑屏，指示灯不亮",
    "大风后锅体偏了，收不到节目",
    "应急广播喇叭不响",
    "有线电视只有声音没有图像",
]
RESIDENTS = [
    "杨奶奶",
    "李大爹",
    "王阿姨",
    "张大妈",
    "赵大爷",
    "普大哥",
    "者大姐",
    "罗老师",
    "段大叔",
    "自阿婆",
]
NOTES = [
    "锅体偏移，重新对星后信号恢复",
    "更换高频头，信号恢复",
    "机顶盒电源故障，已更换",
    "线缆老化，已重新接线",
]
SMS_CODE = re.compile(r"验证码为?(\d{6})")  # a sign-in code (验证码为…) or a delegation's (验证码…)
TOKEN_MARGIN_SECONDS = 60.0  # refresh an access token this long before it expires, as the app does
RETRY_SHARE = 0.05  # reports the app sends twice with the same Idempotency-Key (an answer lost on the way)

# Request names: Locust groups its statistics by (method, name), so every route has one name.
SMS_CODE_SEND = "/api/v1/auth/sms-code"
SMS_OUTBOX = "/api/v1/admin/sms-outbox"
TOKEN_SMS = "/api/v1/auth/token (sms)"
TOKEN_PASSWORD = "/api/v1/auth/token (password)"
TOKEN_REFRESH = "/api/v1/auth/token (refresh)"
ME = "/api/v1/me"
ACCOUNTS = "/api/v1/admin/accounts"
DELEGATIONS = "/api/v1/auth/delegations"
DELEGATION_CONFIRM = "/api/v1/auth/delegations/[id]/confirm"
CATALOGUE = "/api/v1/mini-apps"
SEARCH = "/api/v1/search"
MINI_APP = "/api/v1/mini-apps/[app_id]"
MINI_APP_ENTRY = "/api/v1/mini-apps/[app_id]/entry"
SCAN_PAGE = "/r/[county]"
QR_RESOLVE = "/api/v1/repair/qr"
TICKETS = "/api/v1/repair/tickets"
TICKET_RETRY = "/api/v1/repair/tickets [same Idempotency-Key again]"
TICKET = "/api/v1/repair/tickets/[no]"
MY_TICKETS = "/api/v1/repair/tickets?mine=true"
OUTLET_QUEUE = "/api/v1/repair/tickets?status=dispatched"
ACCEPT = "/api/v1/repair/tickets/[no]/accept"
RESOLVE = "/api/v1/repair/tickets/[no]/resolve"
UPLOADS = "/api/v1/repair/uploads"


def route(method: str, name: str) -> str:
    """The key a route has in the expected mix and in the summary: `GET /api/v1/repair/tickets/[no]`."""
    return f"{method} {name}"


# -- unique people ---------------------------------------------------------------------------------------------

_random = random.SystemRandom()
_PHONE_SECOND_DIGIT = _random.choice("3456789")
_PHONE_BASE = _random.randrange(10**9)
_phones = itertools.count()
_addresses = itertools.count(1)


def new_phone() -> str:
    """A mainland mobile number (1, then 3-9, then 9 digits) that no one else in this run has."""
    return f"1{_PHONE_SECOND_DIGIT}{(_PHONE_BASE + next(_phones)) % 10**9:09d}"


def new_address() -> str:
    """A client address (10.x.y.z) that no one else in this run has, sent as X-Forwarded-For."""
    n = next(_addresses)
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def point_in(county: str) -> tuple[float, float]:
    lat, lng = CENTRES[county]
    spread = SPREAD_DEGREES[county]
    return round(lat + _random.uniform(-spread, spread), 6), round(lng + _random.uniform(-spread, spread), 6)


def tiny_png(width: int = 8, height: int = 8) -> bytes:
    """A real PNG (a grey square), for the evidence photo a technician uploads."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PHOTO = tiny_png()
