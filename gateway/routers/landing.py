"""The landing page at `/`: what this platform is, and links to the staff console, the API docs and a county's
repair scan page."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from gateway.console.pages import SECURITY_HEADERS, STATIC

router = APIRouter(tags=["console"], include_in_schema=False)


@router.get("/", operation_id="landing_page")
def landing() -> HTMLResponse:
    return HTMLResponse((STATIC / "landing.html").read_text(encoding="utf-8"), headers=SECURITY_HEADERS)
