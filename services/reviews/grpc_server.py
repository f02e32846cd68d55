"""gRPC transport of the reviews service: proto → call → proto, nothing else."""

from __future__ import annotations

import asyncio
import logging
from typing import TypeVar

import grpc
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bst.reviews.v1 import reviews_pb2, reviews_pb2_grpc
from services.kernel.auth import current_principal, require_roles
from services.kernel.background import reraise_if_cancelling
from services.kernel.crypto import derive_key
from services.kernel.db import Database
from services.kernel.errors import invalid_input_from
from services.kernel.ratelimit import RateLimiter
from services.kernel.rpc import Runtime, ServiceSpec
from services.reviews import cases, clock, disclosure, indicators, rectifications, reviewing
from services.reviews.consumers import ServedCases
from services.reviews.context import ReviewsContext, WindowCodes
from services.reviews.models import (
    Appeal,
    Invitation,
    OutboxEvent,
    ProcessedEvent,
    Rectification,
    RectificationStep,
    Review,
    ServedCase,
    ServiceWindow,
)
from services.reviews.schemas import LEVEL_LABELS, AppealIn, RectificationActionIn, ReviewIn

log = logging.getLogger("bst.reviews")


M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], data: dict[str, object]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid_input_from(exc, "部分字段不符合要求") from exc


def make_context(runtime: Runtime) -> ReviewsContext:
    settings = runtime.settings
    assert runtime.outbox is not None
    return ReviewsContext(
        outbox=runtime.outbox,
        limiter=RateLimiter(runtime.redis.client, settings.redis_namespace),  # type: ignore[arg-type]
        windows=WindowCodes(
            derive_key(settings.resolved_secret_key(), "review-window-qr"), settings.public_url
        ),
        review_days=settings.review_days,
        limit_per_account=settings.review_limit_per_account,
        limit_per_network=settings.review_limit_per_network,
    )


def invitation_message(invitation: Invitation, case: ServedCase) -> reviews_pb2.Invitation:
    return reviews_pb2.Invitation(
        invitation_id=invitation.id,
        case_type=case.case_type,
        case_id=case.case_id,
        kind=invitation.kind,
        title=case.title,
        unit=case.unit,
        region=case.region,
        served_at=clock.rfc3339(case.served_at),
        due_at=clock.rfc3339(invitation.due_at),
        status=invitation.status,
    )


def rectification_message(
    rect: Rectification, review: Review, case: ServedCase, steps: list[RectificationStep] | None = None
) -> reviews_pb2.Rectification:
    return reviews_pb2.Rectification(
        rectification_id=rect.id,
        review_id=rect.review_id,
        case_type=case.case_type,
        case_id=case.case_id,
        unit_kind=rect.unit_kind,
        unit=rect.unit,
        region=rect.region,
        status=rect.status,
        due_at=clock.rfc3339(rect.due_at),
        overdue=rect.overdue,
        escalated_at=clock.rfc3339(rect.escalated_at),
        rectified_on_time=rect.rectified_at is not None and rect.rectified_at <= rect.due_at,
        dispute_reason=rect.dispute_reason,
        dispute_evidence=list(rect.dispute_evidence or []),
        decision=rect.decision,
        rectify_note=rect.rectify_note,
        created_at=clock.rfc3339(rect.created_at),
        closed_at=clock.rfc3339(rect.closed_at),
        steps=[
            reviews_pb2.RectificationStep(
                action=s.action, actor=s.actor, note=s.note, at=clock.rfc3339(s.at), status=s.status
            )
            for s in steps or []
        ],
        level=review.level,
        comment=review.comment_masked,
    )


def review_message(
    review: Review,
    case: ServedCase,
    rect: Rectification | None = None,
    steps: list[RectificationStep] | None = None,
) -> reviews_pb2.Review:
    message = reviews_pb2.Review(
        review_id=review.id,
        case_type=case.case_type,
        case_id=case.case_id,
        kind=review.kind,
        level=review.level,
        level_label=LEVEL_LABELS[review.level],
        tags=list(review.tags or []),
        comment=review.comment,
        channel=review.channel,
        reviewer_id=review.reviewer_id,
        recorded_by=review.recorded_by or "",
        unit=case.unit,
        region=case.region,
        created_at=clock.rfc3339(review.created_at),
        excluded=review.excluded,
        excluded_reason=review.excluded_reason,
    )
    if rect is not None:
        message.rectification.CopyFrom(rectification_message(rect, review, case, steps))
    return message


