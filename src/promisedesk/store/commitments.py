"""The commitments projection and the outbox, written in the ticket's transaction.

A ticket's ledger is recomputed from its events whenever it changes; rows are
updated in place so that the watcher's own facts (``warned_at``,
``breach_handled_at``) survive recomputation. ``sweep_at`` is the next instant the
watcher must look at a row, indexed, so a sweep costs what is due, not what is open.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, select, text, true, update

from promisedesk.domain.commitments import Commitment, Outcome
from promisedesk.store.batches import chunks, insert_many, recordset, recordset_sql, sqlite_many
from promisedesk.store.tables import IS_OPEN, commitments, outbox, tickets

_DERIVED = (
    "kind",
    "source",
    "made_at",
    "made_by",
    "due_at",
    "reason",
    "outcome",
    "settled_at",
    "settled_seq",
)


def _sweep_at(row: Mapping[str, Any]) -> datetime | None:
    due = row["due_at"]
    if row["outcome"] == Outcome.open.value and due is not None:
        warn = row["warn_at"]
        if row["warned_at"] is None and warn is not None and warn < due:
            return warn  # type: ignore[no-any-return]
        return due  # type: ignore[no-any-return]
    if row["outcome"] == Outcome.broken.value and row["breach_handled_at"] is None:
        settled: datetime | None = row["settled_at"] or due
        return settled
    return None


_SELECT_LEDGER = select(commitments).where(commitments.c.ticket_id == bindparam("tid"))
_SELECT_LEDGERS = select(commitments).where(
    commitments.c.ticket_id.in_(bindparam("tids", expanding=True))
)
_UPDATE_COMMITMENT = update(commitments).where(commitments.c.id == bindparam("cid"))


@dataclass(frozen=True)
class LedgerWrite:
    """One ticket's recomputed ledger, to be written by ``write_ledgers``."""

    ticket_id: int
    items: Sequence[Commitment]
    warn_at: Mapping[str, datetime | None]
    new_ticket: bool = False


def write_ledger(
    conn: Connection,
    ticket_id: int,
    items: Sequence[Commitment],
    warn_at: Mapping[str, datetime | None],
    *,
    now: datetime,
    historical: bool = False,
    new_ticket: bool = False,
) -> None:
    """Bring one ticket's commitment rows in line with its recomputed ledger."""
    write_ledgers(
        conn, [LedgerWrite(ticket_id, items, warn_at, new_ticket)], now=now, historical=historical
    )


def write_ledgers(
    conn: Connection,
    writes: Sequence[LedgerWrite],
    *,
    now: datetime,
    historical: bool = False,
) -> None:
    """Bring several tickets' commitment rows in line with their recomputed ledgers.

    One read of the existing rows and one batched insert and update for all of them,
    so a watcher sweep that escalates a thousand tickets costs a handful of statements.
    ``historical`` (replay of old logs) marks warnings and breaches already in the past
    as handled, so importing history does not notify anyone about it.
    """
    known = [w.ticket_id for w in writes if not w.new_ticket]
    existing: dict[str, Any] = {}  # commitment id -> its row's mapping
    for chunk in chunks(known):
        query = _SELECT_LEDGER if len(chunk) == 1 else _SELECT_LEDGERS
        params = {"tid": chunk[0]} if len(chunk) == 1 else {"tids": chunk}
        existing.update((r.id, r._mapping) for r in conn.execute(query, params))
    inserts: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    for w in writes:
        for seq, c in enumerate(w.items, start=1):
            row: dict[str, Any] = {
                "kind": c.kind.value,
                "source": c.source.value,
                "made_at": c.made_at,
                "made_by": c.made_by,
                "due_at": c.due_at,
                "reason": c.reason,
                "outcome": c.outcome.value,
                "settled_at": c.settled_at,
                "settled_seq": c.settled_seq,
                "warn_at": w.warn_at.get(c.id),
            }
            old = existing.get(c.id)
            row["warned_at"] = old["warned_at"] if old else None
            row["breach_handled_at"] = old["breach_handled_at"] if old else None
            if historical:
                due_warning = row["warn_at"] is not None and row["warn_at"] <= now
                if row["warned_at"] is None and due_warning:
                    row["warned_at"] = now
                if c.outcome == Outcome.broken and row["breach_handled_at"] is None:
                    row["breach_handled_at"] = now
            row["sweep_at"] = _sweep_at(row)
            if old is None:
                inserts.append(
                    {
                        "id": c.id,
                        "ticket_id": w.ticket_id,
                        "ticket_ref": c.ticket,
                        "seq": seq,
                        **row,
                    }
                )
            elif any(old[k] != row[k] for k in _COMPARED):
                changes.append({"cid": c.id, **row})
    if changes:
        conn.execute(_UPDATE_COMMITMENT, changes)
    if inserts:
        insert_many(conn, commitments, inserts)


_COMPARED = (*_DERIVED, "warn_at", "warned_at", "breach_handled_at", "sweep_at")


@dataclass(frozen=True)
class QueueFilter:
    """Whose open commitments to list: an agent's, a team's, or everyone's."""

    agent: str | None = None
    team: str | None = None


def read_ledger(conn: Connection, ticket_id: int) -> list[Any]:
    """A ticket's commitment rows in the order they were made."""
    return list(
        conn.execute(
            select(commitments)
            .where(commitments.c.ticket_id == ticket_id)
            .order_by(commitments.c.seq)
        )
    )


