"""The three kinds of user of the mix (citizens, village agents, technicians) with their journeys' weights, and the
expected share of each route."""

from __future__ import annotations

import itertools
import logging
import secrets
import time
import uuid
from collections import defaultdict
from typing import Any
from urllib.parse import quote, urlsplit

import gevent
import gevent.lock
from locust.exception import StopUser

from loadtests.mix.harness import HARNESS
from loadtests.mix.people import Journey, MixUser, pacing, requests_per_task
from loadtests.mix.world import (
    ACCEPT,
    ACCOUNTS,
    CATALOGUE,
    DELEGATION_CONFIRM,
    DELEGATIONS,
    LUQUAN,
    ME,
    MINI_APP,
    MINI_APP_ENTRY,
    MY_TICKETS,
    NOTES,
    OUTLET_QUEUE,
    PHOTO,
    QR_RESOLVE,
    RESIDENTS,
    RESOLVE,
    RETRY_SHARE,
    SCAN_PAGE,
    SEARCH,
    SEARCHES,
    SMS_CODE_SEND,
    SMS_OUTBOX,
    TECHNICIAN,
    TICKET,
    TICKET_RETRY,
    TICKETS,
    TOKEN_SMS,
    UPLOADS,
    WUHUA,
    _random,
    new_address,
    new_phone,
    route,
)

log = logging.getLogger("loadtests.mix")


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
            status, started = self.call(
                "POST",
                "/api/v1/auth/delegations",
                DELEGATIONS,
                expect=(202,),
                token=token,
                json={"resident": {"name": name, "phone": phone}},
            )
            self.delegated.append(time.monotonic())
            if status != 202:
                return
            code = self.read_sms_code(phone)  # the resident reads the code out to the agent: their consent
            if code is None:
                return
            status, delegation = self.call(
                "POST",
                f"/api/v1/auth/delegations/{quote(started['delegation_id'])}/confirm",
                DELEGATION_CONFIRM,
                token=token,
                json={"code": code},
            )
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
                route("GET", SMS_OUTBOX): 3,
                route("POST", DELEGATION_CONFIRM): 3,
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
