"""The Locust mix: the platform's real journeys, with their weights, through the gateway's public REST API only.

    .venv/bin/locust -f loadtests/locustfile.py --headless -u 60 -r 5 -t 5m --host http://127.0.0.1:8000 \\
        --csv loadtests/results/mix

Who does what (see loadtests/README.md, "The Locust mix", for the weights and why):

- `CitizenUser` (most users): signs in once by SMS code and keeps the token (refreshing it before it expires, as the
  app does); browses the mini-app catalogue, searches (Chinese, pinyin, initials such as `gdbx`), opens an app;
  checks their repair tickets; now and then scans a county's repair QR code and files a ticket
  (`Idempotency-Key`, and sometimes the app's retry of the same request); rarely a new citizen signs in.
- `AgentUser` (a few): a village agent (村组代办员) files for three residents in a row, each with a delegation token
  (`POST /api/v1/auth/delegations`), and checks what they filed.
- `TechnicianUser` (fewer): `wuhua.tech` of OUT-530102-01 lists the outlet's dispatched tickets, opens one, accepts
  it, uploads a photo and resolves it with a note.

Everything the run needs it makes through the API: citizens' accounts (by SMS sign-in), the agents' accounts
(`POST /api/v1/admin/accounts`, so that each agent has its own delegation budget of 120 residents an hour), the
tickets. At the start, as the bootstrap admin, it raises the capacity of the two counties' outlets to 10,000 (as
`make bench` does: otherwise every outlet is full within a minute and the reports only queue) and reads the
county QR texts (the `X-QR-URL` of `GET /api/v1/repair/counties/{county}/qr`: what a phone reads off the poster).

The platform must run with the SMS backend `outbox` (the default outside production) and with
**`BST_TRUSTED_PROXIES=1`**: every simulated person sends its own `X-Forwarded-For` (a unique `10.x.y.z`) and its
own phone number (a unique mainland mobile number per person over the run), so the per-phone and per-address limits
on SMS codes (1/min, 5/h per phone; 30/h per address) and on sign-ins (30 per 5 min per address) apply to each
person as they would in the field. Without that setting every user would share 127.0.0.1 and soon get 429s, so the
harness refuses to start (it checks that the audit log recorded the admin's sign-in under the harness's own
address). `python -m loadtests.soak` and `make bench` start the platform that way.

Environment (no secret is written here):
    LOCUST_ADMIN_PASSWORD   the bootstrap admin's password (the platform's BST_ADMIN_PASSWORD): required; the
                            harness reads each citizen's SMS code at GET /api/v1/admin/sms-outbox, as the phone would
    LOCUST_DEMO_PASSWORD    the demo staff password (for wuhua.tech), or
    LOCUST_VAR_DIR          the platform's BST_VAR_DIR, whose demo-accounts.json holds it; with neither, technicians
                            do not run (one log line says so)
    LOCUST_RPS_PER_USER     pace every user at this many requests per second (Locust's `constant_throughput`, set
                            per user class from the mean number of requests its tasks make); unset: a person's
                            think time of 2-8 s between tasks

Answers: a 5xx or no answer is always a failure; a 4xx is a success only where the journey expects it (409 when two
technicians race for the same ticket); any other status a step does not expect is a failure. Requests are named by
route (`/api/v1/repair/tickets/[no]`), so Locust's statistics group them so. At the end it logs the answers by
status class, and with `LOCUST_SUMMARY_JSON=<path>` writes them per route to that file (the soak reads it).

Journeys that need capabilities not built yet (扫码亮证: showing an e-license by QR and a verifier checking it;
申办: applying for a service item and reviewing the concluded case) are not in the mix: the REST contract
(shared/API.md) defines no routes for them yet. At the start the harness looks for such routes in the gateway's
/openapi.json and logs one line either way.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import random
import re
import secrets
import struct
import time
import uuid
import zlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote, urlsplit

import gevent
import gevent.lock
from locust import FastHttpUser, between, constant_throughput, events
from locust.exception import StopUser
from requests import Response, request

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
SMS_CODE = re.compile(r"验证码为(\d{6})")
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


# -- the harness: what the run sets up once, and the admin who reads the SMS outbox ------------------------------


@dataclass
class Harness:
    host: str = ""
    ready: bool = False
    admin_password: str = ""
    demo_password: str | None = None
    qr: dict[str, str] = field(default_factory=dict)  # county → the text a phone reads off its poster
    categories: dict[str, list[str]] = field(default_factory=dict)  # county → what its reports may be about
    address: str = field(default_factory=new_address)
    _admin: tuple[float, str, str] = (0.0, "", "")  # (when, access token, refresh token)
    _lock: gevent.lock.Semaphore = field(default_factory=gevent.lock.Semaphore)

    ADMIN_TOKEN_SECONDS = 240.0  # well inside an access token's ≤10 minutes

    def http(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> Response:
        headers = {"X-Forwarded-For": self.address, **kwargs.pop("headers", {})}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return request(method, self.host + path, headers=headers, timeout=30, **kwargs)

    def admin_token(self) -> str:
        """The bootstrap admin's access token, signed in once and refreshed every few minutes."""
        with self._lock:
            made, access, refresh = self._admin
            if access and time.monotonic() - made < self.ADMIN_TOKEN_SECONDS:
                return access
            grant = (
                {"grant_type": "refresh_token", "refresh_token": refresh}
                if refresh
                else {"grant_type": "password", "username": "admin", "password": self.admin_password}
            )
            reply = self.http("POST", "/api/v1/auth/token", json=grant)
            if reply.status_code != 200 and refresh:
                grant = {"grant_type": "password", "username": "admin", "password": self.admin_password}
                reply = self.http("POST", "/api/v1/auth/token", json=grant)
            if reply.status_code != 200:
                raise RuntimeError(f"admin sign-in failed: HTTP {reply.status_code}: {reply.text[:200]}")
            tokens = reply.json()
            self._admin = (time.monotonic(), tokens["access_token"], tokens["refresh_token"])
            return str(tokens["access_token"])

    def prepare(self, host: str) -> None:
        self.host = host.rstrip("/")
        self.admin_password = os.environ.get("LOCUST_ADMIN_PASSWORD", "")
        if not self.admin_password:
            raise RuntimeError(
                "LOCUST_ADMIN_PASSWORD is not set: the harness reads citizens' SMS codes as the bootstrap admin"
            )
        self.demo_password = demo_password()
        reply = self.http("GET", "/readyz")
        if reply.status_code != 200:
            raise RuntimeError(f"{self.host}/readyz answers HTTP {reply.status_code}")
        admin = self.admin_token()
        for county in COUNTIES:
            self.make_room(county, admin)
            qr = self.http("GET", f"/api/v1/repair/counties/{county}/qr", params={"format": "svg"})
            if qr.status_code != 200 or "x-qr-url" not in qr.headers:
                raise RuntimeError(f"no QR code for county {county}: HTTP {qr.status_code}")
            self.qr[county] = qr.headers["x-qr-url"]
        self.check_forwarded_for()
        log.info(
            "mix: ready on %s: outlets of %s raised to %s slots; QR texts read; technicians %s",
            self.host,
            ", ".join(COUNTIES),
            f"{ROOMY_CAPACITY:,}",
            "sign in as " + TECHNICIAN if self.demo_password else "do not run (no demo password)",
        )
        log.info("mix: %s", capabilities_not_in_the_mix(self.http("GET", "/openapi.json")))
        self.ready = True

    def make_room(self, county: str, admin: str) -> None:
        """Every active outlet of the county gets the most slots an outlet may have, as `make bench` does."""
        outlets = self.http("GET", "/api/v1/repair/outlets", admin, params={"county": county})
        if outlets.status_code != 200:
            raise RuntimeError(f"cannot list the outlets of {county}: HTTP {outlets.status_code}")
        served = {c for outlet in outlets.json() if outlet["active"] for c in outlet["categories"]}
        self.categories[county] = [c for c in CATEGORIES if c in served]  # others are refused (422), rightly
        for outlet in outlets.json():
            if outlet["active"] and outlet["capacity"] < ROOMY_CAPACITY:
                changed = self.http(
                    "PATCH",
                    f"/api/v1/repair/outlets/{outlet['outlet_id']}",
                    admin,
                    json={"capacity": ROOMY_CAPACITY},
                )
                if changed.status_code != 200:
                    raise RuntimeError(f"cannot raise {outlet['outlet_id']}: HTTP {changed.status_code}")

    def check_forwarded_for(self) -> None:
        """Whether the platform takes X-Forwarded-For (BST_TRUSTED_PROXIES=1): the admin's own sign-in audit entry
        must carry the harness's address, not 127.0.0.1."""
        reply = self.http(
            "GET", "/api/v1/admin/audit", self.admin_token(), params={"event": "signin", "limit": 20}
        )
        if reply.status_code != 200:
            log.warning(
                "mix: cannot read the audit log (HTTP %s) to check X-Forwarded-For", reply.status_code
            )
            return
        if not any(event.get("ip") == self.address for event in reply.json()):
            raise RuntimeError(
                "the platform does not take X-Forwarded-For: start it with BST_TRUSTED_PROXIES=1 "
                "(each simulated person has its own address and phone; see this file's docstring)"
            )


