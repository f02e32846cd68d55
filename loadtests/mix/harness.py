"""The harness: what a run sets up once (the admin, roomy outlets, the QR texts), and the answers counted per route
and status class."""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gevent
import gevent.lock
from locust import events
from requests import Response, request

from loadtests.mix.world import CATEGORIES, COUNTIES, ROOMY_CAPACITY, TECHNICIAN, new_address, route

log = logging.getLogger("loadtests.mix")

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
