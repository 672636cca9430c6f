"""Reading and writing tickets: events appended, the projection kept in step.

A ``TicketTx`` lives for one transaction. It caches the tickets it has folded so a
replay of many events for one ticket does not re-read its history for each line.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    String,
    bindparam,
    case,
    cast,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy.exc import IntegrityError

from promisedesk.domain.codec import payload_from_dict, payload_to_dict
from promisedesk.domain.errors import Conflict, TicketNotFound
from promisedesk.domain.events import BreachEscalated, Event, Status
from promisedesk.domain.records import evolve
from promisedesk.domain.tickets import Ticket, apply, fold
from promisedesk.store.batches import chunks, insert_many, recordset, recordset_sql, sqlite_rows
from promisedesk.store.engine import SINGLE_READ_PG, SINGLE_READ_SQLITE, WRITE, write_gate
from promisedesk.store.raw import RawRead
from promisedesk.store.tables import events, tickets


@dataclass(frozen=True)
class TicketFilter:
    """What a ticket list may be narrowed by; ``None`` means any."""

    status: Sequence[str] | None = None
    priority: Sequence[str] | None = None
    assignee: str | None = None
    team: str | None = None
    requester: str | None = None
    text: str | None = None


@dataclass(frozen=True)
class StoredEvent:
    """An event as stored, with its position in the ticket's history."""

    seq: int
    event: Event


def _projection(t: Ticket) -> dict[str, Any]:
    return {
        "subject": t.subject,
        "description": t.description,
        "requester": t.requester,
        "channel": t.channel,
        "status": t.status.value,
        "impact": t.impact.value,
        "urgency": t.urgency.value,
        "priority": t.priority.value,
        "assignee": t.assignee,
        "team": t.team,
        "tier": t.tier,
        "escalation_level": t.escalation_level,
        "reopen_count": t.reopen_count,
        "rating": t.rating,
        "opened_at": t.opened_at,
        "updated_at": t.updated_at,
        "acknowledged_at": t.acknowledged_at,
        "first_response_at": t.first_response_at,
        "last_public_update_at": t.last_public_update_at,
        "resolved_at": t.resolved_at,
        "closed_at": t.closed_at,
        "version": t.version,
    }


def _event_row(ticket_id: int, seq: int, e: Event, recorded_at: datetime) -> dict[str, Any]:
    return {
        "ticket_id": ticket_id,
        "seq": seq,
        "type": e.type,
        "at": e.at,
        "by": e.by,
        "data": orjson.dumps(payload_to_dict(e.payload)).decode(),
        "recorded_at": recorded_at,
    }


def _event_from_row(row: Any) -> StoredEvent:
    return _stored_event(row.seq, row.type, row.at, row.by, row.data)


def _stored_event(seq: int, type_: str, at: datetime, by: str, data: str) -> StoredEvent:
    payload = payload_from_dict(type_, orjson.loads(data))
    return StoredEvent(seq, Event(at=at, by=by, payload=payload))