def window_message(window: ServiceWindow, codes: WindowCodes) -> reviews_pb2.Window:
    return reviews_pb2.Window(
        window_id=window.id,
        name=window.name,
        department=window.department,
        region=window.region,
        review_url=codes.url(window.id),
    )


def appeal_message(appeal: Appeal) -> reviews_pb2.Appeal:
    return reviews_pb2.Appeal(
        appeal_id=appeal.id,
        review_id=appeal.review_id,
        unit=appeal.unit,
        reason=appeal.reason,
        evidence=list(appeal.evidence or []),
        status=appeal.status,
        decision_reason=appeal.decision_reason,
        decided_by=appeal.decided_by,
        created_at=clock.rfc3339(appeal.created_at),
        decided_at=clock.rfc3339(appeal.decided_at),
        region=appeal.region,
    )


class ReviewsServicer(reviews_pb2_grpc.ReviewsServiceServicer):
    def __init__(self, runtime: Runtime, ctx: ReviewsContext) -> None:
        self.db = runtime.db
        self.relay = runtime.relay
        self.ctx = ctx

    def _published(self) -> None:
        if self.relay is not None:
            self.relay.wake()

    async def GetIndicators(self, request, context):  # type: ignore[no-untyped-def]
        query = disclosure.IndicatorQuery(
            region=request.region,
            department=request.department,
            outlet_id=request.outlet_id,
            app_id=request.app_id,
            item_code=request.item_code,
            day_from=getattr(request, "from"),
            day_to=request.to,
            public=request.public,
        )
        async with self.db.reader() as session:
            answer = await disclosure.get_indicators(
                session=session, principal=current_principal.get(), query=query
            )
        return reviews_pb2.Indicators(**answer)

    async def CountMyReviews(self, request, context):  # type: ignore[no-untyped-def]
        async with self.db.reader() as session:
            count = await reviewing.count_reviews_by(session=session, principal=current_principal.get())
        return reviews_pb2.CountMyReviewsResponse(count=count)

    async def ListMyInvitations(self, request, context):  # type: ignore[no-untyped-def]
        async with self.db.reader() as session:
            rows = await cases.get_my_invitations(session=session, principal=current_principal.get())
        return reviews_pb2.InvitationList(invitations=[invitation_message(i, c) for i, c in rows])

    async def SubmitReview(self, request, context):  # type: ignore[no-untyped-def]
        review_in = parse(
            ReviewIn,
            {
                "case_type": request.case_type,
                "case_id": request.case_id,
                "level": request.level,
                "tags": list(request.tags),
                "comment": request.comment,
                "channel": request.channel or "app",
            },
        )
        async with self.db.transaction() as session:
            review = await reviewing.submit_review(
                session=session,
                ctx=self.ctx,
                principal=current_principal.get(),
                review_in=review_in,
                idempotency_key=request.idempotency_key,
                client_ip=request.client_ip,
            )
            review, case, rect = await reviewing.get_review(
                session=session, principal=current_principal.get(), review_id=review.id
            )
        self._published()
        return review_message(review, case, rect)

    async def GetReview(self, request, context):  # type: ignore[no-untyped-def]
        async with self.db.reader() as session:
            review, case, rect = await reviewing.get_review(
                session=session, principal=current_principal.get(), review_id=request.review_id
            )
            steps = (await rectifications.get_steps(session, [rect.id])).get(rect.id) if rect else None
        return review_message(review, case, rect, steps)

    async def RecordWindowVisit(self, request, context):  # type: ignore[no-untyped-def]
        async with self.db.transaction() as session:
            case, invitation = await cases.record_window_visit(
                session=session,
                ctx=self.ctx,
                principal=current_principal.get(),
                window_id=request.window_id,
                account_id=request.account_id,
                item_code=request.item_code,
                item_name=request.item_name,
            )
        self._published()
        assert invitation is not None
        return invitation_message(invitation, case)

    async def RecordMiniAppUse(self, request, context):  # type: ignore[no-untyped-def]
        async with self.db.transaction() as session:
            case, invitation = await cases.record_mini_app_use(
                session=session,
                ctx=self.ctx,
                principal=current_principal.get(),
                app_id=request.app_id,
                app_name=request.app_name,
                department=request.department,
            )
            if invitation is None:  # the same app used again today: the day's invitation
                invitation = await session.get(Invitation, await _first_invitation_id(session, case))
        self._published()
        assert invitation is not None
        return invitation_message(invitation, case)

    async def CreateWindow(self, request, context):  # type: ignore[no-untyped-def]
        async with self.db.transaction() as session:
            window = await cases.create_window(
                session=session,
                principal=current_principal.get(),
                name=request.name,
                department=request.department,
                region=request.region,
            )
        return window_message(window, self.ctx.windows)

    async def GetWindow(self, request, context):  # type: ignore[no-untyped-def]
        window_id = self.ctx.windows.read(request.qr) if request.qr else request.window_id
        async with self.db.reader() as session:
            window = await cases.get_window(session, window_id)
        return window_message(window, self.ctx.windows)

    async def ListRectifications(self, request, context):  # type: ignore[no-untyped-def]
        async with self.db.reader() as session:
            page, cursor = await rectifications.get_rectifications(
                session=session,
                principal=current_principal.get(),
                status=request.status,
                overdue=request.overdue if request.HasField("overdue") else None,
                cursor=request.cursor,
                limit=request.limit,
            )
            steps = await rectifications.get_steps(session, [r.id for r, _, _ in page])
        return reviews_pb2.RectificationPage(
            rectifications=[rectification_message(r, v, c, steps.get(r.id)) for r, v, c in page],
            next_cursor=cursor,
        )

    async def ActOnRectification(self, request, context):  # type: ignore[no-untyped-def]
        data: dict[str, object] = {
            "action": request.action,
            "reason": request.reason,
            "evidence": list(request.evidence),
            "note": request.note,
        }
        for optional in ("upheld", "reached", "satisfied"):
            if request.HasField(optional):
                data[optional] = getattr(request, optional)
        action_in = parse(RectificationActionIn, data)
        async with self.db.transaction() as session:
            rect = await rectifications.act(
                session=session,
                ctx=self.ctx,
                principal=current_principal.get(),
                rectification_id=request.rectification_id,
                action_in=action_in,
            )
            review = await session.get(Review, rect.review_id)
            case = await session.get(ServedCase, rect.case_pk)
            steps = (await rectifications.get_steps(session, [rect.id])).get(rect.id)
        self._published()
        assert review is not None and case is not None
        return rectification_message(rect, review, case, steps)

    async def AppealReview(self, request, context):  # type: ignore[no-untyped-def]
        appeal_in = parse(AppealIn, {"reason": request.reason, "evidence": list(request.evidence)})
        async with self.db.transaction() as session:
            appeal = await rectifications.appeal_review(
                session=session,
                principal=current_principal.get(),
                review_id=request.review_id,
                appeal_in=appeal_in,
            )
        return appeal_message(appeal)

    async def DecideAppeal(self, request, context):  # type: ignore[no-untyped-def]
        async with self.db.transaction() as session:
            appeal = await rectifications.decide_appeal(
                session=session,
                principal=current_principal.get(),
                appeal_id=request.appeal_id,
                upheld=request.upheld,
                reason=request.reason,
            )
        return appeal_message(appeal)

    async def ListAppeals(self, request, context):  # type: ignore[no-untyped-def]
        async with self.db.reader() as session:
            appeals = await rectifications.get_appeals(
                session=session, principal=current_principal.get(), status=request.status
            )
        return reviews_pb2.AppealList(appeals=[appeal_message(a) for a in appeals])

    async def ListPublicReviews(self, request, context):  # type: ignore[no-untyped-def]
        async with self.db.reader() as session:
            rows = await reviewing.get_public_reviews(
                session=session, department=request.department, region=request.region, limit=request.limit
            )
        return reviews_pb2.PublicReviewList(
            reviews=[
                reviews_pb2.PublicReview(
                    review_id=review.id,
                    case_type=case_type,
                    unit=unit,
                    region=review.region,
                    level=review.level,
                    level_label=LEVEL_LABELS[review.level],
                    tags=list(review.tags or []),
                    comment=review.comment_masked,
                    channel=review.channel,
                    created_at=clock.rfc3339(review.created_at),
                    kind=review.kind,
                    excluded=review.excluded,
                    excluded_reason=review.excluded_reason,
                    rectification_status=status or "",
                )
                for review, case_type, unit, status in rows
            ]
        )

    async def ListPublicRectifications(self, request, context):  # type: ignore[no-untyped-def]
        async with self.db.reader() as session:
            rows = await rectifications.get_public_rectifications(
                session=session, department=request.department, region=request.region, limit=request.limit
            )
        return reviews_pb2.RectificationPage(
            rectifications=[rectification_message(r, v, c) for r, v, c in rows]
        )

    async def Reconcile(self, request, context):  # type: ignore[no-untyped-def]
        require_roles(current_principal.get(), "platform_admin")
        checked, fixed = await reconcile_all(self.db)
        return reviews_pb2.ReconcileResponse(rows_checked=checked, rows_fixed=fixed)


