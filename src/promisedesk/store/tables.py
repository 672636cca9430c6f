"""The schema: an append-only ``events`` table (the truth) and its projections.

Alembic migrations under ``migrations/`` create exactly this; a test compares them.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    literal_column,
    text,
)

from promisedesk.store.types import UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

# BigInteger keys that stay INTEGER PRIMARY KEY (the rowid) on SQLite.
Id = BigInteger().with_variant(Integer(), "sqlite")

tickets = Table(
    "tickets",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("ref", String(64), nullable=False, unique=True),
    Column("subject", String(300), nullable=False),
    Column("description", Text, nullable=False),
    Column("requester", String(320), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("status", String(32), nullable=False),
    Column("impact", String(16), nullable=False),
    Column("urgency", String(16), nullable=False),
    Column("priority", String(4), nullable=False),
    Column("assignee", String(320)),
    Column("team", String(120)),
    Column("tier", String(4), nullable=False),
    Column("escalation_level", Integer, nullable=False),
    Column("reopen_count", Integer, nullable=False),
    Column("rating", Integer),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("acknowledged_at", UTCDateTime),
    Column("first_response_at", UTCDateTime),
    Column("last_public_update_at", UTCDateTime),
    Column("resolved_at", UTCDateTime),
    Column("closed_at", UTCDateTime),
    Column("version", Integer, nullable=False),
    Index("ix_tickets_status_priority", "status", "priority"),
    Index("ix_tickets_assignee", "assignee"),
    Index("ix_tickets_team", "team"),
    Index("ix_tickets_requester", "requester"),
    # Room on each page for updated rows: a projection update that changes no indexed
    # column then stays on its page and skips the indexes (migration 0006).
    postgresql_with={"fillfactor": 90},
)

events = Table(
    "events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("ticket_id", Id, ForeignKey("tickets.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("type", String(32), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("by", String(320), nullable=False),
    Column("data", Text, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    UniqueConstraint("ticket_id", "seq"),
)

# The bytes of attached files. The ``attachment_added`` event (the truth) names the
# file and its digest; this row holds the content, written in the same transaction.
attachments = Table(
    "attachments",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("ticket_id", Id, ForeignKey("tickets.id"), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("content_type", String(127), nullable=False),
    Column("filename", String(255), nullable=False),
    Column("visibility", String(16), nullable=False),
    Column("uploaded_by", String(320), nullable=False),
    Column("uploaded_at", UTCDateTime, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Index("ix_attachments_ticket_id", "ticket_id"),
)

# The predicates of the partial indexes below (the same in migration 0006).
_OPEN = text("outcome = 'open'")
_SWEPT = text("sweep_at IS NOT NULL")

commitments = Table(
    "commitments",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("ticket_id", Id, ForeignKey("tickets.id"), nullable=False),
    Column("ticket_ref", String(64), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("source", String(16), nullable=False),
    Column("made_at", UTCDateTime, nullable=False),
    Column("made_by", String(320), nullable=False),
    Column("due_at", UTCDateTime),
    Column("reason", Text, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("settled_at", UTCDateTime),
    Column("settled_seq", Integer),
    # Watcher state, not derived from events: kept across recomputation.
    Column("warn_at", UTCDateTime),
    Column("warned_at", UTCDateTime),
    Column("breach_handled_at", UTCDateTime),
    # The next instant the watcher must look at this row; NULL when nothing is left.
    Column("sweep_at", UTCDateTime),
    # Only live work is indexed (migration 0006): queries name the same predicate as a
    # literal, which is what lets SQLite and PostgreSQL's generic plans use the index.
    Index("ix_commitments_open_due_at", "due_at", sqlite_where=_OPEN, postgresql_where=_OPEN),
    Index("ix_commitments_sweep_at", "sweep_at", sqlite_where=_SWEPT, postgresql_where=_SWEPT),
    Index("ix_commitments_ticket_id", "ticket_id"),
)

#: A commitment still open, as the open-work index's predicate reads: a literal, not a
#: bound value, so that SQLite and generic PostgreSQL plans can use that index.
IS_OPEN = commitments.c.outcome == literal_column("'open'")

outbox = Table(
    "outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("dedupe_key", String(200), nullable=False, unique=True),
    Column("kind", String(32), nullable=False),
    Column("ticket_ref", String(64), nullable=False),
    Column("commitment_id", String(80)),
    Column("recipient", String(320), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    # Delivery (services/outbox.py): a failed send is retried at next_attempt_at; a
    # message the send-time check stopped is marked sent with the reason it was withheld.
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UTCDateTime),
    Column("last_error", Text),
    Column("withheld", Text),
    Column("delivered_to", Text),
    Index("ix_outbox_sent_at", "sent_at"),
)

# -- accounts (issue 3): people, credentials, sessions --------------------------

users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # agent | customer
    Column("email", String(320), nullable=False, unique=True),  # lower case
    # The name in event actors: an agent's chosen handle, a customer's email.
    Column("handle", String(320), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("role", String(16)),  # agents: agent | lead | admin
    Column("team", String(120)),
    Column("tier", String(4)),
    Column("organisation", String(200)),
    Column("password_hash", String(200)),  # argon2id; NULL: no password sign-in
    Column("active", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("disabled_at", UTCDateTime),
    Index("ix_users_organisation", "organisation"),
)

# Secrets (API tokens, session ids, one-time links) are random and kept only as
# their SHA-256: a copy of the database gives no way in.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("label", String(200), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),  # shown in listings
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
    Index("ix_api_tokens_user_id", "user_id"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
    Index("ix_sessions_user_id", "user_id"),
)

one_time_links = Table(
    "one_time_links",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("purpose", String(16), nullable=False),  # sign_in | reset
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime),
    Index("ix_one_time_links_user_id", "user_id"),
)

# Failed sign-ins, per account address and per client address, for throttling.
auth_failures = Table(
    "auth_failures",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("key", String(400), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_auth_failures_key_at", "key", "at"),
)
