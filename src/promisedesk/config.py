"""Settings (from the environment, read once) and the policy file (TOML).

``Settings`` says where things are: the database, the policy file, the address to
serve on. The policy file says how the desk behaves: the priority matrix now, and
calendars, SLA targets and templates as those parts arrive. Every setting is listed
in ``docs/configuration.md``; a test keeps the two in step.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from promisedesk.domain.errors import ConfigError
from promisedesk.domain.priority import DEFAULT_MATRIX, LEVELS, Level, Priority, PriorityMatrix


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
    sqlite_synchronous: Literal["NORMAL", "FULL"] = Field(
        default="NORMAL",
        description=(
            "SQLite's synchronous pragma. NORMAL (with WAL) keeps every committed write "
            "through a crash of the server process; FULL also through power loss."
        ),
    )


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _PriorityTable(_Strict):
    # One row per impact; the columns are urgency critical, high, medium, low.
    matrix: dict[Level, list[Priority]] = Field(default_factory=dict)


class _PolicyFile(_Strict):
    priority: _PriorityTable = Field(default_factory=_PriorityTable)
    calendars: dict[str, Any] = Field(default_factory=dict)


@dataclass(frozen=True)
class Policy:
    """The parts of the policy file the services use."""

    matrix: PriorityMatrix
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


def parse_policy(data: dict[str, Any], source: str = "policy") -> Policy:
    """Validate a parsed policy file; ``ConfigError`` lists every problem."""
    try:
        parsed = _PolicyFile.model_validate(data)
    except ValidationError as exc:
        problems = _explain(exc, source)
        raise ConfigError(problems[0], {"problems": problems}) from None
    return Policy(matrix=_matrix(parsed.priority, source), raw=data)


def load_policy(path: Path) -> Policy:
    """Read and validate the policy file; a missing file means the defaults."""
    if not path.exists():
        return parse_policy({}, str(path))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path}: not valid TOML ({exc}); fix the line it names",
            {"problems": [f"{path}: {exc}"]},
        ) from None
    return parse_policy(data, str(path))


DEFAULT_POLICY_TEXT = """\
# Promisedesk policy file.
# Everything the desk promises its customers is set here; `promisedesk serve`
# reads it at start. Times are wall-clock in each calendar's own time zone.

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
"""
