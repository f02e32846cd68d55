"""The busiest routes (gateway/hot_routes.py) answer exactly as FastAPI answers them: the same status, body and
headers for good requests and bad ones, signed in or not; and no route's own path is taken by them."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi.routing import APIRoute
from starlette.routing import Match

from gateway.hot_routes import HOT, MAX_BODY, HotRoutes, NotHot, _api_routes
from tests.gateway.repair_support import demo_password
from tests.gateway.test_licenses import AUDIENCE
from tests.gateway.test_licenses_online import issued_and_shown
from tests.helpers import admin_token, citizen_token, password_tokens

# Headers that differ between any two answers.
VOLATILE = {"x-request-id", "date"}


@asynccontextmanager
async def asgi_client(app) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        yield client


def hot_routes_of(app) -> HotRoutes:
    first = app.router.routes[0]
    assert isinstance(first, HotRoutes)
    return first


async def both_ways(
    app,
    method: str,
    url: str,
    token: str | None,
    content: bytes | None = None,
    headers: dict[str, str] | list[tuple[str, str]] | None = None,
) -> tuple[httpx.Response, httpx.Response]:
    """The answer with the hot routes in front, then with FastAPI alone (the same app, the hot routes removed)."""
    sent = httpx.Headers(headers or {})
    if token:
        sent["Authorization"] = f"Bearer {token}"
    async with asgi_client(app) as client:
        hot = await client.request(method, url, headers=sent, content=content)
        hot_routes = app.router.routes.pop(0)
        try:
            plain = await client.request(method, url, headers=sent, content=content)
        finally:
            app.router.routes.insert(0, hot_routes)
    return hot, plain


def same(hot: httpx.Response, plain: httpx.Response) -> None:
    assert hot.status_code == plain.status_code, (hot.text, plain.text)
    assert hot.content == plain.content
    strip = lambda r: sorted((k, v) for k, v in r.headers.items() if k not in VOLATILE)  # noqa: E731
    assert strip(hot) == strip(plain)


async def filed_ticket(platform, token: str) -> str:
    from loadtests.bench.targets import TICKET_BODY

    async with platform.client(token) as client:
        reply = await client.post(
            "/api/v1/repair/tickets", content=TICKET_BODY, headers={"content-type": "application/json"}
        )
    assert reply.status_code == 201, reply.text
    return str(reply.json()["ticket_no"])


CATALOGUE_QUERIES = [
    "",
    "?q=%E5%B9%BF%E7%94%B5",
    "?q=gdbx&limit=5",
    "?q=gd&limit=2&offset=1",
    "?category=%E7%A4%BE%E4%BF%9D&region=530102",
    "?channel=pc",
    "?q=x&unknown=1",
    # refused by validation: FastAPI answers these (the hot route does not take them)
    "?limit=0",
    "?limit=abc",
    "?limit=101",
    "?offset=-1",
    "?region=99",
    "?region=",
    "?channel=fax",
    "?q=" + "x" * 51,
    "?q=a&q=b",
]


@pytest.mark.parametrize("path", ["/api/v1/mini-apps", "/api/v1/search"])
async def test_the_catalogue_and_the_search_answer_as_fastapi_does(platform, path):
    tokens = [None, citizen_token(platform), "not-a-token"]
    for query in CATALOGUE_QUERIES:
        for token in tokens:
            hot, plain = await both_ways(platform.app, "GET", path + query, token)
            same(hot, plain)


async def test_the_ticket_read_answers_as_fastapi_does(platform):
    window = (await password_tokens(platform, "wuhua.window", demo_password(platform)))["access_token"]
    ticket_no = await filed_ticket(platform, window)
    cases = [
        (ticket_no, window),  # the ticket
        (ticket_no, citizen_token(platform)),  # somebody else's: refused by the service
        (ticket_no, await admin_token(platform)),
        (ticket_no, "bad.token.here"),  # 401 at the gateway
        (ticket_no, None),  # anonymous: 401 before any route
        ("BX0000000000000000", window),  # no such ticket
        ("BX123", window),  # the pattern refuses it: FastAPI's 422
        ("stats", window),
    ]
    for number, token in cases:
        hot, plain = await both_ways(platform.app, "GET", f"/api/v1/repair/tickets/{number}", token)
        same(hot, plain)
    hot, _ = await both_ways(platform.app, "GET", f"/api/v1/repair/tickets/{ticket_no}", window)
    assert hot.status_code == 200 and hot.json()["ticket_no"] == ticket_no


async def test_the_hot_routes_take_only_valid_requests(platform):
    hot_routes = hot_routes_of(platform.app)

    def taken(method: str, path: str, query: bytes = b"") -> bool:
        scope = {"type": "http", "method": method, "path": path, "query_string": query, "root_path": ""}
        return hot_routes.matches(scope)[0] is Match.FULL

    assert taken("GET", "/api/v1/repair/tickets/BX5301022611300001")
    assert not taken("GET", "/api/v1/repair/tickets/BX1")
    assert not taken("POST", "/api/v1/repair/tickets/BX5301022611300001")
    assert taken("GET", "/api/v1/search", b"q=gdbx")
    assert not taken("GET", "/api/v1/search", b"limit=0")
    assert not taken("GET", "/api/v1/search", b"q=a&q=b")
    assert not taken("GET", "/api/v1/search/")


def test_no_route_is_answered_by_the_hot_routes_in_its_place(platform):
    """Each route's own path (with a few parameter values) reaches that route with the hot routes in front."""
    routes = [(route, context) for route, context in _api_routes(platform.app) if isinstance(route, APIRoute)]
    hot_routes = hot_routes_of(platform.app)
    wrong = []
    for value in ["x1", "530102", "BX5301022611300001", "stats", "mine"]:
        for route, _ in routes:
            path = re.sub(r"\{[^}]+\}", value, route.path)
            for method in sorted(route.methods):
                scope = {"type": "http", "path": path, "method": method, "root_path": "", "query_string": b""}
                match, child = hot_routes.matches(scope)
                if match is Match.FULL and child["route"] is not route:
                    ordinary = next((r for r, _ in routes if r.matches(dict(scope))[0] is Match.FULL), None)
                    if ordinary is not child["route"]:
                        wrong.append(f"{method} {path}: {child['route'].path} instead of {route.path}")
    assert wrong == []


