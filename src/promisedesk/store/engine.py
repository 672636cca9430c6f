"""Engines for the two supported databases, set up the way the store relies on.

SQLite: WAL, foreign keys on, a busy timeout, and ``BEGIN IMMEDIATE`` for write
transactions so that two writers queue instead of failing half-way. Reads begin a
plain deferred transaction so they never wait for the write lock.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import QueuePool

WRITE = {"promisedesk_write": True}
#: A connection that runs one read statement outside an explicit transaction: one
#: statement sees one consistent snapshot on its own, so BEGIN and COMMIT (and on
#: PostgreSQL their round trips) would buy nothing.
SINGLE_READ_SQLITE = {"promisedesk_single_read": True}
SINGLE_READ_PG = {"isolation_level": "AUTOCOMMIT"}


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use psycopg 3 for them."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def make_engine(url: str, *, sqlite_synchronous: str = "NORMAL", echo: bool = False) -> Engine:
    """An engine for ``url``; SQLite files get their parent folder created."""
    url = normalise_url(url)
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        return _sqlite_engine(url, sqlite_synchronous, echo)
    return _postgres_engine(url, echo)


#: A pooled PostgreSQL connection idle longer than this is pinged before it is used.
IDLE_PING_S = 10.0


def _postgres_engine(url: str, echo: bool) -> Engine:
    # Sessions in UTC: instants come back in psycopg's own ``timezone.utc``, which
    # ``UTCDateTime`` then passes through instead of converting each one.
    given = make_url(url).query.get("options")  # a URL's own options are kept
    options = " ".join([*([given] if isinstance(given, str) else given or []), "-c TimeZone=UTC"])
    engine = create_engine(
        url, echo=echo, pool_size=10, max_overflow=10, connect_args={"options": options}
    )

    # SQLAlchemy's pool_pre_ping would cost every checkout a round trip: one per
    # request for the token alone. A connection in steady use is known to be alive;
    # one that sat idle (the database may have restarted meanwhile) is pinged, and
    # replaced if the ping fails. A restart under load fails the requests in flight
    # once; the pool then reconnects.
    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn: Any, record: Any) -> None:
        record.info["promisedesk_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("promisedesk_idle_since")
        if since is None or time.monotonic() - since < IDLE_PING_S:
            return
        try:
            cur = dbapi_conn.cursor()
            try:
                cur.execute("SELECT 1")
            finally:
                cur.close()
            dbapi_conn.rollback()
        except Exception as e:  # any failure: this connection is not to be trusted
            raise DisconnectionError(f"an idle connection failed its ping: {e}") from e

    return engine


def _sqlite_engine(url: str, synchronous: str, echo: bool) -> Engine:
    u = make_url(url)
    if u.database and u.database != ":memory:":
        Path(u.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        echo=echo,
        poolclass=QueuePool,
        pool_size=8,
        max_overflow=8,
        connect_args={"timeout": 30, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        # Take transaction control away from the driver so BEGIN is ours to issue.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        options = conn.get_execution_options()
        if options.get("promisedesk_single_read"):
            return
        # On the driver itself: SQLAlchemy's statement machinery cost a ticket batch
        # more than BEGIN takes to run.
        driver: sqlite3.Connection = conn.connection.dbapi_connection
        driver.execute("BEGIN IMMEDIATE" if options.get("promisedesk_write") else "BEGIN")

    return engine


class WriteGate:
    """Queues SQLite writers before ``BEGIN IMMEDIATE``.

    SQLite's busy handler sleeps in growing steps and does not wake when the lock
    frees, so writers that collide wait far longer than the write takes. Writers of
    one process queue on a lock; processes sharing the file queue on ``flock`` of a
    lock file beside it, which wakes the next writer the moment the lock is released.
    PostgreSQL needs no gate (row locks order its writers).

    The turn may be taken ahead of the write (``acquire``, possibly on another thread
    than the one that writes, which is then named ``owner``): ``hold`` on the owner's
    thread then writes within that turn instead of waiting for itself.
    """

    def __init__(self, database: str | None) -> None:
        self._lock = threading.Lock()
        self._path = f"{database}-writelock" if database and database != ":memory:" else None
        self._fd: int | None = None
        self._pid = 0
        self._owner: int | None = None

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Hold the write turn for the duration of the block."""
        if self._owner == threading.get_ident():
            yield  # the turn is this thread's already
            return
        self.acquire()
        try:
            yield
        finally:
            self.release()

    def acquire(self, *, blocking: bool = True, owner: int | None = None) -> bool:
        """Take the turn for thread ``owner`` (default: this one); ``False`` if busy."""
        if not self._lock.acquire(blocking=blocking):
            return False
        fd = self._file()
        if fd is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX if blocking else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self._lock.release()
                return False
            except BaseException:
                self._lock.release()
                raise
        self._owner = threading.get_ident() if owner is None else owner
        return True

    def release(self) -> None:
        """Give the turn back (from any thread)."""
        self._owner = None
        if self._fd is not None and self._pid == os.getpid():
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._lock.release()

    def _file(self) -> int | None:
        if self._path is None:
            return None
        if self._fd is None or self._pid != os.getpid():
            # A forked worker needs its own open file: flock is per open file.
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd


def write_gate(engine: Engine) -> WriteGate | None:
    """The gate for a SQLite engine; None for other databases."""
    if engine.dialect.name != "sqlite":
        return None
    return WriteGate(engine.url.database)
