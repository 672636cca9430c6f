"""``insert_many`` stores exactly what SQLAlchemy's own insert stores, on each backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import insert, select

from promisedesk.bootstrap import Desk
from promisedesk.store.batches import insert_many, pipelined
from promisedesk.store.tables import commitments, events, outbox, tickets

AT = datetime(2026, 1, 7, 12, 0, 0, 5, tzinfo=UTC)
ZONE = timezone(timedelta(hours=5, minutes=30))


def _tickets(first: int = 1) -> list[dict[str, Any]]:
    return [
        {
            "id": n,
            "ref": f"PD-{n}",
            "subject": "Ünïcode — “quotes” and 'apostrophes' \\ back\nslash",
            "description": "x" * 3000,
            "requester": f"r{n - first}@example.com",
            "channel": "email",
            "status": "new",
            "impact": "high",
            "urgency": "low",
            "priority": "P2",
            "assignee": None if n == first else "bo",
            "team": None,
            "tier": "L1",
            "escalation_level": 0,
            "reopen_count": 0,
            "rating": None,
            "opened_at": AT,
            "updated_at": AT.astimezone(ZONE) + timedelta(microseconds=n - first + 1),
            "acknowledged_at": None,
            "first_response_at": AT + timedelta(days=400),
            "last_public_update_at": None,
            "resolved_at": None,
            "closed_at": None,
            "version": 1,
        }
        for n in (first, first + 1)
    ]


def _events(first: int = 1) -> list[dict[str, Any]]:
    return [
        {
            "ticket_id": n,
            "seq": 1,
            "type": "opened",
            "at": AT,
            "by": "customer:r",
            "data": '{"subject": "a \\"quoted\\" word", "n": 1}',
            "recorded_at": AT.astimezone(ZONE),
        }
        for n in (first, first + 1)
    ]


def _commitments(first: int = 1) -> list[dict[str, Any]]:
    return [
        {
            "id": f"PD-{n}:c1",
            "ticket_id": n,
            "ticket_ref": f"PD-{n}",
            "seq": 1,
            "kind": "acknowledge",
            "source": "policy",
            "made_at": AT,
            "made_by": "policy",
            "due_at": AT + timedelta(minutes=15),
            "reason": "P1: acknowledge within 15m",
            "outcome": "open",
            "settled_at": None,
            "settled_seq": None,
            "warn_at": AT + timedelta(minutes=10),
            "warned_at": None,
            "breach_handled_at": None,
            "sweep_at": AT + timedelta(minutes=10),
        }
        for n in (first, first + 1)
    ]


# Which columns name the row (they differ between the two copies) rather than hold it.
NAMING = {"tickets": {"id", "ref"}, "events": {"id", "ticket_id"}}
NAMING["commitments"] = {"id", "ticket_id", "ticket_ref"}


def _stored(desk: Desk, table: Any, ids: tuple[int, int]) -> list[tuple[Any, ...]]:
    key = table.c.id if table is not events else table.c.ticket_id
    with desk.engine.connect() as conn:
        cols = [c for c in table.c if c.name not in NAMING[table.name]]
        q = select(*cols).where(
            key.in_(ids) if table is not commitments else table.c.ticket_id.in_(ids)
        )
        return [tuple(r) for r in conn.execute(q.order_by(*table.primary_key))]


@pytest.mark.parametrize("pipe", [False, True], ids=["plain", "pipelined"])
def test_the_rows_are_sqlalchemys(desk: Desk, pipe: bool) -> None:
    def batches(first: int) -> list[tuple[Any, list[dict[str, Any]]]]:
        return [
            (tickets, _tickets(first)),
            (events, _events(first)),
            (commitments, _commitments(first)),
        ]

    with desk.engine.begin() as conn:
        for table, rows in batches(1):
            conn.execute(insert(table), rows)
    with desk.engine.begin() as conn, pipelined(conn) if pipe else _nothing():
        for table, rows in batches(3):
            insert_many(conn, table, rows)
    for table, _ in batches(1):
        want, got = _stored(desk, table, (1, 2)), _stored(desk, table, (3, 4))
        assert len(want) == 2 and got == want, table.name


def test_a_value_too_long_is_refused_not_cut(desk: Desk) -> None:
    if desk.engine.dialect.name == "sqlite":
        pytest.skip("SQLite does not hold strings to a length")
    rows = _tickets()[:1]
    rows[0]["ref"] = "PD-" + "9" * 100  # the column holds 64
    with pytest.raises(Exception, match=r"(?i)too long"), desk.engine.begin() as conn:
        insert_many(conn, tickets, rows)
    assert _stored(desk, tickets, (1, 2)) == []


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        return None


def test_a_row_whose_key_is_taken_is_left_out(desk: Desk) -> None:
    def notice(key: str, subject: str) -> dict[str, Any]:
        return {
            "dedupe_key": key,
            "kind": "breach",
            "ticket_ref": "PD-1",
            "commitment_id": "PD-1:c1",
            "recipient": "team:desk",
            "subject": subject,
            "body": "b",
            "created_at": AT,
            "sent_at": None,
        }

    with desk.engine.begin() as conn:
        insert_many(conn, outbox, [notice("a", "first")], unless_taken="dedupe_key")
    with desk.engine.begin() as conn:
        again = [notice("a", "second"), notice("b", "new")]
        insert_many(conn, outbox, again, unless_taken="dedupe_key")
    with desk.engine.connect() as conn:
        stored = conn.execute(select(outbox.c.dedupe_key, outbox.c.subject).order_by(outbox.c.id))
        assert [tuple(r) for r in stored] == [("a", "first"), ("b", "new")]
