"""``promisedesk sla add | between | check-config`` through Typer's test runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from promisedesk.cli_sla import sla_app

CONFIG = """
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

[server]
port = 8000
"""

runner = CliRunner()


@pytest.fixture
def config(tmp_path: Path) -> str:
    path = tmp_path / "promisedesk.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return str(path)


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(sla_app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_add_prints_the_due_instant_in_the_calendar_zone(config: str) -> None:
    code, out, err = run(
        "add", "--config", config, "--calendar", "uk-office",
        "--start", "2026-12-23T15:00:00Z", "--minutes", "240",
    )  # fmt: skip
    # Wed 15:00-17:30, then 24 Dec (closed), 25 (Christmas), weekend, 28 (Boxing Day
    # observed), so the last 90 minutes run on Tuesday 29th from 09:00.
    assert (code, out, err) == (0, "2026-12-29T10:30:00+00:00\n", "")


def test_add_across_the_clock_change_keeps_the_local_offset(config: str) -> None:
    code, out, _ = run(
        "add", "--config", config, "--calendar", "uk-office",
        "--start", "2026-03-27T16:00:00+00:00", "--minutes", "120",
    )  # fmt: skip
    # Friday 16:00-17:30 GMT, then Monday 09:00-09:30 BST.
    assert (code, out) == (0, "2026-03-30T09:30:00+01:00\n")


def test_between_prints_whole_seconds(config: str) -> None:
    code, out, _ = run(
        "between", "--config", config, "--calendar", "always",
        "--start", "2026-03-29T00:00:00+00:00", "--end", "2026-03-30T00:00:00+01:00",
    )  # fmt: skip
    assert (code, out) == (0, "82800\n")  # London's short day, measured in UTC


def test_jsonl_answers_each_line_in_order(config: str) -> None:
    lines = [
        {"start": "2026-05-01T15:00:00+01:00", "minutes": 240},
        {"start": "2026-05-01T15:00:00Z", "minutes": 0},
        {"start": "2026-05-02T12:00:00+01:00", "minutes": 1},
    ]
    stdin = "".join(json.dumps(line) + "\n" for line in lines)
    code, out, err = run(
        "add", "--config", config, "--calendar", "uk-office", "--jsonl", stdin=stdin
    )
    assert code == 0, err
    assert [json.loads(line) for line in out.splitlines()] == [
        {"due": "2026-05-05T10:30:00+01:00"},  # Mon 4 May is the early May bank holiday
        {"due": "2026-05-01T16:00:00+01:00"},
        {"due": "2026-05-05T09:01:00+01:00"},
    ]


def test_jsonl_between(config: str) -> None:
    stdin = (
        '{"start": "2026-06-01T00:00:00Z", "end": "2026-06-08T00:00:00Z"}\n'
        '{"end": "2026-06-01T00:00:00Z", "start": "2026-06-02T00:00:00Z"}'
    )
    code, out, _ = run(
        "between", "--config", config, "--calendar", "uk-office", "--jsonl", stdin=stdin
    )
    # 4 x 8.5 h + 7.5 h on Friday; the second line measures backwards, which is 0.
    assert (code, out) == (0, '{"seconds":149400}\n{"seconds":0}\n')


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        (
            '{"start": "2026-05-01T15:00:00Z", "minutes": 1}\n'
            '{"start": "2026-03-29T09:00", "minutes": 5}\n',
            "error: line 2: start '2026-03-29T09:00' has no UTC offset; "
            "write it like 2026-03-29T09:00:00+01:00\n",
        ),
        ("not json\n", "error: line 1: not a JSON object\n"),
        (
            '{"start": "2026-05-01T15:00:00Z"}\n',
            "error: line 1: write an object with exactly the keys 'start' and 'minutes'\n",
        ),
        (
            '{"start": "2026-05-01T15:00:00Z", "minutes": -5}\n',
            "error: line 1: minutes -5 is negative; business minutes to add must be >= 0\n",
        ),
        (
            '{"start": "2026-05-01T15:00:00Z", "minutes": 1.5}\n',
            "error: line 1: minutes should be a whole number of business minutes, not 1.5\n",
        ),
        (
            '{"start": "yesterday", "minutes": 1}\n',
            "error: line 1: start 'yesterday' is not an ISO 8601 date-time; "
            "write it like 2026-03-30T09:00:00+01:00\n",
        ),
        (
            '{"start": "2026-05-01T15:00:00Z", "minutes": 1}\n\n'
            '{"start": "2026-05-01T15:00:00Z", "minutes": 1}\n',
            "error: line 2: not a JSON object\n",
        ),
    ],
)
def test_a_bad_jsonl_line_stops_the_run(config: str, stdin: str, message: str) -> None:
    code, out, err = run(
        "add", "--config", config, "--calendar", "uk-office", "--jsonl", stdin=stdin
    )
    assert (code, out, err) == (2, "", message)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["add", "--calendar", "uk-office", "--start", "2026-03-29T09:00", "--minutes", "5"],
            "error: --start '2026-03-29T09:00' has no UTC offset; "
            "write it like 2026-03-29T09:00:00+01:00\n",
        ),
        (
            ["add", "--calendar", "nope", "--start", "2026-03-29T09:00Z", "--minutes", "5"],
            "error: calendar 'nope' is not defined in {config}; "
            "defined calendars: always, uk-office\n",
        ),
        (
            ["add", "--calendar", "uk-office", "--start", "2026-03-29T09:00Z"],
            "error: missing --minutes (or use --jsonl to read from standard input)\n",
        ),
        (
            ["add", "--calendar", "uk-office", "--minutes", "-1", "--start", "2026-03-29T09:00Z"],
            "error: --minutes -1 is negative; business minutes to add must be >= 0\n",
        ),
        (
            ["between", "--calendar", "uk-office", "--start", "2026-03-29T09:00Z", "--jsonl"],
            "error: --jsonl reads its input from standard input; drop --start\n",
        ),
        (
            ["between", "--calendar", "uk-office", "--start", "2026-03-29T09:00Z", "--end", "x"],
            "error: --end 'x' is not an ISO 8601 date-time; "
            "write it like 2026-03-30T09:00:00+01:00\n",
        ),
    ],
)
def test_refusals_are_one_line_and_exit_2(config: str, args: list[str], message: str) -> None:
    code, out, err = run(*args[:1], "--config", config, *args[1:])
    assert (code, out, err) == (2, "", message.format(config=config))


def test_check_config_ok(tmp_path: Path) -> None:
    # check-config validates the whole policy file, so only known tables are allowed.
    path = tmp_path / "promisedesk.toml"
    path.write_text(CONFIG.split("[server]")[0], encoding="utf-8")
    config = str(path)
    code, out, _ = run("check-config", "--config", config)
    assert code == 0
    assert out == (
        f"ok: 2 calendars in {config}\n"
        "  uk-office: Europe/London, 41.5 open hours a week, 1157 closed dates\n"
        "  always: UTC, 168 open hours a week, 0 closed dates\n"
    )


def test_check_config_explains_each_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        '[calendars.uk-office]\ntimezone = "Europe/Londn"\n'
        'hours.mon = ["09:00-12:00", "11:00-13:00"]\n',
        encoding="utf-8",
    )
    code, out, err = run("check-config", "--config", str(path))
    assert (code, out) == (2, "")
    assert err == (
        "error: calendars.uk-office.timezone: 'Europe/Londn' is not a known IANA time zone; "
        "write e.g. 'Europe/London' or 'UTC'\n"
        "error: calendars.uk-office.hours.mon: '09:00-12:00' and '11:00-13:00' overlap; "
        "merge them into one range or make them disjoint\n"
        f"{path}: 2 problems\n"
    )


def test_a_bad_config_stops_add_with_the_first_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        '[calendars.x]\ntimezone = "UTC"\nhours.all = ["24:00-01:00"]\n', encoding="utf-8"
    )
    code, _, err = run(
        "add", "--config", str(path), "--calendar", "x",
        "--start", "2026-03-29T09:00Z", "--minutes", "5",
    )  # fmt: skip
    assert code == 2
    assert err == (
        "error: calendars.x.hours.all: '24:00-01:00' starts at 24:00; 24:00 is allowed only "
        "as an end, start the range at 00:00 instead\n"
    )


def test_missing_file(tmp_path: Path) -> None:
    code, _, err = run("check-config", "--config", str(tmp_path / "nope.toml"))
    assert (code, err) == (
        2,
        f"error: {tmp_path / 'nope.toml'}: no such file\n{tmp_path / 'nope.toml'}: 1 problem\n",
    )


def test_check_config_refuses_unknown_tables_and_bad_sla(config: str, tmp_path: Path) -> None:
    code, _, err = run("check-config", "--config", config)
    assert code == 2 and "unknown key 'server'" in err
    path = tmp_path / "sla.toml"
    path.write_text(
        CONFIG.split("[server]")[0] + '[[sla.policies]]\nname = "x"\n[sla.policies.targets.P1]\n'
        'resolve = { within = "4 days", calendar = "nowhere" }\n',
        encoding="utf-8",
    )
    code, _, err = run("check-config", "--config", str(path))
    assert code == 2
    assert "sla.policies[0] ('x').targets.P1.resolve.within" in err
    assert "'4 days' is not a duration" in err
