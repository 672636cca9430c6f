"""Group commit: tickets opened together are stored exactly as if opened one by one.

``do_open_many`` works out each ticket's event and ledger before the write lock and
writes a whole batch in one transaction; these tests hold it to the one-by-one path
(``do_open``) column by column, on each backend, and check that a ticket that fails
inside a batch costs the others nothing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from promisedesk.bootstrap import Desk
from promisedesk.domain.events import Event
from promisedesk.domain.tickets import open_ticket
from promisedesk.services import commands as c
from promisedesk.services.tickets import (
    Intake,
    do_open,
    do_open_many,
    do_open_prepared,
    opened_event,
    prepare_open,
)
from promisedesk.store.tables import commitments, events, tickets
from tests.conftest import START

AGENT = "agent:alex"


def _cmd(n: int, **extra: Any) -> c.OpenTicket:
    fields = {
        "subject": f"VPN drops every hour ({n})",
        "description": "Since this morning the VPN disconnects about once an hour.",
        "requester": f"user{n}@example.invalid",
        "impact": ["low", "medium", "high", "critical"][n % 4],
        "urgency": ["critical", "high", "medium", "low"][n % 4],
        **extra,
    }
    return c.OpenTicket.model_validate(fields)


def _rows(desk: Desk, ref: str) -> dict[str, Any]:
    """Everything stored for one ticket, with its own id and ref taken out."""
    with desk.store.engine.connect() as conn:
        t = conn.execute(select(tickets).where(tickets.c.ref == ref)).one()._asdict()
        evs = [
            {k: v for k, v in r._asdict().items() if k not in ("id", "ticket_id")}
            for r in conn.execute(
                select(events).where(events.c.ticket_id == t["id"]).order_by(events.c.seq)
            )
        ]
        ledger = [
            {
                **{k: v for k, v in r._asdict().items() if k not in ("ticket_id", "ticket_ref")},
                "id": r.id.removeprefix(ref),
            }
            for r in conn.execute(
                select(commitments)
                .where(commitments.c.ticket_id == t["id"])
                .order_by(commitments.c.seq)
            )
        ]
    return {
        "ticket": {k: v for k, v in t.items() if k not in ("id", "ref")},
        "events": evs,
        "ledger": ledger,
    }


def test_a_batch_stores_what_opening_one_by_one_stores(desk: Desk) -> None:
    intakes = [
        Intake(_cmd(n, channel="email"), AGENT, START + timedelta(seconds=n)) for n in range(6)
    ]
    alone = [do_open(desk.store, desk.policy, i.cmd, by=i.by, now=i.now) for i in intakes]
    together = do_open_many(desk.store, desk.policy, intakes)
    assert [t.ref for t in alone] == [f"PD-{n}" for n in range(1, 7)]
    assert [getattr(t, "ref", t) for t in together] == [f"PD-{n}" for n in range(7, 13)]
    for a, b in zip(alone, together, strict=True):
        assert isinstance(b, type(a))
        assert replace(b, ref=a.ref) == a
        assert _rows(desk, b.ref) == _rows(desk, a.ref)
        assert len(_rows(desk, b.ref)["ledger"]) >= 3  # acknowledge, first response, resolve


def test_refs_an_imported_log_took_are_stepped_around_as_one_by_one(desk: Desk) -> None:
    # A replayed log used PD-2 for its own ticket; new tickets must not collide with it.
    opened = opened_event(desk.policy, _cmd(0), by=AGENT, at=START)
    with desk.store.writing() as tx:
        tx.create(open_ticket("PD-2", opened), opened, ref="PD-2", now=START)
    made = do_open_many(desk.store, desk.policy, [Intake(_cmd(n), AGENT, START) for n in (1, 2)])
    single = do_open(desk.store, desk.policy, _cmd(3), by=AGENT, now=START)
    assert [getattr(t, "ref", t) for t in made] == ["PD-2-1", "PD-3"]
    assert single.ref == "PD-4"


def test_a_ticket_that_fails_in_a_batch_costs_the_others_nothing(desk: Desk) -> None:
    good = [prepare_open(desk.policy, Intake(_cmd(n), AGENT, START)) for n in range(3)]
    # A recorded-at instant without a zone: the store refuses it, inside the batch.
    bad = replace(good[1], intake=replace(good[1].intake, now=START.replace(tzinfo=None)))
    results = do_open_prepared(desk.store, [good[0], bad, good[2]])
    assert isinstance(results[1], Exception)
    refs = [getattr(r, "ref", None) for r in (results[0], results[2])]
    if desk.store.engine.dialect.name == "sqlite":
        assert refs == ["PD-1", "PD-2"]
    # (a PostgreSQL sequence does not give back the numbers of a rolled-back batch)
    with desk.store.reading() as tx:
        assert tx.count() == 2
        for ref in refs:
            assert ref is not None
            _, history = tx.events_of(ref)
            assert [type(e) for e in history] == [Event]