def test_a_route_that_cannot_be_bound_is_refused_when_the_app_is_built(platform):
    with pytest.raises(NotHot):
        HotRoutes.of(_api_routes(platform.app), (("POST", "/api/v1/repair/uploads"),))  # a multipart form
    with pytest.raises(NotHot):  # a rate limit declared on the route
        HotRoutes.of(_api_routes(platform.app), (("GET", "/api/v1/repair/counties/{county}/hotline"),))
    with pytest.raises(NotHot):
        HotRoutes.of(_api_routes(platform.app), (("GET", "/api/v1/no-such-route"),))
    assert {(m, p) for m, p in HOT} <= {
        (m, b.route.path) for m, bindings in hot_routes_of(platform.app).by_method.items() for b in bindings
    }


JSON = {"content-type": "application/json"}
# Bodies FastAPI refuses (or that are not small JSON): the hot route hands them back, and the answer is FastAPI's.
REFUSED_BODIES: list[tuple[bytes, dict[str, str] | list[tuple[str, str]]]] = [
    (b"{not json", JSON),
    (b"[]", JSON),
    (b"{}", JSON),
    (b'{"category": "satellite"}', JSON),
    (b'{"category": "radio", "description": "x", "contact_name": "a", "contact_phone": "1"}', JSON),
    (b"", JSON),
    (b"category=satellite", {"content-type": "application/x-www-form-urlencoded"}),
    (b'{"a": "' + b"x" * MAX_BODY + b'"}', JSON),
]


async def test_filing_a_ticket_answers_as_fastapi_does(platform):
    from loadtests.bench.targets import TICKET_BODY

    window = (await password_tokens(platform, "wuhua.window", demo_password(platform)))["access_token"]
    url = "/api/v1/repair/tickets"
    hot, plain = await both_ways(platform.app, "POST", url, window, TICKET_BODY.encode(), JSON)
    assert hot.status_code == plain.status_code == 201, (hot.text, plain.text)
    first, second = hot.json(), plain.json()
    assert first["ticket_no"] != second["ticket_no"]
    # the same document, and the same values but for what differs between two filings (the number, the times, the
    # outlet and so the status: the first took a slot, and other tests may have registered outlets at the same
    # distance or filled the county's)
    assert first.keys() == second.keys()
    stable = [
        "county",
        "category",
        "description",
        "channel",
        "reporter_id",
        "agent_id",
        "contact_name",
    ]
    stable += ["contact_phone", "lat", "lng", "address", "point", "overdue", "evidence_ids", "rating"]
    assert {k: first.get(k) for k in stable} == {k: second.get(k) for k in stable}
    assert {first["status"], second["status"]} <= {"dispatched", "pending_dispatch"}
    # the same Idempotency-Key and body: the first ticket again, both ways
    key = {"content-type": "application/json", "idempotency-key": f"hot-{first['ticket_no']}"}
    hot, plain = await both_ways(platform.app, "POST", url, window, TICKET_BODY.encode(), key)
    assert hot.status_code in (200, 201) and hot.json()["ticket_no"] == plain.json()["ticket_no"]
    for body, headers in [
        *REFUSED_BODIES,
        (TICKET_BODY.encode(), {"content-type": "application/json", "idempotency-key": "k" * 101}),
        (
            TICKET_BODY.encode(),
            [("content-type", "application/json"), ("idempotency-key", "a"), ("idempotency-key", "b")],
        ),
    ]:
        hot, plain = await both_ways(platform.app, "POST", url, window, body, headers)
        same(hot, plain)
    hot, plain = await both_ways(platform.app, "POST", url, "bad.token.here", TICKET_BODY.encode(), JSON)
    same(hot, plain)


async def test_verifying_a_presentation_answers_as_fastapi_does(platform):
    _, _, shown = await issued_and_shown(platform, 2)
    url = "/api/v1/licenses/verify"
    bodies = [
        {"presentation": one["presentation"], "nonce": one["nonce"], "audience": AUDIENCE} for one in shown
    ]
    async with asgi_client(platform.app) as client:
        first = await client.post(url, json=bodies[0])  # hot
        hot_routes = platform.app.router.routes.pop(0)
        try:
            second = await client.post(url, json=bodies[1])  # FastAPI
            replayed_plain = await client.post(url, json=bodies[1])
        finally:
            platform.app.router.routes.insert(0, hot_routes)
        replayed_hot = await client.post(url, json=bodies[0])
    answers = [first, second]
    assert answers[0].json()["valid"] is True and answers[0].content == answers[1].content
    same(replayed_hot, replayed_plain)
    assert replayed_hot.json()["valid"] is False
    for body_bytes, headers in REFUSED_BODIES:
        hot, plain = await both_ways(platform.app, "POST", url, None, body_bytes, headers)
        same(hot, plain)
