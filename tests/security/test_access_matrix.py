"""Every route × every role × a foreign region, from one table, checked by one parametrised test.

A role in a row's `allowed` set must get past authorization (any status but 401/403: 2xx, or 404/409/422 of the
rule itself); every other caller is refused — 401 without a token, 403 with one. Region-scoped rows name county
530102 (五华区); `county_admin_foreign` (景洪市) holds the right role in the wrong region and must get 403.
"""

from __future__ import annotations

import random
import re

import pytest
from fastapi.routing import APIRoute

from gateway.identity.tokens import issue_access_token
from gateway.routers import ROUTERS, console, docs, landing, problem_pages
from gateway.security import anonymous_may_use
from tests.helpers import staff_token

pytestmark = pytest.mark.security

ROLES = (
    "anonymous",
    "citizen",
    "delegated",
    "village_agent",
    "outlet_technician",
    "window_staff",
    "county_admin",
    "county_admin_foreign",
    "app_developer",
    "app_reviewer",
    "platform_admin",
)
SIGNED_IN = frozenset(ROLES) - {"anonymous"}
OWN_NAME = SIGNED_IN - {"delegated"}  # a delegation token reaches only the filing routes
REGION_READERS = frozenset({"window_staff", "county_admin", "platform_admin"})
ADMIN = frozenset({"platform_admin"})
REVIEWERS = frozenset({"app_reviewer", "platform_admin"})
DEVELOPERS = frozenset({"app_developer", "platform_admin"})
PUBLIC = frozenset(ROLES) - {"delegated"}  # a delegation token is refused outside the filing routes
FACILITY_READERS = REGION_READERS | {"outlet_technician"}
COUNTY_ADMINS = frozenset({"county_admin", "platform_admin"})


def phone() -> str:
    return f"139{random.randrange(10**8):08d}"


