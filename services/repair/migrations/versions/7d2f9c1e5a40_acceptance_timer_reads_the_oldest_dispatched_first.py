"""the acceptance timer reads the oldest dispatched tickets off an index

The timer's sweep asks every 30 s for the 100 oldest tickets dispatched before the acceptance limit; without
(status, dispatched_at) it read every dispatched ticket and sorted them, inside its write transaction.

Revision ID: 7d2f9c1e5a40
Revises: c483b5fb471a
Create Date: 2026-11-25 12:17:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "7d2f9c1e5a40"
down_revision: str | None = "c483b5fb471a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index("ix_tickets_status_dispatched", ["status", "dispatched_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_status_dispatched")
