"""Reads on the driver itself answer what SQLAlchemy would, and leave the pool as found."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from promisedesk.bootstrap import Desk
from promisedesk.domain.errors import TicketNotFound
from promisedesk.services import commands as c
from promisedesk.services.tickets import do_open, do_record
from promisedesk.store.raw import RawRead
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
