"""Mini-apps (移动政务服务应用): the catalogue and unified search, developers' registration and versions, citizens'
consent and sign-in, feedback, and the open API that mini-apps call with their own tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Response, status
from fastapi.responses import RedirectResponse

from bst.repair.v1 import repair_pb2
from gateway.convert import to_dict
from gateway.deps import Clients, CurrentPrincipal, OptionalPrincipal, Runtime, app_caller
from gateway.registry.access_tokens import AppCaller
from gateway.registry.schemas import (
    AppCreate,
    AppRead,
    Authorized,
    AuthorizeIn,
    CatalogueEntry,
    Channel,
    ConsentPrompt,
    ConsentRead,
    FeedbackIn,
    FeedbackRead,
    GrayIn,
    OpenTicket,
    OpenTicketPage,
    PhoneInfo,
    RegistryEventRead,
    RollbackIn,
    Scope,
    SearchHit,
    UserInfo,
    VersionCreate,
    VersionRead,
)
from services.kernel.validators import RegionScope

router = APIRouter(prefix="/api/v1/mini-apps", tags=["mini-apps"])
search_router = APIRouter(prefix="/api/v1/search", tags=["mini-apps"])
consents_router = APIRouter(prefix="/api/v1/me/mini-apps", tags=["user space"])
open_router = APIRouter(prefix="/api/v1/open", tags=["mini-app open API"])

AppIdPath = Annotated[str, Path(max_length=100)]
VersionPath = Annotated[str, Path(max_length=64)]
Q = Annotated[str, Query(max_length=50, description="Chinese name, keyword, pinyin or pinyin initials")]
CategoryQuery = Annotated[str | None, Query(max_length=40)]
RegionQuery = Annotated[RegionScope | None, Query(description="county adcode, prefecture or 53")]
Limit = Annotated[int, Query(ge=1, le=100)]
ChannelQuery = Annotated[
    Channel | None,
    Query(description="同源发布: app, pc or terminal; the entry and minimum client of that channel"),
]


# -- the catalogue -----------------------------------------------------------------------------------------------


@router.get("", operation_id="list_mini_apps", response_model=list[CatalogueEntry])
async def list_mini_apps(
    runtime: Runtime,
    principal: OptionalPrincipal,
    response: Response,
    q: Q = "",
    category: CategoryQuery = None,
    region: RegionQuery = None,
    limit: Limit = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
    channel: ChannelQuery = None,
) -> list[CatalogueEntry]:
    """The catalogue: listed apps only, best match first (then the most used), each in the version this
    person gets; with `channel`, the apps served on that channel, with its entry."""
    response.headers["Vary"] = "Authorization"  # a gray release answers people differently
    return runtime.registry.access.get_catalogue(
        principal=principal,
        q=q,
        category=category,
        region=region,
        limit=limit,
        offset=offset,
        channel=channel,
    )


@search_router.get("", operation_id="search", response_model=list[SearchHit])
async def search(
    runtime: Runtime,
    principal: OptionalPrincipal,
    response: Response,
    q: Q = "",
    category: CategoryQuery = None,
    region: RegionQuery = None,
    limit: Limit = 20,
    channel: ChannelQuery = None,
) -> list[SearchHit]:
    """统一检索: listed mini-apps and service items (事项) together, ranked by match quality, then use."""
    response.headers["Vary"] = "Authorization"
    return await runtime.registry.access.search(
        principal=principal, q=q, category=category, region=region, limit=limit, channel=channel
    )


# -- developers --------------------------------------------------------------------------------------------------


@router.post(
    "", status_code=status.HTTP_201_CREATED, operation_id="register_mini_app", response_model=AppRead
)
async def register_mini_app(body: AppCreate, runtime: Runtime, principal: CurrentPrincipal) -> AppRead:
    """Register an app for a department (app developers of that department)."""
    async with runtime.registry.transaction() as session:
        return await runtime.registry.register_app(session=session, principal=principal, app_in=body)


@router.get("/mine", operation_id="list_my_mini_apps", response_model=list[AppRead])
async def list_my_mini_apps(runtime: Runtime, principal: CurrentPrincipal) -> list[AppRead]:
    """The apps of my departments, whatever their status, with the reasons reviewers gave."""
    async with runtime.db.reader() as session:
        return await runtime.registry.get_my_apps(session=session, principal=principal)


@router.get("/{app_id}", operation_id="get_mini_app", response_model=CatalogueEntry)
async def get_mini_app(
    app_id: AppIdPath,
    runtime: Runtime,
    principal: OptionalPrincipal,
    response: Response,
    channel: ChannelQuery = None,
) -> CatalogueEntry:
    """A listed app in the version this person gets; 404 unknown or never approved (or not on `channel`);
    410 delisted, with why."""
    response.headers["Vary"] = "Authorization"
    return runtime.registry.access.get_listed(principal=principal, app_id=app_id, channel=channel)


@router.get(
    "/{app_id}/entry",
    status_code=status.HTTP_307_TEMPORARY_REDIRECT,
    operation_id="open_mini_app",
    response_class=RedirectResponse,
)
async def open_mini_app(
    app_id: AppIdPath, runtime: Runtime, principal: OptionalPrincipal, channel: ChannelQuery = None
) -> RedirectResponse:
    """Open the app: a redirect to the entry URL of the version this person gets (on `channel`); 410 once it
    is delisted, the detail telling why."""
    entry = await runtime.registry.access.open_entry(principal=principal, app_id=app_id, channel=channel)
    return RedirectResponse(
        entry, status_code=status.HTTP_307_TEMPORARY_REDIRECT, headers={"Cache-Control": "no-store"}
    )


@router.post(
    "/{app_id}/versions",
    status_code=status.HTTP_201_CREATED,
    operation_id="create_mini_app_version",
    response_model=VersionRead,
)
async def create_version(
    app_id: AppIdPath, body: VersionCreate, runtime: Runtime, principal: CurrentPrincipal
) -> VersionRead:
    """A new version and its manifest, submitted for review (`pending_review`) unless `draft` is set."""
    async with runtime.registry.transaction() as session:
        return await runtime.registry.create_version(
            session=session, principal=principal, app_id=app_id, version_in=body
        )


@router.get("/{app_id}/versions", operation_id="list_mini_app_versions", response_model=list[VersionRead])
async def list_versions(
    app_id: AppIdPath, runtime: Runtime, principal: CurrentPrincipal
) -> list[VersionRead]:
    """Every version, newest first, with its review status and the rejection reason (developers, reviewers)."""
    async with runtime.db.reader() as session:
        return await runtime.registry.get_versions(session=session, principal=principal, app_id=app_id)


@router.post(
    "/{app_id}/versions/{version}/submit", operation_id="submit_mini_app_version", response_model=VersionRead
)
async def submit_version(
    app_id: AppIdPath, version: VersionPath, runtime: Runtime, principal: CurrentPrincipal
) -> VersionRead:
    """Submit a draft for review."""
    async with runtime.registry.transaction() as session:
        return await runtime.registry.submit_version(
            session=session, principal=principal, app_id=app_id, version=version
        )


@router.put("/{app_id}/gray", operation_id="set_mini_app_gray_release", response_model=AppRead)
async def set_gray(app_id: AppIdPath, body: GrayIn, runtime: Runtime, principal: CurrentPrincipal) -> AppRead:
    """Gray release (灰度发布): serve an approved newer version to `percent` % of users (the same users each
    time); 100 lists it for everyone."""
    async with runtime.registry.transaction() as session:
        return await runtime.registry.set_gray(
            session=session, principal=principal, app_id=app_id, gray_in=body
        )


@router.post("/{app_id}/gray/rollback", operation_id="rollback_mini_app_gray_release", response_model=AppRead)
async def rollback_gray(
    app_id: AppIdPath, body: RollbackIn, runtime: Runtime, principal: CurrentPrincipal
) -> AppRead:
    """Everyone gets the listed version again."""
    async with runtime.registry.transaction() as session:
        return await runtime.registry.rollback_gray(
            session=session, principal=principal, app_id=app_id, reason=body.reason
        )


@router.get("/{app_id}/events", operation_id="list_mini_app_events", response_model=list[RegistryEventRead])
async def list_events(
    app_id: AppIdPath,
    runtime: Runtime,
    principal: CurrentPrincipal,
    before_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[RegistryEventRead]:
    """The app's audit trail, newest first: who submitted, approved, rejected, delisted, relisted, changed the
    gray release or flagged it, when and why."""
    async with runtime.db.reader() as session:
        return await runtime.registry.get_events(
            session=session, principal=principal, app_id=app_id, before_id=before_id, limit=limit
        )


@router.get("/{app_id}/feedback", operation_id="list_mini_app_feedback", response_model=list[FeedbackRead])
async def list_feedback(
    app_id: AppIdPath,
    runtime: Runtime,
    principal: CurrentPrincipal,
    before_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[FeedbackRead]:
    """Citizens' feedback on the app, newest first (its developers, reviewers)."""
    async with runtime.db.reader() as session:
        return await runtime.registry.get_feedback(
            session=session, principal=principal, app_id=app_id, before_id=before_id, limit=limit
        )


