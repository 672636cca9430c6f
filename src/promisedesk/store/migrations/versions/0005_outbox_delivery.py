"""Outbox delivery: attempts, retry time, the last error, and why a message was withheld.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from promisedesk.store.types import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("outbox", sa.Column("next_attempt_at", UTCDateTime(), nullable=True))
    op.add_column("outbox", sa.Column("last_error", sa.Text(), nullable=True))
    op.add_column("outbox", sa.Column("withheld", sa.Text(), nullable=True))
    op.add_column("outbox", sa.Column("delivered_to", sa.Text(), nullable=True))


def downgrade() -> None:
    for name in ("delivered_to", "withheld", "last_error", "next_attempt_at", "attempts"):
        op.drop_column("outbox", name)
