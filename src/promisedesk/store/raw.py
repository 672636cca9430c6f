"""Hot one-statement reads on the database driver itself, past SQLAlchemy's per-call work.

Checking out a ``Connection``, building its execution context and result cost a
request more than the database takes to answer the reads every API call makes (the
token lookup, a ticket's history). ``RawRead`` compiles its statement once per dialect
and runs it as its own snapshot on a DBAPI connection. On SQLite that is a read-only
connection of the calling thread's own, off the pool (checking a pooled one out and
back in took as long as the token lookup itself); the driver opens no transaction
for a SELECT there. On PostgreSQL a pooled connection is put in autocommit for the
one statement (no BEGIN and ROLLBACK round trips) and back before it returns to the
pool. Result columns go through the same type processors SQLAlchemy would use.
Parameters go to the driver as they are, so they must be plain strings and numbers.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Select, event

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
        readers = sqlite_readers(engine) if name == "sqlite" else None
        if readers is not None:
            rows = _fetched(readers.connection().cursor(), sql, args, one)
        else:
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


class SqliteReaders:
    """One read-only SQLite connection per thread for ``RawRead``, closed with the engine.

    Each runs in autocommit: every statement reads the last commit and holds no
    snapshot afterwards, so checkpoints are never held back by one. A forked child
    opens its own: a SQLite connection must not cross a fork.
    """

    def __init__(self, path: str) -> None:
        self._path = path
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: list[tuple[int, sqlite3.Connection]] = []  # (process, connection)
        self._generation = 0  # a thread's connection from before ``close`` is not used

    def connection(self) -> sqlite3.Connection:
        """The calling thread's connection, opened on first use."""
        key = (self._generation, _FORKS[0])
        mine: tuple[tuple[int, int], sqlite3.Connection] | None = getattr(self._local, "conn", None)
        if mine is not None and mine[0] == key:
            return mine[1]
        # Only its own thread uses it; ``close`` may run on another one.
        conn = sqlite3.connect(
            Path(self._path).absolute().as_uri() + "?mode=ro",
            uri=True,
            timeout=30,
            isolation_level=None,
            check_same_thread=False,
        )
        with self._lock:
            self._open.append((_FORKS[0], conn))
            self._local.conn = (key, conn)
        return conn

    def close(self) -> None:
        """Close every thread's connection (threads open new ones if they read again)."""
        with self._lock:
            self._generation += 1
            for process, conn in self._open:
                if process == _FORKS[0]:  # a parent's are the parent's to close
                    conn.close()
            self._open.clear()


#: Forks this process is from; bumped in a forked child, whose connections are new.
_FORKS = [0]


def _forked() -> None:
    _FORKS[0] += 1


os.register_at_fork(after_in_child=_forked)

_SQLITE_READERS: weakref.WeakKeyDictionary[Engine, SqliteReaders | None] = (
    weakref.WeakKeyDictionary()
)


def sqlite_readers(engine: Engine) -> SqliteReaders | None:
    """The engine's own read connections; ``None`` for a database only the pool can open."""
    if engine in _SQLITE_READERS:
        return _SQLITE_READERS[engine]
    url = engine.url
    path = url.database
    readers = None
    # An in-memory database exists only in its pool's connections; URL options
    # (a URI, a mode) are the pool's to interpret.
    if path and path != ":memory:" and not url.query:
        readers = SqliteReaders(path)
        event.listen(engine, "engine_disposed", lambda _engine: readers.close())
    _SQLITE_READERS[engine] = readers
    return readers
