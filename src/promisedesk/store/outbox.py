"""The outbox's delivery side: claim what is ready to send, record what happened.

Messages are written by the transaction that caused them (``commitments.enqueue_many``,
``accounts.enqueue_mail``); this module only reads and marks them. On PostgreSQL a
claim locks its rows with ``SKIP LOCKED`` so several senders share the queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, or_, select, update

from promisedesk.store.tables import outbox


def claim_ready(conn: Connection, now: datetime, limit: int) -> list[Any]:
    """Unsent messages whose (re)try time has come, oldest first, locked for this sender."""
    q = (
        select(outbox)
        .where(
            and_(
                outbox.c.sent_at.is_(None),
                or_(outbox.c.next_attempt_at.is_(None), outbox.c.next_attempt_at <= now),
            )
        )
        .order_by(outbox.c.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True)
    return list(conn.execute(q))


def lease(conn: Connection, message_id: int, until: datetime) -> None:
    """Reserve a claimed message for this sender until ``until`` (then others may retry)."""
    conn.execute(update(outbox).where(outbox.c.id == message_id).values(next_attempt_at=until))


def mark_sent(conn: Connection, message_id: int, at: datetime, delivered_to: Sequence[str]) -> None:
    """The message went out to these addresses."""
    conn.execute(
        update(outbox)
        .where(outbox.c.id == message_id)
        .values(
            sent_at=at,
            attempts=outbox.c.attempts + 1,
            delivered_to=", ".join(delivered_to),
            last_error=None,
        )
    )


def mark_withheld(conn: Connection, message_id: int, at: datetime, why: str) -> None:
    """The send-time check stopped the message: it leaves the queue, unsent."""
    conn.execute(update(outbox).where(outbox.c.id == message_id).values(sent_at=at, withheld=why))


def mark_failed(conn: Connection, message_id: int, retry_at: datetime, error: str) -> None:
    """Sending failed; try again at ``retry_at``."""
    conn.execute(
        update(outbox)
        .where(outbox.c.id == message_id)
        .values(attempts=outbox.c.attempts + 1, next_attempt_at=retry_at, last_error=error[:2000])
    )
