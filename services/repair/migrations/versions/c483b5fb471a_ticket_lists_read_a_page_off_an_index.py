"""ticket lists read a page off an index

A technician's queue (assignee, status, newest first) and a county's list (county, status, newest first) sorted
every matching ticket on each call; with created_at in the index a page is read off it.

Revision ID: c483b5fb471a
Revises: 4a06e473847f
Create Date: 2026-11-25 11:49:56
"""

from collections.abc import Sequence

from alembic import op

revision: str = "c483b5fb471a"
down_revision: str | None = "4a06e473847f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tickets_assignee_status_created", ["assignee_outlet_id", "status", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_tickets_county_status_created", ["county", "status", "created_at"], unique=False
        )
        batch_op.drop_index("ix_tickets_assignee_status")
        batch_op.drop_index("ix_tickets_county_status")


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index("ix_tickets_county_status", ["county", "status"], unique=False)
        batch_op.create_index("ix_tickets_assignee_status", ["assignee_outlet_id", "status"], unique=False)
        batch_op.drop_index("ix_tickets_county_status_created")
        batch_op.drop_index("ix_tickets_assignee_status_created")
