"""``promisedesk serve --workers N``: a socket per worker, supervised, nothing lost."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.integration.server import Server, agent_token, free_port


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_two_workers_answer_in_parallel_and_sigkill_loses_no_answered_ticket(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Intake limits protect a desk from floods; this burst is one on purpose.
    monkeypatch.setenv("PROMISEDESK_INTAKE_LIMIT_PER_CLIENT", "0")
    monkeypatch.setenv("PROMISEDESK_INTAKE_LIMIT_PER_REQUESTER", "0")
    auth = {"Authorization": f"Bearer {agent_token(db_url, tmp_path)}"}
    server = Server(db_url, tmp_path, workers=2)
    server.start()

    def client(n: int) -> list[tuple[str, str]]:
        made = []
        with httpx.Client(base_url=server.url, headers=auth, timeout=20) as c:  # keep-alive
            for i in range(5):
                subject = f"Laptop {n}-{i} will not boot"
                r = c.post("/api/tickets", json={"subject": subject, "requester": "a@x.test"})
                assert r.status_code == 201, r.text
                made.append((r.json()["ref"], subject))
        return made

    try:
        with ThreadPoolExecutor(8) as pool:
            made = [t for batch in pool.map(client, range(8)) for t in batch]
        assert len({ref for ref, _ in made}) == 40
        server.kill9()  # the supervisor: its workers must not serve on alone
        deadline = time.monotonic() + 15
        while not _port_free(server.port) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _port_free(server.port), "workers outlived their killed supervisor"
        server.start()
        with httpx.Client(base_url=server.url, headers=auth, timeout=20) as c:
            for ref, subject in made:
                got = c.get(f"/api/tickets/{ref}")
                assert got.status_code == 200
                assert "server" not in got.headers  # nothing said about the software
                assert got.json()["ticket"]["subject"] == subject
    finally:
        server.stop()


def test_a_port_in_use_is_one_clear_line(db_url: str, tmp_path: Path) -> None:
    port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        run = subprocess.run(
            [
                *(sys.executable, "-m", "promisedesk.cli", "serve", "--port", str(port)),
                *("--workers", "2", "--no-watcher", "--database-url", db_url),
                *("--config", str(tmp_path / "none.toml")),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
        )
    assert run.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in run.stderr
    assert "Traceback" not in run.stderr