def demo_password() -> str | None:
    if os.environ.get("LOCUST_DEMO_PASSWORD"):
        return os.environ["LOCUST_DEMO_PASSWORD"]
    var_dir = os.environ.get("LOCUST_VAR_DIR")
    if not var_dir:
        return None
    try:
        return str(json.loads((Path(var_dir) / "demo-accounts.json").read_text())["password"])
    except (OSError, ValueError, KeyError):
        return None


NOT_YET = {
    "扫码亮证 (show an e-license by QR; a verifier checks it)": re.compile(
        r"^/api/v1/licenses(?!/types$)(/|$)|^/api/v1/me/licenses\b|/(wallet|presentations|verifications)\b"
    ),
    "申办 (apply for a service item; review the concluded case)": re.compile(
        r"/applications\b|^/api/v1/reviews(?!/indicators$)(/|$)"
    ),
}


def capabilities_not_in_the_mix(openapi: Response) -> str:
    """One line on the journeys the mix leaves out, from the gateway's OpenAPI document."""
    paths = list(openapi.json().get("paths", {})) if openapi.status_code == 200 else []
    served = {name: [p for p in paths if pattern.search(p)] for name, pattern in NOT_YET.items()}
    missing = [name for name, found in served.items() if not found]
    landed = [f"{name}: {', '.join(found)}" for name, found in served.items() if found]
    line = ""
    if missing:
        line = (
            f"not in the mix: {'; '.join(missing)} — the gateway serves no such routes yet; these journeys "
            f"join the mix when their issue lands"
        )
    if landed:
        line += ("; " if line else "") + (
            f"routes have landed but the mix has no journey for them yet: {'; '.join(landed)}"
        )
    return line


