"""Settings (from the environment, read once) and the policy file (TOML).

``Settings`` says where things are: the database, the policy file, the address to
serve on. The policy file says how the desk behaves: the priority matrix now, and
calendars, SLA targets and templates as those parts arrive. Every setting is listed
in ``docs/configuration.md``; a test keeps the two in step.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from promisedesk.calendar_config import CalendarConfigError, load_calendars
from promisedesk.domain.calendars import Calendar
from promisedesk.domain.commitments import WatchPolicy
from promisedesk.domain.errors import ConfigError
from promisedesk.domain.priority import DEFAULT_MATRIX, LEVELS, Level, Priority, PriorityMatrix
from promisedesk.domain.sla import SlaBook
from promisedesk.sla_config import (
    PublishedTable,
    SlaConfigError,
    load_sla,
    load_watch,
    published,
)


class Settings(BaseSettings):
    """Where Promisedesk keeps its data and how it serves; ``PROMISEDESK_*`` variables."""

    model_config = SettingsConfigDict(env_prefix="PROMISEDESK_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///promisedesk.db",
        description="SQLAlchemy URL; SQLite by default, postgresql://... for PostgreSQL.",
    )
    config_path: Path = Field(
        default=Path("promisedesk.toml"), description="The policy file (TOML)."
    )
    host: str = Field(default="127.0.0.1", description="Address `serve` listens on.")
    port: int = Field(default=8000, ge=0, le=65535, description="Port `serve` listens on.")
    workers: int = Field(default=1, ge=1, le=64, description="Web worker processes.")
    max_body_bytes: int = Field(
        default=1_048_576, ge=1024, description="Largest request body accepted, in bytes."
    )
    max_attachment_bytes: int = Field(
        default=10_485_760,
        ge=1,
        description="Largest attachment accepted, in bytes (exempt from max_body_bytes).",
    )
    sqlite_synchronous: Literal["NORMAL", "FULL"] = Field(
        default="NORMAL",
        description=(
            "SQLite's synchronous pragma. NORMAL (with WAL) keeps every committed write "
            "through a crash of the server process; FULL also through power loss."
        ),
    )
    base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The address people reach the desk at; links in mail start with it.",
    )
    session_seconds: int = Field(
        default=43_200, ge=60, le=2_592_000, description="How long a signed-in session lasts."
    )
    cookie_secure: Literal["auto", "always", "never"] = Field(
        default="auto",
        description=(
            "Mark the session cookie Secure: auto when the request came over HTTPS "
            "(directly or as told by a trusted proxy), always, or never."
        ),
    )
    login_max_failures: int = Field(
        default=5,
        ge=1,
        description="Failed sign-ins per address within login_window_seconds before 429.",
    )
    login_window_seconds: int = Field(
        default=900, ge=1, description="The window over which failed sign-ins are counted."
    )
    link_minutes: int = Field(
        default=15, ge=1, le=1440, description="How long a sign-in or reset link works."
    )
    intake_limit_per_client: int = Field(
        default=30,
        ge=0,
        description="Tickets one signed-in client may open per minute (0: no limit).",
    )
    smtp_host: str | None = Field(
        default=None,
        description=(
            "SMTP server the outbox is delivered through; unset, messages wait in the "
            "outbox (nothing is lost) until one is configured."
        ),
    )
    smtp_port: int = Field(default=25, ge=1, le=65535, description="Port of smtp_host.")
    mail_from: str = Field(
        default="IT Service Desk <desk@localhost>",
        description="The From of the mail the desk sends; its domain names Message-IDs.",
    )
    intake_limit_per_requester: int = Field(
        default=10,
        ge=0,
        description="Tickets opened for one requester address per minute (0: no limit).",
    )


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _PriorityTable(_Strict):
    # One row per impact; the columns are urgency critical, high, medium, low.
    matrix: dict[Level, list[Priority]] = Field(default_factory=dict)


class DeskTable(_Strict):
    """``[desk]``: who the desk is and the defaults for customers it knows little of."""

    name: str = "IT Service Desk"
    timezone: str = "UTC"
    locale: str = "en_GB"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a known IANA time zone") from None
        return value


class _PolicyFile(_Strict):
    # Calendars and SLA are validated by their own loaders, which name each key.
    desk: DeskTable = Field(default_factory=DeskTable)
    templates: dict[str, dict[str, Any]] = Field(default_factory=dict)
    priority: _PriorityTable = Field(default_factory=_PriorityTable)
    calendars: dict[str, Any] = Field(default_factory=dict)
    sla: dict[str, Any] = Field(default_factory=dict)


@dataclass(frozen=True)
class Policy:
    """The parts of the policy file the services use."""

    desk: DeskTable
    matrix: PriorityMatrix
    calendars: Mapping[str, Calendar]
    sla: SlaBook
    watch: WatchPolicy
    published: PublishedTable
    raw: dict[str, Any]


def _explain(exc: ValidationError, source: str) -> list[str]:
    out = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            out.append(f"{source}: unknown key '{where}'; remove it or check its spelling")
        else:
            out.append(f"{source}: {where}: {err['msg']}")
    return out


def _matrix(table: _PriorityTable, source: str) -> PriorityMatrix:
    if not table.matrix:
        return DEFAULT_MATRIX
    problems = []
    cells: dict[tuple[Level, Level], Priority] = {}
    for impact in LEVELS:
        row = table.matrix.get(impact)
        if row is None or len(row) != len(LEVELS):
            problems.append(
                f"{source}: priority.matrix.{impact.value} must list 4 priorities, one per "
                'urgency (critical, high, medium, low), like ["P1", "P1", "P2", "P3"]'
            )
            continue
        for urgency, prio in zip(LEVELS, row, strict=True):
            cells[(impact, urgency)] = prio
    if problems:
        raise ConfigError("the priority matrix is incomplete", {"problems": problems})
    return PriorityMatrix(cells)


def _refuse(problems: list[str]) -> ConfigError:
    return ConfigError(problems[0], {"problems": problems})


def parse_policy(data: dict[str, Any], source: str = "policy") -> Policy:
    """Validate a parsed policy file; ``ConfigError`` lists every problem."""
    try:
        parsed = _PolicyFile.model_validate(data)
    except ValidationError as exc:
        raise _refuse(_explain(exc, source)) from None
    try:
        calendars = load_calendars(data)
    except CalendarConfigError as exc:
        raise _refuse([f"{source}: {m}" for m in exc.messages]) from None
    try:
        book = load_sla(data, calendars)
    except SlaConfigError as exc:
        raise _refuse([f"{source}: {m}" for m in exc.messages]) from None
    return Policy(
        desk=parsed.desk,
        matrix=_matrix(parsed.priority, source),
        calendars=calendars,
        sla=book,
        watch=load_watch(data),
        published=published(data),
        raw=data,
    )


@lru_cache(maxsize=16)
def _parse_text(text: str, source: str) -> Policy:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _refuse([f"{source}: not valid TOML ({exc}); fix the line it names"]) from None
    return parse_policy(data, source)


def load_policy(path: Path) -> Policy:
    """Read and validate the policy file; a missing file means the built-in defaults.

    Parsed files are cached by content: holiday tables take a moment to expand.
    """
    if not path.exists():
        return _parse_text(DEFAULT_POLICY_TEXT, "built-in defaults")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _refuse([f"{path}: cannot be read ({exc})"]) from None
    return _parse_text(text, str(path))


DEFAULT_POLICY_TEXT = """\
# Promisedesk policy file.
# Everything the desk promises its customers is set here; `promisedesk serve`
# reads it at start. Times are wall-clock in each calendar's own time zone.