# -- citizens ----------------------------------------------------------------------------------------------------


@router.get("/{app_id}/authorize", operation_id="get_mini_app_consent_prompt", response_model=ConsentPrompt)
async def consent_prompt(
    app_id: AppIdPath,
    runtime: Runtime,
    principal: CurrentPrincipal,
    scopes: Annotated[
        list[Scope], Query(max_length=10, description="default: all the manifest asks for")
    ] = [],  # noqa: B006
) -> ConsentPrompt:
    """What the 办事通 app asks the citizen before authorizing: each scope and whether it was granted before."""
    async with runtime.db.reader() as session:
        return await runtime.registry.access.consent_prompt(
            session=session, principal=principal, app_id=app_id, scopes=scopes
        )


@router.post("/{app_id}/authorize", operation_id="authorize_mini_app", response_model=Authorized)
async def authorize(
    app_id: AppIdPath, body: AuthorizeIn, runtime: Runtime, principal: CurrentPrincipal, response: Response
) -> Authorized:
    """The citizen consents to the scopes (remembered until revoked) and gets the app's token: `aud` is the app,
    `sub` the pairwise `openid`."""
    response.headers["Cache-Control"] = "no-store"
    async with runtime.db.transaction() as session:
        return await runtime.registry.access.authorize(
            session=session, principal=principal, app_id=app_id, scopes=body.scopes
        )


