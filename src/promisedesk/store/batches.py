"""Many rows in one statement, without per-row work in the statement layer.

A sweep writes a thousand marks, two thousand notices and a thousand events; building
each row's parameters through SQLAlchemy (a parameter dict, a bind processor per
value) cost more than the database work itself.

* **PostgreSQL**: ``json_to_recordset(CAST(:rows AS json)) AS v(id varchar, ...)``
  makes the rows from one parameter that orjson writes in a millisecond. The form it
  replaced, ``unnest`` over one array per column, had psycopg quote every element in
  Python: half of a 2,000-row outbox insert's time.
* **SQLite**: the driver's own ``executemany`` over plain tuples, with instants in
  exactly the text form the ``UTCDateTime`` columns store
  (``tests/unit/test_batches.py`` checks it against the column type itself).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from typing import Any

import orjson
from sqlalchemy import Connection, String, Table
from sqlalchemy.dialects import postgresql

#: Values in one ``IN (...)`` list at most: SQLite allows 32,766 bound values a
#: statement, and lists this long plan no worse on PostgreSQL.
IN_CHUNK = 500


def chunks(items: Sequence[Any], size: int = IN_CHUNK) -> Iterator[Sequence[Any]]:
    """``items`` in consecutive slices of at most ``size``."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _refuse_naive(rows: Sequence[Mapping[str, Any]]) -> None:
    for row in rows:
        for value in row.values():
            if type(value) is datetime and value.tzinfo is None:
                raise ValueError("naive datetime given to the store; pass an aware instant")


def recordset(rows: Sequence[Mapping[str, Any]]) -> str:
    """The JSON parameter for ``recordset_sql``: keys it does not list are ignored.

    orjson writes aware instants itself, with their offset (``+00:00`` for UTC), which
    is all a ``timestamptz`` cast needs; formatting each in Python took 80% of the time.
    A naive one would be read in the session's zone, so it is refused first.
    """
    _refuse_naive(rows)
    return orjson.dumps(rows).decode()


@contextmanager
def pipelined(conn: Connection) -> Iterator[None]:
    """Send the block's statements without waiting for each one's answer (PostgreSQL).

    The server works through them while Python builds the next one's rows; the block's
    end waits for them all, and raises the first error any of them met. Only for
    statements nobody reads a result or a row count of: in pipeline mode those arrive
    after the block. On SQLite, which runs in this process, statements run as they come.
    """
    if conn.dialect.name != "postgresql":
        yield
        return
    driver: Any = conn.connection.driver_connection
    with driver.pipeline():
        yield


def recordset_sql(param: str, columns: Mapping[str, str]) -> str:
    """``json_to_recordset(...) AS v(...)`` over ``:param``, with each column's type."""
    typed = ", ".join(f'"{name}" {type_}' for name, type_ in columns.items())
    return f"json_to_recordset(CAST(:{param} AS json)) AS v({typed})"


def sqlite_instant(value: datetime | None) -> str | None:
    """An instant as a ``UTCDateTime`` column stores it on SQLite (naive UTC text)."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the store; pass an aware instant")
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:-6]  # without its "+00:00"


def sqlite_many(
    conn: Connection,
    sql: str,
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    instants: Iterable[str],
) -> None:
    """Run ``sql`` (``?`` placeholders in ``columns`` order) once per row, in one call.

    ``instants`` names the columns holding instants; every other value goes as it is.
    """
    timed = frozenset(instants)
    at = [i for i, name in enumerate(columns) if name in timed]
    text: dict[datetime, str | None] = {}  # a batch repeats its ``now``
    params: list[Sequence[Any]] = []
    for row in rows:
        values = [row[name] for name in columns]
        for i in at:
            value = values[i]
            if value is not None:
                found = text.get(value)
                if found is None:
                    found = text[value] = sqlite_instant(value)
                values[i] = found
        params.append(values)
    if not params:
        return
    cursor = _driver_cursor(conn)
    try:
        cursor.executemany(sql, params)
    finally:
        cursor.close()


def sqlite_rows(conn: Connection, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Every row of ``sql`` (``?`` placeholders), read inside ``conn``'s transaction.

    For SQLite statements on a hot path whose columns are plain numbers and text:
    nothing is converted.
    """
    cursor = _driver_cursor(conn)
    try:
        cursor.execute(sql, params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _driver_cursor(conn: Connection) -> Any:
    # On the driver's cursor, inside the transaction ``conn`` holds: exec_driver_sql's
    # own context cost a ticket batch as much as its three inserts took to run.
    return conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]


def insert_many(
    conn: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    unless_taken: str | None = None,
) -> None:
    """Insert ``rows`` (all with the same keys, each a column) into ``table`` at once.

    What SQLAlchemy's ``executemany`` would store, without its per-value bind work:
    on SQLite the driver's own ``executemany``, on PostgreSQL one ``INSERT … SELECT``
    over a recordset (nothing read back, so it may go in a ``pipelined`` block).
    ``unless_taken`` names a unique column: a row whose value there exists already is
    left out (``ON CONFLICT … DO NOTHING``).
    ``tests/integration/test_insert_many.py`` compares it with SQLAlchemy's insert.
    """
    if not rows:
        return
    names = tuple(rows[0])
    if conn.dialect.name == "postgresql":
        sql = _insert_pg(table, names) + _unless(unless_taken)
        conn.exec_driver_sql(sql, (recordset(rows),))
        return
    sql, instants = _insert_sqlite(table, names)
    sqlite_many(conn, sql + _unless(unless_taken), rows, names, instants)


def _unless(column: str | None) -> str:
    return "" if column is None else f' ON CONFLICT ("{column}") DO NOTHING'


_PG = postgresql.dialect()  # type: ignore[no-untyped-call]  # (SQLAlchemy leaves it untyped)


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


@cache
def _insert_sqlite(table: Table, names: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    from promisedesk.store.types import UTCDateTime  # types imports nothing of ours

    marks = ", ".join("?" for _ in names)
    instants = tuple(n for n in names if isinstance(table.c[n].type, UTCDateTime))
    return f"INSERT INTO {table.name} ({_quoted(names)}) VALUES ({marks})", instants


def _pg_type(table: Table, name: str) -> str:
    # Strings as text: the insert into the column checks a length, as a plain one does
    # (a varchar(n) here could cut a long value short instead).
    kind = table.c[name].type
    return "text" if isinstance(kind, String) else str(kind.compile(dialect=_PG))


@cache
def _insert_pg(table: Table, names: tuple[str, ...]) -> str:
    typed = ", ".join(f'"{n}" {_pg_type(table, n)}' for n in names)
    columns = _quoted(names)
    return (
        f"INSERT INTO {table.name} ({columns}) SELECT {columns} "
        f"FROM json_to_recordset(CAST(%s AS json)) AS v({typed})"
    )