# Who the desk is, and the time zone and language used for customers whose own
# are not known (replies are read and written in the customer's zone).
[desk]
name = "IT Service Desk"
timezone = "Europe/London"
locale = "en_GB"

# Priority from impact x urgency (ITIL). One row per impact; the four columns are
# urgency critical, high, medium, low. P1 is the most urgent.
[priority.matrix]
critical = ["P1", "P1", "P2", "P3"]
high     = ["P1", "P2", "P3", "P3"]
medium   = ["P2", "P3", "P3", "P4"]
low      = ["P3", "P3", "P4", "P4"]

# Business calendars: when the desk counts time toward its targets.
# Days not listed are closed; `hours.all` sets every day; 24:00 may end a day.
[calendars.office]
timezone = "Europe/London"
hours.mon = ["09:00-17:30"]
hours.tue = ["09:00-17:30"]
hours.wed = ["09:00-17:30"]
hours.thu = ["09:00-17:30"]
hours.fri = ["09:00-17:30"]
holidays = { country = "GB", subdivision = "ENG" }
closed = []

[calendars.always]
timezone = "UTC"
hours.all = ["00:00-24:00"]

# Service level targets. Each target counts business time on the calendar it names
# and, unless `pause_when` says otherwise, does not count time spent waiting on the
# customer (acknowledge never pauses). Durations are like "15m", "4h", "1h30m".
# Policies are tried in order; the first whose services / customer_groups match
# (empty lists match everything) and that has targets for the priority applies.
[sla.published]
intro = "What you can expect from the IT service desk."
channels = ["Web portal", "Email", "Phone during office hours"]

# The watcher warns the owner this long before a commitment falls due ...
[sla.warn_before]
acknowledge = "5m"
first_response = "10m"
next_update = "15m"
resolve = "1h"
escalation_review = "15m"
callback = "10m"

# ... and when one breaks, tells the team lead and raises the escalation level.
[sla.on_breach]
notify_lead = true
raise_escalation_level = true
kinds = ["first_response", "next_update", "resolve", "escalation_review"]

[[sla.policies]]
name = "standard"
# When a next update is near due (at its warning), the watcher can "draft" a short
# holding update for the owner to send, or "send" it itself; "off" by default.
auto_holding_update = "off"

[sla.policies.targets.P1]
acknowledge    = { within = "15m", calendar = "always" }
first_response = { within = "30m", calendar = "always" }
update_cadence = { within = "1h",  calendar = "always" }
resolve        = { within = "4h",  calendar = "always" }

[sla.policies.targets.P2]
acknowledge    = { within = "30m", calendar = "always" }
first_response = { within = "1h",  calendar = "office" }
update_cadence = { within = "2h",  calendar = "office" }
resolve        = { within = "8h",  calendar = "office" }

[sla.policies.targets.P3]
acknowledge    = { within = "1h",  calendar = "always" }
first_response = { within = "4h",  calendar = "office" }
update_cadence = { within = "8h",  calendar = "office" }
resolve        = { within = "24h", calendar = "office" }

[sla.policies.targets.P4]
acknowledge    = { within = "1h",  calendar = "always" }
first_response = { within = "8h",  calendar = "office" }
update_cadence = { within = "16h", calendar = "office" }
resolve        = { within = "40h", calendar = "office" }
"""
