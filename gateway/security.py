"""Gateway-wide guards that run before any route, as one ASGI middleware:

- `X-Content-Type-Options: nosniff` on every answer (and `Cache-Control: no-store` on problem answers).
- Uploads (multipart bodies) are refused without a valid token before the body is read.
- In production `/metrics` answers only with `Authorization: Bearer <BST_METRICS_TOKEN>` (404 otherwise).
- A request without credentials (no `Authorization` header) to a route that needs a signed-in caller answers 401
  (`WWW-Authenticate: Bearer`) before its body is read or any service is called, so that nobody can probe which
  ticket or application numbers exist, nor learn from a 422 what a body must hold. The routes anyone may call are
  listed once, in `ANONYMOUS_ROUTES`; `OWN_CREDENTIALS` are the routes that check credentials of their own.
- A delegation token (a village agent acting for a resident: `act.sub` set on a citizen's token) reaches only the
  routes of filing and following what the agent files for the resident — never the resident's profile, other
  cases, licences, consents or `/me` writes. The services check the same rule on each record.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from typing import Any

from starlette.requests import Request
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.problems import problem
from services.kernel.auth import Principal
from services.kernel.errors import DomainError

NOSNIFF = (b"x-content-type-options", b"nosniff")
BEARER = {"WWW-Authenticate": "Bearer"}

# The biggest body any route takes: an MP4 of 20 MB, with room for the multipart framing.
MAX_BODY_BYTES = 20 * 1024 * 1024 + 64 * 1024

# (method, path) a delegation token may use. Everything else answers 403 `not_for_delegates`.
DELEGATION_ROUTES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (method, re.compile(pattern))
    for method, pattern in (
        ("GET", r"^/api/v1/me$"),  # who am I acting for (no profile: see Identity.get_me)
        ("POST", r"^/api/v1/repair/tickets$"),
        ("GET", r"^/api/v1/repair/tickets$"),
        ("GET", r"^/api/v1/repair/tickets/[^/]+$"),
        ("POST", r"^/api/v1/repair/tickets/[^/]+/(rating|rating/confirm|cancel|join)$"),
        ("POST", r"^/api/v1/repair/uploads$"),
        ("GET", r"^/api/v1/repair/evidence/[^/]+$"),
        ("GET", r"^/api/v1/repair/(outlets/nearby|counties|counties/[^/]+/qr|qr|service-points)$"),
        ("GET", r"^/api/v1/repair/(duplicates|counties/[^/]+/(hotline|board|poster))$"),
        ("POST", r"^/api/v1/intake/applications$"),
        ("GET", r"^/api/v1/intake/applications(/[^/]+)?$"),
        ("POST", r"^/api/v1/intake/applications/[^/]+/resubmit$"),
        ("GET", r"^/api/v1/intake/items(/[^/]+)?$"),
        ("POST", r"^/api/v1/reviews$"),
        ("GET", r"^/api/v1/(service-items|licenses/types)(/[^/]+)?$"),
        ("GET", r"^/(healthz|readyz|\.well-known/jwks\.json)$"),
    )
)


def _table(rows: tuple[tuple[str, str], ...]) -> dict[str, re.Pattern[str]]:
    """One pattern per method (`*`: any method), so that a path is checked with one match per table."""
    methods: dict[str, list[str]] = {}
    for method, pattern in rows:
        methods.setdefault(method, []).append(pattern)
    return {
        method: re.compile("|".join(f"(?:{p})" for p in patterns)) for method, patterns in methods.items()
    }


# (method, path) anyone may call without a token; every other route answers 401 to a caller without credentials.
# A route here may still check a token when one is sent (a signed-in caller sees more of the catalogue, say).
ANONYMOUS_ROUTE_ROWS: tuple[tuple[str, str], ...] = (
    # operations and keys
    (
        "GET",
        r"^/(healthz|readyz|metrics|openapi\.json|\.well-known/jwks\.json)$",
    ),  # /metrics: own token in prod
    # signing in: SMS code, the token grants, QR login from the PC, passkey sign-in options
    ("POST", r"^/api/v1/auth/(sms-code|token|qr-sessions|passkey/options)$"),
    (
        "GET",
        r"^/api/v1/auth/qr-sessions/[^/]+$",
    ),  # the PC polls its QR session (scan/confirm need the phone's token)
    # the public catalogue and search: mini-apps (not `mine`), service items, intake items and bundles, slots
    ("GET", r"^/api/v1/(mini-apps|search|service-items|intake/items|intake/bundles|intake/slots)$"),
    ("GET", r"^/api/v1/mini-apps/(?!mine$)[^/]+(/entry)?$"),
    ("GET", r"^/api/v1/(service-items|intake/items)/[^/]+$"),
    ("GET", r"^/api/v1/intake/items/[^/]+/changes$"),
    # licences: verifying a presentation, the issuers' keys, the status lists, the types
    ("POST", r"^/api/v1/licenses/verify$"),
    ("GET", r"^/api/v1/licenses/(types|issuers/jwks\.json|status-lists/[^/]+)$"),
    # reviews: the public disclosure, the indicators, the window review codes
    ("GET", r"^/api/v1/(public/reviews|public/rectifications|reviews/indicators|reviews/windows/resolve)$"),
    ("GET", r"^/api/v1/reviews/windows/[^/]+/qr$"),
    # repair: the counties, the scanned code, the county's printed QR, hotline, board, poster and fees
    ("GET", r"^/api/v1/repair/(counties|qr)$"),
    ("GET", r"^/api/v1/repair/counties/[^/]+/(qr|hotline|board|poster|fees)$"),
    ("POST", r"^/api/v1/repair/heartbeats$"),  # signed by the broadcast platform, no token
    # Open311 GeoReport v2: reads for anyone; a report carries a client's form `api_key` (its own 403)
    ("GET", r"^/open311/v2/"),
    ("POST", r"^/open311/v2/requests\.json$"),
    # pages: the landing page, the staff console (its pages sign in and call the API with a token), the API docs,
    # the problem pages, the repair scan page, the window review page, the wallet and scan mini-app pages
    ("GET", r"^/(console(/[^/]*)?|docs|redoc|static/.*|problems/[^/]+|r/[^/]+|rv/[^/]+)?$"),
    ("GET", r"^/m/(repair-scan|license-wallet)/[^/]*$"),
)
# Routes that check credentials of their own: a mini-app's token on the open API (401 from its own check).
OWN_CREDENTIALS_ROWS: tuple[tuple[str, str], ...] = (("GET", r"^/api/v1/open/"),)

_ANONYMOUS = _table(ANONYMOUS_ROUTE_ROWS + OWN_CREDENTIALS_ROWS)


def anonymous_may_use(method: str, path: str) -> bool:
    """Whether a caller without credentials may reach (method, path): ANONYMOUS_ROUTES or OWN_CREDENTIALS."""
    pattern = _ANONYMOUS.get("GET" if method == "HEAD" else method)
    return pattern is not None and pattern.match(path) is not None


def _is_route(app: Any, scope: Scope) -> bool:
    """Whether (method, path) is one of the app's routes: an unknown path keeps its 404, a wrong method its 405."""
    return any(route.matches(scope)[0] is Match.FULL for route in app.router.routes)


