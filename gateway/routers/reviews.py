"""好差评 (good/bad reviews), from the reviews service: invitations, reviews, rectifications, appeals, windows,
the indicators and their public disclosure."""

from __future__ import annotations

import html
import io
from typing import Annotated

import grpc
import segno
from fastapi import APIRouter, Header, Path, Query, Request, Response, status
from fastapi.responses import HTMLResponse

from bst.reviews.v1 import reviews_pb2
from gateway.convert import to_dict
from gateway.deps import Authorization, ClientIp, Clients, CurrentPrincipal, Runtime
from gateway.schemas.reviews import (
    Appeal,
    AppealCreate,
    AppealDecision,
    IndicatorsRead,
    Invitation,
    MiniAppUseCreate,
    PublicReview,
    ReconcileResult,
    Rectification,
    RectificationAction,
    RectificationPage,
    Review,
    ReviewCreate,
    Window,
    WindowCreate,
    WindowVisitCreate,
)
from services.kernel.auth import require_roles

router = APIRouter(prefix="/api/v1/reviews", tags=["reviews"])
me_router = APIRouter(prefix="/api/v1/me", tags=["reviews"])
public_router = APIRouter(prefix="/api/v1/public", tags=["reviews"])
admin_router = APIRouter(prefix="/api/v1/admin/reviews", tags=["reviews"])
page_router = APIRouter(tags=["reviews"])

Id = Annotated[str, Path(pattern=r"^[A-Za-z]{1,3}[0-9a-f]{16}$")]
Action = Annotated[str, Path(pattern=r"^(verify|dispute|decide-dispute|rectify|return-visit|close)$")]
Region = Annotated[str, Query(pattern=r"^(\d{2}(\d{2}){0,2})?$", description="53, a prefecture or a county")]
Day = Annotated[str, Query(pattern=r"^(\d{4}-\d{2}-\d{2})?$", description="China date YYYY-MM-DD")]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=128)]


@me_router.get(
    "/review-invitations", operation_id="list_my_review_invitations", response_model=list[Invitation]
)
async def my_invitations(
    principal: CurrentPrincipal, clients: Clients, authorization: Authorization
) -> list[dict[str, object]]:
    """My open invitations (the first review of a served case, or a follow-up after a rectification), with the
    case and the deadline, nearest deadline first."""
    reply = await clients.reviews.ListMyInvitations(
        reviews_pb2.ListMyInvitationsRequest(), **clients.options(authorization)
    )
    return [to_dict(i) for i in reply.invitations]


@me_router.post(
    "/mini-app-uses",
    status_code=status.HTTP_201_CREATED,
    operation_id="record_mini_app_use",
    response_model=Invitation,
)
async def record_mini_app_use(
    body: MiniAppUseCreate,
    principal: CurrentPrincipal,
    runtime: Runtime,
    clients: Clients,
    authorization: Authorization,
) -> dict[str, object]:
    """The app opened a listed mini-app for me: one case per person, app and day, and an invitation to review it."""
    entry = runtime.registry.access.get_listed(principal=principal, app_id=body.app_id)
    reply = await clients.reviews.RecordMiniAppUse(
        reviews_pb2.RecordMiniAppUseRequest(
            app_id=entry.app_id, app_name=entry.name, department=entry.department
        ),
        **clients.options(authorization),
    )
    return to_dict(reply)


@router.post("", status_code=status.HTTP_201_CREATED, operation_id="create_review", response_model=Review)
async def create_review(
    body: ReviewCreate,
    clients: Clients,
    authorization: Authorization,
    client_ip: ClientIp,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, object]:
    """A review by the person served (an agent records the resident's own review only with a delegation token,
    i.e. the resident's SMS consent). Once per case, within BST_REVIEW_DAYS; one follow-up after a rectification.
    A 差评 (1–2) opens a rectification case. The same `Idempotency-Key` and body return the first review."""
    reply = await clients.reviews.SubmitReview(
        reviews_pb2.SubmitReviewRequest(
            case_type=body.case_type,
            case_id=body.case_id,
            level=body.level,
            tags=body.tags,
            comment=body.comment,
            channel=body.channel,
            idempotency_key=idempotency_key or "",
            client_ip=client_ip or "",
        ),
        **clients.options(authorization),
    )
    return to_dict(reply)


