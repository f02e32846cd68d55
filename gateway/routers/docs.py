"""API docs that work offline: Swagger UI at `/docs` and ReDoc at `/redoc`, their scripts and styles served from
the `fastapi-offline` package (no CDN, no web fonts), started by small scripts of our own so the pages keep a strict
Content-Security-Policy. They exist only while the app serves its OpenAPI document."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse

router = APIRouter(tags=["docs"], include_in_schema=False)

VENDOR = Path(str(files("fastapi_offline"))) / "static"
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}
HEADERS = {
    "Cache-Control": "no-cache",
    # Swagger UI and ReDoc set inline styles; ReDoc runs its search in a blob worker.
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}

PAGE = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="/static/docs/favicon.png">
{head}
</head>
<body data-openapi="{openapi}">
<div id="{root}"></div>
{scripts}
</body>
</html>
"""


def _openapi_url(request: Request) -> str:
    url = request.app.openapi_url
    if not url:
        raise HTTPException(404, "the API description is not served here")
    return str(url)


@router.get("/docs", operation_id="swagger_ui")
def swagger_ui(request: Request) -> HTMLResponse:
    page = PAGE.format(
        title="办事通 API 文档（Swagger UI）",
        head='<link rel="stylesheet" href="/static/docs/swagger-ui.css">',
        openapi=_openapi_url(request),
        root="swagger-ui",
        scripts='<script src="/static/docs/swagger-ui-bundle.js"></script>\n'
        '<script src="/static/docs-swagger.js"></script>',
    )
    return HTMLResponse(page, headers=HEADERS)


@router.get("/redoc", operation_id="redoc")
def redoc(request: Request) -> HTMLResponse:
    page = PAGE.format(
        title="办事通 API 文档（ReDoc）",
        head="",
        openapi=_openapi_url(request),
        root="redoc",
        scripts='<script src="/static/docs/redoc.standalone.js"></script>\n'
        '<script src="/static/docs-redoc.js"></script>',
    )
    return HTMLResponse(page, headers=HEADERS)


@router.get("/static/docs/{asset}", operation_id="docs_asset")
def docs_asset(
    asset: Annotated[str, PathParam(pattern="^(" + "|".join(a.replace(".", r"\.") for a in ASSETS) + ")$")],
) -> FileResponse:
    return FileResponse(
        VENDOR / asset,
        media_type=ASSETS[asset],
        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )
