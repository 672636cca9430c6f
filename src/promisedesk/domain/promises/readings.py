"""Turning a matched time phrase into instants: its day, its readings, its zone, DST."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal

from promisedesk.domain.promises.grammar import (
    BARE_HOUR_FOLLOW,
    DAY_MONTH,
    MONTH_DAY,
    MONTHS,
    NUMBER_WORDS,
    WEEKDAYS,
)

FindingCode = Literal["ambiguous", "past", "dst-gap", "dst-overlap"]

DAYTIME_HOURS = range(8, 20)
"""Hours an hour without am/pm is taken to mean (08:00-19:59)."""

_TODAY_WORDS = ("today", "tonight", "this morning", "this afternoon", "this evening")
_PM_WORDS = ("afternoon", "evening", "night", "tonight")


@dataclass(frozen=True)
class Day:
    """A day phrase: ``None`` date means "no day given"; ``explicit`` forbids rolling."""

    on: date | None
    meridiem: Literal["am", "pm"] | None = None
    today_words: bool = False


def parse_day(phrase: str | None, today: date) -> Day:
    """The day a phrase such as "tomorrow morning" or "Monday 9 March" names."""
    if not phrase:
        return Day(None)
    p = " ".join(phrase.lower().split())
    mer: Literal["am", "pm"] | None = None
    if "morning" in p:
        mer = "am"
    elif any(w in p for w in _PM_WORDS):
        mer = "pm"
    if p.startswith(_TODAY_WORDS) or p.startswith("this night"):
        return Day(today, mer, today_words=True)
    if p.startswith("tomorrow"):
        return Day(today + timedelta(days=1), mer)
    dm = DAY_MONTH.search(p) or MONTH_DAY.search(p)
    if dm:
        a, b = dm.groups()
        day_s, month_s = (a, b) if a.isdigit() else (b, a)
        on = _nearest_date(today, MONTHS[month_s], int(day_s))
        return Day(on, mer, today_words=True) if on else Day(None)
    for i, name in enumerate(WEEKDAYS):
        if name in p:
            ahead = (i - today.weekday()) % 7
            if ahead == 0 and p.startswith("next"):
                ahead = 7
            return Day(today + timedelta(days=ahead), mer, today_words=ahead == 0)
    return Day(None)


def _nearest_date(today: date, month: int, day: int) -> date | None:
    options = []
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            options.append(date(year, month, day))
        except ValueError:
            continue
    return min(options, key=lambda d: abs((d - today).days)) if options else None


def local_instant(on: date, at: time, zone: tzinfo) -> tuple[datetime, FindingCode | None]:
    """``on`` at ``at`` in ``zone`` as UTC, with the DST case it fell into, if any."""
    naive = datetime.combine(on, at)
    first = naive.replace(tzinfo=zone, fold=0)
    if first.replace(fold=1).utcoffset() != first.utcoffset():
        back = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        if back != naive:
            # In a gap fold=0 reads the time with the offset before the change, which
            # lands after the gap: the instant a clock set forward would show.
            return first.astimezone(UTC), "dst-gap"
        return first.astimezone(UTC), "dst-overlap"
    return first.astimezone(UTC), None


def readings(m: re.Match[str]) -> tuple[list[time], bool] | None:
    """The readings a time phrase allows, likeliest first, and whether it is a bare hour."""
    named = m.group("named")
    if named:
        n = named.lower()
        return ([time(0, 0)] if n == "midnight" else [time(12, 0)]), False
    h, minutes = int(m.group("h")), int(m.group("m") or 0)
    mer = (m.group("mer") or "").lower().replace(".", "")
    if mer:
        if not 1 <= h <= 12:
            return None
        return [time(h % 12 + (12 if mer == "pm" else 0), minutes)], False
    if h > 23:
        return None
    twelve_hour = 1 <= h <= 12 and (m.group("m") is None or len(m.group("h")) == 1)
    if not twelve_hour:
        return [time(h, minutes)], False
    other = (h + 12) % 24
    daytime, night = (h, other) if h in DAYTIME_HOURS else (other, h)
    # "by 5:30" is read as 17:30 unless a day word says morning; only a bare hour
    # ("by 10") stays open to both readings, ambiguous if its daytime one has passed.
    return [time(daytime, minutes), time(night, minutes)], m.group("m") is None


def bare_hour_ok(m: re.Match[str], text: str) -> bool:
    """Whether a bare hour ("by 10") is followed by something that makes it a time."""
    if m.group("named") or m.group("m") or m.group("mer") or m.group("oclock") or m.group("zone"):
        return True
    return bool(BARE_HOUR_FOLLOW.match(text, m.end("h")))


def duration(m: re.Match[str]) -> timedelta:
    """The length of a duration phrase ("in 45 minutes", "within 2-3 hours")."""
    if m.group("whole"):
        return timedelta(hours=1)
    if m.group("half"):
        return timedelta(minutes=30)
    # A range ("2-3 hours") commits to its far end.
    raw = (m.group("n2") or m.group("n")).lower()
    amount = float(NUMBER_WORDS.get(raw, 0) or raw)
    unit = m.group("unit").lower()
    return timedelta(hours=amount) if unit.startswith("h") else timedelta(minutes=amount)


def describe(instant: datetime, zone: tzinfo) -> str:
    """``instant`` as the customer reads it: "Tue 10 Mar 10:00 GMT"."""
    local = instant.astimezone(zone)
    return local.strftime("%a %d %b %H:%M ") + (local.tzname() or "")
