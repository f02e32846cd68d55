"""agent rating: a rating the filing agent records for the resident waits for the resident's confirmation

Revision ID: f4a8c2e6b1d3
Revises: 4f92c9a3bfb6
Create Date: 2026-11-30 04:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.kernel.db

revision: str = "f4a8c2e6b1d3"
down_revision: str | None = "4f92c9a3bfb6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agent_ratings",
        sa.Column("ticket_no", sa.String(length=32), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("agent_id", sa.String(length=36), nullable=False),
        sa.Column("code_hash", sa.String(length=100), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("recorded_at", services.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", services.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_no"], ["tickets.ticket_no"]),
        sa.PrimaryKeyConstraint("ticket_no"),
    )


def downgrade() -> None:
    op.drop_table("agent_ratings")