# Statements are built once: building them per call (literal values coerced and
# hashed each time) cost more than the database work itself.
_ID_BY_REF = select(tickets.c.id).where(tickets.c.ref == bindparam("ref"))
_ID_BY_REF_LOCKED = _ID_BY_REF.with_for_update()
_HISTORY = (
    select(events.c.seq, events.c.type, events.c.at, events.c.by, events.c.data)
    .where(events.c.ticket_id == bindparam("tid"))
    .order_by(events.c.seq)
)
_HISTORY_BY_REF = (
    select(tickets.c.id, events.c.seq, events.c.type, events.c.at, events.c.by, events.c.data)
    .join(events, events.c.ticket_id == tickets.c.id)
    .where(tickets.c.ref == bindparam("ref"))
    .order_by(events.c.seq)
)
_HISTORY_BY_REF_RAW = RawRead(_HISTORY_BY_REF)
_INSERT_TICKET = insert(tickets)
_UPDATE_TICKET = update(tickets).where(tickets.c.id == bindparam("tid"))
_NEXT_ID_SQLITE = select(func.coalesce(func.max(tickets.c.id), 0) + 1)
_NEXT_ID_PG = text("SELECT nextval(pg_get_serial_sequence('tickets', 'id'))")
_NEXT_IDS_PG = text(
    "SELECT v.id, EXISTS (SELECT 1 FROM tickets AS t WHERE t.ref = 'PD-' || v.id) AS taken"
    " FROM (SELECT nextval(pg_get_serial_sequence('tickets', 'id')) AS id"
    " FROM generate_series(1, :n)) AS v"
)
# The next ``?`` ids and whether each one's ref is taken already (the write lock is
# held, so nobody else takes these ids meanwhile).
_NEXT_IDS_SQLITE = (
    "WITH RECURSIVE ids(id, k) AS ("
    " SELECT coalesce(max(id), 0) + 1, 1 FROM tickets"
    " UNION ALL SELECT id + 1, k + 1 FROM ids WHERE k < ?)"
    " SELECT ids.id, EXISTS (SELECT 1 FROM tickets AS t WHERE t.ref = 'PD-' || ids.id)"
    " FROM ids"
)
# SQLite, under the write lock: id and ref in the same statement as the row.
_NEXT = _NEXT_ID_SQLITE.scalar_subquery()
_INSERT_AUTO_REF_SQLITE = (
    insert(tickets)
    .values(id=_NEXT, ref=literal("PD-").concat(cast(_NEXT, String)))
    .returning(tickets.c.id, tickets.c.ref)
)

# PostgreSQL: the next id, the row with ref PD-<id> unless an imported log already
# uses that ref, and the id either way, in one round trip instead of three (nextval,
# the "ref taken?" SELECT, the INSERT). ``ref`` comes back NULL when nothing was
# inserted; the caller then takes the long way with the same id, as before.
_PROJECTED = [c for c in tickets.c if c.name not in ("id", "ref")]
_NEXT_PG = select(func.nextval(func.pg_get_serial_sequence("tickets", "id")).label("id")).cte(
    "next_id"
)
_NEXT_REF_PG = literal("PD-").concat(cast(_NEXT_PG.c.id, String))
_INSERTED_PG = (
    insert(tickets)
    .from_select(
        ["id", "ref", *(c.name for c in _PROJECTED)],
        select(
            _NEXT_PG.c.id,
            _NEXT_REF_PG,
            *(bindparam(c.name, type_=c.type) for c in _PROJECTED),
        ).where(~exists().where(tickets.c.ref == _NEXT_REF_PG)),
    )
    .returning(tickets.c.id, tickets.c.ref)
    .cte("inserted")
)
_INSERT_AUTO_REF_PG = select(_NEXT_PG.c.id, _INSERTED_PG.c.ref).select_from(
    _NEXT_PG.outerjoin(_INSERTED_PG, true())
)


# A breach escalation's projection change, set-based (``TicketTx.escalate_breaches``).
_NOW = bindparam("now", type_=tickets.c.updated_at.type)
_ESCALATED = {
    "escalation_level": tickets.c.escalation_level + bindparam("n", type_=Integer),
    "version": tickets.c.version + bindparam("n", type_=Integer),
    "updated_at": case((tickets.c.updated_at > _NOW, tickets.c.updated_at), else_=_NOW),
}
_RETURNED = (tickets.c.id, tickets.c.version, tickets.c.updated_at)
_ESCALATE_SQLITE = (
    update(tickets)
    .where(tickets.c.id.in_(bindparam("ids", expanding=True)))
    .where(tickets.c.status != Status.closed.value)
    .values(_ESCALATED)
    .returning(*_RETURNED)
)
# PostgreSQL: the same change and the events' insert in one statement. ``k`` counts a
# ticket's new events from 0 and ``n`` is how many it gets; the events are inserted in
# (ticket, k) order so their row ids follow their seq, as the fold path's would.
_WANTED = {"ticket_id": "bigint", "k": "integer", "n": "integer", "type": "varchar", "data": "text"}
_ESCALATE_AND_APPEND_PG = text(
    "WITH v AS (SELECT * FROM "
    + recordset_sql("rows", _WANTED)
    + "), up AS (UPDATE tickets AS t SET escalation_level = t.escalation_level + c.n, "
    "version = t.version + c.n, "
    "updated_at = GREATEST(t.updated_at, CAST(:now AS timestamptz)) "
    "FROM (SELECT ticket_id, max(n) AS n FROM v GROUP BY ticket_id) AS c "
    f"WHERE t.id = c.ticket_id AND t.status <> '{Status.closed.value}' "
    "RETURNING t.id, t.version, t.updated_at) "
    'INSERT INTO events (ticket_id, seq, type, "at", "by", data, recorded_at) '
    "SELECT v.ticket_id, up.version - v.n + v.k + 1, v.type, up.updated_at, "
    "CAST(:by AS varchar), v.data, CAST(:now AS timestamptz) "
    "FROM v JOIN up ON up.id = v.ticket_id ORDER BY v.ticket_id, v.k"
)


