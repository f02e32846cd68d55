"""The staff console (工作台) at `/console/`: sign-in, the mini-app review queue, the technician's day, the county
repair dashboard (大屏), outlets and the printable QR poster, the intake worklist and the 差评 rectification board.

The pages are static HTML with a little vanilla JavaScript; they call the public REST API with the staff member's
own Bearer token, so the API (roles, region scope) decides what each person sees and does."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse

from gateway.console.pages import PAGES, SECURITY_HEADERS, render

router = APIRouter(tags=["console"], include_in_schema=False)

PageSlug = Annotated[str, PathParam(pattern="^(" + "|".join([*PAGES, "poster"]) + ")$")]


@router.get("/console", operation_id="console_redirect")
def console_root() -> RedirectResponse:
    return RedirectResponse("/console/", status_code=308)


@router.get("/console/", operation_id="console_sign_in")
def sign_in_page() -> HTMLResponse:
    """Staff sign-in (username and password); then the first page the account's roles open."""
    return HTMLResponse(render("signin"), headers=SECURITY_HEADERS)


@router.get("/console/{page}", operation_id="console_page")
def console_page(page: PageSlug) -> HTMLResponse:
    return HTMLResponse(render(page), headers=SECURITY_HEADERS)
