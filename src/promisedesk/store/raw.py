"""Hot one-statement reads on the database driver itself, past SQLAlchemy's per-call work.

Checking out a ``Connection``, building its execution context and result cost a
request more than the database takes to answer the reads every API call makes (the
token lookup, a ticket's history). ``RawRead`` compiles its statement once per dialect
and runs it on a pooled DBAPI connection as its own snapshot: SQLite's driver does not
open a transaction for a SELECT, and on PostgreSQL the connection is put in autocommit
for the one statement (no BEGIN and ROLLBACK round trips) and back before it returns
to the pool. Result columns go through the same type processors SQLAlchemy would use.
Parameters go to the driver as they are, so they must be plain strings and numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Engine, Select

# The SQL, how to pass parameters (names in order for SQLite's "?"; None: by name),
# the values bound in the statement itself, and each result column's key with its
# converter.
_Compiled = tuple[str, tuple[str, ...] | None, dict[str, Any], list[tuple[str, Any]]]


class RawRead:
    """One SELECT, compiled once per dialect, answered as mappings."""

    def __init__(self, stmt: Select[Any]) -> None:
        self._stmt = stmt
        self._compiled: dict[str, _Compiled] = {}  # dialect name -> its compiled form

    def _compile(self, engine: Engine) -> _Compiled:
        dialect = engine.dialect
        compiled = self._stmt.compile(dialect=dialect)
        names = tuple(compiled.positiontup or ()) if dialect.name == "sqlite" else None
        columns = [
            (str(c.key), c.type.result_processor(dialect, None))
            for c in self._stmt.selected_columns
        ]
        return (str(compiled), names, dict(compiled.params), columns)

    def first(self, engine: Engine, params: Mapping[str, Any]) -> dict[str, Any] | None:
        """The first row for ``params``, its columns by name, or ``None``."""
        rows = self._run(engine, params, one=True)
        return rows[0] if rows else None

    def all(self, engine: Engine, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Every row for ``params``, each its columns by name."""
        return self._run(engine, params, one=False)

    def _run(self, engine: Engine, params: Mapping[str, Any], *, one: bool) -> list[dict[str, Any]]:
        name = engine.dialect.name
        if name not in self._compiled:
            self._compiled[name] = self._compile(engine)
        sql, names, bound, columns = self._compiled[name]
        given = {**bound, **params}
        args: Sequence[Any] | Mapping[str, Any] = (
            [given[n] for n in names] if names is not None else given
        )
        conn = engine.raw_connection()
        try:
            if name == "postgresql":
                rows = _autocommitted(conn.driver_connection, sql, args, one)
            else:
                rows = _fetched(conn.cursor(), sql, args, one)
        finally:
            conn.close()
        return [
            {
                key: (value if convert is None or value is None else convert(value))
                for (key, convert), value in zip(columns, row, strict=True)
            }
            for row in rows
        ]


def _fetched(cursor: Any, sql: str, args: Any, one: bool) -> list[Any]:
    try:
        cursor.execute(sql, args)
        if one:
            row = cursor.fetchone()
            return [] if row is None else [row]
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _autocommitted(driver: Any, sql: str, args: Any, one: bool) -> list[Any]:
    # A pooled connection is idle (the pool rolled it back on return), so autocommit
    # may be switched on; it is switched off again before SQLAlchemy sees it.
    driver.autocommit = True
    try:
        return _fetched(driver.cursor(), sql, args, one)
    finally:
        driver.autocommit = False
