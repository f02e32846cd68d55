"""The access matrix's roles and its first two tables of rows (method, path, body, query, the roles allowed).

The hand-written rows (accounts, delegations, repair and its grassroots service, the monthly reviews, Open311) and
the placeholder rows of the sign-in, identity, intake and licence routes. The rows of the reviews, repair and
mini-app routes are in `tests.security.access_matrix_service_rows`; `tests.security.test_access_matrix` checks all.
"""

from __future__ import annotations

import random

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
HAND_WRITTEN_ROWS: list[tuple[str, str, object, dict | None, frozenset[str]]] = [
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
# This table holds the sign-in, identity, service-item, intake and licence routes; the rest are SERVICE_ROWS
# (tests.security.access_matrix_service_rows).
IDENTITY_AND_REGISTRY_ROWS: list[tuple[str, str, object, dict | None, frozenset[str]]] = [
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
]
