"""PostgreSQL connections that sat idle are pinged, and replaced if the server dropped them."""

from __future__ import annotations

from datetime import UTC

import pytest
from sqlalchemy import create_engine, event, text

from promisedesk.store import engine as engines
from tests.conftest import PG_URL, reset_postgres


@pytest.mark.skipif(PG_URL is None, reason="needs PostgreSQL")
def test_an_idle_connection_the_server_dropped_is_replaced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert PG_URL is not None
    reset_postgres(PG_URL)
    engine = engines.make_engine(PG_URL)
    try:
        with engine.connect() as conn:
            first = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        # The server ends that backend while it waits in the pool (a restart, a
        # proxy's idle timeout) ...
        outsider = create_engine(engines.normalise_url(PG_URL))
        with outsider.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
            other.commit()
        outsider.dispose()
        # ... and the connection counts as idle long enough to be pinged.
        monkeypatch.setattr(engines, "IDLE_PING_S", 0.0)
        for _ in range(3):  # whichever pooled connection comes out, each works
            with engine.connect() as conn:
                assert conn.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        engine.dispose()


@pytest.mark.skipif(PG_URL is None, reason="needs PostgreSQL")
def test_a_busy_connection_is_not_pinged(monkeypatch: pytest.MonkeyPatch) -> None:
    assert PG_URL is not None
    engine = engines.make_engine(PG_URL)
    statements: list[str] = []
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        event.listen(
            engine, "before_cursor_execute", lambda *a: statements.append(a[2]), named=False
        )
        with engine.connect() as conn:  # checked in a moment ago: no ping
            conn.execute(text("SELECT 2"))
        assert statements == ["SELECT 2"]
    finally:
        engine.dispose()


@pytest.mark.skipif(PG_URL is None, reason="needs PostgreSQL")
def test_sessions_are_in_utc_and_keep_the_urls_own_options() -> None:
    assert PG_URL is not None
    sep = "&" if "?" in PG_URL else "?"
    engine = engines.make_engine(f"{PG_URL}{sep}options=-c%20application_name%3Dpd-test")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SHOW TimeZone")).scalar_one() == "UTC"
            assert conn.execute(text("SHOW application_name")).scalar_one() == "pd-test"
            # psycopg's own UTC, which the column type hands on without converting.
            at = conn.execute(text("SELECT now()")).scalar_one()
            assert at.tzinfo is UTC
    finally:
        engine.dispose()