class TicketTx:
    """Ticket reads and writes inside one open transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._postgres = conn.dialect.name == "postgresql"
        self._cache: dict[str, tuple[int, Ticket]] = {}
        self._events: dict[str, list[Event]] = {}
        #: Tickets written in this transaction whose ledger must be recomputed.
        self.dirty: set[str] = set()
        #: Tickets created in this transaction (they have no ledger rows yet).
        self.created: set[str] = set()
        # Event rows and projection updates are written in batches before commit.
        self._pending_events: list[dict[str, Any]] = []
        self._pending_tickets: dict[int, dict[str, Any]] = {}

    # -- reads ---------------------------------------------------------------
    def load(self, ref: str, *, for_update: bool = False) -> tuple[int, Ticket]:
        """The ticket's row id and current state; ``TicketNotFound`` if unknown."""
        if ref in self._cache:
            return self._cache[ref]
        ticket_id, state, _ = self.load_with_history(ref, for_update=for_update)
        return ticket_id, state

    def load_with_history(
        self, ref: str, *, for_update: bool = False
    ) -> tuple[int, Ticket, list[StoredEvent]]:
        """The ticket's row id, state and every event; ``TicketNotFound`` if unknown."""
        if for_update and self._postgres:
            ticket_id = self.conn.execute(_ID_BY_REF_LOCKED, {"ref": ref}).scalar()
            if ticket_id is None:
                raise TicketNotFound(ref)
            history = self.history(ticket_id)
        else:
            rows = self.conn.execute(_HISTORY_BY_REF, {"ref": ref}).all()
            if not rows:
                raise TicketNotFound(ref)
            ticket_id = rows[0].id
            history = [_event_from_row(r) for r in rows]
        state = fold(ref, (s.event for s in history))
        self._cache[ref] = (ticket_id, state)
        self._events[ref] = [s.event for s in history]
        return ticket_id, state, history

    def events_of(self, ref: str) -> tuple[int, list[Event]]:
        """The row id and every event of a ticket (cached for this transaction)."""
        if ref not in self._events:
            self.load_with_history(ref)
        return self._cache[ref][0], self._events[ref]

    def history(self, ticket_id: int) -> list[StoredEvent]:
        """Every event of the ticket, oldest first."""
        rows = self.conn.execute(_HISTORY, {"tid": ticket_id})
        return [_event_from_row(r) for r in rows]

    def list(self, f: TicketFilter, *, after_id: int | None, limit: int) -> list[Any]:
        """Projection rows, newest ticket first, after the cursor's ticket."""
        q = select(tickets).order_by(tickets.c.id.desc()).limit(limit)
        if after_id is not None:
            q = q.where(tickets.c.id < after_id)
        if f.status:
            q = q.where(tickets.c.status.in_(f.status))
        if f.priority:
            q = q.where(tickets.c.priority.in_(f.priority))
        if f.assignee is not None:
            q = q.where(tickets.c.assignee == f.assignee)
        if f.team is not None:
            q = q.where(tickets.c.team == f.team)
        if f.requester is not None:
            q = q.where(func.lower(tickets.c.requester) == f.requester.lower())
        if f.text:
            pattern = "%" + f.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern += "%"
            q = q.where(
                or_(
                    tickets.c.subject.ilike(pattern, escape="\\"),
                    tickets.c.description.ilike(pattern, escape="\\"),
                    tickets.c.ref.ilike(pattern, escape="\\"),
                )
            )
        return list(self.conn.execute(q))

    def all_events(self) -> Iterator[tuple[str, StoredEvent]]:
        """Every stored event with its ticket reference, in the order they happened."""
        rows = self.conn.execute(
            select(
                tickets.c.ref, events.c.seq, events.c.type, events.c.at, events.c.by, events.c.data
            )
            .join(tickets, tickets.c.id == events.c.ticket_id)
            .order_by(events.c.at, events.c.id)
            .execution_options(yield_per=1000)
        )
        for r in rows:
            yield r.ref, _event_from_row(r)

    def count(self) -> int:
        """How many tickets are stored."""
        return int(self.conn.execute(select(func.count()).select_from(tickets)).scalar_one())

    # -- writes --------------------------------------------------------------
    def create(self, ticket: Ticket, opened: Event, *, ref: str | None, now: datetime) -> Ticket:
        """Store a new ticket and its ``opened`` event; give it a ref if none was asked."""
        if ref is not None and self.conn.execute(_ID_BY_REF, {"ref": ref}).first():
            raise Conflict(
                f"A ticket with the reference {ref!r} exists already; pick another "
                "reference or post to the existing ticket.",
                {"ticket": ref},
            )
        if ref is None and not self._postgres:
            try:
                row = self.conn.execute(_INSERT_AUTO_REF_SQLITE, _projection(ticket)).one()
            except IntegrityError:
                pass  # an imported log already uses PD-<next id>: take the long way
            else:
                return self._created(int(row.id), evolve(ticket, ref=row.ref), opened, now)
        if ref is None and self._postgres:
            row = self.conn.execute(_INSERT_AUTO_REF_PG, _projection(ticket)).one()
            if row.ref is not None:
                return self._created(int(row.id), evolve(ticket, ref=row.ref), opened, now)
            ticket_id = int(row.id)  # PD-<id> is taken by an imported log: step aside
        else:
            # The id is taken first so the ref can be written with the row: on SQLite
            # the write lock is held (BEGIN IMMEDIATE), on PostgreSQL the sequence is
            # atomic.
            ticket_id = int(
                self.conn.execute(_NEXT_ID_PG if self._postgres else _NEXT_ID_SQLITE).scalar_one()
            )
        if ref is None:
            ref = self._fresh_ref(ticket_id)
        ticket = evolve(ticket, ref=ref)
        self.conn.execute(_INSERT_TICKET, {"id": ticket_id, "ref": ref, **_projection(ticket)})
        return self._created(ticket_id, ticket, opened, now)

    def create_many(self, new: Sequence[tuple[Ticket, Event, datetime]]) -> builtins.list[Ticket]:
        """Store several new tickets (state, ``opened`` event, when recorded) at once."""
        return self.insert_new(new, self.reserve(len(new)))

    def reserve(self, n: int) -> builtins.list[tuple[int, str]]:
        """Ids and refs for ``n`` new tickets: the next ids, each with ref ``PD-<id>``.

        A ref an imported log already took is stepped aside from (``PD-<id>-<k>``).
        One statement: the ids and which of their refs are taken.
        """
        found: Sequence[Sequence[Any]] = (
            self.conn.execute(_NEXT_IDS_PG, {"n": n}).all()
            if self._postgres
            else sqlite_rows(self.conn, _NEXT_IDS_SQLITE, (n,))
        )
        pairs = [(int(i), bool(t)) for i, t in found]
        return [(i, self._fresh_ref(i) if taken else f"PD-{i}") for i, taken in pairs]

    def insert_new(
        self, new: Sequence[tuple[Ticket, Event, datetime]], reserved: Sequence[tuple[int, str]]
    ) -> builtins.list[Ticket]:
        """Insert the tickets under their reserved ids and refs; reads nothing back.

        Their ``opened`` events wait for ``flush_writes``, so the whole of it may go in
        a ``pipelined`` block.
        """
        named = [evolve(t, ref=r) for (t, _, _), (_, r) in zip(new, reserved, strict=True)]
        ids = [i for i, _ in reserved]
        rows = [{"id": i, "ref": t.ref, **_projection(t)} for i, t in zip(ids, named, strict=True)]
        insert_many(self.conn, tickets, rows)
        return [
            self._created(i, t, opened, now)
            for (i, _), t, (_, opened, now) in zip(reserved, named, new, strict=True)
        ]

    def _created(self, ticket_id: int, ticket: Ticket, opened: Event, now: datetime) -> Ticket:
        ref = ticket.ref
        self._pending_events.append(_event_row(ticket_id, 1, opened, now))
        self._cache[ref] = (ticket_id, ticket)
        self._events[ref] = [opened]
        self.created.add(ref)
        self.dirty.add(ref)
        return ticket

    def _fresh_ref(self, ticket_id: int) -> str:
        ref = f"PD-{ticket_id}"
        n = 0
        # An imported log may already use PD-<n>; step aside rather than fail.
        while self.conn.execute(_ID_BY_REF, {"ref": ref}).first():
            n += 1
            ref = f"PD-{ticket_id}-{n}"
        return ref

    def append(self, ref: str, event: Event, *, now: datetime) -> Ticket:
        """Apply ``event`` to the ticket, store it and update the projection."""
        ticket_id, state = self.load(ref, for_update=True)
        history = self.events_of(ref)[1]
        new = apply(state, event)
        self._pending_events.append(_event_row(ticket_id, new.version, event, now))
        self._pending_tickets[ticket_id] = {"tid": ticket_id, **_projection(new)}
        self._cache[ref] = (ticket_id, new)
        history.append(event)
        self.dirty.add(ref)
        return new

    def flush_writes(self) -> None:
        """Write the batched event rows and projection updates (before commit)."""
        if self._pending_events:
            insert_many(self.conn, events, self._pending_events)
            self._pending_events = []
        if self._pending_tickets:
            self.conn.execute(_UPDATE_TICKET, list(self._pending_tickets.values()))
            self._pending_tickets = {}

    def preload(self, refs: Sequence[str]) -> None:
        """Read the histories of several tickets in one query (not locking them)."""
        wanted = [r for r in dict.fromkeys(refs) if r not in self._cache]
        if not wanted:
            return
        rows = self.conn.execute(
            select(
                tickets.c.id,
                tickets.c.ref,
                events.c.seq,
                events.c.type,
                events.c.at,
                events.c.by,
                events.c.data,
            )
            .join(events, events.c.ticket_id == tickets.c.id)
            .where(tickets.c.ref.in_(wanted))
            .order_by(tickets.c.id, events.c.seq)
        )
        grouped: dict[str, tuple[int, list[Event]]] = {}
        for r in rows:
            grouped.setdefault(r.ref, (r.id, []))[1].append(_event_from_row(r).event)
        for ref, (ticket_id, history) in grouped.items():
            self._cache[ref] = (ticket_id, fold(ref, history))
            self._events[ref] = history

    def escalate_breaches(
        self, breaches: Sequence[tuple[int, str, BreachEscalated]], *, by: str, now: datetime
    ) -> None:
        """Append ``breach_escalated`` events to locked tickets without folding them.

        ``breaches`` are (ticket id, ref, payload), in the order they are to happen.
        The projection change is what ``apply`` makes of such an event, done by one
        set-based UPDATE (on PostgreSQL in the same statement as the events' INSERT):
        ``escalation_level`` and ``version`` go up by one per event,
        and ``updated_at`` becomes the event's instant, ``max(now, updated_at)`` (as
        ``record_in`` keeps history in order when the clock stepped back). The event is
        ledger-neutral, so no ledger moves. The caller holds the tickets' locks, leaves
        out closed tickets (which refuse the event; one passed anyway is skipped), and
        loads none of them in this transaction (their cached state would go stale);
        those take ``append``. On PostgreSQL nothing is read back, so the statement can
        go in a ``pipelined`` block. ``tests/integration/test_escalate_breaches.py``
        checks the stored rows equal the fold on both backends.
        """
        per_ticket: dict[int, list[BreachEscalated]] = {}
        for ticket_id, ref, payload in breaches:
            if ref in self._cache:
                raise ValueError(f"{ref} is loaded in this transaction: append to it instead")
            per_ticket.setdefault(ticket_id, []).append(payload)
        if self._postgres:
            self._escalate_breaches_pg(per_ticket, by=by, now=now)
            return
        by_count: dict[int, list[int]] = {}
        for ticket_id, payloads in per_ticket.items():
            by_count.setdefault(len(payloads), []).append(ticket_id)
        rows: list[dict[str, Any]] = []
        for n, ids in sorted(by_count.items()):
            for chunk in chunks(ids):
                for r in self.conn.execute(_ESCALATE_SQLITE, {"ids": chunk, "n": n, "now": now}):
                    first = r.version - n + 1  # the seq of the first new event
                    for k, payload in enumerate(per_ticket[r.id]):
                        event = Event(at=r.updated_at, by=by, payload=payload)
                        rows.append(_event_row(r.id, first + k, event, now))
        insert_many(self.conn, events, rows)

    def _escalate_breaches_pg(
        self, per_ticket: Mapping[int, Sequence[BreachEscalated]], *, by: str, now: datetime
    ) -> None:
        # One statement: the UPDATE's new versions and instants feed the events' INSERT
        # on the server, so nothing comes back to be read and sent again.
        wanted: list[dict[str, Any]] = []
        for ticket_id, payloads in per_ticket.items():
            for k, payload in enumerate(payloads):
                row = _event_row(ticket_id, 0, Event(at=now, by=by, payload=payload), now)
                wanted.append({**row, "k": k, "n": len(payloads)})
        if wanted:
            params = {"rows": recordset(wanted), "now": now, "by": by}
            self.conn.execute(_ESCALATE_AND_APPEND_PG, params)


