"""open311 clients and reports

Revision ID: bf3cf0024414
Revises: c62cbd57729b
Create Date: 2026-11-30 03:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.kernel.db

revision: str = "bf3cf0024414"
down_revision: str | None = "c62cbd57729b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "open311_clients",
        sa.Column("client_id", sa.String(length=24), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("county", sa.String(length=6), nullable=True),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", services.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", services.kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_open311_clients")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_open311_clients_key_hash")),
    )
    op.create_table(
        "open311_reports",
        sa.Column("ticket_no", sa.String(length=32), nullable=False),
        sa.Column("client_id", sa.String(length=24), nullable=False),
        sa.Column("phone_enc", sa.LargeBinary(), nullable=False),
        sa.Column("account_id", sa.String(length=100), nullable=True),
        sa.Column("device_id", sa.String(length=100), nullable=True),
        sa.Column("media_url", sa.String(length=500), nullable=True),
        sa.Column("created_at", services.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["open311_clients.client_id"],
            name=op.f("fk_open311_reports_client_id_open311_clients"),
        ),
        sa.PrimaryKeyConstraint("ticket_no", name=op.f("pk_open311_reports")),
    )
    op.create_index(op.f("ix_open311_reports_client_id"), "open311_reports", ["client_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_open311_reports_client_id"), table_name="open311_reports")
    op.drop_table("open311_reports")
    op.drop_table("open311_clients")
