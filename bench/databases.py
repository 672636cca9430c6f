"""Fresh databases for each measurement: a new SQLite file, or a new PostgreSQL database.

PostgreSQL is reached with ``psql`` as the server's admin user (trust auth on
127.0.0.1); the bench database is dropped and re-created for every measurement and
dropped at the end.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url


@dataclass(frozen=True)
class Postgres:
    """An admin URL (``postgresql://postgres@127.0.0.1:5432/test``) to create databases from."""

    admin_url: str

    def _psql(self, sql: str, database: str | None = None) -> str:
        u = make_url(self.admin_url)
        if u.host not in ("127.0.0.1", "localhost", None):
            raise ValueError(f"PostgreSQL must be on loopback, not {u.host!r}")
        cmd = ["psql", "-h", u.host or "127.0.0.1", "-p", str(u.port or 5432)]
        cmd += ["-U", u.username or "postgres", "-d", database or u.database or "postgres"]
        cmd += ["-v", "ON_ERROR_STOP=1", "-qtA", "-c", sql]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
        if p.returncode != 0:
            raise RuntimeError(f"psql failed ({sql!r}): {p.stderr.strip()}")
        return p.stdout.strip()

    def fresh(self, name: str) -> str:
        """Drop and create database ``name``; its URL."""
        self.drop(name)
        self._psql(f'CREATE DATABASE "{name}"')
        u = make_url(self.admin_url).set(database=name)
        return u.render_as_string(hide_password=False)

    def drop(self, name: str) -> None:
        """Drop database ``name`` if it exists (closing leftover sessions first)."""
        self._psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def scalar(self, name: str, sql: str) -> str:
        """One value from a query in database ``name``."""
        return self._psql(sql, database=name)

    def version(self) -> str:
        """The server's version string."""
        return self._psql("SHOW server_version")


def fresh_sqlite(folder: Path) -> str:
    """An empty folder with room for one SQLite file; its URL."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return f"sqlite:///{folder / 'promisedesk.db'}"


def sqlite_scalar(url: str, sql: str) -> str:
    """One value from a query against the SQLite file behind ``url``."""
    path = make_url(url).database
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return str(conn.execute(sql).fetchone()[0])
