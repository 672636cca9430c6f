"""``promisedesk sla``: business-time calendar maths on the command line.

Commands parse their input, call the pure calendar functions and format the answer.
Every refusal is one line on standard error starting with ``error:`` and exit code 2.
"""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, NoReturn

import orjson
import typer

from promisedesk.calendar_config import CalendarConfigError, load_calendars_file
from promisedesk.domain.calendars import (
    Calendar,
    CalendarError,
    add_business_time,
    business_seconds_between,
)

sla_app = typer.Typer(
    help=(
        "Business-time maths over the calendars of a configuration file. "
        "Instants are ISO 8601 with a UTC offset; due instants are printed in the "
        "calendar's own time zone, with its offset."
    ),
    no_args_is_help=True,
    add_completion=False,
)

ConfigOption = Annotated[
    Path,
    typer.Option("--config", help="TOML file holding [calendars.NAME] tables (others ignored)."),
]
CalendarOption = Annotated[str, typer.Option("--calendar", help="Name of the calendar to use.")]
JsonlOption = Annotated[
    bool,
    typer.Option(
        "--jsonl",
        help=(
            "Read one JSON object per line from standard input and write one answer per "
            "line, in order. The first bad line stops the run (nothing is written) with "
            "its line number on standard error."
        ),
    ),
]


class _Refused(Exception):
    """One line of explanation for the user; turned into ``error: ...`` and exit 2."""


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _load_calendar(config: Path, name: str) -> Calendar:
    try:
        calendars = load_calendars_file(config)
    except CalendarConfigError as error:
        more = f" (and {len(error.messages) - 1} more; run sla check-config)"
        _fail(error.messages[0] + (more if len(error.messages) > 1 else ""))
    if name not in calendars:
        defined = ", ".join(sorted(calendars)) or "none"
        _fail(f"calendar {name!r} is not defined in {config}; defined calendars: {defined}")
    return calendars[name]


def _instant(label: str, text: object, cal: Calendar) -> datetime:
    if not isinstance(text, str):
        raise _Refused(f"{label} should be an ISO 8601 string, not {text!r}")
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise _Refused(
            f"{label} {text!r} is not an ISO 8601 date-time; write it like "
            "2026-03-30T09:00:00+01:00"
        ) from None
    if value.tzinfo is None:
        example = value.replace(tzinfo=cal.zone).isoformat()
        raise _Refused(f"{label} {text!r} has no UTC offset; write it like {example}")
    return value