HARNESS = Harness()


@events.test_start.add_listener
def _prepare(environment: Any, **_: Any) -> None:
    try:
        HARNESS.prepare(environment.host or "")
    except Exception as exc:  # any failure here leaves the run pointless: say why and stop
        log.error("mix: cannot start: %s", exc)
        if environment.runner is not None:
            gevent.spawn_later(0.1, environment.runner.quit)


# -- what was answered: per route, by status class ---------------------------------------------------------------

ANSWERS: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))


def status_class(status: int, ok: bool) -> str:
    if status == 0:
        return "no_answer"
    if status >= 500:
        return "5xx"
    if status >= 400:
        return "expected_4xx" if ok else "unexpected_4xx"
    return "2xx_3xx" if ok else "unexpected_2xx_3xx"


@events.request.add_listener
def _count(request_type: str, name: str, response: Any, exception: Any, **_: Any) -> None:
    status = int(getattr(response, "status_code", 0) or 0)
    ANSWERS[route(request_type, name)][status_class(status, exception is None)] += 1


@events.quitting.add_listener
def _report(environment: Any, **_: Any) -> None:
    totals: dict[str, int] = defaultdict(int)
    for counts in ANSWERS.values():
        for key, count in counts.items():
            totals[key] += count
    counted = ", ".join(f"{k} {v:,}" for k, v in sorted(totals.items()))
    log.info("mix: answers by status class: %s", counted or "no request was made")
    path = os.environ.get("LOCUST_SUMMARY_JSON")
    if path:
        document = {"ready": HARNESS.ready, "routes": {k: dict(v) for k, v in sorted(ANSWERS.items())}}
        Path(path).write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


# -- journeys --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Journey:
    """One task: its weight among its user's tasks and the requests it makes (expected counts per run)."""

    run: Callable[[Any], None]
    weight: int
    requests: dict[str, float]


def requests_per_task(journeys: tuple[Journey, ...]) -> float:
    total = sum(j.weight for j in journeys)
    return sum(j.weight * sum(j.requests.values()) for j in journeys) / total


