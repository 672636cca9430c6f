"""Several web worker processes, with connections dealt to them in turn.

uvicorn's own workers share one listening socket, and a worker accepts every pending
connection whenever it wakes: the first one awake takes a whole burst of keep-alive
connections and serves them for their lifetime while the others idle. A socket per
worker (``SO_REUSEPORT``) is no cure for a handful of clients either, since the
kernel spreads them by a hash, unevenly. So, as Node's cluster module does, the
parent accepts and hands each connection to the next worker over a Unix socket
(``SCM_RIGHTS``); the worker's uvicorn serves it as if it had accepted it.

The parent also supervises: it restarts a worker that dies, and on SIGINT or SIGTERM
stops them all (each finishes the requests it has, as uvicorn does on its own).
Workers die with the parent, even when it is killed with SIGKILL.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import multiprocessing
import signal
import socket
import sys
import threading
import time
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

#: A worker that dies this soon after starting, this many times in a row, is not
#: restarted again: something (a bad setting) stops it every time.
_EARLY_DEATH_S = 5.0
_MAX_EARLY_DEATHS = 3
#: Connections handed over in one message at most (a burst of clients).
_FDS_PER_MESSAGE = 64


def supported() -> bool:
    """Whether connections can be handed to workers here (Unix sockets, SCM_RIGHTS)."""
    return sys.platform.startswith("linux") and hasattr(socket, "send_fds")


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def listen(host: str, port: int) -> socket.socket:
    """The listening socket; ``OSError`` (one line for the CLI) if the port is taken."""
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def _die_with_parent() -> None:
    # A worker whose supervisor was killed (kill -9) must not linger.
    with contextlib.suppress(OSError, AttributeError):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _worker(channel: socket.socket, host: str, port: int, options: dict[str, Any]) -> None:
    import uvicorn

    _die_with_parent()

    class HandedServer(uvicorn.Server):
        """uvicorn serving the connections that arrive on ``channel``."""

        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=[])  # the app's lifespan; no listener
            loop = asyncio.get_running_loop()
            config = self.config

            def protocol() -> asyncio.Protocol:
                return config.http_protocol_class(  # type: ignore[call-arg]
                    config=config,
                    server_state=self.server_state,
                    app_state=self.lifespan.state,
                    _loop=loop,
                )

            def arrived() -> None:
                try:
                    _, fds, _, _ = socket.recv_fds(channel, 1, _FDS_PER_MESSAGE)
                except (BlockingIOError, InterruptedError):
                    return
                if not fds:  # the parent is gone
                    loop.remove_reader(channel.fileno())
                    self.should_exit = True
                    return
                for fd in fds:
                    conn = socket.socket(fileno=fd)
                    conn.setblocking(False)
                    task = loop.create_task(loop.connect_accepted_socket(protocol, conn))
                    pending.add(task)
                    task.add_done_callback(pending.discard)

            pending: set[asyncio.Task[Any]] = set()
            channel.setblocking(False)
            loop.add_reader(channel.fileno(), arrived)

    config = uvicorn.Config(host=host, port=port, **options)
    HandedServer(config).run()


class _Dealer:
    """Accepts connections and deals them to the workers' channels in turn."""

    def __init__(self, listener: socket.socket, workers: int) -> None:
        self.listener = listener
        self.channels: list[socket.socket | None] = [None] * workers
        self._next = 0

    def run(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return  # the listener was closed: shutting down
            with conn:
                self._deal(conn)

    def _deal(self, conn: socket.socket) -> None:
        n = len(self.channels)
        for _ in range(n):  # the next live worker; skip one being restarted
            channel = self.channels[self._next % n]
            self._next += 1
            if channel is None:
                continue
            try:
                socket.send_fds(channel, [b"c"], [conn.fileno()])
                return
            except OSError:
                continue
        # No worker can take it now: closing it tells the client to retry.


def run(host: str, port: int, workers: int, uvicorn_options: dict[str, Any]) -> None:
    """Serve with ``workers`` processes until SIGINT or SIGTERM."""
    listener = listen(host, port)
    ctx = multiprocessing.get_context("spawn")
    dealer = _Dealer(listener, workers)
    stopping = False

    def stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    previous: dict[int, Any] = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}

    def start(i: int) -> tuple[BaseProcess, float]:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        p = ctx.Process(target=_worker, args=(theirs, host, port, uvicorn_options))
        p.start()
        theirs.close()
        old, dealer.channels[i] = dealer.channels[i], ours
        if old is not None:
            old.close()
        return p, time.monotonic()

    procs = [start(i) for i in range(workers)]
    threading.Thread(target=dealer.run, name="promisedesk-accept", daemon=True).start()
    early_deaths = 0
    try:
        while not stopping:
            time.sleep(0.2)
            for i, (p, started) in enumerate(procs):
                if p.is_alive() or stopping:
                    continue
                quick = time.monotonic() - started < _EARLY_DEATH_S
                early_deaths = early_deaths + 1 if quick else 0
                if early_deaths >= _MAX_EARLY_DEATHS:
                    raise RuntimeError(
                        f"a web worker exited with code {p.exitcode} right after starting, "
                        f"{early_deaths} times in a row; see the messages above"
                    )
                procs[i] = start(i)
    finally:
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)  # wakes the dealer's accept
        listener.close()
        for p, _ in procs:
            if p.is_alive():
                p.terminate()  # SIGTERM: uvicorn finishes what it has, then exits
        for p, _ in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
        for s, handler in previous.items():
            signal.signal(s, handler)
