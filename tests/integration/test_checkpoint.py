"""The web process checkpoints SQLite's log on a thread, not inside writers' commits."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import text

from promisedesk.bootstrap import build
from promisedesk.config import Settings
from promisedesk.services import commands as c
from promisedesk.services.tickets import Intake, do_open_many
from promisedesk.store.checkpoint import WalCheckpointer
from tests.conftest import START


def test_the_log_reaches_the_database_file_while_commits_only_append(tmp_path: Path) -> None:
    db = tmp_path / "pd.db"
    desk = build(Settings(database_url=f"sqlite:///{db}", config_path=tmp_path / "none.toml"))
    checkpoints = WalCheckpointer(desk.store.engine, interval=0.05)
    checkpoints.start()
    try:
        with desk.store.engine.connect() as conn:
            assert conn.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 0
        size_before = db.stat().st_size
        cmd = c.OpenTicket(subject="Disk full", requester="ann@example.com")
        for _ in range(40):
            do_open_many(desk.store, desk.policy, [Intake(cmd, "agent:ops", START)] * 10)
        deadline = time.monotonic() + 10
        while db.stat().st_size <= size_before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert db.stat().st_size > size_before  # copied in by the checkpointer thread
    finally:
        checkpoints.stop()
    with desk.store.engine.connect() as conn:  # commits checkpoint for themselves again
        assert conn.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 1000
        assert conn.execute(text("SELECT count(*) FROM tickets")).scalar() == 400
    desk.close()
