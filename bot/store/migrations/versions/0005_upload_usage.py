"""What each conversation and each client address uploaded in the last hour (upload quotas).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06

Written by hand, like the others: one new table of short-lived rows.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "upload_usage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("files", sa.Integer(), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("pixels", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_upload_usage"),
    )
    op.create_index("ix_upload_usage_key_at", "upload_usage", ["key", "at"])


def downgrade() -> None:
    op.drop_index("ix_upload_usage_key_at", table_name="upload_usage")
    op.drop_table("upload_usage")
