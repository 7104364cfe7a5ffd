"""Who may act on a report: each report's own contact details, one-time codes, what a
conversation has proven, throttling by several keys, and the SMS/e-mail outbox.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06

Written by hand, like the others. Reports filed before it get the contact details of their
reporter row (which is what they were filed with, or a later overwrite of it: the old code
updated the reporter at every filing). `lookup_failures` (counted per sender only) becomes
`throttle_failures` (counted per key); its rows are short-lived, so none are carried over.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("reports", sa.Column("contact_name", sa.String(200), nullable=True))
    op.add_column("reports", sa.Column("contact_mobile", sa.String(32), nullable=True))
    op.add_column("reports", sa.Column("contact_email", sa.String(254), nullable=True))
    op.add_column("reports", sa.Column("contact_mismatch", sa.String(100), nullable=True))
    for column, source in (
        ("contact_name", "full_name"), ("contact_mobile", "mobile"), ("contact_email", "email")
    ):
        op.execute(
            f"UPDATE reports SET {column} = (SELECT r.{source} FROM reporters r"
            " WHERE r.id = reports.reporter_id)"
        )

    op.drop_index("ix_lookup_failures_sender_at", table_name="lookup_failures")
    op.drop_table("lookup_failures")
    op.create_table(
        "throttle_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("at", _timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_throttle_failures"),
    )
    op.create_index("ix_throttle_failures_key_at", "throttle_failures", ["key", "at"])

    op.create_table(
        "one_time_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("expires_at", _timestamp(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", _timestamp(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_one_time_codes"),
    )
    op.create_index("ix_one_time_codes_sender_id", "one_time_codes", ["sender_id", "purpose"])

    op.create_table(
        "verifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("method", sa.String(20), nullable=False),
        sa.Column("verified_at", _timestamp(), nullable=False),
        sa.Column("expires_at", _timestamp(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_verifications"),
    )
    op.create_index("ix_verifications_sender_id", "verifications", ["sender_id", "purpose"])

    op.create_table(
        "contact_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("recipient", sa.String(254), nullable=False),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("expires_at", _timestamp(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _timestamp(), nullable=False),
        sa.Column("claimed_until", _timestamp(), nullable=True),
        sa.Column("sent_at", _timestamp(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_contact_messages"),
    )
    op.create_index(
        "ix_contact_messages_state", "contact_messages", ["state", "next_attempt_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_contact_messages_state", table_name="contact_messages")
    op.drop_table("contact_messages")
    op.drop_index("ix_verifications_sender_id", table_name="verifications")
    op.drop_table("verifications")
    op.drop_index("ix_one_time_codes_sender_id", table_name="one_time_codes")
    op.drop_table("one_time_codes")
    op.drop_index("ix_throttle_failures_key_at", table_name="throttle_failures")
    op.drop_table("throttle_failures")
    op.create_table(
        "lookup_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("at", _timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lookup_failures"),
    )
    op.create_index("ix_lookup_failures_sender_at", "lookup_failures", ["sender_id", "at"])
    for column in ("contact_mismatch", "contact_email", "contact_mobile", "contact_name"):
        op.drop_column("reports", column)
