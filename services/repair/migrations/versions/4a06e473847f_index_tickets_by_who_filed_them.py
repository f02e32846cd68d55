"""index tickets by who filed them

"My tickets" asks for reporter_id OR agent_id OR filed_by; without an index on filed_by the OR could not use the
other two and walked every ticket.

Revision ID: 4a06e473847f
Revises: e3db7deb324d
Create Date: 2026-11-25 11:21:13.498787
"""

from collections.abc import Sequence

from alembic import op

revision: str = "4a06e473847f"
down_revision: str | None = "e3db7deb324d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tickets_filed_by"), ["filed_by"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tickets_filed_by"))