def pacing(journeys: tuple[Journey, ...]) -> Callable[[Any], float]:
    """LOCUST_RPS_PER_USER requests per second per user (as task runs per second), else a person's think time."""
    raw = os.environ.get("LOCUST_RPS_PER_USER")
    if not raw:
        return between(2, 8)
    return constant_throughput(float(raw) / requests_per_task(journeys))


@dataclass
class Tokens:
    access: str
    refresh: str
    expires_at: float


class MixUser(FastHttpUser):
    """A person with their own address and, once signed in, their own tokens."""

    abstract = True
    network_timeout = 30.0
    connection_timeout = 10.0
    journeys: ClassVar[tuple[Journey, ...]] = ()

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        self.address = new_address()
        self.tokens: Tokens | None = None
        self.credentials: tuple[str, str] | None = None  # staff: to sign in again should a refresh fail

    def on_start(self) -> None:
        if not HARNESS.ready:
            raise StopUser()

    def call(
        self,
        method: str,
        path: str,
        name: str,
        *,
        expect: tuple[int, ...] = (200,),
        token: str | None = None,
        address: str | None = None,
        headers: dict[str, str] | None = None,
        check: Callable[[Any], str | None] | None = None,
        **kwargs: Any,
    ) -> tuple[int, Any]:
        """One request; (status, parsed JSON or None). A 5xx, no answer or a status not in `expect` is a failure,
        and so is an expected answer whose body `check` finds wrong (it returns what is wrong)."""
        sent = {"X-Forwarded-For": address or self.address, **(headers or {})}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        with self.client.request(
            method, path, name=name, headers=sent, catch_response=True, **kwargs
        ) as reply:
            status = int(reply.status_code or 0)
            body = None
            if status and "json" in (reply.headers or {}).get("content-type", ""):
                try:
                    body = reply.json()
                except ValueError:
                    body = None
            wrong = check(body) if check is not None and status in expect else None
            if wrong:
                reply.failure(f"HTTP {status}, but {wrong}")
            elif status in expect:
                reply.success()
            elif status == 0:
                reply.failure(f"no answer: {type(getattr(reply, 'error', None)).__name__}")
            else:
                code = body.get("code", "") if isinstance(body, dict) else ""
                kind = "server error" if status >= 500 else "not expected here"
                reply.failure(f"HTTP {status} {code} ({kind})".replace("  ", " "))
        return status, body

    # -- tokens --

    def keep(self, tokens: dict[str, Any]) -> None:
        self.tokens = Tokens(
            tokens["access_token"],
            tokens["refresh_token"],
            time.monotonic() + float(tokens["expires_in"]) - TOKEN_MARGIN_SECONDS,
        )

    def bearer(self) -> str | None:
        """The access token, refreshed first when it is about to expire (the refresh token rotates); staff whose
        refresh fails sign in with their password again."""
        if self.tokens is not None and time.monotonic() >= self.tokens.expires_at:
            status, body = self.call(
                "POST",
                "/api/v1/auth/token",
                TOKEN_REFRESH,
                json={"grant_type": "refresh_token", "refresh_token": self.tokens.refresh},
            )
            if status == 200:
                self.keep(body)
            else:
                self.tokens = None
        if self.tokens is None and self.credentials is not None:
            self.sign_in_with_password(*self.credentials)
        return self.tokens.access if self.tokens else None

    def sign_in_with_password(self, username: str, password: str) -> bool:
        self.credentials = (username, password)
        status, body = self.call(
            "POST",
            "/api/v1/auth/token",
            TOKEN_PASSWORD,
            json={"grant_type": "password", "username": username, "password": password},
        )
        if status == 200:
            self.keep(body)
        return status == 200

    def sign_in_with_sms(self, phone: str) -> bool:
        """Ask for a code, read it off the phone (the admin's SMS outbox), exchange it for tokens."""
        status, _ = self.call(
            "POST", "/api/v1/auth/sms-code", SMS_CODE_SEND, expect=(202,), json={"phone": phone}
        )
        if status != 202:
            return False
        code = None
        for _attempt in range(5):
            status, messages = self.call(
                "GET",
                f"/api/v1/admin/sms-outbox?phone={quote(phone)}",
                SMS_OUTBOX,
                token=HARNESS.admin_token(),
                address=HARNESS.address,
            )
            found = SMS_CODE.search(messages[0]["text"]) if status == 200 and messages else None
            if found:
                code = found[1]
                break
            gevent.sleep(0.2)
        if code is None:
            return False
        status, body = self.call(
            "POST", "/api/v1/auth/token", TOKEN_SMS, json={"grant_type": "sms", "phone": phone, "code": code}
        )
        if status == 200:
            self.keep(body)
        return status == 200

    # -- shared steps --

    def file_ticket(
        self, token: str | None, county: str, contact_name: str, contact_phone: str
    ) -> str | None:
        """POST a report with the county's QR text and a new Idempotency-Key; now and then the app sends the same
        request again (a retry after a lost answer), which must return the same ticket."""
        lat, lng = point_in(county)
        body = {
            "qr": HARNESS.qr[county],
            "category": _random.choice(HARNESS.categories[county]),
            "description": _random.choice(FAULTS),
            "contact_name": contact_name,
            "contact_phone": contact_phone,
            "lat": lat,
            "lng": lng,
        }
        key = {"Idempotency-Key": str(uuid.uuid4())}
        status, ticket = self.call(
            "POST", "/api/v1/repair/tickets", TICKETS, expect=(201,), token=token, headers=key, json=body
        )
        if status != 201:
            return None
        if _random.random() < RETRY_SHARE:
            self.call(
                "POST",
                "/api/v1/repair/tickets",
                TICKET_RETRY,
                expect=(200, 201),
                token=token,
                headers=key,
                json=body,
                check=lambda replay: (
                    None
                    if isinstance(replay, dict) and replay.get("ticket_no") == ticket["ticket_no"]
                    else "another ticket than the first answer's (the same Idempotency-Key must return it)"
                ),
            )
        return str(ticket["ticket_no"])

    def read_ticket(self, token: str | None, ticket_no: str) -> Any:
        status, ticket = self.call("GET", f"/api/v1/repair/tickets/{ticket_no}", TICKET, token=token)
        return ticket if status == 200 else None


