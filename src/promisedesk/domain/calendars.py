"""Business-time calendars: exact arithmetic over open hours, closed dates and time zones.

The contract
------------
A real instant counts as business time when its local wall-clock time, in the calendar's
zone, falls inside that local date's open intervals and that local date is not closed.
Consequences, all deliberate:

* On a spring-forward day an interval loses the skipped wall-clock hour; on a fall-back day
  both real occurrences of the repeated hour count, so "00:00-24:00" is 23 h and 25 h long.
* A local date the zone skips entirely (Pacific/Apia, 2011-12-30) contributes nothing.
* Intervals are half-open ``[start, end)`` on whole minutes, ``24:00`` allowed as an end.

Arithmetic is in integer microseconds, so it is exact: ``add_business_time`` keeps the
start's microseconds, and ``business_seconds_between`` rounds the exact duration down to
whole seconds (exact whenever the inputs are whole seconds). Nothing steps minute by
minute: between two changes of the zone's UTC offset the local clock runs in step with
real time, so business time there is "whole weeks at once" arithmetic on the local clock,
with closed dates found by bisection. Offset changes are discovered from ``zoneinfo`` one
UTC year at a time and cached on the calendar (see ``_OffsetTable``).

Errors: every refusal is a ``CalendarError`` (a ``ValueError``) whose message names the
value and the rule.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "WEEKDAYS",
    "Calendar",
    "CalendarError",
    "Interval",
    "add_business_duration",
    "add_business_time",
    "business_seconds_between",
    "business_time_between",
    "next_open_instant",
    "parse_day_hours",
    "parse_interval",
]

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 1440

Interval = tuple[int, int]
"""An open interval of one local day as (start_minute, end_minute), end up to 1440."""

_US = 1_000_000
_DAY_US = 86_400 * _US
_MINUTE_US = 60 * _US
# Day 0 of the local and UTC day counts is 0001-01-01, a Monday, so weekday == day % 7.
_EPOCH = datetime(1, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
# zoneinfo cannot convert instants at the very edges of datetime's range.
_FIRST_YEAR = 2
_LAST_YEAR = 9998


class CalendarError(ValueError):
    """A calendar, an interval string or an argument to the calendar maths was refused.

    ``problem`` says what is wrong and how to write it instead; ``key``, when known, names
    the configuration key (``"hours.fri"``) and prefixes the message.
    """

    def __init__(self, problem: str, key: str | None = None) -> None:
        super().__init__(f"{key}: {problem}" if key else problem)
        self.problem = problem
        self.key = key


# ---------------------------------------------------------------------------- parsing

_RANGE = re.compile(r"([0-9]{2}):([0-9]{2})-([0-9]{2}):([0-9]{2})")


def _fmt_minute(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _minute_of_day(key: str | None, text: str, hour: int, minute: int, *, is_end: bool) -> int:
    clock = f"{hour:02d}:{minute:02d}"
    if hour == 24 and minute == 0:
        if is_end:
            return MINUTES_PER_DAY
        raise CalendarError(
            f"{text!r} starts at 24:00; 24:00 is allowed only as an end, "
            "start the range at 00:00 instead",
            key,
        )
    if hour > 23:
        raise CalendarError(
            f"{clock!r} in {text!r} is not a time of day; hours run 00-23 "
            "(24:00 is allowed only as an end)",
            key,
        )
    if minute > 59:
        raise CalendarError(f"{clock!r} in {text!r} is not a time of day; minutes run 00-59", key)
    return hour * 60 + minute


def parse_interval(text: str, key: str | None = None) -> Interval:
    """Parse ``"HH:MM-HH:MM"`` into (start_minute, end_minute) of a local day.

    ``24:00`` is accepted as an end only; a range may not cross midnight. ``key`` names
    the configuration key in error messages, e.g. ``"calendars.uk-office.hours.fri"``.
    """
    match = _RANGE.fullmatch(text)
    if match is None:
        raise CalendarError(
            f"{text!r} is not a time range; write HH:MM-HH:MM, e.g. '09:00-17:30'", key
        )
    sh, sm, eh, em = (int(part) for part in match.groups())
    start = _minute_of_day(key, text, sh, sm, is_end=False)
    end = _minute_of_day(key, text, eh, em, is_end=True)
    if end == start:
        raise CalendarError(
            f"{text!r} is empty; write HH:MM-HH:MM with the end after the start", key
        )
    if end < start:
        raise CalendarError(
            f"{text!r} ends before it starts; write HH:MM-HH:MM with the end after "
            "the start (to cross midnight, end at 24:00 and start again at 00:00 the next day)",
            key,
        )
    return start, end


def parse_day_hours(texts: Sequence[str], key: str | None = None) -> tuple[Interval, ...]:
    """Parse one day's list of ``"HH:MM-HH:MM"`` strings into sorted, disjoint intervals.

    Overlapping ranges are refused, naming both; ranges that merely touch
    (``"09:00-12:00"``, ``"12:00-17:00"``) are joined. An empty list is a closed day.
    """
    parsed = sorted((parse_interval(text, key), text) for text in texts)
    merged: list[Interval] = []
    previous_text = ""
    for (start, end), text in parsed:
        if merged and start < merged[-1][1]:
            raise CalendarError(
                f"{previous_text!r} and {text!r} overlap; "
                "merge them into one range or make them disjoint",
                key,
            )
        if merged and start == merged[-1][1]:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
        previous_text = text
    return tuple(merged)


def _normalise_day(key: str, intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    checked: list[Interval] = []
    for start, end in sorted(intervals):
        if not (0 <= start < end <= MINUTES_PER_DAY):
            raise CalendarError(
                f"({start}, {end}) is not an interval of a day; use whole minutes "
                f"0 <= start < end <= {MINUTES_PER_DAY}",
                key,
            )
        if checked and start < checked[-1][1]:
            raise CalendarError(
                f"{_fmt_minute(checked[-1][0])}-{_fmt_minute(checked[-1][1])} and "
                f"{_fmt_minute(start)}-{_fmt_minute(end)} overlap",
                key,
            )
        if checked and start == checked[-1][1]:
            checked[-1] = (checked[-1][0], end)
        else:
            checked.append((start, end))
    return tuple(checked)


# --------------------------------------------------------------------------- calendar


@dataclass(frozen=True)
class Calendar:
    """Weekly open hours in one IANA time zone, minus closed local dates.

    ``hours`` has seven entries, Monday first; each is a tuple of (start_minute,
    end_minute) local wall-clock intervals. ``closed_dates`` are local dates on which
    nothing is open (holidays already expanded by the caller, plus extra closed dates).
    Both are normalised on construction: intervals sorted with touching ones joined,
    dates sorted and deduplicated.
    """

    name: str
    timezone: str
    hours: tuple[tuple[Interval, ...], ...]
    closed_dates: tuple[date, ...] = ()
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _tables: _Tables = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            zone = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise CalendarError(
                f"calendar {self.name!r}: {self.timezone!r} is not a known IANA time zone"
            ) from None
        if len(self.hours) != len(WEEKDAYS):
            raise CalendarError(
                f"calendar {self.name!r}: hours needs 7 days, Monday first, not {len(self.hours)}"
            )
        hours = tuple(
            _normalise_day(f"calendar {self.name!r} hours.{day}", intervals)
            for day, intervals in zip(WEEKDAYS, self.hours, strict=True)
        )
        closed = tuple(sorted(set(self.closed_dates)))
        object.__setattr__(self, "hours", hours)
        object.__setattr__(self, "closed_dates", closed)
        object.__setattr__(self, "_zone", zone)
        object.__setattr__(self, "_tables", _Tables(zone, hours, closed))

    @property
    def zone(self) -> ZoneInfo:
        """The calendar's time zone."""
        return self._zone

    @property
    def open_seconds_per_week(self) -> int:
        """Business seconds in a week without closed dates or clock changes."""
        return self._tables.week // _US


