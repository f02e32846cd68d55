"""The busiest routes, answered by their own endpoint functions without FastAPI's per-request machinery.

FastAPI finds a route by trying every route of every router in turn (and the winning router's routes twice), and
solves each request's parameters and dependencies generically, asking of every parameter on every request whether
it is a sequence, a model, which alias it has... Profiled on the ticket read, the catalogue and the search, those
two were 40-60 % of the gateway's CPU per request, more than the work itself.

`HotRoutes` is one route placed first in the app's router. For a handful of routes (`HOT`) it matches (method,
path) with the route's own pattern and binds the route's parameters with what FastAPI would have given:

- path and query parameters are validated by the route's own fields (`ModelField.validate`, what FastAPI calls);
  a request it cannot bind exactly — a value that fails validation, a repeated or missing required parameter, a
  body — is not matched here and goes on to the FastAPI route, which answers it as always (its 422 included);
- dependencies are the same functions the route declares (`gateway.deps`), called with the request;
- the answer is the endpoint's `Response`, or its return value validated and serialised by the route's
  `response_model` field, as FastAPI does.

Errors raised by a dependency or the endpoint reach the app's exception handlers as before (this runs inside
Starlette's `ExceptionMiddleware`), the security middleware and the access log run before and after as before, and
the metrics see the route's own template. `tests/gateway/test_hot_routes.py` checks the answers are the same as
through FastAPI, for good and bad requests.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Match
from starlette.types import Receive, Scope, Send

from gateway import deps

HOT_KEY = "bst.hot_route"

# The dependencies a hot route may declare: each needs nothing but the request (or the principal).
_REQUEST_DEPENDENCIES: frozenset[Callable[..., Awaitable[Any]]] = frozenset(
    {deps.get_runtime, deps.get_clients, deps.get_authorization, deps.get_principal, deps.get_client_ip}
)

# (method, path template) of the routes answered here: the ticket read, the catalogue and the search.
HOT: tuple[tuple[str, str], ...] = (
    ("GET", "/api/v1/repair/tickets/{ticket_no}"),
    ("GET", "/api/v1/mini-apps"),
    ("GET", "/api/v1/search"),
)


class NotHot(Exception):
    """A route that cannot be answered here (a body, a sequence parameter, an unknown dependency...)."""


@dataclass
class _Param:
    name: str
    alias: str
    field: Any  # fastapi._compat ModelField
    required: bool
    default: Any


@dataclass
class _Binding:
    """How to call one route's endpoint: its parameters, dependencies and special arguments."""

    route: APIRoute
    path_regex: Any
    path_params: list[_Param] = field(default_factory=list)
    query_params: list[_Param] = field(default_factory=list)
    dependencies: list[tuple[str, Callable[..., Awaitable[Any]], bool]] = field(default_factory=list)
    request_name: str | None = None
    response_name: str | None = None

    @classmethod
    def of(cls, route: APIRoute, context: Any = None) -> _Binding:
        """`context`: FastAPI's effective route of an included router (its full path pattern and dependencies)."""
        dependant = route.dependant
        if context is not None and len(context.dependant.dependencies) != len(dependant.dependencies):
            raise NotHot(f"{route.path}: included with dependencies of its router")
        if dependant.body_params or dependant.header_params or dependant.cookie_params:
            raise NotHot(f"{route.path}: has body, header or cookie parameters")
        if not inspect.iscoroutinefunction(route.endpoint):
            raise NotHot(f"{route.path}: the endpoint is not a coroutine")
        if route.dependencies:
            raise NotHot(f"{route.path}: has route-level dependencies")
        options = (
            route.response_model_include,
            route.response_model_exclude,
            route.response_model_exclude_unset,
            route.response_model_exclude_defaults,
            route.response_model_exclude_none,
        )
        if any(options) or not route.response_model_by_alias:
            raise NotHot(f"{route.path}: response_model options")
        path_regex = getattr(context, "path_regex", None) or route.path_regex
        binding = cls(route=route, path_regex=path_regex, request_name=dependant.request_param_name)
        binding.response_name = dependant.response_param_name
        for fields, into in (
            (dependant.path_params, binding.path_params),
            (dependant.query_params, binding.query_params),
        ):
            for model_field in fields:
                if _is_sequence(model_field):
                    raise NotHot(f"{route.path}: {model_field.name} is a sequence")
                info = model_field.field_info
                into.append(
                    _Param(
                        name=model_field.name,
                        alias=model_field.alias,
                        field=model_field,
                        required=info.is_required(),
                        default=None if info.is_required() else model_field.default,
                    )
                )
        for sub in dependant.dependencies:
            call = sub.call
            if call is deps.get_signed_in:
                binding.dependencies.append((str(sub.name), deps.get_principal, True))
            elif call in _REQUEST_DEPENDENCIES:
                binding.dependencies.append((str(sub.name), call, False))  # type: ignore[arg-type]
            else:
                raise NotHot(f"{route.path}: depends on {getattr(call, '__name__', call)}")
        return binding

    def bind(self, path_params: dict[str, str], query: bytes) -> dict[str, Any] | None:
        """The path and query arguments, validated as FastAPI would; None when FastAPI must answer."""
        values: dict[str, Any] = {}
        for param in self.path_params:
            value, errors = param.field.validate(path_params[param.alias], {}, loc=("path", param.alias))
            if errors:
                return None
            values[param.name] = value
        if self.query_params:
            received: dict[str, str] = {}
            for key, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
                if key in received:
                    return None  # repeated: leave the choice of value to FastAPI
                received[key] = value
            for param in self.query_params:
                raw = received.get(param.alias)
                if raw is None:
                    if param.required:
                        return None
                    values[param.name] = param.default
                    continue
                value, errors = param.field.validate(raw, {}, loc=("query", param.alias))
                if errors:
                    return None
                values[param.name] = value
        return values

    async def respond(self, scope: Scope, values: dict[str, Any]) -> Response:
        request = Request(scope)
        for name, call, signed_in in self.dependencies:
            value = await call(request)
            values[name] = await deps.get_signed_in(value) if signed_in else value
        if self.request_name:
            values[self.request_name] = request
        sub_response = None
        if self.response_name:  # as FastAPI makes it: no length, no status unless the endpoint sets one
            sub_response = values[self.response_name] = Response()
            del sub_response.headers["content-length"]
            sub_response.status_code = None  # type: ignore[assignment]
        answer = await self.route.endpoint(**values)
        if isinstance(answer, Response):
            return answer
        response_field = self.route.response_field
        if response_field is None:
            raise NotHot(f"{self.route.path}: no response model")  # excluded when HotRoutes is built
        value, errors = response_field.validate(answer, {}, loc=("response",))
        if errors:
            from fastapi.exceptions import ResponseValidationError

            raise ResponseValidationError(errors=errors, body=answer)
        response = Response(
            content=response_field.serialize_json(value, by_alias=True),
            media_type="application/json",
            status_code=(sub_response and sub_response.status_code) or self.route.status_code or 200,
        )
        if sub_response is not None:
            response.headers.raw.extend(sub_response.headers.raw)
        return response