def _minutes(label: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _Refused(f"{label} should be a whole number of business minutes, not {value!r}")
    if value < 0:
        raise _Refused(f"{label} {value} is negative; business minutes to add must be >= 0")
    return value


def _due(cal: Calendar, start: datetime, minutes: int) -> str:
    try:
        due = add_business_time(cal, start, minutes * 60)
    except CalendarError as error:
        raise _Refused(str(error)) from None
    return due.astimezone(cal.zone).isoformat()


def _seconds(cal: Calendar, start: datetime, end: datetime) -> int:
    try:
        return business_seconds_between(cal, start, end)
    except CalendarError as error:
        raise _Refused(str(error)) from None


def _run_jsonl(keys: tuple[str, str], answer: Callable[[object, object], str]) -> None:
    """Answer each stdin line; all output is written at once, after the last line."""
    lines = sys.stdin.buffer.read().split(b"\n")
    if lines and not lines[-1].strip():
        lines.pop()
    out = []
    first, second = keys
    for number, line in enumerate(lines, start=1):
        try:
            try:
                item = orjson.loads(line)
            except orjson.JSONDecodeError:
                raise _Refused("not a JSON object") from None
            if not isinstance(item, dict) or item.keys() != {first, second}:
                raise _Refused(f"write an object with exactly the keys {first!r} and {second!r}")
            out.append(answer(item[first], item[second]))
        except _Refused as error:
            _fail(f"line {number}: {error}")
    if out:
        sys.stdout.write("\n".join(out) + "\n")


def _check_single(jsonl: bool, given: dict[str, object]) -> None:
    supplied = [name for name, value in given.items() if value is not None]
    if jsonl and supplied:
        _fail(f"--jsonl reads its input from standard input; drop {', '.join(supplied)}")
    missing = [name for name, value in given.items() if value is None]
    if not jsonl and missing:
        _fail(f"missing {', '.join(missing)} (or use --jsonl to read from standard input)")


@sla_app.command("add")
def add_command(
    config: ConfigOption,
    calendar: CalendarOption,
    start: Annotated[
        str | None, typer.Option("--start", help="Start instant, ISO 8601 with offset.")
    ] = None,
    minutes: Annotated[
        int | None, typer.Option("--minutes", help="Business minutes to add (>= 0).")
    ] = None,
    jsonl: JsonlOption = False,
) -> None:
    """Print the due instant: START plus MINUTES of business time.

    The answer is ISO 8601 in the calendar's time zone, with its offset. Adding 0 prints
    the start itself. With --jsonl, lines are {"start": ISO, "minutes": N} and answers
    {"due": ISO}.
    """
    _check_single(jsonl, {"--start": start, "--minutes": minutes})
    cal = _load_calendar(config, calendar)
    if jsonl:

        def answer(start_text: object, minutes_value: object) -> str:
            due = _due(cal, _instant("start", start_text, cal), _minutes("minutes", minutes_value))
            return f'{{"due":"{due}"}}'

        _run_jsonl(("start", "minutes"), answer)
        return
    assert start is not None and minutes is not None
    try:
        typer.echo(_due(cal, _instant("--start", start, cal), _minutes("--minutes", minutes)))
    except _Refused as error:
        _fail(str(error))


@sla_app.command("between")
def between_command(
    config: ConfigOption,
    calendar: CalendarOption,
    start: Annotated[
        str | None, typer.Option("--start", help="Start instant, ISO 8601 with offset.")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--end", help="End instant, ISO 8601 with offset.")
    ] = None,
    jsonl: JsonlOption = False,
) -> None:
    """Print the business seconds from START to END as an integer (0 if END <= START).

    With --jsonl, lines are {"start": ISO, "end": ISO} and answers {"seconds": N}.
    """
    _check_single(jsonl, {"--start": start, "--end": end})
    cal = _load_calendar(config, calendar)
    if jsonl:

        def answer(start_text: object, end_text: object) -> str:
            seconds = _seconds(
                cal, _instant("start", start_text, cal), _instant("end", end_text, cal)
            )
            return f'{{"seconds":{seconds}}}'

        _run_jsonl(("start", "end"), answer)
        return
    assert start is not None and end is not None
    try:
        typer.echo(_seconds(cal, _instant("--start", start, cal), _instant("--end", end, cal)))
    except _Refused as error:
        _fail(str(error))


@sla_app.command("check-config")
def check_config_command(config: ConfigOption) -> None:
    """Validate a policy file (calendars, SLA policies, matrix) and explain each error."""
    from promisedesk.config import parse_policy
    from promisedesk.domain.errors import ConfigError

    try:
        calendars = load_calendars_file(config)
        policy = parse_policy(tomllib.loads(config.read_text(encoding="utf-8")), str(config))
    except CalendarConfigError as error:
        _report(config, error.messages)
    except ConfigError as error:
        _report(config, [m.removeprefix(f"{config}: ") for m in error.details["problems"]])
    typer.echo(f"ok: {len(calendars)} calendar{'s' if len(calendars) != 1 else ''} in {config}")
    for name, cal in calendars.items():
        hours = cal.open_seconds_per_week / 3600
        typer.echo(
            f"  {name}: {cal.timezone}, {hours:g} open hours a week, "
            f"{len(cal.closed_dates)} closed dates"
        )
    for p in policy.sla.policies:
        priorities = ", ".join(sorted(p.targets))
        typer.echo(f"  SLA policy {p.name}: targets for {priorities}")


def _report(config: Path, messages: list[str]) -> NoReturn:
    for message in messages:
        typer.echo(f"error: {message}", err=True)
    count = len(messages)
    typer.echo(f"{config}: {count} problem{'s' if count != 1 else ''}", err=True)
    raise typer.Exit(2)


if __name__ == "__main__":  # pragma: no cover - lets the docs run it before cli.py mounts it
    sla_app()