class CitizenUser(MixUser):
    """A resident with the 办事通 app: signed in once by SMS, then the token is reused (and refreshed)."""

    weight = 90

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        self.phone = ""
        self.tickets: list[str] = []

    def on_start(self) -> None:
        super().on_start()
        self.become_new_citizen()

    def become_new_citizen(self) -> None:
        """Another person, with their own phone and address, opens the app and signs in by SMS code."""
        self.phone, self.address, self.tickets = new_phone(), new_address(), []
        self.sign_in_with_sms(self.phone)

    def token(self) -> str | None:
        token = self.bearer()
        if token is None:
            self.become_new_citizen()  # signed out (a failed refresh): as a new person, so limits stay per person
            token = self.tokens.access if self.tokens else None
        return token

    def browse(self) -> None:
        """Journey 4: the catalogue, a search, and now and then an app opened (its page, then its entry)."""
        token = self.token()
        status, apps = self.call("GET", "/api/v1/mini-apps", CATALOGUE, token=token)
        query = _random.choice(SEARCHES)
        self.call("GET", f"/api/v1/search?q={quote(query)}", SEARCH, token=token)
        if status != 200 or not apps or _random.random() >= 0.6:
            return
        app_id = _random.choice(apps)["app_id"]
        status, _ = self.call("GET", f"/api/v1/mini-apps/{quote(app_id)}", MINI_APP, token=token)
        if status == 200 and _random.random() < 0.5:
            self.call(
                "GET",
                f"/api/v1/mini-apps/{quote(app_id)}/entry",
                MINI_APP_ENTRY,
                expect=(307,),
                token=token,
                allow_redirects=False,
            )

    def check_tickets(self) -> None:
        """The citizen looks at their repair: a ticket they filed, else the list of their tickets."""
        token = self.token()
        if self.tickets:
            self.read_ticket(token, _random.choice(self.tickets))
        else:
            self.call("GET", "/api/v1/repair/tickets?mine=true", MY_TICKETS, token=token)

    def scan_and_report(self) -> None:
        """Journey 1: scan the county's poster (the H5 page, the code checked), file a ticket, watch it."""
        county = WUHUA
        qr = urlsplit(HARNESS.qr[county])
        self.call("GET", f"{qr.path}?{qr.query}", SCAN_PAGE)
        token = self.token()
        status, _ = self.call(
            "GET", f"/api/v1/repair/qr?qr={quote(HARNESS.qr[county])}", QR_RESOLVE, token=token
        )
        if status != 200:
            return
        ticket_no = self.file_ticket(token, county, _random.choice(RESIDENTS), self.phone)
        if ticket_no is None:
            return
        self.tickets = [*self.tickets[-4:], ticket_no]
        for _ in range(2):
            gevent.sleep(_random.uniform(0.5, 2.0))
            self.read_ticket(token, ticket_no)

    def new_citizen(self) -> None:
        """Journey 4's start: someone new signs in by SMS code and the app loads their profile."""
        self.become_new_citizen()
        if self.tokens:
            self.call("GET", "/api/v1/me", ME, token=self.tokens.access)

    journeys = (
        Journey(
            browse,
            45,
            {
                route("GET", CATALOGUE): 1,
                route("GET", SEARCH): 1,
                route("GET", MINI_APP): 0.6,
                route("GET", MINI_APP_ENTRY): 0.3,
            },
        ),
        Journey(check_tickets, 35, {route("GET", TICKET): 0.7, route("GET", MY_TICKETS): 0.3}),
        Journey(
            scan_and_report,
            8,
            {
                route("GET", SCAN_PAGE): 1,
                route("GET", QR_RESOLVE): 1,
                route("POST", TICKETS): 1,
                route("POST", TICKET_RETRY): RETRY_SHARE,
                route("GET", TICKET): 2,
            },
        ),
        Journey(
            new_citizen,
            2,
            {
                route("POST", SMS_CODE_SEND): 1,
                route("GET", SMS_OUTBOX): 1,
                route("POST", TOKEN_SMS): 1,
                route("GET", ME): 1,
            },
        ),
    )
    tasks = {j.run: j.weight for j in journeys}  # type: ignore[assignment]  # noqa: RUF012
    wait_time = pacing(journeys)


