"""A hot one-statement read on SQLite's own driver, past SQLAlchemy's per-call work.

Checking out a ``Connection``, building its execution context and result cost a
request several times what SQLite takes to answer the token lookup every API call
makes. ``RawRead`` compiles its statement once and runs it on a pooled DBAPI
connection (autocommit on SQLite, so one statement is its own snapshot), converting
the result columns with the same type processors SQLAlchemy would use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, Select

_Compiled = tuple[str, tuple[str, ...], list[tuple[str, Any]]]  # column, its converter


class RawRead:
    """One SELECT, compiled for SQLite once, answered as a mapping (or ``None``)."""

    def __init__(self, stmt: Select[Any]) -> None:
        self._stmt = stmt
        self._compiled: _Compiled | None = None  # the same for every SQLite engine

    def _compile(self, engine: Engine) -> _Compiled:
        dialect = engine.dialect
        compiled = self._stmt.compile(dialect=dialect)
        names = tuple(compiled.positiontup or ())
        columns = [
            (str(c.key), c.type.result_processor(dialect, None))
            for c in self._stmt.selected_columns
        ]
        return (str(compiled), names, columns)

    def first(self, engine: Engine, params: Mapping[str, Any]) -> dict[str, Any] | None:
        """The first row for ``params``, its columns by name, or ``None``."""
        if engine.dialect.name != "sqlite":
            raise ValueError("RawRead runs on SQLite only; use the statement itself elsewhere")
        if self._compiled is None:
            self._compiled = self._compile(engine)
        sql, names, columns = self._compiled
        conn = engine.raw_connection()
        try:
            cursor = conn.cursor()
            try:
                cursor.execute(sql, [params[n] for n in names])
                row = cursor.fetchone()
            finally:
                cursor.close()
        finally:
            conn.close()
        if row is None:
            return None
        return {
            key: (value if convert is None or value is None else convert(value))
            for (key, convert), value in zip(columns, row, strict=True)
        }