# (method, path, json body or None, query or None, roles allowed)
MATRIX: list[tuple[str, str, object, dict | None, frozenset[str]]] = [
    ("GET", "/api/v1/me", None, None, SIGNED_IN),
    ("GET", "/api/v1/me/notifications", None, None, OWN_NAME),
    ("GET", "/api/v1/me/summary", None, None, OWN_NAME),
    ("POST", "/api/v1/me/real-name", {"name": "王", "id_number": "1"}, None, OWN_NAME),
    ("GET", "/api/v1/me/mini-apps", None, None, OWN_NAME),
    ("GET", "/api/v1/auth/delegations", None, None, OWN_NAME),
    ("POST", "/api/v1/auth/delegations", lambda: {"resident": {"name": "测试", "phone": phone()}}, None,
     frozenset({"village_agent"})),
    ("POST", "/api/v1/auth/delegations/abcdefgh12/confirm", {"code": "123456"}, None, frozenset({"village_agent"})),
    ("GET", "/api/v1/admin/accounts", None, None, ADMIN),
    ("POST", "/api/v1/admin/accounts", lambda: {
        "username": f"matrix{random.randrange(10**9)}", "password": "a-strong-password-1", "display_name": "测试",
        "roles": ["window_staff"], "region": "530102"}, None, ADMIN),
    ("PATCH", "/api/v1/admin/accounts/no-such-account", {"display_name": "某人"}, None, ADMIN),
    ("GET", "/api/v1/admin/audit", None, None, ADMIN),
    ("GET", "/api/v1/admin/sms-outbox", None, None, ADMIN),
    ("GET", "/api/v1/repair/stats", None, {"county": "530102"}, REGION_READERS),
    # People see their own tickets, technicians their outlet's, readers their region's; other staff roles none.
    ("GET", "/api/v1/repair/tickets", None, {"county": "530102"},
     REGION_READERS | {"citizen", "delegated", "outlet_technician"}),
    ("GET", "/api/v1/repair/tickets/BX530102202601019999", None, None, SIGNED_IN),  # 404: no such ticket
    # grassroots service (五个一, 回访, outlet choice and 四有, duplicates); unknown ids answer 404 past the role check
    ("GET", "/api/v1/repair/counties/530102/hotline", None, None, frozenset(ROLES)),
    ("PUT", "/api/v1/repair/counties/530102/hotline", {"phone": "12345"}, None, COUNTY_ADMINS),
    ("GET", "/api/v1/repair/counties/530102/board", None, None, frozenset(ROLES)),
    ("GET", "/api/v1/repair/counties/530102/poster", None, None, frozenset(ROLES)),
    ("PUT", "/api/v1/repair/service-points/SP-530102-NOSUCH/profile",
     {"address": "某街道", "hours": "8:30-17:30", "phone": "12345", "scope": "报修"}, None,
     COUNTY_ADMINS | {"county_admin_foreign"}),
    ("POST", "/api/v1/repair/service-points/SP-530102-NOSUCH/walk-ins", {"category": "satellite",
     "description": "无信号", "contact_name": "王", "contact_phone": "13900000000"}, None, frozenset({"window_staff"})),
    ("GET", "/api/v1/repair/service-points/SP-530102-NOSUCH/walk-ins", None, None,
     REGION_READERS | {"county_admin_foreign"}),
    ("POST", "/api/v1/repair/service-points/SP-530102-NOSUCH/repairers", {"name": "张", "phone": "13900000000"},
     None, COUNTY_ADMINS | {"county_admin_foreign"}),
    ("GET", "/api/v1/repair/visits", None, None, frozenset({"village_agent"})),
    ("POST", "/api/v1/repair/visits/BX530102202601019999", {"reached": True, "restored": True}, None,
     frozenset({"village_agent"})),
    ("GET", "/api/v1/repair/outlets/nearby", None, {"county": "530102", "category": "satellite"}, SIGNED_IN),
    ("PUT", "/api/v1/repair/outlets/OUT-530102-01/qualification", {}, None, COUNTY_ADMINS),  # 422: none of 四有
    ("GET", "/api/v1/repair/counties/530102/coverage", None, None, REGION_READERS),
    ("GET", "/api/v1/repair/duplicates", None,
     {"county": "530102", "category": "satellite", "lat": 25.04, "lng": 102.7}, SIGNED_IN),
    ("POST", "/api/v1/repair/tickets/BX530102202601019999/join", {"lat": 25.04, "lng": 102.7}, None,
     frozenset({"citizen", "delegated"})),
    # the rating: the reporter, or the filing agent with the resident's delegation (kept pending until the resident
    # confirms with the code texted to them); who may rate is the ticket's rule (404: no such ticket)
    ("POST", "/api/v1/repair/tickets/BX530102202601019999/rating", {"level": 5}, None, SIGNED_IN),
    ("POST", "/api/v1/repair/tickets/BX530102202601019999/rating/confirm", {"code": "123456"}, None, SIGNED_IN),
    # put right: the county's dispatch by hand (404: no such ticket), the technician's contact and arrival steps,
    # the county's circle timeouts
    ("POST", "/api/v1/repair/tickets/BX530102202601019999/dispatch", {"outlet_id": "OUT-530102-01"}, None,
     frozenset({"county_admin", "county_admin_foreign", "platform_admin"})),
    ("POST", "/api/v1/repair/tickets/BX530102202601019999/contacted", None, None, frozenset({"outlet_technician"})),
    ("POST", "/api/v1/repair/tickets/BX530102202601019999/arrive", None, None, frozenset({"outlet_technician"})),
    ("GET", "/api/v1/repair/counties/530102/response-settings", None, None,
     frozenset({"county_admin", "platform_admin"})),
    ("PUT", "/api/v1/repair/counties/530102/response-settings",
     {"village_accept_minutes": 15, "township_accept_minutes": 60}, None,
     frozenset({"county_admin", "platform_admin"})),
    # public facilities: region readers and the county's technicians read; county admins register and plan;
    # technicians and admins inspect (404/422 of the rule itself past the gate)
    ("GET", "/api/v1/repair/facilities", None, {"county": "530102"}, FACILITY_READERS),
    ("POST", "/api/v1/repair/facilities", lambda: {
        "county": "530102", "code": f"M-{random.randrange(10**9)}", "kind": "transmitter", "name": "测试发射台",
        "lat": 25.05, "lng": 102.7}, None, COUNTY_ADMINS),
    ("GET", "/api/v1/repair/facilities/overdue-inspections", None, {"county": "530102"}, FACILITY_READERS),
    ("GET", "/api/v1/repair/facilities/terminal-health", None, {"county": "530102"}, FACILITY_READERS),
    ("GET", "/api/v1/repair/broadcast-platforms", None, {"county": "530102"}, FACILITY_READERS),
    ("POST", "/api/v1/repair/broadcast-platforms", {"county": "530102", "name": "测试平台", "scheme": "hmac-sha256"},
     None, COUNTY_ADMINS),
    ("PUT", "/api/v1/repair/counties/530102/fees", {"items": [], "free_services": []}, None, COUNTY_ADMINS),
    ("GET", "/api/v1/repair/counties/530102/fees", None, None, frozenset(ROLES) - {"delegated"}),
    # the monthly review chain and the outlets' assessment (a month not yet begun and a county without a scheme
    # answer 422/404 past the gate, so nothing is signed off here)
    ("GET", "/api/v1/repair/counties/530102/monthly-reviews/2026-01", None, None, REGION_READERS | {"village_agent"}),
    ("POST", "/api/v1/repair/counties/530102/monthly-reviews/2099-01/village", {"signer_name": "测试"}, None,
     frozenset({"village_agent", "county_admin"})),
    ("POST", "/api/v1/repair/counties/530102/monthly-reviews/2099-01/county", {"signer_name": "测试"}, None,
     frozenset({"county_admin"})),
    ("GET", "/api/v1/repair/counties/530102/assessment-scheme", None, None, REGION_READERS),
    ("GET", "/api/v1/repair/counties/530102/assessments/2026", None, None, REGION_READERS),
    ("GET", "/api/v1/repair/counties/530102/assessments/2026/export", None, None, REGION_READERS),
    ("PUT", "/api/v1/repair/counties/530102/assessment-scheme", {"weights": {
        "share_24h": 30, "circles": 10, "rating": 20, "complaints": 20, "inspections": 10, "terminal_online": 10}},
     None, COUNTY_ADMINS),
    ("GET", "/api/v1/admin/mini-apps", None, None, REVIEWERS),
    ("GET", "/api/v1/mini-apps/mine", None, None, DEVELOPERS),
    ("GET", "/api/v1/admin/mini-app-members", None, None, ADMIN),
    ("POST", "/api/v1/admin/open311-clients", lambda: {"name": f"matrix{random.randrange(10**9)}"}, None, ADMIN),
    ("GET", "/api/v1/admin/open311-clients", None, None, ADMIN),
    ("POST", "/api/v1/admin/open311-clients/open311-0000000000000000/revoke", None, None, ADMIN),  # 404
    # Open311 GeoReport v2: reads for anyone (a delegation token reaches only its filing routes, as everywhere); a
    # report needs a client's api_key, which no token stands in for.
    ("GET", "/open311/v2/services.json", None, None, PUBLIC),
    ("GET", "/open311/v2/services/satellite.json", None, None, PUBLIC),
    ("GET", "/open311/v2/requests.json", None, {"status": "open"}, PUBLIC),
    ("GET", "/open311/v2/requests/BX530102202601019999.json", None, None, PUBLIC),  # 404
    ("POST", "/open311/v2/requests.json", {"service_code": "satellite"}, None, frozenset()),
]  # fmt: skip
FOREIGN_SCOPED = {
    "/api/v1/repair/stats",
    "/api/v1/repair/tickets",
    "/api/v1/repair/counties/530102/response-settings",
    "/api/v1/repair/facilities",
    "/api/v1/repair/facilities/overdue-inspections",
    "/api/v1/repair/facilities/terminal-health",
    "/api/v1/repair/broadcast-platforms",
    ("PUT", "/api/v1/repair/counties/530102/fees"),  # the public read of the fees is anyone's
    "/api/v1/repair/counties/530102/monthly-reviews/2026-01",
    "/api/v1/repair/counties/530102/monthly-reviews/2099-01/village",
    "/api/v1/repair/counties/530102/monthly-reviews/2099-01/county",
    "/api/v1/repair/counties/530102/assessment-scheme",
    "/api/v1/repair/counties/530102/assessments/2026",
    "/api/v1/repair/counties/530102/assessments/2026/export",
}
API_KEY_ONLY = {"/open311/v2/requests.json"}  # refused with 403 (the spec's bad api_key), token or not


