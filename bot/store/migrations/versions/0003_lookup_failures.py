"""Failed report lookups per sender, for the lookup rate limit.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

Written by hand, like 0001 and 0002: one new table, nothing else changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lookup_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lookup_failures"),
    )
    op.create_index("ix_lookup_failures_sender_at", "lookup_failures", ["sender_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_lookup_failures_sender_at", table_name="lookup_failures")
    op.drop_table("lookup_failures")
