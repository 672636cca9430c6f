"""The watcher loop: sweeps the ledger every few seconds until told to stop.

It runs inside ``promisedesk serve`` (a thread) and alone as ``promisedesk worker``.
Several workers may run against PostgreSQL; rows are shared with SKIP LOCKED.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from email.utils import parseaddr

from promisedesk.bootstrap import Desk
from promisedesk.services.ledger import SweepReport, sweep
from promisedesk.services.outbox import Transport, deliver

log = logging.getLogger("promisedesk.watcher")
FAILPOINT_ENV = "PROMISEDESK_FAILPOINT"


def failpoint_from_environment() -> Callable[[str], None] | None:
    """For crash tests: SIGKILL this process when the sweep reaches the named stage."""
    stage = os.environ.get(FAILPOINT_ENV)
    if not stage:
        return None

    def maybe_die(reached: str) -> None:
        if reached == stage:
            os.kill(os.getpid(), signal.SIGKILL)

    return maybe_die


def transport_for(desk: Desk) -> Transport | None:
    """The configured mail transport, or None: then the outbox keeps what it holds."""
    if not desk.settings.smtp_host:
        return None
    from promisedesk.channels.smtp import SmtpTransport

    s = desk.settings
    return SmtpTransport(s.smtp_host or "", s.smtp_port, s.mail_from)


def mail_domain(desk: Desk) -> str:
    """The domain of the desk's From address, for Message-IDs."""
    address = parseaddr(desk.settings.mail_from)[1]
    return address.rpartition("@")[2] or "promisedesk.invalid"


def run_watcher(
    desk: Desk,
    stop: threading.Event,
    *,
    interval: float = 5.0,
    batch: int = 1000,
    once: bool = False,
    on_sweep: Callable[[SweepReport], None] | None = None,
) -> None:
    """Sweep until ``stop`` is set; a full batch is followed at once by another."""
    step = failpoint_from_environment()
    transport = transport_for(desk)
    while not stop.is_set():
        try:
            report = sweep(desk.store, desk.policy, desk.clock.now(), limit=batch, step=step)
        except Exception:  # keep watching: one bad sweep must not end the loop
            log.exception("watcher sweep failed; retrying in %.0f s", interval)
            report = SweepReport()
        if transport is not None:
            try:
                deliver(desk.store, transport, desk.clock.now(), domain=mail_domain(desk))
            except Exception:  # the next pass tries again; nothing is marked sent
                log.exception("outbox delivery failed; retrying in %.0f s", interval)
        if on_sweep is not None:
            on_sweep(report)
        if once:
            return
        busy = report.warned + report.breached >= batch
        if not busy:
            stop.wait(interval)


def start_in_thread(desk: Desk, interval: float = 5.0) -> threading.Event:
    """Run the watcher in a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run_watcher,
        args=(desk, stop),
        kwargs={"interval": interval},
        name="promisedesk-watcher",
        daemon=True,
    )
    thread.start()
    return stop
