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

The code lives in `loadtests/mix/` (this file only gathers the user classes for Locust).

Journeys that need capabilities not built yet (扫码亮证: showing an e-license by QR and a verifier checking it;
申办: applying for a service item and reviewing the concluded case) are not in the mix: the REST contract
(shared/API.md) defines no routes for them yet. At the start the harness looks for such routes in the gateway's
/openapi.json and logs one line either way.
"""

from __future__ import annotations

import os

from loadtests.mix.harness import ANSWERS, HARNESS, Harness, status_class
from loadtests.mix.journeys import USER_CLASSES, AgentUser, CitizenUser, TechnicianUser, expected_mix
from loadtests.mix.people import Journey, MixUser, requests_per_task
from loadtests.mix.world import new_address, new_phone, route

if os.environ.get("LOCUST_STEPS"):  # the soak's pricing: users stepped up, one figure per step
    from loadtests.mix.steps import StepShape  # noqa: F401  (Locust finds a shape class by looking here)

__all__ = [
    "ANSWERS",
    "HARNESS",
    "USER_CLASSES",
    "AgentUser",
    "CitizenUser",
    "Harness",
    "Journey",
    "MixUser",
    "TechnicianUser",
    "expected_mix",
    "new_address",
    "new_phone",
    "requests_per_task",
    "route",
    "status_class",
]
