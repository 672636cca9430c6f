"""Business-time calendars: a regression table, then properties against a brute-force oracle.

The oracle steps through real time one minute at a time and asks ``zoneinfo`` for the local
wall-clock time of each minute; it shares no code with the arithmetic under test. Calendars
here have whole-minute bounds and every zone used has whole-minute offsets, so a minute is
either wholly open or wholly closed and the oracle is exact.
"""

from __future__ import annotations

import os
import time
from bisect import bisect_left
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from promisedesk.domain.calendars import (
    Calendar,
    CalendarError,
    Interval,
    add_business_time,
    business_seconds_between,
    next_open_instant,
    parse_day_hours,
    parse_interval,
)

MINUTE = timedelta(minutes=1)
ALL_DAY: tuple[Interval, ...] = ((0, 1440),)
NINE_TO_FIVE: tuple[Interval, ...] = ((540, 1020),)
WEEKDAYS_9_17 = (NINE_TO_FIVE,) * 5 + ((), ())


def cal(
    zone: str, hours: tuple[tuple[Interval, ...], ...], closed: tuple[date, ...] = ()
) -> Calendar:
    return Calendar(name="test", timezone=zone, hours=hours, closed_dates=closed)


def every_day(*intervals: Interval) -> tuple[tuple[Interval, ...], ...]:
    return (tuple(intervals),) * 7


def local_day_seconds(calendar: Calendar, day: date) -> int:
    """Business seconds between local midnight of ``day`` and of the next date."""
    zone = calendar.zone
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    nxt = day + timedelta(days=1)
    end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=zone)
    return business_seconds_between(calendar, start, end)


H = 3600

# ------------------------------------------------------------------ regression table

DAY_LENGTHS = [
    # zone, hours each day, local date, business seconds that local date holds
    ("Europe/London", ALL_DAY, date(2026, 3, 29), 23 * H),  # spring forward
    ("Europe/London", ALL_DAY, date(2026, 10, 25), 25 * H),  # fall back
    ("Europe/London", ALL_DAY, date(2026, 6, 1), 24 * H),
    ("Europe/London", ((60, 120),), date(2026, 3, 29), 0),  # 01:00-02:00 never happens
    ("Europe/London", ((60, 120),), date(2026, 10, 25), 2 * H),  # 01:00-02:00 happens twice
    ("America/New_York", ALL_DAY, date(2026, 3, 8), 23 * H),
    ("America/New_York", ALL_DAY, date(2026, 11, 1), 25 * H),
    ("America/New_York", ((120, 180),), date(2026, 3, 8), 0),
    ("Australia/Lord_Howe", ALL_DAY, date(2026, 4, 5), 24 * H + 1800),  # 30-minute shift back
    ("Australia/Lord_Howe", ALL_DAY, date(2026, 10, 4), 23 * H + 1800),
    ("Australia/Lord_Howe", ((90, 150),), date(2026, 4, 5), 90 * 60),  # 01:30-02:00 twice
    ("Australia/Lord_Howe", ((120, 150),), date(2026, 10, 4), 0),  # 02:00-02:30 skipped
    ("Asia/Kolkata", ALL_DAY, date(2026, 3, 29), 24 * H),
    ("Asia/Kolkata", ALL_DAY, date(2026, 10, 25), 24 * H),
    ("Pacific/Apia", ALL_DAY, date(2011, 12, 29), 24 * H),
    ("Pacific/Apia", ALL_DAY, date(2011, 12, 30), 0),  # the day Samoa skipped
    ("Pacific/Apia", ALL_DAY, date(2011, 12, 31), 24 * H),
    ("America/Sao_Paulo", ALL_DAY, date(2018, 11, 4), 23 * H),  # DST began at midnight
    ("America/Sao_Paulo", ALL_DAY, date(2019, 2, 16), 25 * H),  # last fall back
    ("America/Sao_Paulo", ALL_DAY, date(2019, 11, 3), 24 * H),  # DST abolished in 2019
    ("Europe/Moscow", ALL_DAY, date(2011, 3, 27), 23 * H),  # last spring forward
    ("Europe/Moscow", ALL_DAY, date(2011, 10, 30), 24 * H),  # stayed on +04
    ("Europe/Moscow", ALL_DAY, date(2014, 10, 26), 25 * H),  # back to +03
]


