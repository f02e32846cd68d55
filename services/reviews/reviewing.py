"""Reviews (评价): only the person served, once per case (一事一评) and per visit (一次一评), within the window,
with one follow-up after a rectification; real-name, tied to the account; masked before the public sees them."""

from __future__ import annotations

import hashlib
import logging

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel import regions
from services.kernel.auth import Principal, require_signed_in
from services.kernel.errors import Forbidden, InvalidInput, NotFound, WrongState
from services.reviews import access, clock, indicators, masking
from services.reviews.cases import get_case
from services.reviews.context import ReviewsContext, new_id
from services.reviews.models import Invitation, Rectification, Review, ReviewRequest, ServedCase
from services.reviews.rectifications import open_rectification
from services.reviews.schemas import ReviewIn

log = logging.getLogger("bst.reviews")


async def _limit(ctx: ReviewsContext, principal: Principal, client_ip: str) -> None:
    """A flood from one account or one network is refused (429 with Retry-After); every attempt counts."""
    if ctx.limiter is None:
        return
    await ctx.limiter.hit(
        f"review:account:{principal.actor or principal.sub}",
        limit=ctx.limit_per_account,
        window_seconds=3600,
        message="评价提交过于频繁，请稍后再试",
    )
    if client_ip:
        await ctx.limiter.hit(
            f"review:network:{client_ip}",
            limit=ctx.limit_per_network,
            window_seconds=3600,
            message="该网络提交的评价过于频繁，请稍后再试",
        )


async def _claim_key(
    session: AsyncSession, principal: Principal, key: str, review_in: ReviewIn
) -> tuple[ReviewRequest | None, str | None]:
    """(our claim, None) for a first request; (None, review id) for a repeat of an earlier one."""
    owner = f"{principal.actor or principal.sub}|{principal.sub}"
    request_hash = hashlib.sha256(review_in.model_dump_json().encode()).hexdigest()
    for _ in range(2):
        seen = await session.get(ReviewRequest, (owner, key), populate_existing=True)
        if seen is not None:
            if seen.request_hash != request_hash:
                raise InvalidInput(
                    "这个 Idempotency-Key 已用于另一条不同的评价", code="idempotency_key_reused"
                )
            return None, seen.review_id
        claim = ReviewRequest(
            owner=owner, key=key, request_hash=request_hash, review_id="", created_at=clock.now()
        )
        try:
            async with session.begin_nested():
                session.add(claim)
        except IntegrityError:
            continue
        return claim, None
    raise WrongState("同一条评价正在提交，请稍后再试", code="idempotency_in_flight")


def _require_person_served(principal: Principal, case: ServedCase) -> str | None:
    """The account that records the review for the person served (the agent with a delegation), or None."""
    if access.served_case(principal, case):
        raise Forbidden("工作人员不能评价自己经办的事项", code="own_case")
    if principal.actor is not None:
        if principal.sub != case.account_id or principal.actor != case.agent_id:
            raise Forbidden("代办员只能在居民授权下为其代办的事项记录评价", code="not_served")
        if case.case_type == "repair_ticket":
            # 六(一)2(3): the agent records the resident's own rating of a repair, which counts once the resident
            # confirms it: that is the ticket's rating (pending, a code texted to the resident), not a review here
            raise WrongState(
                "代办员代录的广电报修评价须经居民本人确认后才计入：请在报修单的“评价”中记录，居民凭短信验证码"
                "确认，或由居民在“我的—待评价”中自行评价",
                code="rate_on_ticket",
            )
        return principal.actor
    if principal.sub == case.agent_id and principal.sub != case.account_id:
        raise Forbidden(
            "代办员须凭居民短信验证码取得授权后，才能代为记录居民本人的评价", code="consent_required"
        )
    if principal.sub != case.account_id:
        raise Forbidden("只有被服务的办事人本人才能评价", code="not_served")
    return None


async def submit_review(
    *,
    session: AsyncSession,
    ctx: ReviewsContext,
    principal: Principal,
    review_in: ReviewIn,
    idempotency_key: str = "",
    client_ip: str = "",
) -> Review:
    require_signed_in(principal)
    await _limit(ctx, principal, client_ip)
    claim: ReviewRequest | None = None
    if idempotency_key:
        claim, replay = await _claim_key(session, principal, idempotency_key, review_in)
        if replay:
            review = await session.get(Review, replay)
            assert review is not None
            return review
    case = await get_case(session, review_in.case_type, review_in.case_id)
    if case is None:
        raise NotFound("没有找到这个办件", code="case_not_found")
    recorded_by = _require_person_served(principal, case)
    review = await record_review(
        session=session,
        ctx=ctx,
        case=case,
        review_in=review_in,
        reviewer_id=case.account_id,
        recorded_by=recorded_by,
    )
    if claim is not None:
        claim.review_id = review.id
    return review


