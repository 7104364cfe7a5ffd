"""How each of an agent's lines reached the user (bot.store.handoffs): `reply`, `inbox`, `push`.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07

Written by hand, like the others. The web widget's history shows the lines its inbox poll
took (they are not in the conversation's events); lines delivered before this revision
have no route and are not shown there.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("handoff_lines", sa.Column("delivered_via", sa.String(5), nullable=True))


def downgrade() -> None:
    op.drop_column("handoff_lines", "delivered_via")