@router.post(
    "/{app_id}/feedback",
    status_code=status.HTTP_201_CREATED,
    operation_id="send_mini_app_feedback",
    response_model=FeedbackRead,
)
async def send_feedback(
    app_id: AppIdPath, body: Annotated[FeedbackIn, Body()], runtime: Runtime, principal: CurrentPrincipal
) -> FeedbackRead:
    """Feedback from a signed-in citizen to the app's developers."""
    async with runtime.db.transaction() as session:
        return await runtime.registry.access.add_feedback(
            session=session, principal=principal, app_id=app_id, feedback_in=body
        )


@consents_router.get("", operation_id="list_my_mini_app_consents", response_model=list[ConsentRead])
async def list_my_consents(runtime: Runtime, principal: CurrentPrincipal) -> list[ConsentRead]:
    """The mini-apps I have authorized, and what each may see."""
    async with runtime.db.reader() as session:
        return await runtime.registry.access.get_my_consents(session=session, principal=principal)


@consents_router.delete(
    "/{app_id}", status_code=status.HTTP_204_NO_CONTENT, operation_id="revoke_my_mini_app_consent"
)
async def revoke_my_consent(app_id: AppIdPath, runtime: Runtime, principal: CurrentPrincipal) -> Response:
    """Withdraw my consent: the app's tokens for me stop working on every replica within seconds."""
    async with runtime.db.transaction() as session:
        await runtime.registry.access.revoke_consent(session=session, principal=principal, app_id=app_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- the open API: called by mini-apps with their own tokens -----------------------------------------------------


@open_router.get("/userinfo", operation_id="open_userinfo", response_model=UserInfo)
async def userinfo(runtime: Runtime, caller: Annotated[AppCaller, app_caller("profile")]) -> UserInfo:
    """Scope `profile`: the citizen's openid for this app and their display name."""
    async with runtime.db.reader() as session:
        display_name, _ = await runtime.registry.access.userinfo(session=session, caller=caller)
    return UserInfo(
        openid=caller.openid, display_name=display_name, unionid=runtime.registry.access.unionid_for(caller)
    )


@open_router.get("/phone", operation_id="open_phone", response_model=PhoneInfo)
async def phone(runtime: Runtime, caller: Annotated[AppCaller, app_caller("phone")]) -> PhoneInfo:
    """Scope `phone`: the masked phone number (138****5678); the full number is never given to a mini-app."""
    async with runtime.db.reader() as session:
        _, phone_masked = await runtime.registry.access.userinfo(session=session, caller=caller)
    return PhoneInfo(openid=caller.openid, phone_masked=phone_masked)


@open_router.get("/repair/tickets", operation_id="open_repair_tickets", response_model=OpenTicketPage)
async def repair_tickets(
    runtime: Runtime,
    clients: Clients,
    caller: Annotated[AppCaller, app_caller("repair.tickets")],
    cursor: Annotated[str, Query(max_length=200)] = "",
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> OpenTicketPage:
    """Scope `repair.tickets`: the citizen's own broadcast-TV repair tickets, newest first, without anyone's
    account ids. The repair service is asked with a short-lived platform token for the citizen (no roles)."""
    reply = await clients.repair.ListTickets(
        repair_pb2.ListTicketsRequest(mine=True, cursor=cursor, limit=limit),
        **clients.options(f"Bearer {runtime.registry.access.service_token(caller)}"),
    )
    return OpenTicketPage(
        tickets=[OpenTicket.from_message(to_dict(t)) for t in reply.tickets],
        next_cursor=reply.next_cursor or None,
    )
