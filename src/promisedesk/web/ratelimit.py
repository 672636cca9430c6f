"""Intake rate limits: at most N tickets a minute per client and per requester address.

Counts are kept in the memory of each web worker (a sliding log per key), so with
several workers the effective limit is up to N per worker; sign-in throttling,
which must hold across workers, is kept in the database instead.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from datetime import datetime, timedelta

from promisedesk.domain.errors import RateLimited

WINDOW = timedelta(minutes=1)


class IntakeLimiter:
    """A sliding one-minute window per key; the clock is the caller's ``now``."""

    def __init__(self, window: timedelta = WINDOW, max_keys: int = 100_000) -> None:
        self.window = window
        self.max_keys = max_keys
        self._hits: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def _wait(self, key: str, limit: int, now: datetime) -> int | None:
        hits = self._hits.get(key)
        if hits is None:
            return None
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) < limit:
            return None
        return max(1, math.ceil((hits[0] + self.window - now).total_seconds()))

    def take(self, checks: list[tuple[str, int]], now: datetime) -> None:
        """Count one request against every key, or raise ``RateLimited`` for none.

        A limit of 0 means no limit for that key.
        """
        active = [(k, n) for k, n in checks if n > 0]
        with self._lock:
            waits = [w for k, n in active if (w := self._wait(k, n, now)) is not None]
            if waits:
                wait = max(waits)
                raise RateLimited(
                    f"Too many new tickets in a minute from this client or for this "
                    f"requester; try again in {wait} seconds.",
                    wait,
                )
            if len(self._hits) > self.max_keys:
                self._forget_idle(now)
            for key, _ in active:
                self._hits.setdefault(key, deque()).append(now)

    def _forget_idle(self, now: datetime) -> None:
        idle = [k for k, h in self._hits.items() if not h or h[-1] <= now - self.window]
        for key in idle:
            del self._hits[key]
