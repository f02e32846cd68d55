"""issue keys: an issuer's Idempotency-Key claimed before the license is written

Revision ID: 5c1a9e0b7d21
Revises: 127df26906ce
Create Date: 2026-11-30 01:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.kernel.db

revision: str = "5c1a9e0b7d21"
down_revision: str | None = "127df26906ce"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "issue_keys",
        sa.Column("owner", sa.String(length=140), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("license_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", services.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("owner", "key", name=op.f("pk_issue_keys")),
    )


def downgrade() -> None:
    op.drop_table("issue_keys")
