"""Errors on /open311/ paths in the GeoReport v2 format: `[{"code": <HTTP status>, "description": "..."}]`.

The spec answers bad input with 400 (this platform's 422 elsewhere), a wrong `api_key` with 403 and an unknown
request with 404; the rest keep their status (429 with Retry-After, 503 ...). The description is the Chinese
`detail` of the problem document the rest of the API would answer, with each field's message after it."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

OPEN311_PREFIX = "/open311/"


def open311_error_response(body: dict[str, Any], headers: dict[str, str] | None) -> JSONResponse:
    """The localized problem `body` as the spec's error list."""
    status = int(body.get("status", 500))
    if status == 422:
        status = 400
    description = str(body.get("detail", ""))
    fields = [
        f"{e.get('field')}：{e.get('message')}"
        for e in body.get("errors") or ()
        if e.get("field") and str(e.get("message", "")).rstrip("。") not in description
    ]
    if fields:
        description = description.rstrip("。") + "（" + "；".join(fields) + "）"
    return JSONResponse([{"code": status, "description": description}], status_code=status, headers=headers)
