"""Reminders to come back to a draft on the day it becomes possible (bot.store.reminders).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08

Written by hand, like the others: one new table.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "draft_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("open_key", sa.String(300), nullable=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("remind_on", sa.Date(), nullable=False),
        sa.Column("remind_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("draft", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resumed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_draft_reminders"),
        sa.UniqueConstraint("open_key", name="uq_draft_reminders_open_key"),
    )
    op.create_index("ix_draft_reminders_sender_id", "draft_reminders", ["sender_id"])
    op.create_index("ix_draft_reminders_state", "draft_reminders", ["state", "remind_at"])


def downgrade() -> None:
    op.drop_index("ix_draft_reminders_state", table_name="draft_reminders")
    op.drop_index("ix_draft_reminders_sender_id", table_name="draft_reminders")
    op.drop_table("draft_reminders")
