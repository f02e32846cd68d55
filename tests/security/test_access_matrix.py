"""Every route × every role × a foreign region, from one table, checked by one parametrised test.

A role in a row's `allowed` set must get past authorization (any status but 401/403: 2xx, or 404/409/422 of the
rule itself); every other caller is refused — 401 without a token, 403 with one. Region-scoped rows name county
530102 (五华区); `county_admin_foreign` (景洪市) holds the right role in the wrong region and must get 403.

The rows live in `tests.security.access_matrix_rows` (the roles, the hand-written rows, the sign-in, identity,
intake and licence routes) and `tests.security.access_matrix_service_rows` (the reviews, repair and mini-app routes).
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
from tests.security.access_matrix_rows import HAND_WRITTEN_ROWS, IDENTITY_AND_REGISTRY_ROWS, ROLES
from tests.security.access_matrix_service_rows import SERVICE_ROWS

pytestmark = pytest.mark.security

# (method, path, json body or None, query or None, roles allowed)
MATRIX: list[tuple[str, str, object, dict | None, frozenset[str]]] = [
    *HAND_WRITTEN_ROWS,
    *IDENTITY_AND_REGISTRY_ROWS,
    *SERVICE_ROWS,
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
        "routes of /openapi.json missing from MATRIX; add a row to tests/security/access_matrix_rows.py or "
        "tests/security/access_matrix_service_rows.py (method, concrete path, json body or None, query or None, "
        "the roles allowed) for each of:\n  " + "\n  ".join(missing)
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
