"""Server processes for a benchmark: start in their own process group, wait, stop.

Every server we start gets a new session, so stopping it signals exactly the group
we made (the server and the workers it forked) and nothing else on the machine.
Servers bind 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_status(
    url: str, *, method: str = "GET", body: bytes | None = None, headers: Mapping[str, str] = {}
) -> int:
    """The status of one request, or 0 when nothing answered (bounded by a 5 s timeout)."""
    req = urllib.request.Request(url, data=body, method=method, headers=dict(headers))
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0


class ServerFailed(RuntimeError):
    """A server did not come up; the message carries the tail of its log."""


@contextlib.contextmanager
def running(
    cmd: Sequence[str],
    *,
    ready_url: str,
    log: Path,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    ready: Mapping[str, object] | None = None,
    expect: int = 200,
    wait_s: float = 60.0,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``cmd`` until the block ends; it is ready when ``ready_url`` answers ``expect``."""
    opts = dict(ready or {})
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            list(cmd),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + wait_s
        while True:
            if proc.poll() is not None:
                raise ServerFailed(f"{cmd[0]} exited with {proc.returncode}: {_tail(log)}")
            if http_status(ready_url, **opts) == expect:  # type: ignore[arg-type]
                break
            if time.monotonic() > deadline:
                raise ServerFailed(f"{cmd[0]} not ready after {wait_s:.0f} s: {_tail(log)}")
            time.sleep(0.2)
        yield proc
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group we created, then SIGKILL it if it lingers."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
    # Forked workers may outlive the parent by a moment; give the group a bounded wait.
    for _ in range(50):
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def _tail(log: Path, n: int = 15) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return "(no log)"
