"""A paced person of the mix: their journeys' pacing, their own address and tokens, and the requests every kind of
user shares (sign-ins, filing and reading a ticket)."""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import quote

import gevent
import gevent.lock
from locust import FastHttpUser, between, constant_throughput
from locust.exception import StopUser

from loadtests.mix.harness import HARNESS
from loadtests.mix.world import (
    FAULTS,
    RETRY_SHARE,
    SMS_CODE,
    SMS_CODE_SEND,
    SMS_OUTBOX,
    TICKET,
    TICKET_RETRY,
    TICKETS,
    TOKEN_MARGIN_SECONDS,
    TOKEN_PASSWORD,
    TOKEN_REFRESH,
    TOKEN_SMS,
    _random,
    new_address,
    point_in,
)

log = logging.getLogger("loadtests.mix")

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

    def read_sms_code(self, phone: str) -> str | None:
        """The code of the newest SMS to `phone`, read off the phone (the admin's SMS outbox, a few tries)."""
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
                return str(found[1])
            gevent.sleep(0.2)
        return None

    def sign_in_with_sms(self, phone: str) -> bool:
        """Ask for a code, read it off the phone (the admin's SMS outbox), exchange it for tokens."""
        status, _ = self.call(
            "POST", "/api/v1/auth/sms-code", SMS_CODE_SEND, expect=(202,), json={"phone": phone}
        )
        if status != 202:
            return False
        code = self.read_sms_code(phone)
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