@router.get("/indicators", operation_id="get_review_indicators", response_model=IndicatorsRead)
async def get_indicators(
    clients: Clients,
    authorization: Authorization,
    region: Region = "",
    department: Annotated[str, Query(max_length=100)] = "",
    outlet_id: Annotated[str, Query(max_length=64)] = "",
    app_id: Annotated[str, Query(max_length=100)] = "",
    item_code: Annotated[str, Query(max_length=64)] = "",
    from_: Annotated[str, Query(alias="from", pattern=r"^(\d{4}-\d{2}-\d{2})?$")] = "",
    to: Day = "",
    public: bool = False,
) -> dict[str, object]:
    """Indicators of one region (default 53), department, service item, outlet or mini-app over a period: cases,
    reviews, coverage and active rate, good rate, 差评 count, rectified-on-time rate, mean level. Staff read their
    region; with `public=true` (or without a token) anyone reads the published figures."""
    reply = await clients.reviews.GetIndicators(
        reviews_pb2.GetIndicatorsRequest(
            region=region,
            department=department,
            outlet_id=outlet_id,
            app_id=app_id,
            item_code=item_code,
            to=to,
            public=public,
            **{"from": from_},
        ),
        **clients.options(authorization),
    )
    return to_dict(reply)


@router.get("/rectifications", operation_id="list_rectifications", response_model=RectificationPage)
async def list_rectifications(
    clients: Clients,
    authorization: Authorization,
    status_: Annotated[str, Query(alias="status", max_length=20)] = "",
    overdue: bool | None = None,
    cursor: Annotated[str, Query(max_length=200)] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, object]:
    """The rectification cases of my unit (outlet, department, app developer), or of my region for supervisors."""
    request = reviews_pb2.ListRectificationsRequest(status=status_, cursor=cursor, limit=limit)
    if overdue is not None:
        request.overdue = overdue
    reply = await clients.reviews.ListRectifications(request, **clients.options(authorization))
    return to_dict(reply)


@router.post(
    "/rectifications/{rectification_id}/{action}",
    operation_id="act_on_rectification",
    response_model=Rectification,
)
async def act_on_rectification(
    rectification_id: Id,
    action: Action,
    clients: Clients,
    authorization: Authorization,
    body: RectificationAction | None = None,
) -> dict[str, object]:
    """`verify` (unit or supervisor), `dispute {reason, evidence}` (unit), `decide-dispute {upheld, reason}`
    (supervisor), `rectify {note}` (unit), `return-visit {reached, satisfied, note}`, `close`. The reviewer is told
    of every step."""
    body = body or RectificationAction()
    request = reviews_pb2.RectificationActionRequest(
        rectification_id=rectification_id,
        action=action,
        reason=body.reason,
        evidence=body.evidence,
        note=body.note,
    )
    for field in ("upheld", "reached", "satisfied"):
        value = getattr(body, field)
        if value is not None:
            setattr(request, field, value)
    reply = await clients.reviews.ActOnRectification(request, **clients.options(authorization))
    return to_dict(reply)


@router.get("/appeals", operation_id="list_review_appeals", response_model=list[Appeal])
async def list_appeals(
    clients: Clients,
    authorization: Authorization,
    status_: Annotated[str, Query(alias="status", max_length=12)] = "",
) -> list[dict[str, object]]:
    """Appeals in my region, for supervisors."""
    reply = await clients.reviews.ListAppeals(
        reviews_pb2.ListAppealsRequest(status=status_), **clients.options(authorization)
    )
    return [to_dict(a) for a in reply.appeals]


