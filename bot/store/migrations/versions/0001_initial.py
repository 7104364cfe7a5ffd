"""Initial schema: reporters, reports, attachments, status history.

Revision ID: 0001
Revises:
Create Date: 2024-06-01

Written by hand. Datetimes are `timestamp with time zone` on PostgreSQL; on SQLite they hold
UTC wall time (bot.store.models.UTCDateTime). Status, type and language are plain strings,
checked by the application.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "reporters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("national_id", sa.String(20), nullable=False),
        sa.Column("mobile", sa.String(32), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("updated_at", _timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reporters"),
        sa.UniqueConstraint("national_id", name="uq_reporters_national_id"),
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(11), nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("due_at", _timestamp(), nullable=True),
        sa.Column("platform", sa.String(200), nullable=True),
        sa.Column("service_name", sa.String(300), nullable=True),
        sa.Column("service_channel", sa.String(100), nullable=True),
        sa.Column("entity_name", sa.String(300), nullable=True),
        sa.Column("prior_complaint_ref", sa.String(100), nullable=True),
        sa.Column("prior_complaint_date", sa.Date(), nullable=True),
        sa.Column("title", sa.String(300), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("sender_id", sa.String(255), nullable=True),
        sa.Column("idempotency_key", sa.String(255), nullable=True),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reports"),
        sa.UniqueConstraint("reference", name="uq_reports_reference"),
        sa.UniqueConstraint("idempotency_key", name="uq_reports_idempotency_key"),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["reporters.id"], name="fk_reports_reporter_id_reporters"
        ),
    )
    op.create_index("ix_reports_status", "reports", ["status"])
    op.create_index("ix_reports_reporter_id", "reports", ["reporter_id"])
    op.create_index("ix_reports_prior_complaint_ref", "reports", ["prior_complaint_ref"])
    op.create_index("ix_reports_created_at", "reports", ["created_at"])
    op.create_index("ix_reports_sender_id", "reports", ["sender_id"])
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(127), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("stored_path", sa.String(1024), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_attachments"),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name="fk_attachments_report_id_reports",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint("size >= 0", name="ck_attachments_size_not_negative"),
    )
    op.create_index("ix_attachments_report_id", "attachments", ["report_id"])
    op.create_table(
        "status_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("at", _timestamp(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_status_history"),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name="fk_status_history_report_id_reports",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_status_history_report_id", "status_history", ["report_id"])


def downgrade() -> None:
    op.drop_table("status_history")
    op.drop_table("attachments")
    op.drop_table("reports")
    op.drop_table("reporters")
