"""The H5 page a phone opens after scanning a county's repair code (`/r/{county}?k=..&s=..`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import FileResponse

router = APIRouter(tags=["mini-apps"])

PAGES = Path(__file__).resolve().parents[2] / "mini_apps" / "repair-scan"
ASSETS = {"app.js": "text/javascript; charset=utf-8", "style.css": "text/css; charset=utf-8"}


@router.get("/r/{county}", operation_id="repair_scan_page", include_in_schema=False)
async def scan_page(county: Annotated[str, PathParam(pattern=r"^\d{6}$")]) -> FileResponse:
    """The page reads the full URL it was opened with as the scanned code; the API checks its signature."""
    return FileResponse(
        PAGES / "index.html", media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-cache"}
    )


@router.get("/m/repair-scan/{asset}", operation_id="repair_scan_asset", include_in_schema=False)
async def scan_asset(asset: Annotated[str, PathParam(pattern=r"^(app\.js|style\.css)$")]) -> FileResponse:
    return FileResponse(
        PAGES / asset, media_type=ASSETS[asset], headers={"Cache-Control": "public, max-age=300"}
    )