@pytest.mark.parametrize(("zone", "day_hours", "day", "expected"), DAY_LENGTHS)
def test_length_of_a_local_day(
    zone: str, day_hours: tuple[Interval, ...], day: date, expected: int
) -> None:
    assert local_day_seconds(cal(zone, (day_hours,) * 7), day) == expected


LONDON = ZoneInfo("Europe/London")
GB_CHRISTMAS_2026 = (date(2026, 12, 25), date(2026, 12, 28))

ADDITIONS = [
    # zone, hours, closed, start, seconds, expected due (any offset; compared as instants)
    (
        "Europe/London",
        WEEKDAYS_9_17,
        GB_CHRISTMAS_2026,
        datetime(2026, 12, 24, 15, tzinfo=LONDON),
        4 * H,
        datetime(2026, 12, 29, 11, tzinfo=LONDON),
    ),
    (  # Friday 15:00 + 4h over the spring-forward weekend
        "Europe/London",
        WEEKDAYS_9_17,
        (),
        datetime(2026, 3, 27, 15, tzinfo=LONDON),
        4 * H,
        datetime(2026, 3, 30, 11, tzinfo=LONDON),
    ),
    (  # ending exactly at closing time gives closing time, not the next opening
        "Europe/London",
        WEEKDAYS_9_17,
        (),
        datetime(2026, 6, 10, 15, tzinfo=LONDON),
        2 * H,
        datetime(2026, 6, 10, 17, tzinfo=LONDON),
    ),
    (  # a start before opening begins counting at 09:00
        "Europe/London",
        WEEKDAYS_9_17,
        (),
        datetime(2026, 6, 8, 7, tzinfo=LONDON),
        H,
        datetime(2026, 6, 8, 10, tzinfo=LONDON),
    ),
    (  # 24:00 joins the next day's 00:00
        "UTC",
        every_day((1320, 1440), (0, 120)),
        (),
        datetime(2026, 6, 10, 23, tzinfo=UTC),
        2 * H,
        datetime(2026, 6, 11, 1, tzinfo=UTC),
    ),
    (  # all-day calendar across London's fall back: 3 real hours, 3 business hours
        "Europe/London",
        every_day((0, 1440)),
        (),
        datetime(2026, 10, 25, 0, 30, tzinfo=LONDON),
        3 * H,
        datetime(2026, 10, 25, 2, 30, tzinfo=LONDON),
    ),
    (  # Kolkata, no DST, +05:30
        "Asia/Kolkata",
        WEEKDAYS_9_17,
        (),
        datetime(2026, 3, 30, 15, tzinfo=ZoneInfo("Asia/Kolkata")),
        4 * H,
        datetime(2026, 3, 31, 11, tzinfo=ZoneInfo("Asia/Kolkata")),
    ),
    (  # Thursday 2011-12-29 in Apia; Friday never happened there
        "Pacific/Apia",
        WEEKDAYS_9_17,
        (),
        datetime(2011, 12, 29, 16, tzinfo=ZoneInfo("Pacific/Apia")),
        2 * H,
        datetime(2012, 1, 2, 10, tzinfo=ZoneInfo("Pacific/Apia")),
    ),
    (  # adding zero returns the start even when closed
        "Europe/London",
        WEEKDAYS_9_17,
        (),
        datetime(2026, 6, 13, 12, tzinfo=LONDON),
        0,
        datetime(2026, 6, 13, 12, tzinfo=LONDON),
    ),
]


@pytest.mark.parametrize(("zone", "hours", "closed", "start", "seconds", "expected"), ADDITIONS)
def test_add_regressions(
    zone: str,
    hours: tuple[tuple[Interval, ...], ...],
    closed: tuple[date, ...],
    start: datetime,
    seconds: int,
    expected: datetime,
) -> None:
    due = add_business_time(cal(zone, hours, closed), start, seconds)
    assert due == expected
    assert due.tzinfo is UTC


def test_closed_dates_are_skipped_when_measuring() -> None:
    calendar = cal("Europe/London", WEEKDAYS_9_17, GB_CHRISTMAS_2026)
    start = datetime(2026, 12, 21, tzinfo=LONDON)
    end = datetime(2027, 1, 4, tzinfo=LONDON)
    assert business_seconds_between(calendar, start, end) == 8 * 8 * H  # 10 weekdays - 2