class _Tables:
    """Precomputed sums for one calendar, plus a cache of its zone's offset changes.

    Local time is counted in microseconds from 0001-01-01T00:00 on the local clock, with
    no zone attached ("local µs"). ``local_cumulative(x)`` is the business time from that
    origin up to local µs ``x``, computed as whole weeks, a weekday prefix, a partial day,
    minus the closed dates before ``x`` (one bisection).
    """

    __slots__ = (
        "closed",
        "closed_prefix",
        "closed_start_cumulative",
        "day_end_cumulative",
        "day_start_cumulative",
        "intervals",
        "offsets",
        "week",
    )

    def __init__(
        self,
        zone: ZoneInfo,
        hours: tuple[tuple[Interval, ...], ...],
        closed_dates: tuple[date, ...],
    ) -> None:
        self.intervals = tuple(
            tuple((start * _MINUTE_US, end * _MINUTE_US) for start, end in day) for day in hours
        )
        totals = [sum(end - start for start, end in day) for day in self.intervals]
        self.day_start_cumulative = [sum(totals[:weekday]) for weekday in range(7)]
        self.day_end_cumulative = [sum(totals[: weekday + 1]) for weekday in range(7)]
        self.week = sum(totals)
        # Closing a day with no open hours changes nothing, so only "effective" closed
        # days are kept; that keeps every prefix sum below strictly increasing.
        self.closed = [d.toordinal() - 1 for d in closed_dates if totals[d.weekday()]]
        self.closed_prefix = [0]
        for day in self.closed:
            self.closed_prefix.append(self.closed_prefix[-1] + totals[day % 7])
        # Business time elapsed at the start of each closed day: the key that lets
        # ``local_inverse`` find by bisection how many closed days precede an answer.
        self.closed_start_cumulative = [
            self._week_cumulative(day) - self.closed_prefix[i] for i, day in enumerate(self.closed)
        ]
        self.offsets = _OffsetTable(zone)

    def _week_cumulative(self, day: int) -> int:
        weeks, weekday = divmod(day, 7)
        return weeks * self.week + self.day_start_cumulative[weekday]

    def local_cumulative(self, x: int) -> int:
        """Business µs from the local origin to local µs ``x``."""
        day, tod = divmod(x, _DAY_US)
        weeks, weekday = divmod(day, 7)
        j = bisect_left(self.closed, day)
        total = weeks * self.week + self.day_start_cumulative[weekday] - self.closed_prefix[j]
        if j < len(self.closed) and self.closed[j] == day:
            return total
        for start, end in self.intervals[weekday]:
            if tod <= start:
                break
            if tod < end:
                return total + tod - start
            total += end - start
        return total

    def local_inverse(self, value: int) -> int:
        """The earliest local µs ``x`` with ``local_cumulative(x) >= value`` (value >= 1)."""
        j = bisect_left(self.closed_start_cumulative, value)
        # Without the j closed days before the answer, the plain weekly pattern reaches
        # ``value + closed_prefix[j]`` on the same day.
        weeks, rest = divmod(value + self.closed_prefix[j] - 1, self.week)
        rest += 1
        weekday = bisect_left(self.day_end_cumulative, rest)
        rest -= self.day_start_cumulative[weekday]
        for start, end in self.intervals[weekday]:
            if rest <= end - start:
                return (weeks * 7 + weekday) * _DAY_US + start + rest
            rest -= end - start
        raise AssertionError("unreachable: the weekday was chosen to hold the remainder")

    def local_add(self, x: int, amount: int) -> int:
        """``local_inverse(local_cumulative(x) + amount)`` for ``amount >= 1``.

        The two are fused, with attributes read into locals, because this is the hot path
        of ``add_business_time`` (one call per due time, 100k/s in the benchmark).
        """
        closed = self.closed
        week = self.week
        day, tod = divmod(x, _DAY_US)
        weeks, weekday = divmod(day, 7)
        j = bisect_left(closed, day)
        value = weeks * week + self.day_start_cumulative[weekday] - self.closed_prefix[j] + amount
        if j == len(closed) or closed[j] != day:
            for start, end in self.intervals[weekday]:
                if tod <= start:
                    break
                if tod < end:
                    value += tod - start
                    break
                value += end - start
        j = bisect_left(self.closed_start_cumulative, value)
        weeks, rest = divmod(value + self.closed_prefix[j] - 1, week)
        rest += 1
        weekday = bisect_left(self.day_end_cumulative, rest)
        rest -= self.day_start_cumulative[weekday]
        for start, end in self.intervals[weekday]:
            if rest <= end - start:
                return (weeks * 7 + weekday) * _DAY_US + start + rest
            rest -= end - start
        raise AssertionError("unreachable: the weekday was chosen to hold the remainder")