def token_for(platform, role: str) -> str | None:
    if role == "anonymous":
        return None
    subject = f"matrix-{role}-{random.randrange(10**9)}"
    if role == "citizen":
        return issue_access_token(
            platform.keys,
            issuer=platform.settings.issuer,
            audience=platform.settings.jwt_audience,
            subject=subject,
            lifetime_seconds=600,
        )
    if role == "delegated":
        return issue_access_token(
            platform.keys,
            issuer=platform.settings.issuer,
            audience=platform.settings.jwt_audience,
            subject=subject,
            lifetime_seconds=600,
            actor="matrix-agent",
            region="530102",
        )
    region = {
        "county_admin_foreign": "532801",
        "platform_admin": "53",
        "app_developer": "53",
        "app_reviewer": "53",
    }
    real_role = "county_admin" if role == "county_admin_foreign" else role
    extra = {"outlet": "OUT-530102-01"} if role == "outlet_technician" else {}
    return staff_token(
        platform, roles=[real_role], region=region.get(role, "530102"), subject=subject, **extra
    )


CASES = [
    pytest.param(method, path, body, query, role, role in allowed, id=f"{method} {path} as {role}")
    for method, path, body, query, allowed in MATRIX
    for role in ROLES
]


@pytest.mark.parametrize(("method", "path", "body", "query", "role", "allowed"), CASES)
async def test_access_matrix(platform, method, path, body, query, role, allowed):
    if role == "county_admin_foreign" and (path in FOREIGN_SCOPED or (method, path) in FOREIGN_SCOPED):
        allowed = False
    async with platform.client(token_for(platform, role)) as client:
        reply = await client.request(
            method,
            path,
            json=body() if callable(body) else body,
            params=query,
            headers={"X-Forwarded-For": "10.9.9.9"},
        )
    assert reply.status_code < 500, reply.text
    if allowed:
        assert reply.status_code not in (401, 403), reply.text
    else:
        expected = 401 if role == "anonymous" and path not in API_KEY_ONLY else 403
        assert reply.status_code == expected, reply.text