def test_long_ranges_are_whole_weeks_at_once() -> None:
    calendar = cal("Europe/London", WEEKDAYS_9_17)
    start = datetime(2001, 1, 1, tzinfo=UTC)  # a Monday
    end = datetime(2101, 1, 3, tzinfo=UTC)  # 100 years and 2 days later, a Monday
    weeks = (end.date() - start.date()).days // 7
    assert business_seconds_between(calendar, start, end) == weeks * 40 * H
    assert add_business_time(calendar, start, weeks * 40 * H) == datetime(
        2100, 12, 31, 17, tzinfo=LONDON
    )


def test_next_open_instant() -> None:
    calendar = cal("Europe/London", WEEKDAYS_9_17, (date(2026, 6, 15),))
    saturday = datetime(2026, 6, 13, 12, tzinfo=LONDON)
    assert next_open_instant(calendar, saturday) == datetime(2026, 6, 16, 9, tzinfo=LONDON)
    inside = datetime(2026, 6, 16, 9, 0, 0, 1, tzinfo=LONDON)
    assert next_open_instant(calendar, inside) == inside


def test_measuring_backwards_gives_zero() -> None:
    calendar = cal("UTC", every_day((0, 1440)))
    a = datetime(2026, 6, 10, tzinfo=UTC)
    assert business_seconds_between(calendar, a + timedelta(hours=5), a) == 0
    assert business_seconds_between(calendar, a, a) == 0


def test_microseconds_are_exact_and_measures_round_down() -> None:
    calendar = cal("UTC", every_day((540, 1020)))
    start = datetime(2026, 6, 10, 16, 59, 59, 500_000, tzinfo=UTC)
    due = add_business_time(calendar, start, 1)
    assert due == datetime(2026, 6, 11, 9, 0, 0, 500_000, tzinfo=UTC)
    assert business_seconds_between(calendar, start, due) == 1
    assert business_seconds_between(calendar, start, due - timedelta(microseconds=1)) == 0


def test_refusals() -> None:
    calendar = cal("UTC", WEEKDAYS_9_17)
    closed_forever = cal("UTC", ((),) * 7)
    aware = datetime(2026, 6, 10, tzinfo=UTC)
    with pytest.raises(CalendarError, match="has no UTC offset"):
        add_business_time(calendar, datetime(2026, 6, 10), 60)  # noqa: DTZ001
    with pytest.raises(CalendarError, match="has no UTC offset"):
        business_seconds_between(calendar, aware, datetime(2026, 6, 11))  # noqa: DTZ001
    with pytest.raises(CalendarError, match="negative"):
        add_business_time(calendar, aware, -1)
    with pytest.raises(CalendarError, match="no open hours"):
        add_business_time(closed_forever, aware, 1)
    with pytest.raises(CalendarError, match="no open hours"):
        next_open_instant(closed_forever, aware)
    assert business_seconds_between(closed_forever, aware, aware + timedelta(days=9)) == 0
    with pytest.raises(CalendarError, match="not a known IANA time zone"):
        cal("Europe/Londn", WEEKDAYS_9_17)
    with pytest.raises(CalendarError, match="overlap"):
        cal("UTC", every_day((540, 720), (700, 800)))
    with pytest.raises(CalendarError, match="supported years"):
        add_business_time(calendar, datetime(9998, 12, 31, tzinfo=UTC), 10**8)


def test_calendar_normalises_hours_and_dates() -> None:
    a = cal("UTC", every_day((720, 1020), (540, 720)), (date(2026, 1, 2), date(2026, 1, 1)))
    b = cal("UTC", every_day((540, 1020)), (date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 1)))
    assert a == b
    assert a.open_seconds_per_week == 7 * 8 * H


# ------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("text", "expected"),
    [("09:00-17:30", (540, 1050)), ("00:00-24:00", (0, 1440)), ("23:59-24:00", (1439, 1440))],
)
def test_parse_interval(text: str, expected: Interval) -> None:
    assert parse_interval(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "14:00-13:00",
            "hours.fri: '14:00-13:00' ends before it starts; write HH:MM-HH:MM with the end "
            "after the start",
        ),
        (
            "25:00-26:00",
            "hours.fri: '25:00' in '25:00-26:00' is not a time of day; hours run 00-23",
        ),
        ("09:60-10:00", "hours.fri: '09:60' in '09:60-10:00' is not a time of day; minutes run"),
        ("24:00-24:00", "hours.fri: '24:00-24:00' starts at 24:00"),
        ("09:00-09:00", "hours.fri: '09:00-09:00' is empty"),
        ("9:00-17:00", "hours.fri: '9:00-17:00' is not a time range; write HH:MM-HH:MM"),
        ("09:00 - 17:00", "hours.fri: '09:00 - 17:00' is not a time range"),
        ("24:30-24:40", "hours.fri: '24:30' in '24:30-24:40' is not a time of day"),
    ],
)
def test_parse_interval_errors(text: str, message: str) -> None:
    with pytest.raises(CalendarError) as caught:
        parse_interval(text, "hours.fri")
    assert str(caught.value).startswith(message)
    assert caught.value.key == "hours.fri"


