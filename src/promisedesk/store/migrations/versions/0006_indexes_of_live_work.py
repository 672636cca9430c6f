"""Indexes that hold only live work, and room on ticket pages for in-place updates.

The watcher's ``sweep_at`` index and the queue's due index listed every commitment
ever made, settled or not. Now each holds only rows someone still has to act on
(``sweep_at`` set; outcome open), so it stays the size of the open work rather than
of the history, and a settled row leaves it instead of being written into it again.
On PostgreSQL, ticket pages keep a tenth free: a projection update that changes no
indexed column (the escalation level, the version, ``updated_at``) then stays on its
page and skips the table's six indexes (a HOT update).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

OPEN = sa.text("outcome = 'open'")
SWEPT = sa.text("sweep_at IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_commitments_sweep_at", table_name="commitments")
    op.create_index(
        "ix_commitments_sweep_at",
        "commitments",
        ["sweep_at"],
        sqlite_where=SWEPT,
        postgresql_where=SWEPT,
    )
    op.drop_index("ix_commitments_outcome_due_at", table_name="commitments")
    op.create_index(
        "ix_commitments_open_due_at",
        "commitments",
        ["due_at"],
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE tickets SET (fillfactor = 90)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE tickets RESET (fillfactor)")
    op.drop_index("ix_commitments_open_due_at", table_name="commitments")
    op.create_index("ix_commitments_outcome_due_at", "commitments", ["outcome", "due_at"])
    op.drop_index("ix_commitments_sweep_at", table_name="commitments")
    op.create_index("ix_commitments_sweep_at", "commitments", ["sweep_at"])
