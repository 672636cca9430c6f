"""Checkpoints of the SQLite write-ahead log, off the writers' path.

By default the connection whose commit takes the log past 1,000 pages copies it back
into the database file and syncs it, inside that commit: the writer then holds the
write turn for milliseconds while the other workers wait. A web process instead
turns that off and checkpoints from a thread of its own a few times a second
(``PASSIVE``: it copies what no reader still needs and never blocks a writer).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from typing import Any

from sqlalchemy import Engine, event

#: How often the log is checkpointed while the process runs, in seconds.
INTERVAL_S = 0.25


class WalCheckpointer:
    """A daemon thread that checkpoints one SQLite database's log every ``interval``."""

    def __init__(self, engine: Engine, interval: float = INTERVAL_S) -> None:
        self._engine = engine
        self._path = engine.url.database
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

        def no_autocheckpoint(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
            dbapi_conn.execute("PRAGMA wal_autocheckpoint=0")

        # One listener per checkpointer: two apps on one engine each add and remove their own.
        self._listener = no_autocheckpoint

    def start(self) -> None:
        """Take checkpoints over from the writers' commits."""
        if self._thread is not None or not self._path or self._path == ":memory:":
            return
        event.listen(self._engine, "connect", self._listener)
        self._engine.dispose()  # pooled connections reconnect with it off
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, name="promisedesk-checkpoint", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Checkpoint once more and give the commits their checkpoints back."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        thread.join(timeout=30)
        event.remove(self._engine, "connect", self._listener)
        self._engine.dispose()

    def _run(self) -> None:
        assert self._path is not None
        conn = sqlite3.connect(self._path, timeout=30, isolation_level=None)
        try:
            while not self._stop.wait(self._interval):
                checkpoint(conn)
            checkpoint(conn)
        finally:
            conn.close()


def checkpoint(conn: sqlite3.Connection) -> None:
    """One passive checkpoint; a busy database is simply tried again next time."""
    with contextlib.suppress(sqlite3.OperationalError):
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