def test_parse_day_hours_joins_touching_and_refuses_overlap() -> None:
    assert parse_day_hours(["12:00-17:00", "09:00-12:00"]) == ((540, 1020),)
    assert parse_day_hours([]) == ()
    with pytest.raises(CalendarError) as caught:
        parse_day_hours(["09:00-12:00", "11:00-17:00"], "hours.mon")
    assert str(caught.value) == (
        "hours.mon: '09:00-12:00' and '11:00-17:00' overlap; "
        "merge them into one range or make them disjoint"
    )


# ------------------------------------------------------------------ the oracle


def oracle_open(calendar: Calendar, minute: datetime) -> bool:
    local = minute.astimezone(calendar.zone)
    if local.date() in calendar.closed_dates:
        return False
    clock = local.hour * 60 + local.minute
    return any(start <= clock < end for start, end in calendar.hours[local.weekday()])


def oracle_open_minutes(calendar: Calendar, start: datetime, minutes: int) -> list[datetime]:
    """The open minutes among the ``minutes`` real minutes from ``start``, in order."""
    return [start + i * MINUTE for i in range(minutes) if oracle_open(calendar, start + i * MINUTE)]


# --------------------------------------------------------------- hypothesis input

# Instants near each zone's interesting changes, so that generated cases hit them often.
ANCHORS = {
    "Europe/London": ["2026-03-29T01:00Z", "2026-10-25T01:00Z", "2026-12-24T12:00Z"],
    "America/New_York": ["2026-03-08T07:00Z", "2026-11-01T06:00Z"],
    "Asia/Kolkata": ["2026-03-29T00:00Z", "2026-06-01T00:00Z"],
    "Australia/Lord_Howe": ["2026-04-04T15:00Z", "2026-10-03T15:30Z"],
    "America/Sao_Paulo": ["2018-11-04T03:00Z", "2019-02-17T02:00Z", "2019-11-03T03:00Z"],
    "Pacific/Apia": ["2011-12-30T10:00Z", "2021-04-04T13:00Z"],
    "Europe/Moscow": ["2011-03-26T23:00Z", "2014-10-25T22:00Z"],
}
ZONES = sorted(ANCHORS)
# Interval bounds that sit on or next to the usual transition hours, plus any quarter hour.
BOUNDS = st.one_of(
    st.sampled_from([0, 30, 60, 90, 120, 150, 180, 540, 1020, 1380, 1440]),
    st.integers(0, 96).map(lambda q: q * 15),
)


@st.composite
def day_hours(draw: st.DrawFn) -> tuple[Interval, ...]:
    points = sorted(set(draw(st.lists(BOUNDS, max_size=6))))
    if len(points) % 2:
        points.pop()
    return tuple(zip(points[::2], points[1::2], strict=True))


@st.composite
def calendars(draw: st.DrawFn) -> tuple[Calendar, datetime]:
    """A random calendar and an anchor instant (UTC, whole minute) near a clock change."""
    zone = draw(st.sampled_from(ZONES))
    anchor = datetime.fromisoformat(draw(st.sampled_from(ANCHORS[zone])))
    hours = tuple(draw(day_hours()) for _ in range(7))
    if not any(hours):
        hours = ((draw(st.sampled_from([(0, 1440), (60, 120), (540, 1020)])),), *hours[1:])
    local_day = anchor.astimezone(ZoneInfo(zone)).date()
    closed = draw(st.sets(st.integers(-4, 8), max_size=4))
    closed_dates = tuple(local_day + timedelta(days=d) for d in closed)
    return cal(zone, hours, closed_dates), anchor


def near(anchor: datetime) -> st.SearchStrategy[datetime]:
    return st.integers(-3 * 1440, 2 * 1440).map(lambda m: anchor + m * MINUTE)


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
WINDOW = 6 * 1440  # how far the oracle looks, in minutes