# -- a caller without credentials: 401 everywhere but the routes anyone may call (gateway.security) ---------------

ALL_ROUTES = sorted(
    {
        (method, route.path)
        for router in (*ROUTERS, landing.router, console.router, docs.router, problem_pages.router)
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods - {"HEAD"}
    }
)
SAMPLE_PARAMS = {
    "ticket_no": "BX530102202601019999",
    "county": "530102",
    "application_no": "SQ5301022026010199",
}


def sample_path(template: str) -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: SAMPLE_PARAMS.get(m.group(1), "x1"), template)


def test_the_anonymous_routes_and_the_matrix_agree():
    for method, path, _body, _query, allowed in MATRIX:
        listed = anonymous_may_use(method, path)
        assert listed == ("anonymous" in allowed or path in API_KEY_ONLY), (method, path)


async def test_every_route_not_listed_answers_401_without_credentials(platform):
    refused = []
    async with platform.client() as client:
        for method, template in ALL_ROUTES:
            path = sample_path(template)
            # a body that is not even JSON: the refusal comes before the body is read or validated
            content = b"{not json" if method != "GET" else None
            reply = await client.request(
                method, path, content=content, headers={"Content-Type": "application/json"}
            )
            if anonymous_may_use(method, path):
                if not template.startswith("/api/v1/open/"):  # the mini-app open API checks its own token
                    assert reply.status_code != 401, (method, template, reply.text)
                continue
            refused.append(template)
            assert reply.status_code == 401, (method, template, reply.text)
            assert reply.headers["www-authenticate"] == "Bearer", (method, template)
            problem = reply.json()
            assert problem["code"] == "not_signed_in" and problem["detail"] == "请先登录。", problem
    assert "/api/v1/repair/tickets/{ticket_no}/accept" in refused and "/api/v1/intake/flags" in refused
