"""The H5 page a phone opens after scanning a county's repair code (`/r/{county}?k=..&s=..`).

The page sends the code's text to `GET /api/v1/repair/qr?qr=` and `POST /api/v1/repair/tickets`, and the service
only accepts codes on the platform's public base (`BST_PUBLIC_URL`). The page may be reached at another address
(a reverse proxy, a test gateway on its own port), so it does not trust `location.origin`: this route writes the
canonical public base into `<meta name="bst-public-url">`, and the page rebuilds the scanned text as
`public base + /r/<county> + location.search`. A code opened on any host is still checked against its signature.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse

from gateway.deps import Clients
from gateway.routers.grassroots import hotline_for_page

router = APIRouter(tags=["mini-apps"])

PAGES = Path(__file__).resolve().parents[2] / "mini_apps" / "repair-scan"
ASSETS = {"app.js": "text/javascript; charset=utf-8", "style.css": "text/css; charset=utf-8"}
PUBLIC_URL_SLOT = "{{BST_PUBLIC_URL}}"
HOTLINE_SLOT, HOTLINE_TEL_SLOT = "{{HOTLINE}}", "{{HOTLINE_TEL}}"
PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' blob: data:; script-src 'self'; style-src 'self'; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


@router.get("/r/{county}", operation_id="repair_scan_page", include_in_schema=False)
async def scan_page(
    request: Request, clients: Clients, county: Annotated[str, PathParam(pattern=r"^\d{6}$")]
) -> HTMLResponse:
    """The page, with the canonical public base it rebuilds the scanned code from (the API checks the code), and the
    county's service hotline in its header: on every screen, before sign-in and on every error."""
    base = request.app.state.settings.public_url.rstrip("/")
    hotline = await hotline_for_page(clients, county)
    page = (
        (PAGES / "index.html")
        .read_text(encoding="utf-8")
        .replace(PUBLIC_URL_SLOT, html.escape(base, quote=True))
        .replace(HOTLINE_TEL_SLOT, html.escape(re.sub(r"[^0-9+]", "", hotline), quote=True))
        .replace(HOTLINE_SLOT, html.escape(hotline))
    )
    return HTMLResponse(page, headers=PAGE_HEADERS)


@router.get("/m/repair-scan/{asset}", operation_id="repair_scan_asset", include_in_schema=False)
async def scan_asset(asset: Annotated[str, PathParam(pattern=r"^(app\.js|style\.css)$")]) -> FileResponse:
    return FileResponse(
        PAGES / asset,
        media_type=ASSETS[asset],
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )
