"""Shared fixtures: a database per test on SQLite, and on PostgreSQL when reachable.

Set ``PROMISEDESK_TEST_DATABASE_URL`` (for example
``postgresql://postgres@127.0.0.1:5432/test``) to run the database tests against
PostgreSQL as well; ``.ci/run`` does. The PostgreSQL database is wiped per test.
"""

from __future__ import annotations

import atexit
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from promisedesk.bootstrap import Desk, build
from promisedesk.clock import FakeClock
from promisedesk.config import Settings
from promisedesk.store.engine import normalise_url

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _session_database(url: str | None) -> str | None:
    """A database of this test run's own, created next to the one configured.

    Other runs (a developer's, a benchmark) may use the configured database at the
    same time; a database per run keeps their schema resets from colliding.
    """
    if not url:
        return None
    base = make_url(normalise_url(url))
    name = f"promisedesk_test_{os.getpid()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()

    def drop() -> None:
        engine = create_engine(base, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()

    atexit.register(drop)
    return base.set(database=name).render_as_string(hide_password=False)


PG_URL = _session_database(os.environ.get("PROMISEDESK_TEST_DATABASE_URL"))

BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def reset_postgres(url: str) -> None:
    """Drop everything in the test database's public schema."""
    engine = create_engine(normalise_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def fresh_url(backend: str, tmp_path: Path, name: str = "pd.db") -> str:
    """A URL to an empty database of the given backend."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / name}"
    assert PG_URL is not None
    reset_postgres(PG_URL)
    return PG_URL


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database URL, once per available backend."""
    return fresh_url(request.param, tmp_path)


@pytest.fixture
def clock() -> FakeClock:
    """A clock the test moves by hand."""
    return FakeClock(START)


@pytest.fixture
def desk(db_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Desk]:
    """A migrated desk on each backend, with the fake clock (64 KiB bodies, 256 KiB files)."""
    d = build(
        Settings(
            database_url=db_url,
            config_path=tmp_path / "none.toml",
            max_body_bytes=65536,
            max_attachment_bytes=262_144,
        ),
        clock=clock,
    )
    yield d
    d.close()
