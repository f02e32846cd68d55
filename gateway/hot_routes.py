"""The busiest routes, answered by their own endpoint functions without FastAPI's per-request machinery.

FastAPI finds a route by trying every route of every router in turn (and the winning router's routes twice), and
solves each request's parameters and dependencies generically, asking of every parameter on every request whether
it is a sequence, a model, which alias it has... Profiled on the ticket read, the catalogue and the search, those
two were 40-60 % of the gateway's CPU per request, more than the work itself.

`HotRoutes` is one route placed first in the app's router. For a handful of routes (`HOT`) it matches (method,
path) with the route's own pattern and binds the route's parameters with what FastAPI would have given:

- path, query and header parameters are validated by the route's own fields (`ModelField.validate`, what FastAPI
  calls); a request it cannot bind exactly — a value that fails validation, a repeated or missing required
  parameter, a body that is not small JSON — is not matched here and goes on to the FastAPI route, which answers it
  as always (its 422 included);
- a JSON body (`application/json`, up to `MAX_BODY` bytes) is read, parsed and validated by the route's body field;
  when it is not valid JSON or fails validation, the request is handed back to FastAPI's router with the body
  replayed, so that the problem answer is FastAPI's own;
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

import orjson
from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Match
from starlette.types import Receive, Scope, Send

from gateway import deps

HOT_KEY = "bst.hot_route"
DECLINED_KEY = "bst.hot_route.declined"  # set when a body was handed back to FastAPI: not matched here again
MAX_BODY = 64 * 1024  # a bigger body goes to FastAPI (the biggest hot body, a presentation, is ~2 KB)

# The dependencies a hot route may declare: each needs nothing but the request (or the principal).
_REQUEST_DEPENDENCIES: frozenset[Callable[..., Awaitable[Any]]] = frozenset(
    {deps.get_runtime, deps.get_clients, deps.get_authorization, deps.get_principal, deps.get_client_ip}
)

# (method, path template) of the routes answered here: the ticket read and filing, the catalogue, the search and
# the verification of a 扫码亮证 presentation.
HOT: tuple[tuple[str, str], ...] = (
    ("GET", "/api/v1/repair/tickets/{ticket_no}"),
    ("POST", "/api/v1/repair/tickets"),
    ("GET", "/api/v1/mini-apps"),
    ("GET", "/api/v1/search"),
    ("POST", "/api/v1/licenses/verify"),
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
    header_params: list[_Param] = field(default_factory=list)
    body: _Param | None = None
    dependencies: list[tuple[str, Callable[..., Awaitable[Any]], bool]] = field(default_factory=list)
    request_name: str | None = None
    response_name: str | None = None

    @classmethod
    def of(cls, route: APIRoute, context: Any = None) -> _Binding:
        """`context`: FastAPI's effective route of an included router (its full path pattern and dependencies)."""
        dependant = route.dependant
        if context is not None and len(context.dependant.dependencies) != len(dependant.dependencies):
            raise NotHot(f"{route.path}: included with dependencies of its router")
        if dependant.cookie_params or len(dependant.body_params) > 1:
            raise NotHot(f"{route.path}: has cookie parameters or an embedded body")
        if dependant.body_params and not _is_json_model(route, dependant.body_params[0]):
            raise NotHot(f"{route.path}: a body that is not one JSON model")
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
            (dependant.header_params, binding.header_params),
        ):
            for model_field in fields:
                if _is_sequence(model_field):
                    raise NotHot(f"{route.path}: {model_field.name} is a sequence")
                into.append(_param(model_field))
        if dependant.body_params:
            binding.body = _param(dependant.body_params[0])
        for sub in dependant.dependencies:
            call = sub.call
            if call is deps.get_signed_in:
                binding.dependencies.append((str(sub.name), deps.get_principal, True))
            elif call in _REQUEST_DEPENDENCIES:
                binding.dependencies.append((str(sub.name), call, False))  # type: ignore[arg-type]
            else:
                raise NotHot(f"{route.path}: depends on {getattr(call, '__name__', call)}")
        return binding

    def bind(
        self, path_params: dict[str, str], query: bytes, headers: list[tuple[bytes, bytes]]
    ) -> dict[str, Any] | None:
        """The path, query and header arguments, validated as FastAPI would; None when FastAPI must answer (also
        when a body is not JSON of at most MAX_BODY bytes)."""
        values: dict[str, Any] = {}
        if self.header_params or self.body is not None:
            received_headers: dict[str, str] = {}
            for raw_name, raw_value in headers:
                key = raw_name.decode("latin-1").lower()
                if key in received_headers:
                    if any(param.alias == key for param in self.header_params):
                        return None  # repeated: leave the choice of value to FastAPI
                    continue
                received_headers[key] = raw_value.decode("latin-1")
            for param in self.header_params:
                if not self._take(param, received_headers.get(param.alias), values, "header"):
                    return None
            if self.body is not None and not _small_json(received_headers):
                return None
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
                if not self._take(param, received.get(param.alias), values, "query"):
                    return None
        return values

    @staticmethod
    def _take(param: _Param, raw: str | None, values: dict[str, Any], where: str) -> bool:
        """Validate one received value (or take the default) into `values`; False when FastAPI must answer."""
        if raw is None:
            if param.required:
                return False
            values[param.name] = param.default
            return True
        value, errors = param.field.validate(raw, {}, loc=(where, param.alias))
        if errors:
            return False
        values[param.name] = value
        return True

    def take_body(self, body: bytes, values: dict[str, Any]) -> bool:
        """Parse and validate the JSON body into `values`; False when FastAPI must answer (not JSON, invalid)."""
        assert self.body is not None
        try:
            # orjson: a quarter of json's time; it is stricter (no NaN, no BOM, UTF-8 only), and what it refuses
            # goes to FastAPI, which answers as it always does
            document = orjson.loads(body)
        except orjson.JSONDecodeError:
            return False
        value, errors = self.body.field.validate(document, {}, loc=("body",))
        if errors:
            return False
        values[self.body.name] = value
        return True

    async def respond(
        self, scope: Scope, values: dict[str, Any], receive: Receive, body: bytes | None
    ) -> Response:
        request = Request(scope, receive)
        if body is not None:
            request._body = body  # read already, as FastAPI's request has it
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