class TicketStore:
    """Opens transactions on one engine: writes take the write lock at once."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.gate = write_gate(engine)  #: SQLite writers take turns here
        self._single = SINGLE_READ_SQLITE if engine.dialect.name == "sqlite" else SINGLE_READ_PG

    @contextmanager
    def writing(self) -> Iterator[TicketTx]:
        """A write transaction, committed when the block ends without error."""
        if self.gate is None:
            with self.engine.connect() as conn:
                conn.execution_options(**WRITE)
                with conn.begin():
                    tx = TicketTx(conn)
                    yield tx
                    tx.flush_writes()
            return
        # The connection is checked out before the turn is taken: other processes
        # wait for this one's write, not for its pool.
        with self.engine.connect() as conn, self.gate.hold():
            conn.execution_options(**WRITE)
            with conn.begin():
                tx = TicketTx(conn)
                yield tx
                tx.flush_writes()

    @contextmanager
    def reading(self) -> Iterator[TicketTx]:
        """A read-only transaction (a consistent snapshot)."""
        with self.engine.connect() as conn, conn.begin():
            yield TicketTx(conn)

    def read_ticket(self, ref: str) -> tuple[int, Ticket, list[StoredEvent]]:
        """A ticket's row id, state and every event; ``TicketNotFound`` if unknown.

        One statement, its own snapshot, on the driver itself (``RawRead``): reading a
        ticket is the API's most frequent request.
        """
        rows = _HISTORY_BY_REF_RAW.all(self.engine, {"ref": ref})
        if not rows:
            raise TicketNotFound(ref)
        history = [_stored_event(r["seq"], r["type"], r["at"], r["by"], r["data"]) for r in rows]
        return int(rows[0]["id"]), fold(ref, (s.event for s in history)), history

    @contextmanager
    def single_read(self) -> Iterator[TicketTx]:
        """A connection for exactly one read statement, without BEGIN and COMMIT.

        A single statement is its own consistent snapshot (SQLite in autocommit mode,
        PostgreSQL in AUTOCOMMIT), so this is as consistent as ``reading`` for one
        statement and saves the transaction's statements (round trips on PostgreSQL).
        Use ``reading`` whenever more than one statement must agree.
        """
        with self.engine.connect() as conn:
            conn.execution_options(**self._single)
            yield TicketTx(conn)
