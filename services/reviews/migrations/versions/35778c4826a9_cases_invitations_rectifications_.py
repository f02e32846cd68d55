"""cases invitations rectifications appeals windows and indicator counters

Revision ID: 35778c4826a9
Revises: 6df9500a207f
Create Date: 2026-11-30 00:08:56.575812
"""

import datetime as dt
import secrets
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

import services.kernel.db
from services.reviews.masking import mask

revision: str = "35778c4826a9"
down_revision: str | None = "6df9500a207f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


CHINA = ZoneInfo("Asia/Shanghai")
TITLES = {
    "repair_ticket": "广电报修单",
    "application": "申请",
    "mini_app": "移动应用服务",
    "window_visit": "窗口业务",
}
COUNTERS = (
    "cases",
    "reviewed_cases",
    "active_cases",
    "reviews",
    "level_sum",
    "level_1",
    "level_2",
    "level_3",
    "level_4",
    "level_5",
    "excluded",
    "verified_bad",
    "rectified_on_time",
)


def _table(name: str, *columns: str, when: tuple[str, ...] = ()) -> sa.TableClause:
    return sa.table(
        name,
        *(sa.column(c, sa.JSON()) if c == "tags" else sa.column(c) for c in columns),
        *(sa.column(c, services.kernel.db.UTCDateTime(timezone=True)) for c in when),
    )


def migrate_reviews() -> None:
    """Today's rows (repair ratings) become cases with their first review, and the counters they imply. They
    predate rectification, so their 差评 open none; their unit is the county (the outlet was not recorded)."""
    bind = op.get_bind()
    old = _table(
        "reviews",
        "subject_kind",
        "subject_id",
        "region",
        "reviewer",
        "level",
        "comment",
        when=("created_at",),
    )
    cases = _table(
        "served_cases",
        "case_type",
        "case_id",
        "title",
        "account_id",
        "region",
        "department",
        "item_code",
        "outlet_id",
        "app_id",
        "unit_kind",
        "unit",
        "day",
        when=("served_at", "review_due_at"),
    )
    reviews = _table(
        "case_reviews",
        "id",
        "case_pk",
        "kind",
        "reviewer_id",
        "level",
        "tags",
        "comment",
        "comment_masked",
        "channel",
        "department",
        "region",
        "day",
        "excluded",
        "excluded_reason",
        when=("created_at",),
    )
    invitations = _table(
        "invitations", "id", "case_pk", "account_id", "kind", "status", when=("due_at", "created_at")
    )
    counters = _table("indicator_counters", "dimension", "key", "day", *COUNTERS)
    totals: dict[tuple[str, str], dict[str, int]] = {}
    for row in bind.execute(sa.select(old)).mappings().all():
        at = row["created_at"]
        day = at.astimezone(CHINA).date().isoformat()
        title = f"{TITLES.get(row['subject_kind'], '办件')}{row['subject_id']}"
        bind.execute(
            cases.insert().values(
                case_type=row["subject_kind"],
                case_id=row["subject_id"],
                title=title,
                account_id=row["reviewer"],
                region=row["region"],
                department="",
                item_code="",
                outlet_id="",
                app_id="",
                unit_kind="outlet" if row["subject_kind"] == "repair_ticket" else "department",
                unit=f"county:{row['region']}",
                day=day,
                served_at=at,
                review_due_at=at + dt.timedelta(days=15),
            )
        )
        case_pk = bind.execute(
            sa.select(sa.column("id"))
            .select_from(sa.table("served_cases"))
            .where(sa.column("case_type") == row["subject_kind"], sa.column("case_id") == row["subject_id"])
        ).scalar_one()
        bind.execute(
            reviews.insert().values(
                id=f"RV{secrets.token_hex(8)}",
                case_pk=case_pk,
                kind="first",
                reviewer_id=row["reviewer"],
                level=row["level"],
                tags=[],
                comment=row["comment"] or "",
                comment_masked=mask(row["comment"] or ""),
                channel="app",
                department="",
                region=row["region"],
                day=day,
                excluded=False,
                excluded_reason="",
                created_at=at,
            )
        )
        bind.execute(
            invitations.insert().values(
                id=f"IV{secrets.token_hex(8)}",
                case_pk=case_pk,
                account_id=row["reviewer"],
                kind="first",
                status="reviewed",
                due_at=at + dt.timedelta(days=15),
                created_at=at,
            )
        )
        level = int(row["level"])
        for key in dict.fromkeys(
            (row["region"], row["region"][:4], row["region"][:2])
        ):  # county, prefecture, 53
            slot = totals.setdefault((key, day), dict.fromkeys(COUNTERS, 0))
            for field, value in (
                ("cases", 1),
                ("reviewed_cases", 1),
                ("active_cases", 1),
                ("reviews", 1),
                ("level_sum", level),
                (f"level_{level}", 1),
            ):
                slot[field] += value
    for (region, day), values in totals.items():
        bind.execute(counters.insert().values(dimension="region", key=region, day=day, **values))


def upgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table(
        "appeals",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("review_id", sa.String(length=32), nullable=False),
        sa.Column("unit", sa.String(length=100), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("appellant", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", services.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", services.kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeals")),
        sa.UniqueConstraint("review_id", name=op.f("uq_appeals_review_id")),
    )
    op.create_table(
        "case_reviews",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("case_pk", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("reviewer_id", sa.String(length=64), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=True),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("comment_masked", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("excluded", sa.Boolean(), nullable=False),
        sa.Column("excluded_reason", sa.Text(), nullable=False),
        sa.Column("created_at", services.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_reviews")),
        sa.UniqueConstraint("case_pk", "kind", name=op.f("uq_case_reviews_case_pk_kind")),
    )
    with op.batch_alter_table("case_reviews", schema=None) as batch_op:
        batch_op.create_index("ix_case_reviews_created", ["created_at"], unique=False)
        batch_op.create_index(
            "ix_case_reviews_department_created", ["department", "created_at"], unique=False
        )
        batch_op.create_index("ix_case_reviews_reviewer", ["reviewer_id"], unique=False)

    op.create_table(
        "indicator_counters",
        sa.Column("dimension", sa.String(length=12), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("reviewed_cases", sa.Integer(), nullable=False),
        sa.Column("active_cases", sa.Integer(), nullable=False),
        sa.Column("reviews", sa.Integer(), nullable=False),
        sa.Column("level_sum", sa.Integer(), nullable=False),
        sa.Column("level_1", sa.Integer(), nullable=False),
        sa.Column("level_2", sa.Integer(), nullable=False),
        sa.Column("level_3", sa.Integer(), nullable=False),
        sa.Column("level_4", sa.Integer(), nullable=False),
        sa.Column("level_5", sa.Integer(), nullable=False),
        sa.Column("excluded", sa.Integer(), nullable=False),
        sa.Column("verified_bad", sa.Integer(), nullable=False),
        sa.Column("rectified_on_time", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("dimension", "key", "day", name=op.f("pk_indicator_counters")),
    )
    op.create_table(
        "invitations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("case_pk", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("due_at", services.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", services.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("case_pk", "kind", name=op.f("uq_invitations_case_pk_kind")),
    )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.create_index("ix_invitations_account_status", ["account_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_invitations_case_pk"), ["case_pk"], unique=False)

    op.create_table(
        "rectification_steps",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("rectification_id", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("at", services.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_steps")),
    )
    with op.batch_alter_table("rectification_steps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rectification_steps_rectification_id"), ["rectification_id"], unique=False
        )

    op.create_table(
        "rectifications",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("review_id", sa.String(length=32), nullable=False),
        sa.Column("case_pk", sa.Integer(), nullable=False),
        sa.Column("unit_kind", sa.String(length=20), nullable=False),
        sa.Column("unit", sa.String(length=100), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("reviewer_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", services.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("escalated_at", services.kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("rectified_at", services.kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("dispute_reason", sa.Text(), nullable=False),
        sa.Column("dispute_evidence", sa.JSON(), nullable=False),
        sa.Column("decision", sa.String(length=12), nullable=False),
        sa.Column("rectify_note", sa.Text(), nullable=False),
        sa.Column("created_at", services.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", services.kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectifications")),
        sa.UniqueConstraint("review_id", name=op.f("uq_rectifications_review_id")),
    )
    with op.batch_alter_table("rectifications", schema=None) as batch_op:
        batch_op.create_index("ix_rectifications_status_due", ["status", "due_at"], unique=False)
        batch_op.create_index("ix_rectifications_unit", ["unit_kind", "unit"], unique=False)

    op.create_table(
        "review_requests",
        sa.Column("owner", sa.String(length=140), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("review_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", services.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("owner", "key", name=op.f("pk_review_requests")),
    )
    op.create_table(
        "served_cases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_type", sa.String(length=20), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("agent_id", sa.String(length=64), nullable=True),
        sa.Column("served_by", sa.String(length=64), nullable=True),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("item_code", sa.String(length=64), nullable=False),
        sa.Column("outlet_id", sa.String(length=64), nullable=False),
        sa.Column("app_id", sa.String(length=100), nullable=False),
        sa.Column("unit_kind", sa.String(length=20), nullable=False),
        sa.Column("unit", sa.String(length=100), nullable=False),
        sa.Column("served_at", services.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("review_due_at", services.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_served_cases")),
        sa.UniqueConstraint("case_type", "case_id", name=op.f("uq_served_cases_case_type_case_id")),
    )
    with op.batch_alter_table("served_cases", schema=None) as batch_op:
        batch_op.create_index("ix_served_cases_account", ["account_id"], unique=False)

    op.create_table(
        "service_windows",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", services.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_windows")),
    )
    migrate_reviews()
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reviews_region_level"))

    op.drop_table("reviews")
    # ### end Alembic commands ###


def downgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table(
        "reviews",
        sa.Column("id", sa.INTEGER(), nullable=False),
        sa.Column("subject_kind", sa.VARCHAR(length=20), nullable=False),
        sa.Column("subject_id", sa.VARCHAR(length=64), nullable=False),
        sa.Column("region", sa.VARCHAR(length=6), nullable=False),
        sa.Column("reviewer", sa.VARCHAR(length=64), nullable=False),
        sa.Column("level", sa.INTEGER(), nullable=False),
        sa.Column("comment", sa.TEXT(), nullable=False),
        sa.Column("created_at", sa.DATETIME(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint("subject_kind", "subject_id", name=op.f("uq_reviews_subject_kind_subject_id")),
    )
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reviews_region_level"), ["region", "level"], unique=False)

    op.drop_table("service_windows")
    with op.batch_alter_table("served_cases", schema=None) as batch_op:
        batch_op.drop_index("ix_served_cases_account")

    op.drop_table("served_cases")
    op.drop_table("review_requests")
    with op.batch_alter_table("rectifications", schema=None) as batch_op:
        batch_op.drop_index("ix_rectifications_unit")
        batch_op.drop_index("ix_rectifications_status_due")

    op.drop_table("rectifications")
    with op.batch_alter_table("rectification_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rectification_steps_rectification_id"))

    op.drop_table("rectification_steps")
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitations_case_pk"))
        batch_op.drop_index("ix_invitations_account_status")

    op.drop_table("invitations")
    op.drop_table("indicator_counters")
    with op.batch_alter_table("case_reviews", schema=None) as batch_op:
        batch_op.drop_index("ix_case_reviews_reviewer")
        batch_op.drop_index("ix_case_reviews_department_created")
        batch_op.drop_index("ix_case_reviews_created")

    op.drop_table("case_reviews")
    op.drop_table("appeals")
    # ### end Alembic commands ###