def open_queue(conn: Connection, f: QueueFilter, limit: int) -> list[Any]:
    """Open commitments with a due instant, soonest first, with their ticket's owner."""
    q = (
        select(
            commitments,
            tickets.c.subject,
            tickets.c.requester,
            tickets.c.assignee,
            tickets.c.team,
            tickets.c.priority,
        )
        .join(tickets, tickets.c.id == commitments.c.ticket_id)
        .where(and_(IS_OPEN, commitments.c.due_at.is_not(None)))
        .order_by(commitments.c.due_at)
        .limit(limit)
    )
    if f.agent is not None:
        q = q.where(tickets.c.assignee == f.agent)
    if f.team is not None:
        q = q.where(tickets.c.team == f.team)
    return list(conn.execute(q))


def all_ledger_rows(conn: Connection) -> list[Any]:
    """Every commitment row (for reports)."""
    return list(
        conn.execute(select(commitments).order_by(commitments.c.ticket_id, commitments.c.seq))
    )


_WATCH_COLUMNS = ("warn_at", "warned_at", "outcome", "settled_at", "breach_handled_at", "sweep_at")
_MARK_INSTANTS = [k for k in _WATCH_COLUMNS if k != "outcome"]
_MARK_SQLITE = (
    "UPDATE commitments SET " + ", ".join(f"{k} = ?" for k in _WATCH_COLUMNS) + " WHERE id = ?"
)


_MARK_TYPES = {k: "varchar" if k == "outcome" else "timestamptz" for k in _WATCH_COLUMNS}
_MARK_PG = text(
    "UPDATE commitments AS c SET "
    + ", ".join(f"{k} = v.{k}" for k in _WATCH_COLUMNS)
    + " FROM "
    + recordset_sql("rows", {"id": "varchar", **_MARK_TYPES})
    + " WHERE c.id = v.id"
)


# What a sweep reads of a due row (each value read costs a conversion, 1,000 times):
# not seq, made_at, made_by, settled_seq, nor sweep_at, which the sweep recomputes.
_SWEPT = [
    commitments.c[name]
    for name in (
        "id",
        "ticket_id",
        "ticket_ref",
        "kind",
        "source",
        "due_at",
        "reason",
        "outcome",
        "settled_at",
        "warn_at",
        "warned_at",
        "breach_handled_at",
    )
]


def due_for_sweep(conn: Connection, now: datetime, limit: int) -> list[Any]:
    """Rows whose warning or breach is due, oldest first, locked for this worker.

    On PostgreSQL the *ticket* rows are locked, with ``SKIP LOCKED``: a worker owns
    every commitment of the tickets it claimed, so several workers share a sweep
    without waiting on each other, double-recording, or deadlocking when a breach
    rewrites a ticket's ledger. API writes lock the same ticket row first too. The
    due rows are picked first from the ``sweep_at`` index (a materialised CTE), so
    the plan stays an index scan whatever the table statistics say.
    """
    ticket_columns = (tickets.c.assignee, tickets.c.team, tickets.c.subject, tickets.c.status)
    if conn.dialect.name != "postgresql":
        q = (
            select(*_SWEPT, *ticket_columns)
            .join(tickets, tickets.c.id == commitments.c.ticket_id)
            .where(commitments.c.sweep_at <= now)
            .order_by(commitments.c.sweep_at)
            .limit(limit)
        )
        return list(conn.execute(q))
    # Look a little further than the limit, so that workers skipping each other's
    # locked tickets still fill their batches. The CTE reads the due rows whole and in
    # order; each one's ticket is then looked up and locked by its key in a LATERAL
    # subquery (which the planner cannot turn into a join), until the limit is met.
    # As a plain join, the planner chose to hash or merge every ticket instead of
    # looking up a thousand, 15-25 ms at 10k-100k tickets. The batch is sorted here.
    due = (
        select(*_SWEPT, commitments.c.sweep_at)
        .where(commitments.c.sweep_at <= now)
        .order_by(commitments.c.sweep_at)
        .limit(limit * 3)
        .cte("due")
        .prefix_with("MATERIALIZED")
    )
    ticket = (
        select(*ticket_columns)
        .where(tickets.c.id == due.c.ticket_id)
        .with_for_update(skip_locked=True)
        .lateral("ticket")
    )
    q = (
        select(*(due.c[c.name] for c in _SWEPT), due.c.sweep_at, *ticket.c)
        .select_from(due.join(ticket, true()))
        .limit(limit)
    )
    return sorted(conn.execute(q), key=lambda r: (r.sweep_at, r.id))


def mark_many(conn: Connection, marks: Sequence[Mapping[str, Any]]) -> None:
    """Write the watcher's columns of many rows in one statement.

    Each mark has ``id`` and every one of the watcher's columns.
    """
    if not marks:
        return
    if conn.dialect.name == "postgresql":
        # One statement over a recordset: a pipelined executemany is still one UPDATE
        # per row for the server to run, which was most of a big sweep's time there.
        conn.execute(_MARK_PG, {"rows": recordset(marks)})
        return
    sqlite_many(conn, _MARK_SQLITE, marks, (*_WATCH_COLUMNS, "id"), _MARK_INSTANTS)


def enqueue_many(conn: Connection, notices: Sequence[Mapping[str, Any]]) -> None:
    """Add notifications; one whose ``dedupe_key`` exists already is left alone."""
    insert_many(conn, outbox, notices, unless_taken="dedupe_key")


def outbox_rows(conn: Connection) -> list[Any]:
    """Every notification, oldest first."""
    return list(conn.execute(select(outbox).order_by(outbox.c.id)))
