"""Seed the watcher benchmark: many open tickets in bulk, plus due batches the product wrote.

The bulk (the "background" tickets) is inserted directly, because going through the
API for a million tickets would take hours. Each background ticket is one P1 ticket
opened by a customer at its own instant in ``[T0 - 9m, T0)`` and nothing else: one
``opened`` event and the three policy commitments (acknowledge, first_response,
resolve) exactly as ``flush_ledgers`` would have written them at the opening. P1
targets count on the ``always`` calendar, so every ticket's ledger is one
representative ledger (computed with ``compute_ledger`` and the policy's warning lead
times) shifted to its opening instant; ``check_background`` rebuilds a sample of
tickets with the product's own functions and compares them value for value.

Background rows all have ``sweep_at >= T0 + 1m`` (the acknowledge warning, 10 minutes
after opening), so sweeps at ``T0 .. T0 + 60s`` find nothing of theirs to do.

The *due* tickets are written through the product itself (``open_in``, ``record_in``,
``flush_ledgers`` and real ``sweep`` calls at past instants), in batches of 1,000 whose
due instants fall in one-second slots ``(T0 + (s-1)s, T0 + s s]``, so that a sweep at
``T0 + s s`` finds exactly one batch due:

* ``warn``: opened 10 minutes before its slot; the acknowledge warning falls due.
* ``breach``: opened 15 minutes before its slot, already warned; acknowledge breaks
  (not an escalating kind: a breach notice only).
* ``escalate``: opened 30 minutes before its slot and acknowledged a minute later,
  already warned; first_response breaks, so the lead is told and a
  ``breach_escalated`` event is appended, which recomputes the ticket's ledger.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import psycopg
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from promisedesk.config import Policy
from promisedesk.domain.codec import payload_to_dict
from promisedesk.domain.commitments import compute_ledger
from promisedesk.domain.events import Event, Opened
from promisedesk.domain.priority import Level, Priority
from promisedesk.domain.tickets import open_ticket
from promisedesk.services import commands as c
from promisedesk.services.ledger import flush_ledgers, sweep
from promisedesk.services.tickets import open_in, record_in
from promisedesk.store import commitments as ledger_rows
from promisedesk.store.tables import commitments, events, tickets
from promisedesk.store.tickets import TicketStore, _event_row, _projection

T0 = datetime(2026, 1, 7, 12, 0, tzinfo=UTC)
OPEN_WINDOW = timedelta(minutes=9)
SLOT = timedelta(seconds=1)
BATCH = 1000
MAX_SLOTS = 60  # due instants stay before the background's first warning (T0 + 1m)
PREWARN_AT = T0 - timedelta(minutes=4)  # the watcher "ran" here and warned the due batches
SCENARIOS = ("warn", "breach", "escalate")
DESCRIPTION = "Seeded by bench/watcher.py."
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = _EPOCH.replace(tzinfo=None)

Row = tuple[Any, ...]
Stamp = Callable[[int], str]  # microseconds since the epoch -> the backend's text form


def slot_now(s: int) -> datetime:
    """The sweep instant of slot ``s`` (slot 0 is the empty sweep's instant, T0)."""
    return T0 + SLOT * s


def _us(at: datetime) -> int:
    return (at - _EPOCH) // timedelta(microseconds=1)


def sqlite_stamp(us: int) -> str:
    """How SQLAlchemy's SQLite DATETIME stores a UTC instant (checked in ``check_background``)."""
    # Naive on purpose: this *is* the stored text form, UTC without an offset.
    return (_NAIVE_EPOCH + timedelta(microseconds=us)).isoformat(" ", "microseconds")


def pg_stamp(us: int) -> str:
    """A timestamptz literal for COPY."""
    return sqlite_stamp(us) + "+00"


# -- background tickets ------------------------------------------------------------


def opened_event(n: int, at: datetime) -> Event:
    """The ``opened`` event of background ticket ``PD-n``."""
    requester = f"user{n}@example.invalid"
    return Event(
        at=at,
        by=f"customer:{requester}",
        payload=Opened(
            subject=f"Bench ticket {n}",
            description=DESCRIPTION,
            requester=requester,
            channel="email",
            impact=Level.critical,
            urgency=Level.critical,
            priority=Priority.P1,
        ),
    )


@dataclass(frozen=True)
class Template:
    """One ticket's ledger relative to its opening: (kind, reason, due, warn) in µs."""

    items: tuple[tuple[str, str, int, int], ...]
    opened_json: dict[str, Any]


def template(policy: Policy) -> Template:
    """The representative ledger of a background ticket under ``policy``."""
    at = T0 - OPEN_WINDOW
    ev = opened_event(0, at)
    items = []
    for cm in compute_ledger("PD-0", [ev], policy.sla, at):
        warn = policy.watch.warn_at(cm, Priority.P1)
        assert cm.due_at is not None and warn is not None and warn < cm.due_at
        items.append((cm.kind.value, cm.reason, _us(cm.due_at) - _us(at), _us(warn) - _us(at)))
    return Template(tuple(items), payload_to_dict(ev.payload))


def opened_at(k: int, count: int) -> int:
    """Opening instant (µs) of the k-th of ``count`` background tickets."""
    return _us(T0 - OPEN_WINDOW) + k * (OPEN_WINDOW // timedelta(microseconds=1)) // count


def background_rows(
    t: Template, first_id: int, count: int, stamp: Stamp
) -> Iterator[tuple[Row, Row, list[Row]]]:
    """(ticket, event, commitment rows) per background ticket, in table column order."""
    for k in range(count):
        n = first_id + k
        ref = f"PD-{n}"
        requester = f"user{n}@example.invalid"
        subject = f"Bench ticket {n}"
        o = opened_at(k, count)
        at = stamp(o)
        ticket = (n, ref, subject, DESCRIPTION, requester, "email", "new", "critical",
                  "critical", "P1", None, None, "L1", 0, 0, None, at, at,
                  None, None, None, None, None, 1)  # fmt: skip
        data = orjson.dumps({**t.opened_json, "subject": subject, "requester": requester})
        event = (n, n, 1, "opened", at, f"customer:{requester}", data.decode(), at)
        rows = []
        for j, (kind, reason, due, warn) in enumerate(t.items, start=1):
            w = stamp(o + warn)
            rows.append((f"{ref}#{j}", n, ref, j, kind, "policy", at, "policy",
                         stamp(o + due), reason, "open", None, None, w, None, None, w))  # fmt: skip
        yield ticket, event, rows


def check_background(policy: Policy, engine: Engine, count: int, stamp: Stamp) -> int:
    """Compare sampled fast rows with the product's own; the number of tickets checked."""
    dialect = engine.dialect
    t = template(policy)
    sample = sorted({0, count - 1, *range(0, count, max(1, count // 97))})
    fast = {k: row for k, row in enumerate(background_rows(t, 1, count, stamp)) if k in sample}

    def db(table: Any, values: dict[str, Any]) -> tuple[Any, ...]:
        out = []
        for col in table.columns:
            v = values[col.name]
            proc = col.type._cached_bind_processor(dialect)  # what a statement uses
            v = proc(v) if proc and v is not None else v
            if isinstance(v, datetime):  # PostgreSQL keeps aware datetimes: compare as text
                v = stamp(_us(v))
            out.append(v)
        return tuple(out)

    for k in sample:
        n = k + 1
        ref = f"PD-{n}"
        at = _EPOCH + timedelta(microseconds=opened_at(k, count))
        ev = opened_event(n, at)
        want_ticket = db(tickets, {"id": n, "ref": ref, **_projection(open_ticket(ref, ev))})
        want_event = db(events, {"id": n, **_event_row(n, 1, ev, at)})
        items = compute_ledger(ref, [ev], policy.sla, at)
        want_rows = []
        for seq, cm in enumerate(items, start=1):
            row: dict[str, Any] = {
                "id": cm.id, "ticket_id": n, "ticket_ref": ref, "seq": seq,
                "kind": cm.kind.value, "source": cm.source.value, "made_at": cm.made_at,
                "made_by": cm.made_by, "due_at": cm.due_at, "reason": cm.reason,
                "outcome": cm.outcome.value, "settled_at": cm.settled_at,
                "settled_seq": cm.settled_seq, "warn_at": policy.watch.warn_at(cm, Priority.P1),
                "warned_at": None, "breach_handled_at": None,
            }  # fmt: skip
            row["sweep_at"] = ledger_rows._sweep_at(row)
            want_rows.append(db(commitments, row))
        got_ticket, got_event, got_rows = fast[k]
        if (got_ticket, got_event, got_rows) != (want_ticket, want_event, want_rows):
            raise AssertionError(
                f"background ticket {ref} differs from what the product writes:\n"
                f"  fast:    {(got_ticket, got_event, got_rows)}\n"
                f"  product: {(want_ticket, want_event, want_rows)}"
            )
    return len(sample)


def _columns(table: Any) -> list[str]:
    return [col.name for col in table.columns]


def _chunks(it: Iterator[tuple[Row, Row, list[Row]]], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in it:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def bulk_sqlite(path: str, rows: Iterator[tuple[Row, Row, list[Row]]]) -> None:
    """Insert the background rows into the SQLite file at ``path`` in one transaction."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-1000000")
        conn.execute("BEGIN")
        sql = {
            t.name: f"INSERT INTO {t.name} ({', '.join(_columns(t))}) "
            f"VALUES ({', '.join('?' * len(t.columns))})"
            for t in (tickets, events, commitments)
        }
        for chunk in _chunks(rows, 20_000):
            conn.executemany(sql["tickets"], [tk for tk, _, _ in chunk])
            conn.executemany(sql["events"], [ev for _, ev, _ in chunk])
            conn.executemany(sql["commitments"], [r for _, _, rs in chunk for r in rs])
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def bulk_pg(url: str, rows: Iterator[tuple[Row, Row, list[Row]]]) -> None:
    """COPY the background rows into PostgreSQL, then move the id sequences past them."""
    u = make_url(url)
    dsn = f"host={u.host} port={u.port or 5432} user={u.username} dbname={u.database}"
    with psycopg.connect(dsn) as conn:
        # Each chunk goes to the three tables in turn, so the generator runs once.
        for chunk in _chunks(rows, 100_000):
            with conn.cursor() as cur:
                for table, pick in (
                    (tickets, lambda ch: (tk for tk, _, _ in ch)),
                    (events, lambda ch: (ev for _, ev, _ in ch)),
                    (commitments, lambda ch: (r for _, _, rs in ch for r in rs)),
                ):
                    cols = ", ".join(f'"{c}"' for c in _columns(table))
                    with cur.copy(f"COPY {table.name} ({cols}) FROM STDIN") as copy:
                        for row in pick(chunk):
                            copy.write_row(row)
        with conn.cursor() as cur:
            for table in ("tickets", "events", "outbox"):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
                )
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")


# -- due batches, written by the product -------------------------------------------


def _due_instants(s: int) -> list[datetime]:
    """1,000 distinct instants strictly inside slot ``s``: ``(now(s-1), now(s))``.

    Strictly: a warning is due at its instant, a breach only once its instant has
    passed, and the sweep at ``now(s)`` must find exactly this batch for both.
    """
    start = slot_now(s - 1)
    return [start + (SLOT * (j + 1)) / (BATCH + 1) for j in range(BATCH)]


def write_batch(store: TicketStore, policy: Policy, scenario: str, s: int) -> None:
    """Open the 1,000 tickets of one due batch through the product's own write path."""
    assert scenario in SCENARIOS and 1 <= s <= MAX_SLOTS
    lead = {"warn": timedelta(minutes=10), "breach": timedelta(minutes=15)}
    with store.writing() as tx:
        for j, due in enumerate(_due_instants(s)):
            opened = due - lead.get(scenario, timedelta(minutes=30))
            cmd = c.OpenTicket(
                subject=f"Due {scenario} slot {s} #{j}",
                description=DESCRIPTION,
                requester=f"due{s}-{j}@example.invalid",
                channel="email",
                impact=Level.critical,
                urgency=Level.critical,
            )
            ticket = open_in(tx, policy, cmd, by=f"customer:{cmd.requester}", at=opened, now=opened)
            flush_ledgers(tx, policy, opened)
            if scenario == "escalate":
                at = opened + timedelta(minutes=1)
                ack = c.Acknowledge(automatic=True, body="We have your request.")
                record_in(tx, policy, ticket.ref, ack, by="system", at=at, now=at)
                flush_ledgers(tx, policy, at)


def prewarn(store: TicketStore, policy: Policy, limit_sweeps: int) -> int:
    """Run the watcher at ``PREWARN_AT`` until it has nothing left; warnings written."""
    warned = 0
    for _ in range(limit_sweeps):
        report = sweep(store, policy, PREWARN_AT)
        warned += report.warned
        if report.warned == 0 and report.breached == 0:
            return warned
        if report.breached:
            raise AssertionError(f"the pre-warning sweep recorded breaches: {report}")
    raise AssertionError(f"the pre-warning sweeps did not finish in {limit_sweeps} passes")


def plan(repeats: int, extra: int = 0) -> list[tuple[int, str]]:
    """(slot, scenario) for every measured sweep, scenarios interleaved."""
    slots = [(1 + r * len(SCENARIOS) + i, sc) for r in range(repeats + extra)
             for i, sc in enumerate(SCENARIOS)]  # fmt: skip
    if slots and slots[-1][0] > MAX_SLOTS:
        raise ValueError(f"at most {MAX_SLOTS // len(SCENARIOS)} repeats fit before T0 + 1m")
    return slots


def seed_due(store: TicketStore, policy: Policy, slots: Sequence[tuple[int, str]]) -> int:
    """Write every due batch, then let the watcher warn those that were warned already."""
    for s, scenario in slots:
        write_batch(store, policy, scenario, s)
    return prewarn(store, policy, limit_sweeps=len(slots) + 2)
