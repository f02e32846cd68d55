"""The resident rates a repair; the village agent who filed it may only record the resident's own rating, with the
resident's consent (六(一)2(3)). With the resident's delegation token the agent's rating is kept as pending, "recorded
by the agent for the resident", and counts as the resident's review only once the resident confirms it: the 6-digit
code texted to them, read out to the agent, or the resident's own rating in the app, which replaces the pending one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.auth import Principal, require_signed_in
from services.kernel.db import utcnow
from services.kernel.errors import FieldError, Forbidden, InvalidInput, WrongState
from services.repair.common import RepairContext, add_timeline, publish, rfc3339, transition
from services.repair.models import AgentRating, Notification, Ticket
from services.repair.schemas import RatingIn, TicketRead, TicketStatus
from services.repair.ticket_reads import ticket_read
from services.repair.tickets import acts_for, ticket_for_update

CODE_TTL = dt.timedelta(hours=24)
MAX_TRIES = 5
LEVELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}


def _hash(ticket_no: str, salt: str, code: str) -> str:
    return f"{salt}${hashlib.sha256(f'{salt}:{ticket_no}:{code}'.encode()).hexdigest()}"


def _code_matches(pending: AgentRating, code: str) -> bool:
    salt = pending.code_hash.split("$", 1)[0]
    return hmac.compare_digest(pending.code_hash, _hash(pending.ticket_no, salt, code))


def require_rater(principal: Principal, ticket: Ticket) -> None:
    """The resident themself, or the agent who filed the ticket acting on the resident's delegation token."""
    require_signed_in(principal)
    if not acts_for(principal, ticket):
        raise Forbidden(
            "只有报修居民本人，或为其报修且已取得其授权的代办员，才能评价这张报修单", code="not_your_ticket"
        )
    if principal.actor is None and principal.sub != ticket.reporter_id:
        raise Forbidden(
            "评价须是居民本人的评价：代办员须凭居民短信验证码取得授权（代办凭证）后，才能代为记录，"
            "并经居民确认后才计入",
            code="consent_required",
        )


def count_rating(
    session: AsyncSession,
    ctx: RepairContext,
    ticket: Ticket,
    *,
    level: int,
    comment: str,
    rated_by: str,
    recorded_by: str | None,
) -> None:
    """The resident's rating, counted: on the ticket, and as the 好差评 review (the `repair.ticket.rated` event)."""
    transition(ticket, "rate", TicketStatus(ticket.status))
    ticket.rating_level, ticket.rating_comment, ticket.rated_at = level, comment, utcnow()
    note = f"{level}/5 {comment}".strip()
    add_timeline(
        session, ticket, "rated", rated_by, f"{note} (recorded by {recorded_by})" if recorded_by else note
    )
    publish(
        session,
        ctx,
        ticket,
        "repair.ticket.rated",
        level=level,
        comment=comment,
        reviewer=ticket.reporter_id,
        rated_by=recorded_by or ticket.reporter_id,
        delegated=recorded_by is not None,
        confirmed=True,
        rated_at=rfc3339(ticket.rated_at),
    )


async def record_for_resident(
    session: AsyncSession, ctx: RepairContext, principal: Principal, ticket: Ticket, rating: RatingIn
) -> None:
    """The agent's rating, kept pending (a different one replaces an earlier pending one, with a new code); the
    resident is texted a code."""
    transition(ticket, "rate", TicketStatus(ticket.status))
    assert principal.actor is not None
    now = utcnow()
    pending = await session.get(AgentRating, ticket.ticket_no, with_for_update=True)
    if (
        pending is not None
        and pending.expires_at > now
        and (pending.agent_id, pending.level, pending.comment)
        == (principal.actor, rating.level, rating.comment)
    ):
        return  # a retry of the same rating: the first answer, the code already texted stays valid (no new SMS)
    code = f"{secrets.randbelow(1_000_000):06d}"
    if pending is None:
        pending = AgentRating(ticket_no=ticket.ticket_no)
        session.add(pending)
    pending.level, pending.comment, pending.agent_id = rating.level, rating.comment, principal.actor
    pending.code_hash, pending.tries = _hash(ticket.ticket_no, secrets.token_hex(8), code), 0
    pending.recorded_at, pending.expires_at = now, now + CODE_TTL
    add_timeline(
        session, ticket, "rating_recorded", principal.actor, f"{rating.level}/5 pending the resident"
    )
    text = (
        f"为您报修的村组代办员在报修单{ticket.ticket_no}上代您记录了“{rating.level}星 {LEVELS[rating.level]}”的评价，"
        f"须经您本人确认才计入。如属实，请将验证码{code}告知代办员（24小时内有效）；也可在办事通“我的—待评价”中"
        "确认或修改。"
    )
    # the code is the resident's alone: not to the agent's notices
    session.add(
        Notification(
            recipient=ticket.reporter_id,
            ticket_no=ticket.ticket_no,
            kind="rating_recorded",
            text=text,
            created_at=now,
        )
    )
    session.info.setdefault("notices", {})[ticket.ticket_no] = text
    publish(
        session,
        ctx,
        ticket,
        "repair.ticket.rating_recorded",
        level=rating.level,
        agent=principal.actor,
        notify_account_ids=[ticket.reporter_id],
    )


async def drop_pending(session: AsyncSession, ticket: Ticket) -> None:
    """The resident's own rating replaces what the agent recorded."""
    pending = await session.get(AgentRating, ticket.ticket_no, with_for_update=True)
    if pending is not None:
        await session.delete(pending)


async def confirm_rating(
    *, session: AsyncSession, ctx: RepairContext, principal: Principal, ticket_no: str, code: str
) -> TicketRead:
    """The code the resident read out: the pending rating counts as the resident's review. A wrong code is counted
    (the refusal keeps the count, nothing else); the fifth ends the pending rating."""
    require_signed_in(principal)
    ticket = await ticket_for_update(session, ticket_no)
    require_rater(principal, ticket)
    if ticket.rating_level is not None:
        raise WrongState("这张报修单已经评价过了", code="already_rated")
    pending = await session.get(AgentRating, ticket.ticket_no, with_for_update=True)
    if pending is None:
        raise WrongState("这张报修单没有待居民确认的代录评价", code="no_pending_rating")
    if pending.expires_at <= utcnow():
        await session.delete(pending)
        raise InvalidInput(
            "验证码已过期，代录的评价已作废：请重新记录，或引导居民在“我的—待评价”中自行评价",
            code="rating_code_expired",
            fields=[FieldError("code", "验证码已过期")],
            commit_anyway=True,
        )
    if not _code_matches(pending, code):
        pending.tries += 1
        left = MAX_TRIES - pending.tries
        if left <= 0:
            await session.delete(pending)
        raise InvalidInput(
            f"验证码错误，还可再试{left}次"
            if left > 0
            else "验证码错误次数过多，代录的评价已作废，请重新记录",
            code="invalid_code",
            fields=[FieldError("code", "验证码错误")],
            commit_anyway=True,
        )
    level, comment, agent = pending.level, pending.comment, pending.agent_id
    await session.delete(pending)
    count_rating(
        session, ctx, ticket, level=level, comment=comment, rated_by=ticket.reporter_id, recorded_by=agent
    )
    return await ticket_read(session, ticket)
