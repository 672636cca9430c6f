"""Reads on the driver itself answer what SQLAlchemy would, and leave the pool as found.

On SQLite they run on read-only connections of each thread's own, off the pool.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import warnings
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Integer, column, insert, select, table

from promisedesk.bootstrap import Desk
from promisedesk.domain.errors import TicketNotFound
from promisedesk.services import commands as c
from promisedesk.services.tickets import do_open, do_record
from promisedesk.store.engine import make_engine
from promisedesk.store.raw import RawRead, SqliteReaders, sqlite_readers
from promisedesk.store.tables import events, tickets
from tests.conftest import START

HISTORY = (
    select(tickets.c.id, tickets.c.ref, events.c.seq, events.c.at, events.c.data)
    .join(events, events.c.ticket_id == tickets.c.id)
    .order_by(events.c.seq)
)


def _ticket(desk: Desk) -> str:
    cmd = c.OpenTicket(subject="VPN drops", requester="ann@example.com")
    ref = do_open(desk.store, desk.policy, cmd, by="customer:ann", now=START).ref
    later = START + timedelta(minutes=5)
    do_record(
        desk.store, desk.policy, ref, c.InternalNote(body="looking"), by="agent:bo", now=later
    )
    return ref


def test_rows_and_their_types_are_sqlalchemys(desk: Desk) -> None:
    ref = _ticket(desk)
    with desk.engine.connect() as conn:
        want = [dict(r._mapping) for r in conn.execute(HISTORY)]
    got = RawRead(HISTORY).all(desk.engine, {})
    assert got == want and len(got) == 2
    assert all(r["at"].utcoffset() == timedelta(0) for r in got)
    assert RawRead(HISTORY).first(desk.engine, {}) == want[0]
    by_ref = RawRead(HISTORY.where(tickets.c.ref == ref.lower()))  # no such ticket
    assert by_ref.all(desk.engine, {}) == [] and by_ref.first(desk.engine, {}) is None


def test_read_ticket_is_the_transactional_read(desk: Desk) -> None:
    ref = _ticket(desk)
    with desk.store.reading() as tx:
        want = tx.load_with_history(ref)
    assert desk.store.read_ticket(ref) == want
    with pytest.raises(TicketNotFound):
        desk.store.read_ticket("PD-404")


def test_the_connection_goes_back_to_transactions(desk: Desk) -> None:
    # Every pooled connection has served a raw read; each still rolls back.
    ref = _ticket(desk)
    held = [desk.engine.connect() for _ in range(3)]
    for conn in held:
        conn.close()
    for _ in range(6):
        desk.store.read_ticket(ref)
    for _ in range(3):
        with desk.engine.connect() as conn:
            with conn.begin() as tx:
                conn.execute(insert(events).values(
                    ticket_id=1, seq=99, type="internal_note", at=START, by="x",
                    data='{"body": "rolled back"}', recorded_at=START,
                ))  # fmt: skip
                tx.rollback()
            assert conn.execute(select(events.c.id).where(events.c.seq == 99)).first() is None


def _sqlite_only(desk: Desk) -> None:
    if desk.engine.dialect.name != "sqlite":
        pytest.skip("the per-thread read connections are SQLite's")


def _readers_and_ticket(desk: Desk) -> tuple[SqliteReaders, str]:
    _sqlite_only(desk)
    ref = _ticket(desk)
    readers = sqlite_readers(desk.engine)
    assert readers is not None
    return readers, ref


def test_a_read_sees_the_last_commit_and_holds_no_snapshot(desk: Desk) -> None:
    _sqlite_only(desk)
    first = _ticket(desk)
    assert desk.store.read_ticket(first)[1].ref == first  # the reader is open now
    second = _ticket(desk)  # committed through the pool after that read
    assert desk.store.read_ticket(second)[1].ref == second
    # No read transaction is left open: a full checkpoint can reset the log.
    with desk.engine.connect() as conn:
        busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()[0]
    assert busy == 0


def test_each_thread_reads_on_its_own_read_only_connection(desk: Desk) -> None:
    readers, ref = _readers_and_ticket(desk)
    seen: list[sqlite3.Connection] = []

    def read() -> None:
        assert desk.store.read_ticket(ref)[1].ref == ref
        seen.append(readers.connection())

    for _ in range(2):
        worker = threading.Thread(target=read)
        worker.start()
        worker.join()
    read()
    read()
    assert len({id(c) for c in seen}) == 3 and seen[2] is seen[3]
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        seen[3].execute("DELETE FROM events")


def test_disposing_the_engine_closes_them_and_reads_go_on(desk: Desk) -> None:
    readers, ref = _readers_and_ticket(desk)
    before = readers.connection()
    desk.engine.dispose()
    with pytest.raises(sqlite3.ProgrammingError):
        before.execute("SELECT 1")  # closed
    assert desk.store.read_ticket(ref)[1].ref == ref
    assert readers.connection() is not before


def test_an_in_memory_database_is_read_through_the_pool() -> None:
    engine = make_engine("sqlite://")
    try:
        assert sqlite_readers(engine) is None
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
            conn.exec_driver_sql("INSERT INTO t VALUES (7)")
        t = table("t", column("x", Integer))
        assert RawRead(select(t.c.x)).all(engine, {}) == [{"x": 7}]
    finally:
        engine.dispose()


def test_a_forked_child_reads_on_a_connection_of_its_own(desk: Desk) -> None:
    readers, ref = _readers_and_ticket(desk)
    parents = readers.connection()
    ctx = multiprocessing.get_context("fork")
    answer = ctx.Queue()
    child = ctx.Process(target=_read_in_child, args=(desk, ref, id(parents), answer))
    with warnings.catch_warnings():
        # Python 3.12+ warns that forking a threaded process may deadlock; this child
        # only reads and exits.
        warnings.simplefilter("ignore", DeprecationWarning)
        child.start()
    child.join(timeout=60)
    assert child.exitcode == 0
    assert answer.get(timeout=5) == (ref, True)
    assert readers.connection() is parents  # the parent's own is untouched


def _read_in_child(desk: Desk, ref: str, parents: int, answer: Any) -> None:
    readers = sqlite_readers(desk.engine)
    assert readers is not None
    got = desk.store.read_ticket(ref)[1].ref
    answer.put((got, id(readers.connection()) != parents))
