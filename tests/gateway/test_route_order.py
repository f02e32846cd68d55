"""The routers' order (gateway/routers/__init__.py puts the hot paths first, since a request is matched against the
routes in turn) must never let a route answer another route's path: each route's own path reaches that route."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from starlette.routing import Match

from gateway.routers import ROUTERS

ROUTES = [route for router in ROUTERS for route in router.routes if isinstance(route, APIRoute)]


@pytest.mark.parametrize("value", ["x1", "530102", "BX5301022611300001", "stats"])
def test_every_route_is_reached_by_its_own_path(value):
    shadowed = []
    for route in ROUTES:
        path = re.sub(r"\{[^}]+\}", value, route.path)
        for method in sorted(route.methods):
            scope = {"type": "http", "path": path, "method": method, "root_path": ""}
            first = next(r for r in ROUTES if r.matches(scope)[0] == Match.FULL)
            if first.path != route.path:
                shadowed.append(f"{method} {path}: {first.path} answers instead of {route.path}")
    assert shadowed == []


def test_the_hot_paths_are_matched_first():
    hot = [
        "/api/v1/search",
        "/api/v1/mini-apps",
        "/api/v1/licenses/verify",
        "/api/v1/repair/tickets/{ticket_no}",
    ]
    positions = {route.path: i for i, route in reversed(list(enumerate(ROUTES)))}
    assert all(positions[path] < 40 for path in hot), {p: positions[p] for p in hot}
