"""put right: first contact and arrival on a ticket, the acceptance deadline by circle, county circle settings

The 3-hour township and 1-hour village circles are measured on arrival (a technician's `arrive` step, after the
`contacted` step); each dispatch carries its acceptance deadline, set by the ticket's circle and the county's
settings (`county_response_settings`, defaults when a county has none).

Revision ID: b5e1a7c3d920
Revises: b7e1c4a9d2f3
Create Date: 2026-11-30 03:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.kernel.db

revision: str = "b5e1a7c3d920"
down_revision: str | None = "b7e1c4a9d2f3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("contacted_at", services.kernel.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("arrived_at", services.kernel.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("accept_due_at", services.kernel.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index("ix_tickets_status_accept_due", ["status", "accept_due_at"], unique=False)
    op.create_table(
        "county_response_settings",
        sa.Column("county", sa.String(length=6), nullable=False),
        sa.Column("village_accept_minutes", sa.Integer(), nullable=False),
        sa.Column("township_accept_minutes", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=False),
        sa.Column("updated_at", services.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("county", name=op.f("pk_county_response_settings")),
    )


def downgrade() -> None:
    op.drop_table("county_response_settings")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_status_accept_due")
        batch_op.drop_column("accept_due_at")
        batch_op.drop_column("arrived_at")
        batch_op.drop_column("contacted_at")