async def _first_invitation_id(session: AsyncSession, case: ServedCase) -> str:
    return str(
        await session.scalar(
            select(Invitation.id).where(Invitation.case_pk == case.id, Invitation.kind == "first")
        )
    )


async def reconcile_all(db: Database) -> tuple[int, int]:
    """The reconciliation: every day with data, one short transaction each, so reviews keep flowing meanwhile."""
    async with db.reader() as session:
        days = await indicators.days_with_data(session)
    checked = fixed = 0
    for day in days:
        async with db.transaction() as session:
            day_checked, day_fixed = await indicators.reconcile_day(session, day)
        checked, fixed = checked + day_checked, fixed + day_fixed
        await asyncio.sleep(0)
    return checked, fixed


async def run_timers(runtime: Runtime) -> None:
    """Overdue rectifications escalated every BST_REVIEW_TIMER_SECONDS; the indicators reconciled against a
    recount once a night, in the 03:00 hour China time, by one replica (a Redis key per night decides which)."""
    ctx = make_context(runtime)
    redis = runtime.redis.client
    while True:
        await asyncio.sleep(runtime.settings.review_timer_seconds)
        try:
            async with runtime.db.transaction() as session:
                escalated = await rectifications.sweep_overdue(session=session, ctx=ctx)
            if escalated:
                log.info("rectifications escalated", extra={"count": escalated})
                if runtime.relay is not None:
                    runtime.relay.wake()
            now = clock.now().astimezone(clock.CHINA)
            night = f"{runtime.settings.redis_namespace}:reviews:reconciled:{now.date().isoformat()}"
            if now.hour == 3 and await redis.set(night, "1", nx=True, ex=2 * 86400):
                checked, fixed = await reconcile_all(runtime.db)
                (log.warning if fixed else log.info)(
                    "indicators reconciled", extra={"checked": checked, "fixed": fixed}
                )
        except Exception:  # a failed pass is retried at the next tick
            reraise_if_cancelling()
            log.exception("reviews timers failed")


def register(server: grpc.aio.Server, runtime: Runtime) -> None:
    ctx = make_context(runtime)
    for consumer in runtime.consumers:
        if isinstance(consumer, ServedCases):
            consumer.ctx = ctx
    reviews_pb2_grpc.add_ReviewsServiceServicer_to_server(ReviewsServicer(runtime, ctx), server)


SPEC = ServiceSpec(
    name="reviews",
    full_names=[reviews_pb2.DESCRIPTOR.services_by_name["ReviewsService"].full_name],
    register=register,
    outbox_model=OutboxEvent,
    processed_model=ProcessedEvent,
    consumers=[ServedCases],
    tasks=[run_timers],
)
