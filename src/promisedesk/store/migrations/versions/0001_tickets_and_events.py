"""Tickets (projection) and events (append-only truth).

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from promisedesk.store.types import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("ref", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("requester", sa.String(320), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("impact", sa.String(16), nullable=False),
        sa.Column("urgency", sa.String(16), nullable=False),
        sa.Column("priority", sa.String(4), nullable=False),
        sa.Column("assignee", sa.String(320)),
        sa.Column("team", sa.String(120)),
        sa.Column("tier", sa.String(4), nullable=False),
        sa.Column("escalation_level", sa.Integer, nullable=False),
        sa.Column("reopen_count", sa.Integer, nullable=False),
        sa.Column("rating", sa.Integer),
        sa.Column("opened_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("acknowledged_at", UTCDateTime),
        sa.Column("first_response_at", UTCDateTime),
        sa.Column("last_public_update_at", UTCDateTime),
        sa.Column("resolved_at", UTCDateTime),
        sa.Column("closed_at", UTCDateTime),
        sa.Column("version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tickets"),
        sa.UniqueConstraint("ref", name="uq_tickets_ref"),
    )
    op.create_index("ix_tickets_status_priority", "tickets", ["status", "priority"])
    op.create_index("ix_tickets_assignee", "tickets", ["assignee"])
    op.create_index("ix_tickets_team", "tickets", ["team"])
    op.create_index("ix_tickets_requester", "tickets", ["requester"])
    op.create_table(
        "events",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("ticket_id", Id, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("by", sa.String(320), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name="fk_events_ticket_id_tickets"),
        sa.UniqueConstraint("ticket_id", "seq", name="uq_events_ticket_id_seq"),
    )
    _forbid_event_changes()


def _forbid_event_changes() -> None:
    """Events are facts: the database itself refuses to update or delete them."""
    if op.get_context().dialect.name == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER events_no_{action.lower()} BEFORE {action} ON events "
                "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END"
            )
    else:
        op.execute(
            "CREATE FUNCTION promisedesk_events_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'events are append-only'; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events "
            "FOR EACH ROW EXECUTE FUNCTION promisedesk_events_append_only()"
        )


def downgrade() -> None:
    op.drop_table("events")
    op.drop_table("tickets")
    if op.get_context().dialect.name != "sqlite":
        op.execute("DROP FUNCTION IF EXISTS promisedesk_events_append_only()")
