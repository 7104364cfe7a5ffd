"""The platform and service catalogue in the store (bot.store.catalogue), one row a version.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07

Written by hand, like the others. Until the first `python -m bot catalogue import`, the table
is empty and the assistant uses the catalogue shipped in bot/intake/data/catalogue.yml.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalogue_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(64), nullable=False),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("platforms", sa.Integer(), nullable=False),
        sa.Column("services", sa.Integer(), nullable=False),
        sa.Column("entities", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_versions")),
    )


def downgrade() -> None:
    op.drop_table("catalogue_versions")