class AgentUser(MixUser):
    """A village agent (村组代办员) of 禄劝县, with an account the admin made for this run."""

    weight = 3
    RESIDENTS_PER_HOUR = 110  # the platform allows 120 delegations an hour per agent: keep under it
    _serial = itertools.count(1)
    _run = secrets.token_hex(3)

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        self.delegated: list[float] = []  # when each resident's delegation was made (the last hour's)
        self.filed: list[str] = []

    def on_start(self) -> None:
        super().on_start()
        if not self.new_agent_account():
            raise StopUser()

    def new_agent_account(self) -> bool:
        """The admin adds a village agent for 禄劝县, who signs in by password."""
        n = next(self._serial)
        username, password = f"mixagent{self._run}x{n}", secrets.token_urlsafe(16)
        status, _ = self.call(
            "POST",
            "/api/v1/admin/accounts",
            ACCOUNTS,
            expect=(201,),
            token=HARNESS.admin_token(),
            address=HARNESS.address,
            json={
                "username": username,
                "password": password,
                "display_name": f"禄劝县村组代办员{n}",
                "roles": ["village_agent"],
                "region": LUQUAN,
            },
        )
        self.delegated, self.filed = [], []
        return status == 201 and self.sign_in_with_password(username, password)

    def file_for_three(self) -> None:
        """Journey 2: the agent scans the county code once and files for three residents in a row."""
        now = time.monotonic()
        self.delegated = [t for t in self.delegated if now - t < 3600]
        if len(self.delegated) + 3 > self.RESIDENTS_PER_HOUR and not self.new_agent_account():
            return  # this agent's hour is full: another agent takes over
        token = self.bearer()
        status, _ = self.call(
            "GET", f"/api/v1/repair/qr?qr={quote(HARNESS.qr[LUQUAN])}", QR_RESOLVE, token=token
        )
        if status != 200:
            return
        for _ in range(3):
            name, phone = _random.choice(RESIDENTS), new_phone()
            status, delegation = self.call(
                "POST",
                "/api/v1/auth/delegations",
                DELEGATIONS,
                token=token,
                json={"resident": {"name": name, "phone": phone}},
            )
            self.delegated.append(time.monotonic())
            if status != 200:
                return
            ticket_no = self.file_ticket(delegation["access_token"], LUQUAN, name, phone)
            if ticket_no is None:
                return
            self.filed = [*self.filed[-19:], ticket_no]
            self.read_ticket(token, ticket_no)

    def check_filed(self) -> None:
        """The agent's list of what they filed, and one of those tickets."""
        token = self.bearer()
        self.call("GET", "/api/v1/repair/tickets?mine=true", MY_TICKETS, token=token)
        if self.filed:
            self.read_ticket(token, _random.choice(self.filed))

    journeys = (
        Journey(
            file_for_three,
            1,
            {
                route("GET", QR_RESOLVE): 1,
                route("POST", DELEGATIONS): 3,
                route("POST", TICKETS): 3,
                route("POST", TICKET_RETRY): 3 * RETRY_SHARE,
                route("GET", TICKET): 3,
            },
        ),
        Journey(check_filed, 4, {route("GET", MY_TICKETS): 1, route("GET", TICKET): 1}),
    )
    tasks = {j.run: j.weight for j in journeys}  # type: ignore[assignment]  # noqa: RUF012
    wait_time = pacing(journeys)


