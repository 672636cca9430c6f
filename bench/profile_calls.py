"""Per-call cost of the services behind the two routes, in one thread, without HTTP.

    .venv/bin/python bench/profile_calls.py --calls 3000 [--database-url URL]

Times ``do_open`` and ``get_ticket`` plus the response models the routes build
(``TicketOut.of`` / ``TicketWithTimeline``) on a fresh SQLite file (or the URL
given), then prints cProfile's top functions by cumulative time for each. With no
concurrency, this is the floor a worker pays per request before any HTTP, threadpool
or lock-wait cost.
"""

from __future__ import annotations

import argparse
import cProfile
import inspect
import io
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

from promisedesk.bootstrap import build
from promisedesk.config import Settings
from promisedesk.services import commands as c
from promisedesk.services import tickets as svc
from promisedesk.web.api.schemas import (
    TicketDetailOut,
    TicketOut,
    TicketWithTimeline,
    TimelineEntry,
)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--calls", type=int, default=3000)
    p.add_argument("--database-url")
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--sort", default="cumulative", help="pstats key: cumulative, tottime")
    a = p.parse_args()
    if not 1 <= a.calls <= 100_000:
        p.error("keep --calls within 1..100000")
    work = Path(tempfile.mkdtemp(prefix="pdcalls-"))
    url = a.database_url or f"sqlite:///{work / 'promisedesk.db'}"
    desk = build(Settings(database_url=url, config_path=work / "absent.toml"))
    cmd = c.OpenTicket.model_validate(
        {
            "subject": "Printer down 1",
            "description": "The printer on floor 3 is down.",
            "requester": "user1@example.invalid",
            "impact": "medium",
            "urgency": "high",
        }
    )

    # services take the policy (newer) or just its priority matrix (older); follow src/.
    rules = desk.policy if "policy" in inspect.signature(svc.do_open).parameters else None
    rules = rules or desk.policy.matrix

    def create() -> None:
        t = svc.do_open(desk.store, rules, cmd, by="api", now=desk.clock.now())
        TicketOut.of(t).model_dump_json()

    refs: list[str] = []

    def get(i: int) -> None:
        view = svc.get_ticket(desk.store, refs[i % len(refs)])
        TicketWithTimeline(
            ticket=TicketDetailOut.of(view.ticket),
            timeline=[TimelineEntry.of(s) for s in view.timeline],
        ).model_dump_json()

    try:
        for _ in range(50):  # warm caches (SQLAlchemy compiled statements, pydantic)
            create()
        with desk.store.reading() as tx:
            refs = [r.ref for r in tx.list(svc_filter(), after_id=None, limit=200)]
        for label, fn in (("create", lambda i: create()), ("get", get)):
            prof = cProfile.Profile()
            t0 = time.perf_counter()
            prof.enable()
            for i in range(a.calls):
                fn(i)
            prof.disable()
            per_call_us = (time.perf_counter() - t0) / a.calls * 1e6
            # the same loop without the profiler, for an honest per-call figure
            t0 = time.perf_counter()
            for i in range(a.calls):
                fn(i)
            plain_us = (time.perf_counter() - t0) / a.calls * 1e6
            buf = io.StringIO()
            stats = pstats.Stats(prof, stream=buf).sort_stats(a.sort)
            stats.print_stats(a.top)
            print(
                f"## {label}: {plain_us:.0f} µs per call unprofiled "
                f"({per_call_us:.0f} µs under cProfile), {a.calls} calls\n"
            )
            print(buf.getvalue())
    finally:
        desk.close()
        shutil.rmtree(work, ignore_errors=True)
    return 0


def svc_filter():  # type: ignore[no-untyped-def]
    from promisedesk.store.tickets import TicketFilter

    return TicketFilter()


if __name__ == "__main__":
    sys.exit(main())