@router.post("/appeals/{appeal_id}/decide", operation_id="decide_review_appeal", response_model=Appeal)
async def decide_appeal(
    appeal_id: Id, body: AppealDecision, clients: Clients, authorization: Authorization
) -> dict[str, object]:
    """A supervisor's 复核: an upheld appeal excludes the review from the indicators, visibly, with the reason."""
    reply = await clients.reviews.DecideAppeal(
        reviews_pb2.DecideAppealRequest(appeal_id=appeal_id, upheld=body.upheld, reason=body.reason),
        **clients.options(authorization),
    )
    return to_dict(reply)


@router.post(
    "/windows",
    status_code=status.HTTP_201_CREATED,
    operation_id="create_service_window",
    response_model=Window,
)
async def create_window(
    body: WindowCreate, clients: Clients, authorization: Authorization
) -> dict[str, object]:
    """A service window of a department (department_staff of it, county_admin, platform_admin)."""
    reply = await clients.reviews.CreateWindow(
        reviews_pb2.CreateWindowRequest(name=body.name, department=body.department, region=body.region),
        **clients.options(authorization),
    )
    return to_dict(reply)


@router.get("/windows/resolve", operation_id="resolve_window_qr", response_model=Window)
async def resolve_window_qr(
    clients: Clients, authorization: Authorization, qr: Annotated[str, Query(min_length=10, max_length=500)]
) -> dict[str, object]:
    """The window a scanned review code names (422 for a forged or altered code)."""
    reply = await clients.reviews.GetWindow(
        reviews_pb2.GetWindowRequest(qr=qr), **clients.options(authorization)
    )
    return to_dict(reply)


@router.get(
    "/windows/{window_id}/qr",
    operation_id="get_window_review_qr",
    responses={200: {"content": {"image/svg+xml": {}, "image/png": {}}}},
)
async def window_qr(
    window_id: Id, clients: Clients, format: Annotated[str, Query(pattern="^(svg|png)$")] = "svg"
) -> Response:
    """The window's printable review QR: scanning it opens the review page of that window."""
    window = await clients.reviews.GetWindow(
        reviews_pb2.GetWindowRequest(window_id=window_id), **clients.options(None)
    )
    code = segno.make(window.review_url, error="m", micro=False)
    out = io.BytesIO()
    if format == "png":
        code.save(out, kind="png", scale=10, border=4)
        media = "image/png"
    else:
        code.save(out, kind="svg", scale=10, border=4, xmldecl=True, title=f"办事通 好差评 {window.name}")
        media = "image/svg+xml"
    return Response(out.getvalue(), media_type=media, headers={"X-QR-URL": window.review_url})


@router.post(
    "/window-visits",
    status_code=status.HTTP_201_CREATED,
    operation_id="record_window_visit",
    response_model=Invitation,
)
async def record_window_visit(
    body: WindowVisitCreate,
    principal: CurrentPrincipal,
    runtime: Runtime,
    clients: Clients,
    authorization: Authorization,
) -> dict[str, object]:
    """Window staff record a visit; the person served (found by phone, an account made for a new phone) is invited
    in the user space and by SMS (一次一评: each visit is reviewed once)."""
    require_roles(principal, "window_staff")
    async with runtime.db.transaction() as session:
        account = await runtime.identity.get_by_phone(session=session, phone=body.phone)
        if account is None:
            account = await runtime.identity.create_citizen(
                session=session, phone=body.phone, display_name="办事群众", real_name_level=0
            )
    reply = await clients.reviews.RecordWindowVisit(
        reviews_pb2.RecordWindowVisitRequest(
            window_id=body.window_id,
            account_id=account.id,
            item_code=body.item_code,
            item_name=body.item_name,
        ),
        **clients.options(authorization),
    )
    return to_dict(reply)


@router.post(
    "/{review_id}/appeal",
    status_code=status.HTTP_201_CREATED,
    operation_id="appeal_review",
    response_model=Appeal,
)
async def appeal_review(
    review_id: Id, body: AppealCreate, clients: Clients, authorization: Authorization
) -> dict[str, object]:
    """申诉: the reviewed unit asks for a re-check of a review it believes malicious or mistaken, with evidence."""
    reply = await clients.reviews.AppealReview(
        reviews_pb2.AppealReviewRequest(review_id=review_id, reason=body.reason, evidence=body.evidence),
        **clients.options(authorization),
    )
    return to_dict(reply)