class _OffsetTable:
    """The zone's UTC offset as a step function of UTC µs, discovered one year at a time.

    ``zoneinfo`` does not publish its transitions, so each UTC year is probed once a day
    and every change is bisected to the exact second (tzdata transitions fall on whole
    seconds). Daily probing cannot miss a change: no zone in tzdata changes its offset
    twice within four days (checked over all zones since 1900).
    """

    __slots__ = ("_last", "_years", "zone")

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self._years: dict[int, tuple[int, int, list[int], list[int]]] = {}
        self._last: tuple[int, int, list[int], list[int]] = (0, 0, [], [])

    def segment(self, t: int) -> tuple[int, int]:
        """(offset µs, end µs) of the constant-offset stretch holding UTC µs ``t``.

        The end is the next offset change or the next UTC new year, whichever is first.
        """
        year_start, year_end, bounds, offsets = self._last
        if not year_start <= t < year_end:
            year_start, year_end, bounds, offsets = self._year(t)
            self._last = (year_start, year_end, bounds, offsets)
        i = bisect_right(bounds, t) - 1
        end = bounds[i + 1] if i + 1 < len(bounds) else year_end
        return offsets[i], end

    def _year(self, t: int) -> tuple[int, int, list[int], list[int]]:
        year = date.fromordinal(t // _DAY_US + 1).year if t >= 0 else 0
        if not _FIRST_YEAR <= year <= _LAST_YEAR:
            raise CalendarError(
                f"instant outside the supported years {_FIRST_YEAR}-{_LAST_YEAR} (UTC)"
            )
        table = self._years.get(year)
        if table is None:
            table = self._years[year] = self._discover(year)
        return table

    def _offset_at(self, second: int) -> int:
        local = (_EPOCH + timedelta(seconds=second)).astimezone(self.zone)
        offset = local.utcoffset()
        assert offset is not None
        return offset // _ONE_US

    def _discover(self, year: int) -> tuple[int, int, list[int], list[int]]:
        first = (date(year, 1, 1).toordinal() - 1) * 86_400
        last = (date(year + 1, 1, 1).toordinal() - 1) * 86_400
        bounds = [first * _US]
        offsets = [self._offset_at(first)]
        probe, probe_offset = first, offsets[0]
        while probe < last - 1:
            nxt = min(probe + 86_400, last - 1)
            nxt_offset = self._offset_at(nxt)
            for second, offset in self._changes(probe, nxt, probe_offset, nxt_offset):
                bounds.append(second * _US)
                offsets.append(offset)
            probe, probe_offset = nxt, nxt_offset
        return first * _US, last * _US, bounds, offsets

    def _changes(self, lo: int, hi: int, lo_offset: int, hi_offset: int) -> list[tuple[int, int]]:
        """Each second in (lo, hi] at which the offset changes, with the new offset."""
        if lo_offset == hi_offset:
            return []
        if hi - lo == 1:
            return [(hi, hi_offset)]
        mid = (lo + hi) // 2
        mid_offset = self._offset_at(mid)
        return self._changes(lo, mid, lo_offset, mid_offset) + self._changes(
            mid, hi, mid_offset, hi_offset
        )


# ----------------------------------------------------------------------- the maths


def _to_us(value: datetime, what: str) -> int:
    try:
        return (value - _EPOCH) // _ONE_US
    except TypeError:
        # Only a naive datetime (or a tzinfo that gives no offset) cannot be subtracted
        # from an aware one; asking first would cost a utcoffset() call on every input.
        raise CalendarError(
            f"{what} {value.isoformat()} has no UTC offset; business time needs an aware "
            "datetime (e.g. with tzinfo=UTC)"
        ) from None


def _from_us(t: int) -> datetime:
    seconds, micro = divmod(t, _US)
    try:
        return _EPOCH + timedelta(0, seconds, micro)
    except OverflowError:
        raise CalendarError(
            f"the result falls outside the supported years {_FIRST_YEAR}-{_LAST_YEAR}"
        ) from None


def _add_us(cal: Calendar, t: int, amount: int) -> int:
    tables = cal._tables
    if tables.week == 0:
        raise CalendarError(
            f"calendar {cal.name!r} has no open hours on any day, so business time never "
            "passes; give it hours"
        )
    while True:
        offset, end = tables.offsets.segment(t)
        reached = tables.local_add(t + offset, amount) - offset
        if reached <= end:
            return reached
        # The local clock jumps at ``end`` (or a new year starts): bank what this
        # stretch held and carry on from the first instant of the next one.
        amount -= tables.local_cumulative(end + offset) - tables.local_cumulative(t + offset)
        t = end


def add_business_time(cal: Calendar, start: datetime, seconds: int) -> datetime:
    """The earliest instant by which ``seconds`` of business time have passed since ``start``.

    Returns an aware UTC datetime. Adding 0 returns ``start`` itself (converted to UTC),
    even when the calendar is closed at ``start``; use ``next_open_instant`` for "when do
    we open". A positive amount that ends exactly at closing time returns the closing
    instant, not the next opening. Microseconds of ``start`` are kept exactly.

    Raises ``CalendarError`` for a naive ``start``, a negative amount, a calendar with no
    open hours, or a result beyond the supported years.
    """
    t = _to_us(start, "start")
    if seconds < 0:
        raise CalendarError(f"cannot add a negative business duration ({seconds} s)")
    if seconds == 0:
        return _from_us(t)
    return _from_us(_add_us(cal, t, seconds * _US))


def business_seconds_between(cal: Calendar, start: datetime, end: datetime) -> int:
    """Whole seconds of business time in ``[start, end)``; 0 when ``end <= start``.

    The exact duration is rounded down, so with whole-second inputs the result is exact
    and additive: ``between(a, b) + between(b, c) == between(a, c)`` for ``a <= b <= c``.
    Raises ``CalendarError`` for naive datetimes.
    """
    return _between_us(cal, start, end) // _US


def business_time_between(cal: Calendar, start: datetime, end: datetime) -> timedelta:
    """Business time in ``[start, end)``, exact to the microsecond; 0 when ``end <= start``.

    Additive without rounding, which is what a clock that is stopped and started many
    times needs. Raises ``CalendarError`` for naive datetimes.
    """
    return timedelta(microseconds=_between_us(cal, start, end))


def add_business_duration(cal: Calendar, start: datetime, duration: timedelta) -> datetime:
    """``add_business_time`` for a duration exact to the microsecond."""
    t = _to_us(start, "start")
    amount = duration // _ONE_US
    if amount < 0:
        raise CalendarError(f"cannot add a negative business duration ({duration})")
    if amount == 0:
        return _from_us(t)
    return _from_us(_add_us(cal, t, amount))


def _between_us(cal: Calendar, start: datetime, end: datetime) -> int:
    a = _to_us(start, "start")
    b = _to_us(end, "end")
    if b <= a:
        return 0
    tables = cal._tables
    total = 0
    t = a
    while True:
        offset, stretch_end = tables.offsets.segment(t)
        if b <= stretch_end:
            total += tables.local_cumulative(b + offset) - tables.local_cumulative(t + offset)
            return total
        total += tables.local_cumulative(stretch_end + offset) - tables.local_cumulative(t + offset)
        t = stretch_end


def next_open_instant(cal: Calendar, at: datetime) -> datetime:
    """``at`` itself if the calendar is open then, else the instant it next opens (UTC).

    Raises ``CalendarError`` for a naive ``at`` or a calendar with no open hours.
    """
    t = _to_us(at, "at")
    # Business time grows at one µs per µs while open, so the first business µs after
    # ``at`` begins exactly at the next opening.
    return _from_us(_add_us(cal, t, 1) - 1)