def _param(model_field: Any) -> _Param:
    info = model_field.field_info
    alias = model_field.alias
    if getattr(info, "convert_underscores", False):  # a header: idempotency_key is sent as Idempotency-Key
        alias = alias.replace("_", "-")
    if type(info).__name__ == "Header":
        alias = alias.lower()
    return _Param(
        name=model_field.name,
        alias=alias,
        field=model_field,
        required=info.is_required(),
        default=None if info.is_required() else model_field.default,
    )


def _is_json_model(route: APIRoute, body_field: Any) -> bool:
    """One body parameter, a pydantic model sent as JSON (not a form, not embedded)."""
    from pydantic import BaseModel

    annotation = body_field.field_info.annotation
    return (
        type(body_field.field_info).__name__ == "Body"
        and not getattr(body_field.field_info, "embed", False)
        and isinstance(annotation, type)
        and issubclass(annotation, BaseModel)
    )


def _small_json(headers: dict[str, str]) -> bool:
    """`Content-Type: application/json` (with a charset at most) and a Content-Length of at most MAX_BODY."""
    content_type = headers.get("content-type", "").lower().replace(" ", "")
    if content_type not in ("application/json", "application/json;charset=utf-8"):
        return False
    if "transfer-encoding" in headers:
        return False
    length = headers.get("content-length", "")
    return length.isdigit() and 0 < int(length) <= MAX_BODY


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away: FastAPI's router answers it as ever
            return b""
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


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
        if scope["type"] != "http" or scope.get("root_path") or DECLINED_KEY in scope:
            return Match.NONE, {}
        for binding in self.by_method.get(scope["method"], ()):
            found = binding.path_regex.match(scope["path"])
            if found is None:
                continue
            values = binding.bind(found.groupdict(), scope.get("query_string", b""), scope.get("headers", []))
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
        body = None
        if binding.body is not None:
            body = await _read_body(receive)
            if not binding.take_body(body, values):
                await self._hand_back(scope, body, receive, send)
                return
        response = await binding.respond(scope, values, receive, body)
        await response(scope, receive, send)

    @staticmethod
    async def _hand_back(scope: Scope, body: bytes, receive: Receive, send: Send) -> None:
        """Let FastAPI's router answer (its 422 for a body it refuses), with the body that was read replayed."""
        replayed = False

        async def replay() -> Any:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        scope[DECLINED_KEY] = True
        await scope["router"].app(scope, replay, send)


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