class TechnicianUser(MixUser):
    """wuhua.tech, technician of OUT-530102-01 (五华区广电服务站), on the outlet's queue."""

    weight = 2
    _warned = False

    def on_start(self) -> None:
        super().on_start()
        if HARNESS.demo_password is None:
            if not TechnicianUser._warned:
                TechnicianUser._warned = True
                log.warning("mix: technicians do not run: set LOCUST_DEMO_PASSWORD or LOCUST_VAR_DIR")
            raise StopUser()
        if not self.sign_in_with_password(TECHNICIAN, HARNESS.demo_password):
            raise StopUser()

    def queue(self) -> list[dict[str, Any]]:
        status, page = self.call(
            "GET", "/api/v1/repair/tickets?status=dispatched", OUTLET_QUEUE, token=self.bearer()
        )
        return list(page["tickets"]) if status == 200 else []

    def look_at_queue(self) -> None:
        self.queue()

    def work_a_ticket(self) -> None:
        """Journey 3: open a dispatched ticket, accept it (another technician may have been quicker: 409), upload
        a photo of the repair and resolve it with a note."""
        waiting = self.queue()
        if not waiting:
            return
        token = self.bearer()
        ticket_no = _random.choice(waiting)["ticket_no"]
        if self.read_ticket(token, ticket_no) is None:
            return
        status, _ = self.call(
            "POST", f"/api/v1/repair/tickets/{ticket_no}/accept", ACCEPT, expect=(200, 409), token=token
        )
        if status != 200:
            return
        boundary = uuid.uuid4().hex
        form = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="repair.png"\r\n'
                f"Content-Type: image/png\r\n\r\n"
            ).encode()
            + PHOTO
            + f"\r\n--{boundary}--\r\n".encode()
        )
        status, evidence = self.call(
            "POST",
            "/api/v1/repair/uploads",
            UPLOADS,
            expect=(201,),
            token=token,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
            data=form,
        )
        if status != 201:
            return
        self.call(
            "POST",
            f"/api/v1/repair/tickets/{ticket_no}/resolve",
            RESOLVE,
            token=token,
            json={"note": _random.choice(NOTES), "evidence": [evidence["evidence_id"]]},
        )

    journeys = (
        Journey(look_at_queue, 3, {route("GET", OUTLET_QUEUE): 1}),
        Journey(
            work_a_ticket,
            2,
            {
                route("GET", OUTLET_QUEUE): 1,
                route("GET", TICKET): 1,
                route("POST", ACCEPT): 1,
                route("POST", UPLOADS): 1,
                route("POST", RESOLVE): 1,
            },
        ),
    )
    tasks = {j.run: j.weight for j in journeys}  # type: ignore[assignment]  # noqa: RUF012
    wait_time = pacing(journeys)


USER_CLASSES: list[type[MixUser]] = [CitizenUser, AgentUser, TechnicianUser]


def expected_mix() -> dict[str, float]:
    """Each route's expected share of all requests (the soak derives the mix's capacity from it). Every user
    makes the same requests per second when paced (LOCUST_RPS_PER_USER), so a class's share is its weight's;
    within a class, a route's share follows its journeys' weights and requests. Sign-ins at a user's start and
    token refreshes (one per user every nine minutes) are left out."""
    total_weight = sum(c.weight for c in USER_CLASSES)
    mix: dict[str, float] = defaultdict(float)
    for user_class in USER_CLASSES:
        per_task = requests_per_task(user_class.journeys)
        task_weights = sum(j.weight for j in user_class.journeys)
        for journey in user_class.journeys:
            for key, count in journey.requests.items():
                mix[key] += (
                    (user_class.weight / total_weight) * (journey.weight / task_weights) * count / per_task
                )
    return dict(sorted(mix.items(), key=lambda kv: -kv[1]))
