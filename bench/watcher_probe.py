"""Looking inside a sweep: statements issued, time spent in the driver, query plans, profiles."""

from __future__ import annotations

import cProfile
import io
import pstats
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Engine, event

from promisedesk.config import Policy
from promisedesk.services.ledger import sweep
from promisedesk.store.tickets import TicketStore

T = TypeVar("T")
_FROM = re.compile(r"\bFROM\s+(\w+)", re.IGNORECASE)


@dataclass
class Statements:
    """Counts statements and the time between sending each and its result coming back."""

    on: bool = False
    count: int = 0
    seconds: float = 0.0
    by_kind: dict[str, int] = field(default_factory=dict)
    ms_by_kind: dict[str, float] = field(default_factory=dict)
    captured: list[tuple[str, Any]] = field(default_factory=list)
    capture: bool = False
    _started: float = 0.0

    def attach(self, engine: Engine) -> None:
        """Listen on ``engine`` for as long as it lives."""
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if self.on:
            self._started = time.perf_counter()
            if self.capture:
                self.captured.append((statement, params))

    def _after(self, conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if self.on:
            took = time.perf_counter() - self._started
            self.seconds += took
            self.count += 1
            words = statement.split()
            head = words[0].upper()
            if head == "INSERT":
                key = f"INSERT {words[2]}"
            elif head == "UPDATE":
                key = f"UPDATE {words[1]}"
            elif head == "SELECT" and (m := _FROM.search(statement)):
                key = f"SELECT {m.group(1)}"
            else:
                key = " ".join(words[:2]).upper()
            self.by_kind[key] = self.by_kind.get(key, 0) + 1
            self.ms_by_kind[key] = self.ms_by_kind.get(key, 0.0) + took * 1000

    @contextmanager
    def counting(self) -> Iterator[Statements]:
        """Count from zero inside the block."""
        self.count, self.seconds, self.by_kind, self.ms_by_kind = 0, 0.0, {}, {}
        self.on = True
        try:
            yield self
        finally:
            self.on = False


def sweep_statement(store: TicketStore, policy: Policy, now: datetime, probe: Statements) -> Any:
    """The SQL and parameters of ``due_for_sweep`` as the product sends them (an empty sweep)."""
    probe.captured.clear()
    probe.capture = True
    with probe.counting():
        sweep(store, policy, now, limit=1000)
    probe.capture = False
    for statement, params in probe.captured:
        if "sweep_at" in statement and statement.lstrip().upper().startswith(("SELECT", "WITH")):
            return statement, params
    raise AssertionError("the sweep issued no query on sweep_at")


def explain(engine: Engine, statement: str, params: Any, now: Any) -> str:
    """The plan of the sweep query at ``now``: EXPLAIN QUERY PLAN or EXPLAIN ANALYZE."""
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if engine.dialect.name == "sqlite":
            bound = list(params)
            bound[0] = now
            cur.execute("EXPLAIN QUERY PLAN " + statement, bound)
            depth: dict[int, int] = {}
            lines = []
            for node, parent, _, detail in cur.fetchall():
                depth[node] = depth.get(parent, -1) + 1
                lines.append("    " * depth[node] + str(detail))
        else:
            bound = dict(params)
            key = next(k for k, v in bound.items() if hasattr(v, "tzinfo"))
            bound[key] = now
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, bound)
            lines = [str(r[0]) for r in cur.fetchall()]
        raw.rollback()  # EXPLAIN ANALYZE took the row locks; give them back
        return "\n".join(lines)
    finally:
        raw.close()


def profiled(fn: Callable[[], T], top: int = 30) -> tuple[T, str]:
    """Run ``fn`` under cProfile; its result and the top functions by own and total time."""
    prof = cProfile.Profile()
    result = prof.runcall(fn)
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out).strip_dirs()
    out.write("== by total time (cumulative) ==\n")
    stats.sort_stats("cumulative").print_stats(top)
    out.write("== by own time ==\n")
    stats.sort_stats("tottime").print_stats(top)
    return result, out.getvalue()
