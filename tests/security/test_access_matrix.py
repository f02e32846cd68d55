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
EVERYONE = frozenset(ROLES)
UNDELEGATED = EVERYONE - {"delegated"}  # public routes still refuse a delegation token (filing routes only)
# with credentials of any kind: a caller without any is answered 401 first (gateway.security)
EVERYONE_SIGNED = EVERYONE - {"anonymous"}
UNDELEGATED_SIGNED = UNDELEGATED - {"anonymous"}
NOBODY: frozenset[str] = frozenset()  # a role outside this table (an issuing department, a mini-app's token)


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
    # on an asset (unknown here: 404 past the gate for any signed-in caller but a delegation token)
    ("PUT", "/api/v1/repair/facilities/FA-NOSUCH/inspection-plan", {"interval_days": 30}, None,
     EVERYONE_SIGNED - {"delegated"}),
    ("POST", "/api/v1/repair/facilities/FA-NOSUCH/inspections", {"evidence_ids": ["EV0"], "result": "normal"},
     None, EVERYONE_SIGNED - {"delegated"}),
    ("GET", "/api/v1/repair/facilities/FA-NOSUCH/inspections", None, None, EVERYONE_SIGNED - {"delegated"}),
    # a terminal heartbeat is signed by its management platform, never by a token: unsigned, 401 for everyone
    ("POST", "/api/v1/repair/heartbeats", {"code": "T0", "online": True}, None, NOBODY),
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
# Every other route of the OpenAPI, one row each, with a placeholder request (the smallest schema-valid values).
# `allowed` is what the platform answered on 2026-11-30, reviewed: a role outside it must keep getting 401/403,
# so a refusal that disappears fails here. Where the placeholder body is refused (422) or the resource is unknown
# (404) before the role check, that role counts as allowed: such rows guard the refusals that come first only.
MATRIX += [
    ("GET", "/healthz", None, None, EVERYONE),
    ("GET", "/readyz", None, None, EVERYONE),
    ("GET", "/.well-known/jwks.json", None, None, EVERYONE),
    ("POST", "/api/v1/auth/sms-code", {"phone": ""}, None, UNDELEGATED),
    ("POST", "/api/v1/auth/token", {"code": "000000", "grant_type": "sms", "phone": ""}, None, UNDELEGATED),
    ("POST", "/api/v1/auth/logout", None, None, OWN_NAME),
    ("POST", "/api/v1/auth/qr-sessions", None, None, UNDELEGATED),
    ("GET", "/api/v1/auth/qr-sessions/0", None, None, UNDELEGATED),
    ("POST", "/api/v1/auth/qr-sessions/0/scan", None, None, OWN_NAME),
    ("POST", "/api/v1/auth/qr-sessions/0/confirm", None, None, OWN_NAME),
    ("POST", "/api/v1/auth/qr-sessions/0/cancel", None, None, OWN_NAME),
    ("GET", "/api/v1/me/licenses", None, None, OWN_NAME),
    ("POST", "/api/v1/me/licenses/0/presentations", {"fields": ["a"]}, None, OWN_NAME),
    ("GET", "/api/v1/me/licenses/0/uses", None, None, OWN_NAME),
    ("POST", "/api/v1/me/passkeys/options", None, None, OWN_NAME),
    ("GET", "/api/v1/me/passkeys", None, None, OWN_NAME),
    ("POST", "/api/v1/me/passkeys", {"credential": {}}, None, OWN_NAME),
    ("DELETE", "/api/v1/me/passkeys/0", None, None, OWN_NAME),
    ("POST", "/api/v1/auth/passkey/options", None, None, UNDELEGATED),
    (
        "POST",
        "/api/v1/identity-corrections",
        {"account_id": "0", "evidence": ["0"], "kind": "bind", "reason": "00"},
        None,
        OWN_NAME,
    ),
    ("GET", "/api/v1/identity-corrections", None, None, OWN_NAME),
    ("GET", "/api/v1/identity-corrections/0", None, None, OWN_NAME),
    ("POST", "/api/v1/admin/identity-corrections/0/approve", None, None, NOBODY),
    ("POST", "/api/v1/admin/identity-corrections/0/reject", {"reason": "00"}, None, NOBODY),
    ("POST", "/api/v1/legal-persons", {"credit_code": "", "name": "00"}, None, OWN_NAME),
    ("POST", "/api/v1/legal-persons/000000000000000000/members", {"phone": ""}, None, OWN_NAME),
    ("POST", "/api/v1/admin/signing-keys/rotate", None, None, ADMIN),
    ("GET", "/api/v1/service-items", None, None, EVERYONE),
    ("GET", "/api/v1/service-items/0", None, None, EVERYONE),
    ("GET", "/api/v1/intake/items", None, None, EVERYONE),
    (
        "POST",
        "/api/v1/intake/items",
        {
            "department": "00",
            "item_code": "00",
            "mode": "online",
            "name": "00",
            "promised_days": 0,
            "regions": [""],
        },
        None,
        UNDELEGATED_SIGNED,
    ),
    ("GET", "/api/v1/intake/items/0", None, None, EVERYONE),
    (
        "PUT",
        "/api/v1/intake/items/0",
        {"department": "00", "mode": "online", "name": "00", "promised_days": 0, "regions": [""]},
        None,
        UNDELEGATED_SIGNED,
    ),
    ("POST", "/api/v1/intake/items/0/publish", {}, None, UNDELEGATED_SIGNED),
    ("GET", "/api/v1/intake/items/0/changes", None, None, UNDELEGATED),
    (
        "POST",
        "/api/v1/intake/applications",
        {"item_code": "0", "region": "000000"},
        None,
        frozenset({"citizen", "window_staff"}),
    ),
    ("GET", "/api/v1/intake/applications", None, None, frozenset({"citizen", "delegated", "window_staff"})),
    ("GET", "/api/v1/intake/flags", None, None, NOBODY),
    ("GET", "/api/v1/intake/applications/000000000000000000000", None, None, EVERYONE_SIGNED),
    ("GET", "/api/v1/intake/applications/000000000000000000000/receipt", None, None, UNDELEGATED_SIGNED),
    ("POST", "/api/v1/intake/applications/000000000000000000000/accept", {}, None, UNDELEGATED_SIGNED),
    (
        "POST",
        "/api/v1/intake/applications/000000000000000000000/accept-with-deficiency",
        {"due_days": 1, "material_id": "0"},
        None,
        UNDELEGATED_SIGNED,
    ),
    (
        "POST",
        "/api/v1/intake/applications/000000000000000000000/accept-on-promise",
        {},
        None,
        UNDELEGATED_SIGNED,
    ),
    (
        "POST",
        "/api/v1/intake/applications/000000000000000000000/request-correction",
        {},
        None,
        UNDELEGATED_SIGNED,
    ),
    ("POST", "/api/v1/intake/applications/000000000000000000000/refuse", {}, None, UNDELEGATED_SIGNED),
    (
        "POST",
        "/api/v1/intake/applications/000000000000000000000/conclude",
        {"outcome": "denied"},
        None,
        UNDELEGATED_SIGNED,
    ),
    (
        "POST",
        "/api/v1/intake/applications/000000000000000000000/special-procedures",
        {"procedure": "0"},
        None,
        UNDELEGATED_SIGNED,
    ),
    (
        "POST",
        "/api/v1/intake/applications/000000000000000000000/special-procedures/end",
        None,
        None,
        UNDELEGATED_SIGNED,
    ),
    (
        "POST",
        "/api/v1/intake/applications/000000000000000000000/supply-deficiency",
        None,
        None,
        UNDELEGATED_SIGNED,
    ),
    (
        "POST",
        "/api/v1/intake/applications/000000000000000000000/verify-promise",
        {},
        None,
        UNDELEGATED_SIGNED,
    ),
    ("POST", "/api/v1/intake/applications/000000000000000000000/resubmit", {}, None, EVERYONE_SIGNED),
    ("GET", "/api/v1/intake/bundles", None, None, UNDELEGATED),
    (
        "POST",
        "/api/v1/intake/bundles",
        {"bundle_code": "00", "department": "00", "item_codes": ["", ""], "name": "00", "regions": [""]},
        None,
        UNDELEGATED_SIGNED,
    ),
    (
        "POST",
        "/api/v1/intake/bundle-applications",
        {"bundle_code": "00", "region": "000000"},
        None,
        UNDELEGATED_SIGNED,
    ),
    ("GET", "/api/v1/intake/bundle-applications/0", None, None, UNDELEGATED_SIGNED),
    (
        "POST",
        "/api/v1/intake/slots",
        {"day": "0000-00-00", "region": "000000", "starts": [""], "window": "0"},
        None,
        UNDELEGATED_SIGNED,
    ),
    ("GET", "/api/v1/intake/slots", None, {"day": "0000-00-00", "region": "000000"}, UNDELEGATED),
    ("POST", "/api/v1/intake/appointments", {"slot_id": "0"}, None, frozenset({"citizen"})),
    ("GET", "/api/v1/intake/appointments", None, None, OWN_NAME),
    ("POST", "/api/v1/intake/appointments/0/cancel", None, None, UNDELEGATED_SIGNED),
    ("GET", "/api/v1/licenses/types", None, None, EVERYONE),
    ("POST", "/api/v1/licenses", {"fields": {}, "holder": {}, "type": "0"}, None, UNDELEGATED_SIGNED),
    ("POST", "/api/v1/licenses/0/suspend", {"reason": "0"}, None, NOBODY),
    ("POST", "/api/v1/licenses/0/reinstate", {"reason": "0"}, None, NOBODY),
    ("POST", "/api/v1/licenses/0/revoke", {"reason": "0"}, None, NOBODY),
    ("POST", "/api/v1/licenses/0/renew", {"reason": "0", "valid_until": "2000-01-01"}, None, NOBODY),
    ("POST", "/api/v1/licenses/verify", {"presentation": "0"}, None, UNDELEGATED),
    ("GET", "/api/v1/licenses/issuers/jwks.json", None, None, UNDELEGATED),
    ("GET", "/api/v1/licenses/status-lists/1", None, None, UNDELEGATED),
    ("POST", "/api/v1/licenses/issuers/keys", {"department": "0"}, None, ADMIN),
    ("GET", "/api/v1/me/review-invitations", None, None, OWN_NAME),
    ("POST", "/api/v1/me/mini-app-uses", {"app_id": "0"}, None, OWN_NAME),
    ("GET", "/api/v1/public/reviews", None, None, UNDELEGATED),
    ("GET", "/api/v1/public/rectifications", None, None, UNDELEGATED),
    ("POST", "/api/v1/admin/reviews/reconcile", None, None, ADMIN),
    ("GET", "/rv/A0000000000000000", None, None, UNDELEGATED),
    ("POST", "/api/v1/reviews", {"case_id": "0", "case_type": "mini_app", "level": 1}, None, SIGNED_IN),
    (
        "GET",
        "/api/v1/reviews/indicators",
        None,
        None,
        frozenset({"anonymous", "app_developer", "app_reviewer", "citizen", "platform_admin"}),
    ),
    (
        "GET",
        "/api/v1/reviews/rectifications",
        None,
        None,
        frozenset({"county_admin", "county_admin_foreign", "outlet_technician", "platform_admin"}),
    ),
    ("POST", "/api/v1/reviews/rectifications/A0000000000000000/verify", None, None, UNDELEGATED_SIGNED),
    (
        "GET",
        "/api/v1/reviews/appeals",
        None,
        None,
        frozenset({"county_admin", "county_admin_foreign", "platform_admin"}),
    ),
    (
        "POST",
        "/api/v1/reviews/appeals/A0000000000000000/decide",
        {"reason": "00", "upheld": False},
        None,
        UNDELEGATED_SIGNED,
    ),
    (
        "POST",
        "/api/v1/reviews/windows",
        {"department": "0", "name": "0", "region": "000000"},
        None,
        UNDELEGATED_SIGNED,
    ),
    ("GET", "/api/v1/reviews/windows/resolve", None, {"qr": "0000000000"}, UNDELEGATED),
    ("GET", "/api/v1/reviews/windows/A0000000000000000/qr", None, None, UNDELEGATED),
    (
        "POST",
        "/api/v1/reviews/window-visits",
        {"phone": "13000000000", "window_id": "0"},
        None,
        frozenset({"window_staff"}),
    ),
    ("POST", "/api/v1/reviews/A0000000000000000/appeal", {"evidence": [""], "reason": "00"}, None, OWN_NAME),
    ("GET", "/api/v1/reviews/A0000000000000000", None, None, OWN_NAME),
    ("GET", "/api/v1/repair/counties", None, None, EVERYONE),
    (
        "GET",
        "/api/v1/repair/outlets",
        None,
        {"county": "000000"},
        frozenset(
            {"county_admin", "county_admin_foreign", "outlet_technician", "platform_admin", "window_staff"}
        ),
    ),
    (
        "POST",
        "/api/v1/repair/outlets",
        {
            "categories": ["ott"],
            "county": "000000",
            "kind": "market",
            "lat": 0.0,
            "lng": 0.0,
            "name": "0",
            "phone": "00000",
        },
        None,
        UNDELEGATED_SIGNED,
    ),
    ("PATCH", "/api/v1/repair/outlets/0", {}, None, UNDELEGATED_SIGNED),
    (
        "GET",
        "/api/v1/repair/service-points",
        None,
        {"county": "000000"},
        frozenset(
            {"county_admin", "county_admin_foreign", "platform_admin", "village_agent", "window_staff"}
        ),
    ),
    (
        "POST",
        "/api/v1/repair/service-points",
        {"county": "000000", "lat": 0.0, "level": "village", "lng": 0.0, "name": "0"},
        None,
        UNDELEGATED_SIGNED,
    ),
    ("GET", "/api/v1/repair/counties/000000/qr", None, None, EVERYONE),
    ("GET", "/api/v1/repair/qr", None, {"qr": "0000000000"}, EVERYONE),
    (
        "POST",
        "/api/v1/repair/counties/000000/qr-keys",
        None,
        None,
        frozenset({"county_admin", "county_admin_foreign", "platform_admin"}),
    ),
    (
        "POST",
        "/api/v1/repair/counties/000000/qr-keys/00000000/revoke",
        None,
        None,
        frozenset({"county_admin", "county_admin_foreign", "platform_admin"}),
    ),
    ("POST", "/api/v1/repair/uploads", {"file": ""}, None, EVERYONE_SIGNED),
    ("GET", "/api/v1/repair/evidence/EV00000000000000000000", None, None, EVERYONE_SIGNED),
    (
        "POST",
        "/api/v1/repair/tickets",
        {"category": "ott", "contact_name": "0", "contact_phone": "", "description": "0"},
        None,
        EVERYONE_SIGNED,
    ),
    ("POST", "/api/v1/repair/tickets/BX0000000000000000/accept", None, None, UNDELEGATED_SIGNED),
    ("POST", "/api/v1/repair/tickets/BX0000000000000000/reject", {"reason": "0"}, None, UNDELEGATED_SIGNED),
    (
        "POST",
        "/api/v1/repair/tickets/BX0000000000000000/resolve",
        {"evidence": ["EV00000000000000000000"], "note": "0"},
        None,
        UNDELEGATED_SIGNED,
    ),
    (
        "POST",
        "/api/v1/repair/tickets/BX0000000000000000/follow-up",
        {"reached": False, "restored": False},
        None,
        frozenset({"county_admin", "county_admin_foreign", "village_agent", "window_staff"}),
    ),
    ("POST", "/api/v1/repair/tickets/BX0000000000000000/rating", {"level": 1}, None, SIGNED_IN),
    ("POST", "/api/v1/repair/tickets/BX0000000000000000/cancel", None, None, SIGNED_IN),
    ("GET", "/api/v1/repair/tickets/BX0000000000000000/dispatch-decisions", None, None, UNDELEGATED_SIGNED),
    ("GET", "/api/v1/repair/stats/export", None, None, UNDELEGATED_SIGNED),
    ("POST", "/api/v1/mini-apps/0/gray/pause", None, None, OWN_NAME),
    ("POST", "/api/v1/mini-apps/0/gray/resume", None, None, OWN_NAME),
    ("POST", "/api/v1/mini-apps/0/rollback", {"reason": "00"}, None, OWN_NAME),
    ("PUT", "/api/v1/admin/mini-apps/0/first-party", {"first_party": False}, None, ADMIN),
    ("GET", "/api/v1/mini-apps", None, None, UNDELEGATED),
    (
        "POST",
        "/api/v1/mini-apps",
        {"app_id": "a00", "category": "0", "department": "00", "description": "0", "name": "00"},
        None,
        DEVELOPERS,
    ),
    ("GET", "/api/v1/mini-apps/0/entry", None, None, UNDELEGATED),
    (
        "POST",
        "/api/v1/mini-apps/0/versions",
        {"entry_url": "", "scopes": [], "version": "0.0.0"},
        None,
        OWN_NAME,
    ),
    ("GET", "/api/v1/mini-apps/0/versions", None, None, OWN_NAME),
    ("POST", "/api/v1/mini-apps/0/versions/0/submit", None, None, OWN_NAME),
    ("PUT", "/api/v1/mini-apps/0/gray", {"percent": 0, "version": "0.0.0"}, None, OWN_NAME),
    ("POST", "/api/v1/mini-apps/0/gray/rollback", {"reason": "00"}, None, OWN_NAME),
    ("GET", "/api/v1/mini-apps/0/events", None, None, OWN_NAME),
    ("GET", "/api/v1/mini-apps/0/feedback", None, None, OWN_NAME),
    ("POST", "/api/v1/mini-apps/0/feedback", {"content": "00", "kind": "bug"}, None, frozenset({"citizen"})),
    ("GET", "/api/v1/mini-apps/0/authorize", None, None, frozenset({"citizen"})),
    ("POST", "/api/v1/mini-apps/0/authorize", {"scopes": [""]}, None, OWN_NAME),
    ("GET", "/api/v1/search", None, None, UNDELEGATED),
    ("DELETE", "/api/v1/me/mini-apps/0", None, None, OWN_NAME),
    ("GET", "/api/v1/open/userinfo", None, None, NOBODY),
    ("GET", "/api/v1/open/phone", None, None, NOBODY),
    ("GET", "/api/v1/open/repair/tickets", None, None, NOBODY),
    ("GET", "/api/v1/admin/mini-apps/0", None, None, OWN_NAME),
    ("POST", "/api/v1/admin/mini-apps/0/versions/0/approve", None, None, OWN_NAME),
    ("POST", "/api/v1/admin/mini-apps/0/versions/0/reject", {"reason": "00"}, None, OWN_NAME),
    ("POST", "/api/v1/admin/mini-apps/0/delist", {"reason": "00"}, None, REVIEWERS),
    ("POST", "/api/v1/admin/mini-apps/0/relist", None, None, REVIEWERS),
    ("POST", "/api/v1/admin/mini-apps/0/clear-flag", None, None, REVIEWERS),
    ("GET", "/api/v1/admin/mini-apps/0/monitoring", None, None, REVIEWERS),
    ("POST", "/api/v1/admin/mini-app-members", {"account_id": "0", "department": "00"}, None, ADMIN),
    ("DELETE", "/api/v1/admin/mini-app-members", None, {"account_id": "0", "department": "0"}, ADMIN),
]
# The open API takes a mini-app's access token only: a platform token is no credential there (401), except a
# delegation token, which the gateway refuses (403) before looking further.
MINI_APP_TOKEN_ONLY = {"/api/v1/open/userinfo", "/api/v1/open/phone", "/api/v1/open/repair/tickets"}
# anonymous got 403 on the intake flags until the gateway answered 401 before anything (gateway.security)
ANONYMOUS_403: set[tuple[str, str]] = set()
_FOREIGN_SCOPED_PATHS = {
    ("GET", "/api/v1/repair/stats"),
    ("GET", "/api/v1/repair/tickets"),
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
SIGNED_BY_PLATFORM = {"/api/v1/repair/heartbeats"}  # 401 without the platform's signature, token or not
API_KEY_ONLY = {"/open311/v2/requests.json"}  # refused with 403 (the spec's bad api_key), token or not
# a bare path: every method of its rows; a (method, path): that one only
FOREIGN_SCOPED = {
    key
    for method, path, *_ in MATRIX
    for key in [(method, path)]
    if path in _FOREIGN_SCOPED_PATHS or key in _FOREIGN_SCOPED_PATHS
}


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
    if role == "county_admin_foreign" and (method, path) in FOREIGN_SCOPED:
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
        token_refused = path in MINI_APP_TOKEN_ONLY and role != "delegated"  # delegation tokens: 403 first
        expected = 401 if (role == "anonymous" and path not in API_KEY_ONLY) or token_refused else 403
        if path in SIGNED_BY_PLATFORM and role != "delegated":
            expected = 401
        if role == "anonymous" and (method, path) in ANONYMOUS_403:
            expected = 403
        assert reply.status_code == expected, reply.text


def route_rows() -> set[tuple[str, str]]:
    return {(method, path) for method, path, *_ in MATRIX}


def covers(method: str, template: str, rows: set[tuple[str, str]]) -> bool:
    parts = re.split(r"\{[^}]+\}", template)
    pattern = re.compile("^" + "[^/]+".join(map(re.escape, parts)) + "$")
    return any(m == method and pattern.match(path) for m, path in rows)


async def test_every_route_of_the_openapi_is_in_the_matrix(platform):
    async with platform.client() as client:
        schema = (await client.get("/openapi.json")).json()
    rows = route_rows()
    missing = [
        f"{method.upper()} {template}"
        for template, operations in schema["paths"].items()
        for method in operations
        if method in ("get", "post", "put", "patch", "delete") and not covers(method.upper(), template, rows)
    ]
    assert not missing, (
        "routes of /openapi.json missing from MATRIX in tests/security/test_access_matrix.py; add a row "
        "(method, concrete path, json body or None, query or None, the roles allowed) for each of:\n  "
        + "\n  ".join(missing)
    )


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
        if path in MINI_APP_TOKEN_ONLY:
            continue  # let through to the open API, which answers 401 to anything but a mini-app's token
        listed = anonymous_may_use(method, path)
        assert listed == ("anonymous" in allowed or path in API_KEY_ONLY | SIGNED_BY_PLATFORM), (method, path)


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
