"""The [calendars.NAME] tables: what is accepted, and the message for each mistake."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from promisedesk.calendar_config import CalendarConfigError, load_calendars, load_calendars_file

EXAMPLE = """
[calendars.uk-office]
timezone = "Europe/London"
hours.mon = ["09:00-17:30"]
hours.tue = ["09:00-17:30"]
hours.wed = ["09:00-17:30"]
hours.thu = ["09:00-17:30"]
hours.fri = ["09:00-13:00", "14:00-17:30"]
holidays = { country = "GB", subdivision = "ENG" }
closed = ["2026-12-24"]
[calendars.always]
timezone = "UTC"
hours.all = ["00:00-24:00"]

[sla.policies.p1]
respond = "1h"
"""


def errors_of(toml_text: str) -> list[str]:
    with pytest.raises(CalendarConfigError) as caught:
        load_calendars(tomllib.loads(toml_text))
    return caught.value.messages


def one_calendar(body: str) -> str:
    return '[calendars.c]\ntimezone = "UTC"\n' + body


def test_the_documented_example_loads_and_other_tables_are_ignored() -> None:
    calendars = load_calendars(tomllib.loads(EXAMPLE))
    assert sorted(calendars) == ["always", "uk-office"]
    office = calendars["uk-office"]
    assert office.timezone == "Europe/London"
    assert office.hours[4] == ((540, 780), (840, 1050))
    assert office.hours[5] == office.hours[6] == ()
    assert date(2026, 12, 24) in office.closed_dates  # extra closed date
    assert date(2026, 12, 25) in office.closed_dates  # Christmas, from the holidays package
    assert date(2026, 8, 31) in office.closed_dates  # summer bank holiday, England
    assert date(2100, 12, 25) in office.closed_dates  # expanded up to 2100
    assert calendars["always"].open_seconds_per_week == 7 * 86400


def test_subdivision_matters() -> None:
    text = one_calendar(
        'hours.all = ["09:00-17:00"]\nholidays = {country = "GB", subdivision = "SCT"}'
    )
    scotland = load_calendars(tomllib.loads(text))["c"]
    assert date(2026, 1, 2) in scotland.closed_dates  # 2 January is a Scottish bank holiday


def test_no_calendars_table_gives_no_calendars() -> None:
    assert load_calendars({"sla": {}}) == {}


def test_closed_accepts_native_toml_dates() -> None:
    calendar = load_calendars(
        tomllib.loads(one_calendar('hours.all = ["09:00-17:00"]\nclosed = [2026-12-24]'))
    )
    assert calendar["c"].closed_dates == (date(2026, 12, 24),)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            'hours.mon = ["09:00-12:00", "11:00-17:00"]',
            "calendars.c.hours.mon: '09:00-12:00' and '11:00-17:00' overlap; "
            "merge them into one range or make them disjoint",
        ),
        (
            'hours.tue = ["25:00-26:00"]',
            "calendars.c.hours.tue: '25:00' in '25:00-26:00' is not a time of day; hours run "
            "00-23 (24:00 is allowed only as an end)",
        ),
        (
            'hours.fri = ["14:00-13:00"]',
            "calendars.c.hours.fri: '14:00-13:00' ends before it starts; write HH:MM-HH:MM with "
            "the end after the start (to cross midnight, end at 24:00 and start again at 00:00 "
            "the next day)",
        ),
        (
            'hours.mon = "09:00-17:00"',
            "calendars.c.hours.mon: should be a list of strings (got '09:00-17:00')",
        ),
        (
            'hours.all = ["09:00-17:00"]\nhours.mon = ["09:00-12:00"]',
            "calendars.c.hours: 'all' and 'mon' are both set; "
            "use hours.all alone, or list each day",
        ),
        (
            'hours.mnd = ["09:00-17:00"]',
            "calendars.c.hours.mnd: unknown key; known keys here: mon, tue, wed, thu, fri, sat, "
            "sun, all",
        ),
        (
            'hours.all = ["09:00-17:00"]\ncolour = "red"',
            "calendars.c.colour: unknown key; known keys here: timezone, hours, holidays, closed",
        ),
        (
            "",
            "calendars.c: no open hours on any day, so business time would never pass; "
            "add hours.mon ... hours.sun or hours.all",
        ),
        (
            'hours.all = ["09:00-17:00"]\nholidays = { country = "XX" }',
            "calendars.c.holidays: 'XX' is not a country known to the holidays package; "
            "use an ISO 3166-1 alpha-2 code such as 'GB' or 'US'",
        ),
        (
            'hours.all = ["09:00-17:00"]\nholidays = { country = "GB", subdivision = "ZZZ" }',
            "calendars.c.holidays: 'ZZZ' is not a subdivision of GB; "
            "known subdivisions: ENG, NIR, SCT, WLS",
        ),
        (
            'hours.all = ["09:00-17:00"]\nholidays = { country = "GB", region = "ENG" }',
            "calendars.c.holidays.region: unknown key; known keys here: country, subdivision",
        ),
        (
            'hours.all = ["09:00-17:00"]\nholidays = "GB"',
            "calendars.c.holidays: should be a table (got 'GB')",
        ),
        (
            'hours.all = ["09:00-17:00"]\nclosed = ["2026-02-30"]',
            "calendars.c.closed[0]: '2026-02-30' is not a date; write YYYY-MM-DD, e.g. 2026-12-24",
        ),
        (
            'hours.all = ["09:00-17:00"]\nclosed = [20261224]',
            "calendars.c.closed[0]: 20261224 is not a date; write YYYY-MM-DD, e.g. 2026-12-24",
        ),
        (
            'hours.all = ["09:00-17:00"]\nclosed = [2026-12-24T10:00:00]',
            "calendars.c.closed[0]: '2026-12-24T10:00:00' is a date-time; "
            "write a date as YYYY-MM-DD",
        ),
    ],
)
def test_each_mistake_names_its_key(body: str, message: str) -> None:
    assert errors_of(one_calendar(body)) == [message]


def test_unknown_zone_and_missing_zone() -> None:
    assert errors_of(
        '[calendars.uk-office]\ntimezone = "Europe/Londn"\nhours.all = ["00:00-24:00"]'
    ) == [
        "calendars.uk-office.timezone: 'Europe/Londn' is not a known IANA time zone; "
        "write e.g. 'Europe/London' or 'UTC'"
    ]
    assert errors_of('[calendars.x]\nhours.all = ["00:00-24:00"]') == [
        "calendars.x.timezone: is required"
    ]


def test_every_problem_is_reported_at_once() -> None:
    text = """
