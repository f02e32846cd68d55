"""staff department: the unit a staff member works for, carried in their tokens

Revision ID: 737a4985bd3f
Revises: 575bf8ab6a89
Create Date: 2026-11-30 00:13:07.870120
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "737a4985bd3f"
down_revision: str | None = "575bf8ab6a89"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("department", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("department")
