"""SLA policy configuration: accepted shapes and errors that name the key."""

from __future__ import annotations

import tomllib

import pytest

from promisedesk.config import DEFAULT_POLICY_TEXT, parse_policy
from promisedesk.domain.errors import ConfigError
from promisedesk.domain.priority import Priority
from promisedesk.domain.sla import TargetKind
from promisedesk.sla_config import parse_duration

CALENDARS = '[calendars.always]\ntimezone = "UTC"\nhours.all = ["00:00-24:00"]\n'


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as exc:
        parse_policy(tomllib.loads(CALENDARS + text), "p.toml")
    return list(exc.value.details["problems"])


def test_default_policy_file_parses() -> None:
    policy = parse_policy(tomllib.loads(DEFAULT_POLICY_TEXT))
    p1 = policy.sla.policy_for(Priority.P1)
    assert p1 is not None and p1.targets[Priority.P1][TargetKind.acknowledge].seconds == 900
    assert policy.watch.warn_before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[sla.policies]]\nname = "empty"\n', "sla.policies[0] ('empty').targets: required"),
        ('[[sla.policies]]\nname = "e"\ntargets = {}\n', "needs targets for at least one"),
        (
            '[[sla.policies]]\nname = "x"\n[sla.policies.targets.P1]\n'
            'resolve = { within = "4h", calendar = "office" }\n',
            "targets.P1.resolve.calendar: no calendar named 'office' (known: always)",
        ),
        (
            '[[sla.policies]]\nname = "x"\n[sla.policies.targets.P9]\n'
            'resolve = { within = "4h", calendar = "always" }\n',
            "targets.P9",
        ),
        (
            '[[sla.policies]]\nname = "x"\n[sla.policies.targets.P1]\n'
            'resolve = { within = "4h", calendar = "always", pause_when = ["lunch"] }\n',
            "resolve.pause_when[0]: Input should be",
        ),
        (
            '[[sla.policies]]\nname = "x"\n[sla.policies.targets.P1]\n'
            'resolv = { within = "4h", calendar = "always" }\n',
            "resolv: unknown key",
        ),
        ('[sla.warn_before]\nnext_update = "soon"\n', "'soon' is not a duration"),
        (
            '[calendars.bad]\ntimezone = "Mars/Olympus"\nhours.all = ["00:00-24:00"]\n',
            "calendars.bad.timezone",
        ),
        ('[calendars.bad]\ntimezone = "UTC"\nhours.mon = ["09:00-25:00"]\n', "25:00"),
        ('[calendars.bad]\ntimezone = "UTC"\nhours.mon = ["17:00-09:00"]\n', "hours.mon"),
        (
            '[calendars.bad]\ntimezone = "UTC"\nhours.mon = ["09:00-12:00", "11:00-13:00"]\n',
            "overlap",
        ),
        (
            '[calendars.bad]\ntimezone = "UTC"\nhours.mon = ["09:00-12:00"]\n'
            'holidays = { country = "XX" }\n',
            "calendars.bad.holidays",
        ),
    ],
)
def test_bad_configuration_names_the_key(text: str, expected: str) -> None:
    found = problems(text)
    assert any(expected in p for p in found), found
    assert all(p.startswith("p.toml: ") for p in found)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("15m", 900), ("4h", 14400), ("1h30m", 5400), (90, 5400), ("2 h 5 min", 7500)],
)
def test_durations(text: str | int, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["0m", "", "3d", "-5m", 0, "soon"])
def test_bad_durations(text: str | int) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)
