"""The commitment ledger (a projection) and the notification outbox.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from promisedesk.store.types import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "commitments",
        sa.Column("id", sa.String(80), nullable=False),
        sa.Column("ticket_id", Id, nullable=False),
        sa.Column("ticket_ref", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("made_at", UTCDateTime, nullable=False),
        sa.Column("made_by", sa.String(320), nullable=False),
        sa.Column("due_at", UTCDateTime),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("settled_at", UTCDateTime),
        sa.Column("settled_seq", sa.Integer),
        sa.Column("warn_at", UTCDateTime),
        sa.Column("warned_at", UTCDateTime),
        sa.Column("breach_handled_at", UTCDateTime),
        sa.Column("sweep_at", UTCDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_commitments"),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name="fk_commitments_ticket_id_tickets"
        ),
    )
    op.create_index("ix_commitments_outcome_due_at", "commitments", ["outcome", "due_at"])
    op.create_index("ix_commitments_sweep_at", "commitments", ["sweep_at"])
    op.create_index("ix_commitments_ticket_id", "commitments", ["ticket_id"])
    op.create_table(
        "outbox",
        sa.Column("id", Id, nullable=False, autoincrement=True),
        sa.Column("dedupe_key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("ticket_ref", sa.String(64), nullable=False),
        sa.Column("commitment_id", sa.String(80)),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("sent_at", UTCDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("dedupe_key", name="uq_outbox_dedupe_key"),
    )
    op.create_index("ix_outbox_sent_at", "outbox", ["sent_at"])


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("commitments")
