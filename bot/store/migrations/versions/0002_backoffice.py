"""Back office: notification outbox, web inbox, ratings, missing-data clock, history actor.

Revision ID: 0002
Revises: 0001
Create Date: 2024-06-15

Written by hand, like 0001. Only new tables and nullable columns, so it runs as plain
ALTER TABLE … ADD COLUMN on SQLite too (no table rebuild). Reports already in
`missing_data` get their 48-hour clock from the latest `missing_data` row of their history.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("reports", sa.Column("missing_data_requested_at", _timestamp(), nullable=True))
    op.add_column("status_history", sa.Column("actor", sa.String(20), nullable=True))
    op.execute(
        "UPDATE reports SET missing_data_requested_at = ("
        " SELECT MAX(h.at) FROM status_history h"
        " WHERE h.report_id = reports.id AND h.status = 'missing_data')"
        " WHERE status = 'missing_data'"
    )

    # op.f(): the name as written (without it the "ck" naming convention of the models'
    # metadata would prefix it a second time, as it did to 0001's attachment check).
    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("solution_rating", sa.SmallInteger(), nullable=False),
        sa.Column("service_rating", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("rated_at", _timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ratings"),
        sa.UniqueConstraint("report_id", name="uq_ratings_report_id"),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name="fk_ratings_report_id_reports", ondelete="CASCADE"
        ),
        sa.CheckConstraint(
            "solution_rating BETWEEN 1 AND 5", name=op.f("ck_ratings_solution_rating_range")
        ),
        sa.CheckConstraint(
            "service_rating BETWEEN 1 AND 5", name=op.f("ck_ratings_service_rating_range")
        ),
    )

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("recipient", sa.String(255), nullable=True),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(255), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _timestamp(), nullable=False),
        sa.Column("claimed_by", sa.String(80), nullable=True),
        sa.Column("claimed_until", _timestamp(), nullable=True),
        sa.Column("sent_at", _timestamp(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("dedupe_key", name="uq_outbox_dedupe_key"),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name="fk_outbox_report_id_reports", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_outbox_state_next_attempt_at", "outbox", ["state", "next_attempt_at"])
    op.create_index("ix_outbox_report_id", "outbox", ["report_id"])

    op.create_table(
        "web_inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("read_at", _timestamp(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_web_inbox"),
        sa.UniqueConstraint("outbox_id", name="uq_web_inbox_outbox_id"),
        sa.ForeignKeyConstraint(
            ["outbox_id"], ["outbox.id"], name="fk_web_inbox_outbox_id_outbox", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name="fk_web_inbox_report_id_reports",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_web_inbox_sender_id", "web_inbox", ["sender_id"])


def downgrade() -> None:
    op.drop_table("web_inbox")
    op.drop_table("outbox")
    op.drop_table("ratings")
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch rebuild would drop `reports`,
    # and with foreign keys on that deletes every attachment and history row with it.
    op.drop_column("status_history", "actor")
    op.drop_column("reports", "missing_data_requested_at")
