"""SLA use cases: a ticket's clocks now, and the published SLA in plain words."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from promisedesk.domain.calendars import WEEKDAYS, Calendar
from promisedesk.domain.priority import Priority
from promisedesk.domain.sla import SlaBook, TargetClock, TargetKind, compute_sla
from promisedesk.store.tickets import TicketStore

DAY_NAMES = {
    "mon": "Mon",
    "tue": "Tue",
    "wed": "Wed",
    "thu": "Thu",
    "fri": "Fri",
    "sat": "Sat",
    "sun": "Sun",
}
PROMISE_WORDS = {
    TargetKind.acknowledge: "We confirm we have your request",
    TargetKind.first_response: "A person replies",
    TargetKind.update_cadence: "While we work on it, you hear from us at least every",
    TargetKind.resolve: "We aim to resolve it",
}


def ticket_sla(
    store: TicketStore, book: SlaBook, ref: str, now: datetime
) -> dict[TargetKind, TargetClock]:
    """Each SLA target's clock for one ticket at ``now``."""
    with store.reading() as tx:
        _, _, history = tx.load_with_history(ref)
    return compute_sla(ref, (s.event for s in history), book, now)


def duration_words(seconds: int) -> str:
    """'1 hour 30 minutes', '15 minutes', '2 hours'."""
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    parts = []
    if hours:
        parts.append(f"{hours} hour" + ("s" if hours != 1 else ""))
    if minutes:
        parts.append(f"{minutes} minute" + ("s" if minutes != 1 else ""))
    return " ".join(parts) or "0 minutes"


def _hm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def hours_words(cal: Calendar) -> str:
    """'Mon–Fri 09:00–17:30; Sat closed ...' grouped by identical days."""
    if all(day == ((0, 1440),) for day in cal.hours):
        return f"around the clock, every day ({cal.timezone})"
    groups: list[tuple[list[str], str]] = []
    for name, day in zip(WEEKDAYS, cal.hours, strict=True):
        text = ", ".join(f"{_hm(a)}–{_hm(b)}" for a, b in day) or "closed"
        if groups and groups[-1][1] == text:
            groups[-1][0].append(name)
        else:
            groups.append(([name], text))
    parts = []
    for days, text in groups:
        if text == "closed":
            continue
        label = (
            DAY_NAMES[days[0]]
            if len(days) == 1
            else (f"{DAY_NAMES[days[0]]}–{DAY_NAMES[days[-1]]}")
        )
        parts.append(f"{label} {text}")
    return "; ".join(parts) + f" ({cal.timezone} time)"


@dataclass(frozen=True)
class PublishedTarget:
    """One promise of the published SLA."""

    target: TargetKind
    seconds: int
    calendar: str
    words: str


def published_sla(
    book: SlaBook, intro: str, channels: list[str], raw_calendars: Mapping[str, Any]
) -> dict[str, Any]:
    """The published SLA as data: channels, hours per calendar, targets per priority."""
    used = sorted(
        {t.calendar for p in book.policies for ts in p.targets.values() for t in ts.values()}
    )
    hours = {}
    for name in used:
        cal = book.calendars[name]
        text = hours_words(cal)
        hol = raw_calendars.get(name, {}).get("holidays")
        if isinstance(hol, Mapping) and hol.get("country"):
            region = "-".join(x for x in (hol.get("country"), hol.get("subdivision")) if x)
            text += f"; closed on public holidays ({region})"
        hours[name] = text
    policies = []
    for p in book.policies:
        per_priority: dict[str, list[dict[str, Any]]] = {}
        for priority in Priority:
            targets = p.targets.get(priority)
            if not targets:
                continue
            rows = []
            for kind in TargetKind:
                t = targets.get(kind)
                if t is None:
                    continue
                cal = book.calendars[t.calendar]
                span = duration_words(t.seconds)
                around = all(day == ((0, 1440),) for day in cal.hours)
                qualifier = "" if around else " of business time"
                lead = PROMISE_WORDS[kind]
                if kind == TargetKind.update_cadence and t.seconds == 3600:
                    span = "hour"
                words = (
                    f"{lead} {span}{qualifier}"
                    if kind == TargetKind.update_cadence
                    else f"{lead} within {span}{qualifier}"
                )
                if TargetKind.acknowledge != kind and t.pause_statuses:
                    words += " (the clock stops while we wait for your answer)"
                rows.append(
                    {
                        "target": kind.value,
                        "seconds": t.seconds,
                        "calendar": t.calendar,
                        "words": words + ".",
                    }
                )
            per_priority[priority.value] = rows
        policies.append(
            {
                "name": p.name,
                "services": sorted(p.services),
                "customer_groups": sorted(p.customer_groups),
                "priorities": per_priority,
            }
        )
    return {"intro": intro, "channels": channels, "hours": hours, "policies": policies}