@FAST
@given(calendars(), st.data())
def test_between_matches_the_oracle(case: tuple[Calendar, datetime], data: st.DataObject) -> None:
    calendar, anchor = case
    start = data.draw(near(anchor))
    open_minutes = oracle_open_minutes(calendar, start, WINDOW)
    ends = data.draw(st.lists(st.integers(0, WINDOW), min_size=1, max_size=30))
    for minutes in ends:
        end = start + minutes * MINUTE
        expected = 60 * bisect_left(open_minutes, end)
        assert business_seconds_between(calendar, start, end) == expected


@FAST
@given(calendars(), st.data())
def test_add_matches_the_oracle(case: tuple[Calendar, datetime], data: st.DataObject) -> None:
    calendar, anchor = case
    start = data.draw(near(anchor))
    open_minutes = oracle_open_minutes(calendar, start, WINDOW)
    assume(open_minutes)
    amounts = data.draw(st.lists(st.integers(0, len(open_minutes)), min_size=1, max_size=30))
    for minutes in amounts:
        expected = start if minutes == 0 else open_minutes[minutes - 1] + MINUTE
        assert add_business_time(calendar, start, minutes * 60) == expected


@FAST
@given(calendars(), st.data())
def test_next_open_matches_the_oracle(case: tuple[Calendar, datetime], data: st.DataObject) -> None:
    calendar, anchor = case
    start = data.draw(near(anchor))
    open_minutes = oracle_open_minutes(calendar, start, WINDOW)
    assume(open_minutes)
    assert next_open_instant(calendar, start) == open_minutes[0]


# Second-level instants and durations for the invariants, which need no oracle.
def instants(anchor: datetime) -> st.SearchStrategy[datetime]:
    return st.integers(-10 * 86400, 10 * 86400).map(lambda s: anchor + timedelta(seconds=s))


DURATIONS = st.integers(0, 30 * 86400)


@FAST
@given(calendars(), st.data())
def test_add_then_measure_returns_the_duration(
    case: tuple[Calendar, datetime], data: st.DataObject
) -> None:
    calendar, anchor = case
    start = data.draw(instants(anchor))
    seconds = data.draw(DURATIONS)
    due = add_business_time(calendar, start, seconds)
    assert business_seconds_between(calendar, start, due) == seconds
    if seconds:  # and the due instant is the earliest such instant
        assert business_seconds_between(calendar, start, due - timedelta(seconds=1)) == seconds - 1


@FAST
@given(calendars(), st.data())
def test_measure_is_additive(case: tuple[Calendar, datetime], data: st.DataObject) -> None:
    calendar, anchor = case
    a, b, c = sorted(data.draw(instants(anchor)) for _ in range(3))
    whole = business_seconds_between(calendar, a, c)
    assert whole == business_seconds_between(calendar, a, b) + business_seconds_between(
        calendar, b, c
    )


@FAST
@given(calendars(), st.data())
def test_results_never_go_backward(case: tuple[Calendar, datetime], data: st.DataObject) -> None:
    calendar, anchor = case
    s1, s2 = sorted(data.draw(instants(anchor)) for _ in range(2))
    d1, d2 = sorted(data.draw(DURATIONS) for _ in range(2))
    assert add_business_time(calendar, s1, d1) <= add_business_time(calendar, s1, d2)
    assert add_business_time(calendar, s1, d1) <= add_business_time(calendar, s2, d1)
    assert s1 <= next_open_instant(calendar, s1) <= next_open_instant(calendar, s2)
    end = s2 + timedelta(seconds=d1)
    assert business_seconds_between(calendar, s1, s2) <= business_seconds_between(calendar, s1, end)


def test_results_do_not_depend_on_the_process_time_zone() -> None:
    def compute() -> list[object]:
        results: list[object] = []
        for zone, anchors in sorted(ANCHORS.items()):
            calendar = cal(zone, every_day((60, 150), (540, 1020)))  # fresh: no cached offsets
            for text in anchors:
                start = datetime.fromisoformat(text) - timedelta(hours=30)
                results.append(add_business_time(calendar, start, 20 * H))
                results.append(business_seconds_between(calendar, start, start + timedelta(days=3)))
                results.append(next_open_instant(calendar, start))
        return results

    saved = os.environ.get("TZ")
    try:
        os.environ["TZ"] = "UTC"
        time.tzset()
        expected = compute()
        for tz in ("America/Los_Angeles", "Asia/Kathmandu", "Australia/Lord_Howe", "Europe/London"):
            os.environ["TZ"] = tz
            time.tzset()
            assert compute() == expected, tz
    finally:
        if saved is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = saved
        time.tzset()