@router.get("/{review_id}", operation_id="get_review", response_model=Review)
async def get_review(review_id: Id, clients: Clients, authorization: Authorization) -> dict[str, object]:
    """One review with its rectification and every step: for its reviewer, the unit and the supervisors."""
    reply = await clients.reviews.GetReview(
        reviews_pb2.GetReviewRequest(review_id=review_id), **clients.options(authorization)
    )
    return to_dict(reply)


@public_router.get("/reviews", operation_id="list_public_reviews", response_model=list[PublicReview])
async def public_reviews(
    clients: Clients,
    department: Annotated[str, Query(max_length=100)] = "",
    region: Region = "",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[dict[str, object]]:
    """Recent reviews for anyone, by department or county: personal data masked; excluded ones say why."""
    reply = await clients.reviews.ListPublicReviews(
        reviews_pb2.ListPublicReviewsRequest(department=department, region=region, limit=limit),
        **clients.options(None),
    )
    return [to_dict(r) for r in reply.reviews]


@public_router.get(
    "/rectifications", operation_id="list_public_rectifications", response_model=list[Rectification]
)
async def public_rectifications(
    clients: Clients,
    department: Annotated[str, Query(max_length=100)] = "",
    region: Region = "",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[dict[str, object]]:
    """Recent rectifications of 差评 by department or county, comments masked."""
    reply = await clients.reviews.ListPublicRectifications(
        reviews_pb2.ListPublicReviewsRequest(department=department, region=region, limit=limit),
        **clients.options(None),
    )
    return [to_dict(r) for r in reply.rectifications]


@admin_router.post("/reconcile", operation_id="reconcile_review_indicators", response_model=ReconcileResult)
async def reconcile(clients: Clients, authorization: Authorization) -> dict[str, object]:
    """platform_admin: recount the indicators from the raw reviews now and repair any counter that differs."""
    reply = await clients.reviews.Reconcile(reviews_pb2.ReconcileRequest(), **clients.options(authorization))
    return to_dict(reply)


WINDOW_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>{title}</title></head>
<body style="font-family:sans-serif;margin:1.5em;line-height:1.6">
<h1 style="font-size:1.3em">{title}</h1>{body}</body></html>"""


@page_router.get(
    "/rv/{window_id}",
    operation_id="window_review_page",
    response_class=HTMLResponse,
    responses={422: {"description": "无效的评价码：一页说明（HTML）", "content": {"text/html": {}}}},
)
async def window_review_page(window_id: Id, request: Request, clients: Clients) -> HTMLResponse:
    """The page a phone opens after scanning a window's review QR: which window it is and how to review it there.
    A forged or altered code gets a page saying so (422)."""
    base = request.app.state.settings.public_url.rstrip("/")
    scanned = f"{base}/rv/{window_id}?{request.url.query}"
    headers = {
        "Cache-Control": "no-cache",
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    }
    try:
        window = await clients.reviews.GetWindow(
            reviews_pb2.GetWindowRequest(qr=scanned), **clients.options(None)
        )
    except grpc.aio.AioRpcError:
        page = WINDOW_PAGE.format(
            title="无效的评价码", body="<p>这不是有效的办事通窗口评价码，请向窗口工作人员核实。</p>"
        )
        return HTMLResponse(page, status_code=422, headers=headers)
    name = html.escape(f"{window.department} {window.name}")
    body = (
        f"<p>您正在评价：<strong>{name}</strong></p>"
        "<p>请在办事通App“我的 → 待评价”中找到本次在该窗口办理的事项，选择 5 非常满意 · 4 满意 · 3 基本满意 · "
        "2 不满意 · 1 非常不满意 之一提交评价。差评将转责任单位在15个工作日内整改，并回访您本人。</p>"
    )
    return HTMLResponse(WINDOW_PAGE.format(title="办事通 · 窗口服务评价", body=body), headers=headers)
