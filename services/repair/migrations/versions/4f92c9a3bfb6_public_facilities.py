"""public facilities and county management: assets, inspections, management platforms, terminal heartbeats and
their nonces, county fee schedules and the fee a resolved ticket charged, the monthly review chain, the outlets'
assessment schemes

Revision ID: 4f92c9a3bfb6
Revises: b5e1a7c3d920
Create Date: 2026-11-30 03:38:39.298248
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.kernel.db

revision: str = "4f92c9a3bfb6"
down_revision: str | None = "b5e1a7c3d920"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assessment_schemes",
        sa.Column("county", sa.String(length=6), nullable=False),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.Column("target_score", sa.Float(), nullable=False),
        sa.Column("replace_below", sa.Float(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", services.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("county", name=op.f("pk_assessment_schemes")),
    )
    op.create_table(
        "broadcast_platforms",
        sa.Column("platform_id", sa.String(length=40), nullable=False),
        sa.Column("county", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("scheme", sa.String(length=20), nullable=False),
        sa.Column("public_key", sa.String(length=100), nullable=False),
        sa.Column("sealed_secret", sa.String(length=200), nullable=False),
        sa.Column("created_at", services.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform_id", name=op.f("pk_broadcast_platforms")),
    )
    with op.batch_alter_table("broadcast_platforms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_broadcast_platforms_county"), ["county"], unique=False)

    op.create_table(
        "facilities",
        sa.Column("asset_id", sa.String(length=40), nullable=False),
        sa.Column("county", sa.String(length=6), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lng", sa.Float(), nullable=False),
        sa.Column("township", sa.String(length=50), nullable=False),
        sa.Column("village", sa.String(length=50), nullable=False),
        sa.Column("platform_id", sa.String(length=40), nullable=True),
        sa.Column("outlet_id", sa.String(length=40), nullable=True),
        sa.Column("inspection_interval_days", sa.Integer(), nullable=True),
        sa.Column("last_inspected_at", services.kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_inspection_due", services.kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", services.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("asset_id", name=op.f("pk_facilities")),
        sa.UniqueConstraint("county", "code", name="uq_facilities_county_code"),
    )
    with op.batch_alter_table("facilities", schema=None) as batch_op:
        batch_op.create_index("ix_facilities_county_due", ["county", "next_inspection_due"], unique=False)
        batch_op.create_index("ix_facilities_county_kind", ["county", "kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_facilities_outlet_id"), ["outlet_id"], unique=False)

    op.create_table(
        "fee_schedules",
        sa.Column("county", sa.String(length=6), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("free_services", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", services.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("county", name=op.f("pk_fee_schedules")),
    )
    op.create_table(
        "heartbeat_nonces",
        sa.Column("platform_id", sa.String(length=40), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("at", services.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform_id", "nonce", name=op.f("pk_heartbeat_nonces")),
    )
    with op.batch_alter_table("heartbeat_nonces", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_heartbeat_nonces_at"), ["at"], unique=False)

    op.create_table(
        "inspections",
        sa.Column("inspection_id", sa.String(length=40), nullable=False),
        sa.Column("asset_id", sa.String(length=40), nullable=False),
        sa.Column("county", sa.String(length=6), nullable=False),
        sa.Column("at", services.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("inspector", sa.String(length=64), nullable=False),
        sa.Column("result", sa.String(length=20), nullable=False),
        sa.Column("on_time", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("evidence_ids", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("inspection_id", name=op.f("pk_inspections")),
    )
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.create_index("ix_inspections_asset_at", ["asset_id", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_inspections_county"), ["county"], unique=False)

    op.create_table(
        "inspection_evidence",
        sa.Column("evidence_id", sa.String(length=40), nullable=False),
        sa.Column("inspection_id", sa.String(length=40), nullable=False),
        sa.Column("county", sa.String(length=6), nullable=False),
        sa.PrimaryKeyConstraint("evidence_id", name=op.f("pk_inspection_evidence")),
    )
    with op.batch_alter_table("inspection_evidence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspection_evidence_inspection_id"), ["inspection_id"], unique=False
        )

    op.create_table(
        "monthly_reviews",
        sa.Column("county", sa.String(length=6), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("stage", sa.String(length=10), nullable=False),
        sa.Column("signed_by", sa.String(length=64), nullable=False),
        sa.Column("signer_name", sa.String(length=50), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("submitted_at", services.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("county", "month", "stage", name=op.f("pk_monthly_reviews")),
    )
    op.create_table(
        "terminal_heartbeats",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("asset_id", sa.String(length=40), nullable=False),
        sa.Column("platform_id", sa.String(length=40), nullable=False),
        sa.Column("at", services.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("broadcast_seconds", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_terminal_heartbeats")),
    )
    with op.batch_alter_table("terminal_heartbeats", schema=None) as batch_op:
        batch_op.create_index("ix_terminal_heartbeats_asset_at", ["asset_id", "at"], unique=False)

    op.create_table(
        "ticket_fees",
        sa.Column("ticket_no", sa.String(length=32), nullable=False),
        sa.Column("county", sa.String(length=6), nullable=False),
        sa.Column("item", sa.String(length=50), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("charged_by", sa.String(length=64), nullable=False),
        sa.Column("charged_at", services.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("ticket_no", name=op.f("pk_ticket_fees")),
    )
    with op.batch_alter_table("ticket_fees", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_fees_county"), ["county"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ticket_fees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_fees_county"))

    op.drop_table("ticket_fees")
    with op.batch_alter_table("terminal_heartbeats", schema=None) as batch_op:
        batch_op.drop_index("ix_terminal_heartbeats_asset_at")

    op.drop_table("terminal_heartbeats")
    op.drop_table("monthly_reviews")
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspections_county"))
        batch_op.drop_index("ix_inspections_asset_at")

    op.drop_table("inspections")
    with op.batch_alter_table("inspection_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_evidence_inspection_id"))

    op.drop_table("inspection_evidence")
    with op.batch_alter_table("heartbeat_nonces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_heartbeat_nonces_at"))

    op.drop_table("heartbeat_nonces")
    op.drop_table("fee_schedules")
    with op.batch_alter_table("facilities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_facilities_outlet_id"))
        batch_op.drop_index("ix_facilities_county_kind")
        batch_op.drop_index("ix_facilities_county_due")

    op.drop_table("facilities")
    with op.batch_alter_table("broadcast_platforms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_broadcast_platforms_county"))

    op.drop_table("broadcast_platforms")
    op.drop_table("assessment_schemes")