def _is_sequence(model_field: Any) -> bool:
    from fastapi._compat import field_annotation_is_sequence

    return bool(field_annotation_is_sequence(model_field.field_info.annotation))


class HotRoutes(BaseRoute):
    """One route in front of the others that answers the routes of `HOT` (see the module's docstring)."""

    def __init__(self, bindings: Iterable[_Binding]) -> None:
        self.by_method: dict[str, list[_Binding]] = {}
        for binding in bindings:
            for method in binding.route.methods:
                self.by_method.setdefault(method, []).append(binding)

    @classmethod
    def of(cls, routes: Iterable[tuple[Any, Any]], hot: tuple[tuple[str, str], ...] = HOT) -> HotRoutes:
        wanted = set(hot)
        bindings = []
        for route, context in routes:
            if isinstance(route, APIRoute) and any((m, route.path) in wanted for m in route.methods):
                binding = _Binding.of(route, context)
                if binding.route.response_field is None and not _returns_response(route):
                    raise NotHot(f"{route.path}: neither a response model nor a Response")
                bindings.append(binding)
                wanted -= {(m, route.path) for m in route.methods}
        if wanted:
            raise NotHot(f"no such routes: {sorted(wanted)}")
        return cls(bindings)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http" or scope.get("root_path"):
            return Match.NONE, {}
        for binding in self.by_method.get(scope["method"], ()):
            found = binding.path_regex.match(scope["path"])
            if found is None:
                continue
            values = binding.bind(found.groupdict(), scope.get("query_string", b""))
            if values is None:
                return Match.NONE, {}
            return Match.FULL, {
                "endpoint": binding.route.endpoint,
                "route": binding.route,
                "path_params": found.groupdict(),
                HOT_KEY: (binding, values),
            }
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        binding, values = scope.pop(HOT_KEY)
        response = await binding.respond(scope, values)
        await response(scope, receive, send)


def _returns_response(route: APIRoute) -> bool:
    annotation = inspect.signature(route.endpoint).return_annotation
    return (isinstance(annotation, str) and annotation.endswith("Response")) or annotation is Response


def install(app: Any) -> None:
    """Put `HotRoutes` first among the app's routes (after every router is included)."""
    app.router.routes.insert(0, HotRoutes.of(_api_routes(app)))


def _api_routes(app: Any) -> Iterable[tuple[Any, Any]]:
    """(route, effective context or None) of every route of the app (FastAPI keeps included routers as
    wrappers whose effective contexts hold the full path)."""
    for route in app.router.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is None:
            yield route, None
            continue
        for context in contexts():
            yield context.original_route, context