def delegation_may_use(method: str, path: str) -> bool:
    return any(method == m and pattern.match(path) for m, pattern in DELEGATION_ROUTES)


def is_delegation(principal: Principal) -> bool:
    """A village agent's token for a resident (a legal person's token also names its citizen in `act`)."""
    return principal.actor is not None and principal.kind == "citizen"


def _unverified_claims(authorization: str) -> dict[str, Any]:
    """The payload of a bearer JWT, unverified: only to decide whether the (cached) verifier must look at it."""
    scheme, _, token = authorization.partition(" ")
    parts = token.strip().split(".")
    if scheme.lower() != "bearer" or len(parts) != 3:
        return {}
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return {}
    return claims if isinstance(claims, dict) else {}


class SecurityMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_nosniff(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), NOSNIFF]
            await send(message)

        refusal = await self._refusal(scope)
        if refusal is not None:
            await refusal(scope, receive, send_nosniff)
            return
        await self.app(scope, receive, send_nosniff)

    async def _refusal(self, scope: Scope) -> Any:
        """A problem response when the request must stop here, before its body is read; None to go on."""
        request = Request(scope)
        headers = dict(
            reversed(scope["headers"])
        )  # one pass; the first of repeated names wins, as in Starlette
        authorization = headers.get(b"authorization", b"").decode("latin-1")
        content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
        try:
            length = int(headers.get(b"content-length") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY_BYTES:
            return problem(request, 413, "请求内容过大（上限 20 MB）", "too_large")
        settings = request.app.state.settings
        if (
            not authorization
            and request.method != "OPTIONS"
            and not anonymous_may_use(request.method, scope["path"])
            and _is_route(request.app, scope)
        ):
            return problem(
                request,
                401,
                "上传文件前请先登录" if content_type.startswith("multipart/") else "sign in first",
                "not_signed_in",
                headers=BEARER,
            )
        if scope["path"] == "/metrics" and settings.env == "production":
            expected = settings.metrics_token
            if not expected or not secrets.compare_digest(authorization, f"Bearer {expected}"):
                return problem(request, 404, "找不到该资源", "not_found")
            return None
        needs_token = content_type.startswith("multipart/")
        claims = _unverified_claims(authorization) if authorization else {}
        acting = bool(claims.get("act")) and claims.get("aud") == settings.jwt_audience
        if not needs_token and not acting:
            return None
        runtime = getattr(request.app.state, "runtime", None)
        if runtime is None:
            return None
        try:
            principal: Principal = await runtime.verifier.principal_from_header(authorization or None)
        except DomainError as error:
            return problem(request, 401, error.message, error.code)
        if principal.anonymous:
            return problem(request, 401, "上传文件前请先登录", "not_signed_in", headers=BEARER)
        if is_delegation(principal) and not delegation_may_use(request.method, scope["path"]):
            return problem(
                request,
                403,
                "代办凭证只能用于为居民办理和查看本代办员经办的事项，不能访问此功能",
                "not_for_delegates",
            )
        return None
