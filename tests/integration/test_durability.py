"""An answered write survives SIGKILL of the server."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.integration.server import Server, agent_token


def test_ticket_survives_sigkill_right_after_201(db_url: str, tmp_path: Path) -> None:
    auth = {"Authorization": f"Bearer {agent_token(db_url, tmp_path)}"}
    server = Server(db_url, tmp_path)
    server.start()
    try:
        refs = []
        for i in range(5):
            r = httpx.post(
                server.url + "/api/tickets",
                json={"subject": f"Disk full {i}", "requester": "ann@example.com"},
                headers=auth,
                timeout=10,
            )
            assert r.status_code == 201
            refs.append(r.json()["ref"])
        server.kill9()  # immediately after the last 201
        server.start()
        for i, ref in enumerate(refs):
            got = httpx.get(f"{server.url}/api/tickets/{ref}", headers=auth, timeout=10)
            assert got.status_code == 200
            assert got.json()["ticket"]["subject"] == f"Disk full {i}"
    finally:
        server.stop()
