"""The ``[calendars.NAME]`` tables of the configuration file, validated into ``Calendar``s.

This is the impure edge of the calendar maths: it reads TOML, asks the ``holidays``
package for public holidays and reports every problem at once, each message naming the
key path (``calendars.uk-office.timezone: 'Europe/Londn' is not a known IANA time zone``).

Other top-level tables are ignored here, so a file with only ``[calendars.*]`` tables is a
valid input, and so is the full configuration file.

Holidays are expanded for ``DEFAULT_HOLIDAY_YEARS`` (1970-2100) unless the caller passes
another range; outside it a calendar simply has no holidays.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_package
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from promisedesk.domain.calendars import WEEKDAYS, Calendar, CalendarError, parse_day_hours

__all__ = [
    "DEFAULT_HOLIDAY_YEARS",
    "CalendarConfigError",
    "CalendarTable",
    "load_calendars",
    "load_calendars_file",
]

DEFAULT_HOLIDAY_YEARS = range(1970, 2101)


class CalendarConfigError(ValueError):
    """The calendar configuration was refused; ``messages`` holds one line per problem."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


def _parse_date(value: object) -> object:
    # TOML has a native date type; a quoted "2026-12-24" is accepted too, but not the
    # integers and datetimes that Pydantic's lax date parsing would let through.
    if isinstance(value, datetime):
        raise ValueError(f"{value.isoformat()!r} is a date-time; write a date as YYYY-MM-DD")
    if isinstance(value, date):
        return value
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"{value!r} is not a date; write YYYY-MM-DD, e.g. 2026-12-24")


ClosedDate = Annotated[date, BeforeValidator(_parse_date)]


