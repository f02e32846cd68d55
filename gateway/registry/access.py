"""Citizens and mini-apps: `MiniAppAccess` gathers its parts, by sub-domain — `access_base.py` (its state, pairwise
ids, listed apps, the count of uses), `access_catalogue.py` (the catalogue as each person sees it, unified search)
and `access_tokens.py` (consent and sign-in, the checks on mini-app tokens, the calls a mini-app makes for a
citizen; `AppCaller`) — and feedback is here."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity.models import Account
from gateway.registry.access_catalogue import CatalogueRules
from gateway.registry.access_tokens import ConsentRules
from gateway.registry.models import Feedback
from gateway.registry.schemas import FeedbackIn, FeedbackKind, FeedbackRead
from services.kernel.auth import Principal
from services.kernel.db import utcnow
from services.kernel.errors import Unauthenticated


def feedback_read(row: Feedback) -> FeedbackRead:
    return FeedbackRead(
        id=row.id,
        app_id=row.app_id,
        version=row.version,
        openid=row.openid,
        kind=FeedbackKind(row.kind),
        content=row.content,
        created_at=row.created_at,
    )


class MiniAppAccess(CatalogueRules, ConsentRules):
    """What citizens and mini-apps do, answered from the in-process catalogue, with the keys and Redis it needs."""

    async def add_feedback(
        self, *, session: AsyncSession, principal: Principal, app_id: str, feedback_in: FeedbackIn
    ) -> FeedbackRead:
        """A signed-in citizen's feedback on a listed app, for its developers (who see the openid only)."""
        self._require_person(principal)
        app = self.listed_app(app_id)
        if self.limiter is not None:
            await self.limiter.hit(
                f"miniapp-feedback:{principal.sub}",
                limit=20,
                window_seconds=3600,
                message="too much feedback in an hour; try again later",
            )
        if await session.get(Account, principal.sub) is None:  # a token outliving its account: no orphan row
            raise Unauthenticated("该登录凭证对应的账号已不存在，请重新登录后再提交反馈", code="account_gone")
        openid = self.openid(principal.sub, app_id)
        manifest, _ = app.manifest_for(openid)
        row = Feedback(
            app_id=app_id,
            version=manifest.version,
            openid=openid,
            account_id=principal.sub,
            kind=feedback_in.kind,
            content=feedback_in.content,
            created_at=utcnow(),
        )
        session.add(row)
        await session.flush()
        return feedback_read(row)
