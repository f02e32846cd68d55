"""Today's `reviews` rows (repair ratings) become cases, first reviews and the counters a recount gives."""

from __future__ import annotations

import asyncio
import datetime as dt

import sqlalchemy as sa

from services.cli import COMPONENTS
from services.kernel.db import Database, UTCDateTime
from services.kernel.migrations import upgrade
from services.reviews import indicators
from services.reviews.models import Invitation, Review, ServedCase

OLD = sa.table(
    "reviews",
    sa.column("subject_kind"),
    sa.column("subject_id"),
    sa.column("region"),
    sa.column("reviewer"),
    sa.column("level"),
    sa.column("comment"),
    sa.column("created_at", UTCDateTime()),
)


async def test_old_ratings_are_migrated_into_cases_reviews_and_counters(backend):
    url = await backend.scratch_database("reviews_migration")
    await asyncio.to_thread(upgrade, COMPONENTS["reviews"].migrations, url, "6df9500a207f")
    db = Database(url)
    try:
        async with db.transaction() as session:
            await session.execute(
                OLD.insert(),
                [
                    {
                        "subject_kind": "repair_ticket",
                        "subject_id": "BX5301022611250001",
                        "region": "530102",
                        "reviewer": "acc-1",
                        "level": 1,
                        "comment": "李建国师傅没来，电话13812345678",
                        "created_at": dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC),
                    },
                    {
                        "subject_kind": "repair_ticket",
                        "subject_id": "BX5301282611250002",
                        "region": "530128",
                        "reviewer": "acc-2",
                        "level": 5,
                        "comment": "",
                        "created_at": dt.datetime(2026, 11, 25, 17, 0, tzinfo=dt.UTC),  # 26 November in China
                    },
                ],
            )
        await db.dispose()
        await asyncio.to_thread(upgrade, COMPONENTS["reviews"].migrations, url)
        db = Database(url)
        async with db.reader() as session:
            cases = (await session.scalars(sa.select(ServedCase).order_by(ServedCase.case_id))).all()
            reviews = (await session.scalars(sa.select(Review))).all()
            invitations = (await session.scalars(sa.select(Invitation))).all()
            expected = indicators._normal((await indicators.recount(session)).items())
            stored = indicators._normal((await indicators.stored(session)).items())
        assert [(c.case_id, c.account_id, c.day) for c in cases] == [
            ("BX5301022611250001", "acc-1", "2026-11-25"),
            ("BX5301282611250002", "acc-2", "2026-11-26"),
        ]
        assert sorted(r.level for r in reviews) == [1, 5] and {r.kind for r in reviews} == {"first"}
        masked = next(r.comment_masked for r in reviews if r.level == 1)
        assert "13812345678" not in masked and "建国" not in masked
        assert {i.status for i in invitations} == {"reviewed"}
        assert stored == expected and stored[("region", "530102", "2026-11-25")]["level_1"] == 1
    finally:
        await db.dispose()