class HolidaySource(BaseModel):
    """``holidays = { country = "GB", subdivision = "ENG" }``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    country: str
    subdivision: str | None = None

    @model_validator(mode="after")
    def _known_to_holidays_package(self) -> HolidaySource:
        supported = holidays_package.list_supported_countries()
        if self.country not in supported:
            raise ValueError(
                f"{self.country!r} is not a country known to the holidays package; "
                "use an ISO 3166-1 alpha-2 code such as 'GB' or 'US'"
            )
        if self.subdivision is not None:
            try:
                holidays_package.country_holidays(self.country, subdiv=self.subdivision)
            except NotImplementedError:
                known = ", ".join(supported[self.country]) or "none"
                raise ValueError(
                    f"{self.subdivision!r} is not a subdivision of {self.country}; "
                    f"known subdivisions: {known}"
                ) from None
        return self


class HoursTable(BaseModel):
    """``hours.mon`` ... ``hours.sun`` and ``hours.all``: lists of ``"HH:MM-HH:MM"``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mon: list[str] | None = None
    tue: list[str] | None = None
    wed: list[str] | None = None
    thu: list[str] | None = None
    fri: list[str] | None = None
    sat: list[str] | None = None
    sun: list[str] | None = None
    all: list[str] | None = None

    @field_validator(*WEEKDAYS, "all")
    @classmethod
    def _ranges_parse(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            try:
                parse_day_hours(value)
            except CalendarError as error:
                raise ValueError(error.problem) from None
        return value

    @model_validator(mode="after")
    def _all_or_days(self) -> HoursTable:
        days = [day for day in WEEKDAYS if getattr(self, day) is not None]
        if self.all is not None and days:
            raise ValueError(
                f"'all' and {', '.join(repr(d) for d in days)} are both set; "
                "use hours.all alone, or list each day"
            )
        return self

    def week(self) -> tuple[tuple[tuple[int, int], ...], ...]:
        """Seven days of parsed intervals, Monday first; days not listed are closed."""
        if self.all is not None:
            return (parse_day_hours(self.all),) * 7
        return tuple(parse_day_hours(getattr(self, day) or []) for day in WEEKDAYS)


class CalendarTable(BaseModel):
    """One ``[calendars.NAME]`` table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str
    hours: HoursTable = Field(default_factory=HoursTable)
    holidays: HolidaySource | None = None
    closed: list[ClosedDate] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not a known IANA time zone; write e.g. 'Europe/London' or 'UTC'"
            ) from None
        return value

    @model_validator(mode="after")
    def _some_open_hours(self) -> CalendarTable:
        if not any(self.hours.week()):
            raise ValueError(
                "no open hours on any day, so business time would never pass; "
                "add hours.mon ... hours.sun or hours.all"
            )
        return self


@lru_cache(maxsize=32)
def _holiday_dates(
    country: str, subdivision: str | None, first_year: int, last_year: int
) -> tuple[date, ...]:
    found = holidays_package.country_holidays(
        country, subdiv=subdivision, years=range(first_year, last_year + 1)
    )
    return tuple(sorted(found.keys()))


def _key_path(name: str, loc: tuple[int | str, ...]) -> str:
    bare = re.fullmatch(r"[A-Za-z0-9_-]+", name) is not None
    path = "calendars." + (name if bare else f'"{name}"')
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


_FRIENDLY = {
    "extra_forbidden": "unknown key",
    "missing": "is required",
    "list_type": "should be a list of strings",
    "string_type": "should be a string",
    "model_type": "should be a table",
    "dict_type": "should be a table",
}
_SHOW_INPUT = {"list_type", "string_type", "model_type", "dict_type"}


def _known_keys(parent: tuple[int | str, ...]) -> str:
    models: dict[tuple[int | str, ...], type[BaseModel]] = {
        ("hours",): HoursTable,
        ("holidays",): HolidaySource,
    }
    return ", ".join(models.get(parent, CalendarTable).model_fields)


def _messages(name: str, error: ValidationError) -> list[str]:
    messages = []
    for item in error.errors(include_url=False):
        if item["type"] == "value_error":
            problem = str(item["ctx"]["error"])
        else:
            problem = _FRIENDLY.get(item["type"], item["msg"])
        if item["type"] == "extra_forbidden":
            problem += f"; known keys here: {_known_keys(tuple(item['loc'][:-1]))}"
        if item["type"] in _SHOW_INPUT:
            problem += f" (got {item['input']!r})"
        messages.append(f"{_key_path(name, tuple(item['loc']))}: {problem}")
    return messages


def load_calendars(
    toml_data: Mapping[str, Any], holiday_years: range = DEFAULT_HOLIDAY_YEARS
) -> dict[str, Calendar]:
    """Validate the ``calendars`` table of parsed TOML and build one ``Calendar`` per entry.

    Raises ``CalendarConfigError`` listing every problem found, each naming its key.
    A missing ``calendars`` table gives an empty dict.
    """
    tables = toml_data.get("calendars", {})
    if not isinstance(tables, Mapping):
        raise CalendarConfigError(
            ["calendars: should be tables like [calendars.office], not a single value"]
        )
    calendars: dict[str, Calendar] = {}
    messages: list[str] = []
    for name, raw in tables.items():
        if not isinstance(raw, Mapping):
            messages.append(f"{_key_path(name, ())}: should be a table like [calendars.{name}]")
            continue
        try:
            table = CalendarTable.model_validate(raw)
        except ValidationError as error:
            messages.extend(_messages(name, error))
            continue
        closed = set(table.closed)
        if table.holidays is not None and holiday_years:
            closed.update(
                _holiday_dates(
                    table.holidays.country,
                    table.holidays.subdivision,
                    holiday_years[0],
                    holiday_years[-1],
                )
            )
        calendars[name] = Calendar(
            name=name,
            timezone=table.timezone,
            hours=table.hours.week(),
            closed_dates=tuple(sorted(closed)),
        )
    if messages:
        raise CalendarConfigError(messages)
    return calendars


def load_calendars_file(
    path: Path, holiday_years: range = DEFAULT_HOLIDAY_YEARS
) -> dict[str, Calendar]:
    """Read a TOML file and ``load_calendars`` from it; unreadable files are config errors."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CalendarConfigError([f"{path}: no such file"]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise CalendarConfigError([f"{path}: cannot be read ({error})"]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CalendarConfigError([f"{path}: not valid TOML: {error}"]) from None
    return load_calendars(data, holiday_years)
