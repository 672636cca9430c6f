"""The batch writers store exactly what a Core statement through the column type would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import create_engine
from sqlalchemy.dialects import sqlite

from promisedesk.store.batches import recordset, sqlite_instant, sqlite_many
from promisedesk.store.tables import commitments

DIALECT = sqlite.dialect()
STORED = commitments.c.due_at.type.dialect_impl(DIALECT).bind_processor(DIALECT)
NAIVE = datetime(2026, 1, 7, 12, 0).replace(tzinfo=None)  # noqa: DTZ001 (the point)
FIRST, LAST = datetime(1, 1, 2).replace(tzinfo=None), datetime(9999, 12, 30).replace(tzinfo=None)  # noqa: DTZ001
ZONES = st.sampled_from(
    [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8))]
)


@given(st.datetimes(min_value=FIRST, max_value=LAST, timezones=ZONES))
def test_sqlite_instants_are_the_column_types_own_text(at: datetime) -> None:
    assert STORED is not None
    assert sqlite_instant(at) == STORED(at)


def test_none_stays_none_and_naive_instants_are_refused() -> None:
    assert sqlite_instant(None) is None
    with pytest.raises(ValueError, match="naive"):
        sqlite_instant(NAIVE)
    with pytest.raises(ValueError, match="naive"):
        recordset([{"n": 1, "at": None}, {"n": 2, "at": NAIVE}])


def test_recordset_instants_carry_their_offset() -> None:
    at = datetime(2026, 1, 7, 12, 0, 0, 5, tzinfo=UTC)
    assert recordset([{"at": at, "n": 1}]) == '[{"at":"2026-01-07T12:00:00.000005+00:00","n":1}]'


@given(st.datetimes(min_value=FIRST, max_value=LAST, timezones=ZONES))
def test_recordset_text_is_the_same_instant(at: datetime) -> None:
    # What a timestamptz cast reads back: the same instant, whatever the zone.
    (row,) = orjson.loads(recordset([{"at": at}]))
    assert datetime.fromisoformat(row["at"]) == at


def test_sqlite_many_writes_each_rows_own_instants() -> None:
    engine = create_engine("sqlite://")
    hour = timezone(timedelta(hours=1))
    same = datetime(2026, 1, 7, 12, 0, tzinfo=UTC)
    rows = [
        {"n": 1, "at": same},
        {"n": 2, "at": same.astimezone(hour)},  # equal instant, other zone
        {"n": 3, "at": datetime(2026, 1, 7, 12, 0, 0, 1, tzinfo=hour)},
        {"n": 4, "at": None},
    ]
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (n INTEGER, at TEXT)")
        sqlite_many(conn, "INSERT INTO t (n, at) VALUES (?, ?)", rows, ["n", "at"], ["at"])
        stored = conn.exec_driver_sql("SELECT n, at FROM t ORDER BY n").all()
    assert STORED is not None
    assert stored == [(r["n"], None if r["at"] is None else STORED(r["at"])) for r in rows]
