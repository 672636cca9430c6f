"""CPU per request through the whole app (middleware, auth, FastAPI, services), no socket.

    .venv/bin/python bench/asgi_calls.py [--calls 3000] [--database-url URL]

Calls the ASGI app directly, one request at a time (``--concurrency`` creates at a
time) on one event loop, for
``POST /api/tickets`` and ``GET /api/tickets/PD-n`` with an admin's API token, and
prints CPU µs per request (``time.process_time``) and wall µs per request. CPU time is
far less disturbed by other work on a shared machine than wrk's req/s, so it is the
figure to compare before/after a change; what it leaves out is uvicorn's HTTP parsing
and the socket (measure those with ``bench/intake.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from intake import CREATE_BODY, admin_token

from promisedesk.bootstrap import build
from promisedesk.config import Settings
from promisedesk.web.app import create_app


def _token(url: str, config: Path, work: Path) -> str:
    """An admin's API token on the fresh database: every API route needs one."""
    return admin_token(url, config, work, "asgi@example.invalid")


async def _call(app: Any, method: str, path: str, token: str, body: bytes) -> int:
    headers = [(b"host", b"127.0.0.1"), (b"authorization", f"Bearer {token}".encode())]
    if body:
        headers += [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def _measure(
    app: Any, token: str, calls: int, rounds: int, concurrency: int
) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"create": [], "create_wall": [], "get": [], "get_wall": []}
    n = 0

    async def create() -> None:
        nonlocal n
        n += 1
        body = CREATE_BODY.replace("{rand}", str(n)).encode()
        status = await _call(app, "POST", "/api/tickets", token, body)
        assert status == 201, status

    async def get(i: int) -> None:
        status = await _call(app, "GET", f"/api/tickets/PD-{1 + i % n}", token, b"")
        assert status == 200, status

    for _ in range(200):  # warm up and make tickets to read
        await create()
    for _ in range(rounds):
        c0, w0 = time.process_time(), time.perf_counter()
        for _ in range(calls // concurrency):
            await asyncio.gather(*(create() for _ in range(concurrency)))
        out["create"].append((time.process_time() - c0) / calls * 1e6)
        out["create_wall"].append((time.perf_counter() - w0) / calls * 1e6)
        c0, w0 = time.process_time(), time.perf_counter()
        for i in range(calls):
            await get(i)
        out["get"].append((time.process_time() - c0) / calls * 1e6)
        out["get_wall"].append((time.perf_counter() - w0) / calls * 1e6)
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--calls", type=int, default=2000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument(
        "--concurrency",
        type=int,
        default=1,
        help="creates in flight at once, so they share commits as under load (wrk -c8 "
        "over 2 workers is about 4)",
    )
    p.add_argument("--database-url")
    p.add_argument("--profile", help="write cProfile stats of the whole run to this file")
    a = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pdasgi-"))
    url = a.database_url or f"sqlite:///{work / 'promisedesk.db'}"
    config = work / "absent.toml"
    try:
        token = _token(url, config, work)
        settings = Settings(database_url=url, config_path=config)
        settings = settings.model_copy(
            update={"intake_limit_per_client": 0, "intake_limit_per_requester": 0}
        )  # as bench/intake.py sets them: measure the work, not the 429s
        desk = build(settings)
        app = create_app(desk)
        try:
            prof = cProfile.Profile() if a.profile else None
            if prof is not None:
                prof.enable()
            res = asyncio.run(_measure(app, token, a.calls, a.rounds, a.concurrency))
            if prof is not None:
                prof.disable()
                prof.dump_stats(a.profile)
        finally:
            desk.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for what in ("create", "get"):
        cpu, wall = res[what], res[f"{what}_wall"]
        print(
            f"{what}: {statistics.median(cpu):.0f} µs CPU/request "
            f"(min {min(cpu):.0f}), {statistics.median(wall):.0f} µs wall"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