[calendars.a]
timezone = "Mars/Olympus"
hours.mon = ["09:00-08:00"]
[calendars."b c"]
timezone = "UTC"
hours.all = ["9-5"]
"""
    assert errors_of(text) == [
        "calendars.a.timezone: 'Mars/Olympus' is not a known IANA time zone; "
        "write e.g. 'Europe/London' or 'UTC'",
        "calendars.a.hours.mon: '09:00-08:00' ends before it starts; write HH:MM-HH:MM with "
        "the end after the start (to cross midnight, end at 24:00 and start again at 00:00 "
        "the next day)",
        "calendars.\"b c\".hours.all: '9-5' is not a time range; write HH:MM-HH:MM, "
        "e.g. '09:00-17:30'",
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"calendars": "uk"},
            "calendars: should be tables like [calendars.office], not a single value",
        ),
        ({"calendars": {"uk": 3}}, "calendars.uk: should be a table like [calendars.uk]"),
    ],
)
def test_wrong_shapes(data: dict[str, Any], message: str) -> None:
    with pytest.raises(CalendarConfigError) as caught:
        load_calendars(data)
    assert caught.value.messages == [message]


def test_files(tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text(EXAMPLE, encoding="utf-8")
    assert sorted(load_calendars_file(good)) == ["always", "uk-office"]
    bad = tmp_path / "bad.toml"
    bad.write_text("[calendars.x\n", encoding="utf-8")
    with pytest.raises(CalendarConfigError, match="not valid TOML"):
        load_calendars_file(bad)
    with pytest.raises(CalendarConfigError, match="no such file"):
        load_calendars_file(tmp_path / "missing.toml")


def test_holiday_years_can_be_narrowed() -> None:
    text = one_calendar('hours.all = ["09:00-17:00"]\nholidays = { country = "GB" }')
    calendar = load_calendars(tomllib.loads(text), holiday_years=range(2026, 2027))["c"]
    assert {d.year for d in calendar.closed_dates} == {2026}
