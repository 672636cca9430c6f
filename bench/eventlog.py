"""A synthetic event log to seed N tickets through ``promisedesk replay``.

Ticket PD-n is opened 20 s after PD-(n-1); every 10th ticket is also acknowledged,
assigned and answered, and every 50th gets an internal note, so the detail GET
reads timelines of 1 to 5 events. The log ends ``end_before`` (a week by default)
before ``now``, so nothing lies in the future.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import orjson

STEP = timedelta(seconds=20)
LEVELS = ("low", "medium", "high", "critical")


def _iso(t: datetime) -> str:
    return t.isoformat()


def lines(n: int, now: datetime) -> Iterator[dict[str, object]]:
    """The log's events, ticket by ticket, each ticket's events in order."""
    start = now - timedelta(days=7) - STEP * n
    for i in range(1, n + 1):
        at = start + STEP * i
        ref = f"PD-{i}"
        yield {
            "at": _iso(at),
            "ticket": ref,
            "type": "opened",
            "by": f"customer:user{i}@example.invalid",
            "subject": f"Printer down {i}",
            "description": "The printer on floor 3 is down.",
            "requester": f"user{i}@example.invalid",
            "channel": "email",
            "impact": LEVELS[i % 4],
            "urgency": LEVELS[(i // 4) % 4],
        }
        if i % 10 == 0:
            yield {
                "at": _iso(at + timedelta(seconds=5)),
                "ticket": ref,
                "type": "acknowledged",
                "by": "system",
                "automatic": True,
                "body": "We have your request and will reply shortly.",
            }
            yield {
                "at": _iso(at + timedelta(seconds=10)),
                "ticket": ref,
                "type": "assigned",
                "by": "agent:amira",
                "agent": "amira",
                "team": "service-desk",
                "tier": "L1",
            }
            yield {
                "at": _iso(at + timedelta(seconds=15)),
                "ticket": ref,
                "type": "public_reply",
                "by": "agent:amira",
                "body": "Looking into it now; next update by the time below.",
                "next_update_at": _iso(at + timedelta(hours=1)),
            }
        if i % 50 == 0:
            yield {
                "at": _iso(at + timedelta(seconds=18)),
                "ticket": ref,
                "type": "internal_note",
                "by": "agent:amira",
                "body": "Checked the print server; the queue is stuck.",
            }


def write(path: Path, n: int, now: datetime) -> int:
    """Write the log for ``n`` tickets to ``path``; the number of lines written."""
    count = 0
    with open(path, "wb") as f:
        for line in lines(n, now):
            f.write(orjson.dumps(line))
            f.write(b"\n")
            count += 1
    return count