async def record_review(
    *,
    session: AsyncSession,
    ctx: ReviewsContext,
    case: ServedCase,
    review_in: ReviewIn,
    reviewer_id: str,
    recorded_by: str | None,
) -> Review:
    """The rules every review goes through, whatever its channel (the repair rating event included)."""
    now = clock.now()
    invitations = {
        i.kind: i
        for i in (await session.scalars(select(Invitation).where(Invitation.case_pk == case.id))).all()
    }
    done = set((await session.scalars(select(Review.kind).where(Review.case_pk == case.id))).all())
    if "first" not in done:
        kind = "first"
        if now > case.review_due_at:
            raise WrongState(
                f"评价期限（办结后{ctx.review_days}天）已过，不能再评价", code="review_window_closed"
            )
    else:
        follow_up = invitations.get("follow_up")
        if follow_up is None or "follow_up" in done:
            raise WrongState("这件事已经评价过了（一事一评）", code="already_reviewed")
        if now > follow_up.due_at:
            raise WrongState("追评期限已过", code="review_window_closed")
        kind = "follow_up"
    review = Review(
        id=new_id("RV"),
        case_pk=case.id,
        kind=kind,
        reviewer_id=reviewer_id,
        recorded_by=recorded_by,
        level=review_in.level,
        tags=review_in.tags,
        comment=review_in.comment,
        comment_masked=masking.mask(review_in.comment),
        channel=review_in.channel,
        department=case.department,
        region=case.region,
        day=clock.china_day(now),
        excluded=False,
        created_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(review)
    except IntegrityError as exc:
        raise WrongState("这件事已经评价过了（一事一评）", code="already_reviewed") from exc
    if kind in invitations:
        invitations[kind].status = "reviewed"
    await indicators.apply(session, indicators.review_contribution(case, review))
    if kind == "first" and review.level <= 2:
        await open_rectification(session=session, ctx=ctx, case=case, review=review, now=now)
    return review


async def get_review(
    *, session: AsyncSession, principal: Principal, review_id: str
) -> tuple[Review, ServedCase, Rectification | None]:
    """A review for its reviewer, the reviewed unit and the supervisors of its region."""
    require_signed_in(principal)
    review = await session.get(Review, review_id)
    if review is None:
        raise NotFound("没有这条评价", code="review_not_found")
    case = await session.get(ServedCase, review.case_pk)
    assert case is not None
    if principal.sub != review.reviewer_id and not (
        access.is_supervisor(principal, case.region)
        or access.is_unit_staff(
            principal,
            unit_kind=case.unit_kind,
            unit=case.unit,
            department=case.department,
            region=case.region,
        )
    ):
        raise Forbidden("只能查看自己的评价或本单位收到的评价", code="not_your_review")
    rect = (
        await session.scalars(select(Rectification).where(Rectification.review_id == review.id))
    ).one_or_none()
    return review, case, rect


async def count_reviews_by(*, session: AsyncSession, principal: Principal) -> int:
    """How many reviews the caller has given (the user space's count)."""
    require_signed_in(principal)
    return int(
        await session.scalar(
            select(func.count()).select_from(Review).where(Review.reviewer_id == principal.sub)
        )
    )


_PUBLIC_REVIEWS = (
    select(Review, ServedCase.case_type, ServedCase.unit, Rectification.status)
    .join(ServedCase, ServedCase.id == Review.case_pk)
    .outerjoin(Rectification, Rectification.review_id == Review.id)
    .order_by(Review.created_at.desc())
)


async def get_public_reviews(
    *, session: AsyncSession, department: str = "", region: str = "", limit: int = 20
) -> list[tuple[Review, str, str, str | None]]:
    """Recent reviews for anyone: comments masked, excluded ones shown as excluded with the reason."""
    statement = _PUBLIC_REVIEWS.limit(max(1, min(limit or 20, 100)))
    if department:
        statement = statement.where(Review.department == department)
    if region:
        if not regions.is_valid_scope(region):
            raise InvalidInput(f"{region!r} 不是云南的行政区划", code="unknown_region")
        statement = statement.where(Review.region.startswith(regions.scope_prefix(region)))
    rows = await session.execute(statement)
    return [(review, case_type, unit, status) for review, case_type, unit, status in rows.all()]
