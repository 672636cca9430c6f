"""Run ``promisedesk serve`` as a real process for tests that need one."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from promisedesk.bootstrap import build
from promisedesk.config import Settings
from promisedesk.domain.accounts import Role
from promisedesk.services import accounts


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def agent_token(database_url: str, workdir: Path, handle: str = "ops") -> str:
    """An API token of a new admin on the database (migrated first), for HTTP tests."""
    desk = build(Settings(database_url=database_url, config_path=workdir / "none.toml"))
    try:
        now = desk.clock.now()
        accounts.do_add_user(
            desk.store,
            kind="agent",
            email=f"{handle}@desk.test",
            handle=handle,
            role=Role.admin,
            now=now,
        )
        return accounts.do_create_token(desk.store, handle, "tests", now)[0]
    finally:
        desk.close()


class Server:
    """A ``promisedesk serve`` subprocess on a free loopback port."""

    def __init__(self, database_url: str, workdir: Path, workers: int = 1) -> None:
        self.database_url = database_url
        self.workdir = workdir
        self.workers = workers
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        env = {**os.environ, "PROMISEDESK_DATABASE_URL": self.database_url}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "promisedesk.cli",
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
                "--config",
                str(self.workdir / "none.toml"),
            ],
            cwd=self.workdir,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.proc.stderr.read().decode()}")  # type: ignore[union-attr]
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise TimeoutError("server did not answer /healthz in time")

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.kill()  # SIGKILL: no shutdown handlers, no flushing
        self.proc.wait(timeout=10)
        assert self.proc.stderr is not None
        self.proc.stderr.close()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc and self.proc.stderr and not self.proc.stderr.closed:
            self.proc.stderr.close()
