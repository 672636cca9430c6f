"""Several web worker processes, each listening on its own socket (``SO_REUSEPORT``).

uvicorn's own workers share one listening socket, and asyncio accepts every pending
connection whenever it wakes: the first worker awake takes a whole burst of
keep-alive connections and serves them for their lifetime while the other workers
idle. With a socket per worker the kernel spreads new connections across them.

The parent only supervises: it restarts a worker that dies, and on SIGINT or SIGTERM
stops them all (each finishes the requests it has, as uvicorn does on its own).
"""

from __future__ import annotations

import ctypes
import multiprocessing
import signal
import socket
import sys
import time
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

#: A worker that dies this soon after starting, this many times in a row, is not
#: restarted again: something (a bad setting, the port) stops it every time.
_EARLY_DEATH_S = 5.0
_MAX_EARLY_DEATHS = 3


def supported() -> bool:
    """Whether this platform spreads connections over ``SO_REUSEPORT`` sockets."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def check_port_free(host: str, port: int) -> None:
    """Raise ``OSError`` if something already listens on ``host:port``.

    Bound without ``SO_REUSEPORT``, so another server that uses it (a second
    Promisedesk on the same port) is refused instead of silently sharing the port.
    """
    with socket.socket(_family(host), socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _listen(host: str, port: int) -> socket.socket:
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _die_with_parent() -> None:
    # A worker whose supervisor was killed (kill -9) must not keep serving alone.
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def _worker(host: str, port: int, uvicorn_options: dict[str, Any]) -> None:
    import uvicorn

    _die_with_parent()
    sock = _listen(host, port)
    config = uvicorn.Config(host=host, port=port, **uvicorn_options)
    uvicorn.Server(config).run(sockets=[sock])


def run(host: str, port: int, workers: int, uvicorn_options: dict[str, Any]) -> None:
    """Serve with ``workers`` processes until SIGINT or SIGTERM."""
    check_port_free(host, port)
    ctx = multiprocessing.get_context("spawn")
    stopping = False

    def stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    previous: dict[int, Any] = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}

    def start() -> tuple[BaseProcess, float]:
        p = ctx.Process(target=_worker, args=(host, port, uvicorn_options), daemon=False)
        p.start()
        return p, time.monotonic()

    procs = [start() for _ in range(workers)]
    early_deaths = 0
    try:
        while not stopping:
            time.sleep(0.2)
            for i, (p, started) in enumerate(procs):
                if p.is_alive() or stopping:
                    continue
                early_deaths = (
                    early_deaths + 1 if time.monotonic() - started < _EARLY_DEATH_S else 0
                )
                if early_deaths >= _MAX_EARLY_DEATHS:
                    raise RuntimeError(
                        f"a web worker exited with code {p.exitcode} right after starting, "
                        f"{early_deaths} times in a row; see the messages above"
                    )
                procs[i] = start()
    finally:
        for p, _ in procs:
            if p.is_alive():
                p.terminate()  # SIGTERM: uvicorn finishes what it has, then exits
        for p, _ in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
        for s, handler in previous.items():
            signal.signal(s, handler)
