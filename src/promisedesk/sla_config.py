"""The ``[sla]`` part of the policy file, validated into a domain ``SlaBook``.

```toml
[sla.published]
channels = ["Portal: https://help.example.com", "Email: help@example.com"]

[[sla.policies]]
name = "standard"
services = []            # empty: every service (first matching policy wins)
customer_groups = []     # empty: every customer group

[sla.policies.targets.P1]
acknowledge    = { within = "15m", calendar = "always" }
first_response = { within = "30m", calendar = "always" }
update_cadence = { within = "1h",  calendar = "always" }
resolve        = { within = "4h",  calendar = "always", pause_when = ["waiting_on_customer"] }
```

Errors name the key and the problem, like the calendar errors do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from promisedesk.domain.calendars import Calendar
from promisedesk.domain.commitments import Kind, WatchPolicy
from promisedesk.domain.events import Status
from promisedesk.domain.priority import Priority
from promisedesk.domain.sla import DEFAULT_PAUSES, SlaBook, SlaPolicy, Target, TargetKind

_DURATION = re.compile(r"^\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*$")


class SlaConfigError(ValueError):
    """The SLA configuration was refused; ``messages`` holds one line per problem."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


def parse_duration(text: str | int) -> int:
    """Seconds in "15m", "4h", "1h30m" or a whole number of minutes."""
    if isinstance(text, int) and not isinstance(text, bool):
        if text <= 0:
            raise ValueError(f"{text} minutes: a target must be longer than zero")
        return text * 60
    m = _DURATION.match(str(text))
    if not m or not any(m.groups()):
        raise ValueError(
            f"{text!r} is not a duration; write hours and minutes like '4h', '90m' or '1h30m'"
        )
    seconds = int(m.group(1) or 0) * 3600 + int(m.group(2) or 0) * 60
    if seconds <= 0:
        raise ValueError(f"{text!r}: a target must be longer than zero")
    return seconds


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TargetTable(_Strict):
    """One target: how long, on which calendar, paused in which statuses."""

    within: str | int
    calendar: str
    pause_when: list[Status] | None = None

    @field_validator("within")
    @classmethod
    def _duration(cls, value: str | int) -> str | int:
        parse_duration(value)
        return value


class TargetsTable(_Strict):
    """The four targets of one priority; any may be left out."""

    acknowledge: TargetTable | None = None
    first_response: TargetTable | None = None
    update_cadence: TargetTable | None = None
    resolve: TargetTable | None = None


class PolicyTable(_Strict):
    """One policy: which tickets it covers and its targets per priority."""

    name: str = Field(min_length=1)
    services: list[str] = Field(default_factory=list)
    customer_groups: list[str] = Field(default_factory=list)
    targets: dict[Priority, TargetsTable]
    # Before a next update would break: "off", or prepare ("draft") or send a short
    # holding update (built-in template ``holding_update``) when the warning is due.
    auto_holding_update: Literal["off", "draft", "send"] = "off"


class PublishedTable(_Strict):
    """What the published SLA page says besides the targets."""

    channels: list[str] = Field(default_factory=list)
    intro: str = ""


class WarnKinds(_Strict):
    """Lead times ("15m") per commitment kind."""

    acknowledge: str | int | None = None
    first_response: str | int | None = None
    next_update: str | int | None = None
    resolve: str | int | None = None
    escalation_review: str | int | None = None
    callback: str | int | None = None

    @field_validator("*")
    @classmethod
    def _duration(cls, value: str | int | None) -> str | int | None:
        if value is not None:
            parse_duration(value)
        return value

    def seconds(self) -> dict[Kind, int]:
        """The lead times given, in seconds."""
        return {
            kind: parse_duration(v) for kind in Kind if (v := getattr(self, kind.value)) is not None
        }


class WarnTable(WarnKinds):
    """``[sla.warn_before]``, with optional ``[sla.warn_before.P1]`` overrides."""

    P1: WarnKinds | None = None
    P2: WarnKinds | None = None
    P3: WarnKinds | None = None
    P4: WarnKinds | None = None


class BreachTable(_Strict):
    """``[sla.on_breach]``: what the watcher does when a commitment breaks."""

    notify_lead: bool = True
    raise_escalation_level: bool = True
    kinds: list[Kind] = Field(
        default_factory=lambda: [
            Kind.first_response,
            Kind.next_update,
            Kind.resolve,
            Kind.escalation_review,
        ]
    )


class SlaTable(_Strict):
    """The whole ``[sla]`` table."""

    published: PublishedTable = Field(default_factory=PublishedTable)
    policies: list[PolicyTable] = Field(default_factory=list)
    warn_before: WarnTable = Field(default_factory=WarnTable)
    on_breach: BreachTable = Field(default_factory=BreachTable)


def _where(loc: tuple[int | str, ...], data: Mapping[str, Any]) -> str:
    parts: list[str] = ["sla"]
    node: Any = data
    for item in loc:
        if isinstance(item, int) and isinstance(node, list) and item < len(node):
            entry = node[item]
            name = entry.get("name") if isinstance(entry, Mapping) else None
            parts[-1] += f"[{item}]" + (f" ({name!r})" if name else "")
            node = entry
            continue
        parts.append(str(item))
        node = node.get(item) if isinstance(node, Mapping) else None
    return ".".join(parts)


def _messages(error: ValidationError, data: Mapping[str, Any]) -> list[str]:
    out = []
    for err in error.errors():
        loc = tuple(x for x in err["loc"] if x not in ("str", "int"))
        where = _where(loc, data)
        if err["type"] == "extra_forbidden":
            out.append(f"{where}: unknown key; remove it or check its spelling")
        elif err["type"] == "missing":
            out.append(f"{where}: required")
        else:
            msg = err["msg"].removeprefix("Value error, ")
            out.append(f"{where}: {msg}")
    return out


def load_sla(data: Mapping[str, Any], calendars: Mapping[str, Calendar]) -> SlaBook:
    """Build the SLA book from the ``sla`` table; ``SlaConfigError`` lists every problem."""
    raw = data.get("sla", {})
    try:
        table = SlaTable.model_validate(raw)
    except ValidationError as error:
        raise SlaConfigError(_messages(error, raw)) from None
    problems: list[str] = []
    policies: list[SlaPolicy] = []
    for i, p in enumerate(table.policies):
        where = f"sla.policies[{i}] ({p.name!r})"
        if not p.targets:
            problems.append(f"{where}.targets: a policy needs targets for at least one priority")
        per_priority: dict[Priority, dict[TargetKind, Target]] = {}
        for priority, targets in p.targets.items():
            chosen: dict[TargetKind, Target] = {}
            for kind in TargetKind:
                t: TargetTable | None = getattr(targets, kind.value)
                if t is None:
                    continue
                if t.calendar not in calendars:
                    known = ", ".join(sorted(calendars)) or "none are defined"
                    problems.append(
                        f"{where}.targets.{priority.value}.{kind.value}.calendar: no calendar "
                        f"named {t.calendar!r} (known: {known})"
                    )
                    continue
                pauses = (
                    frozenset(t.pause_when) if t.pause_when is not None else DEFAULT_PAUSES[kind]
                )
                chosen[kind] = Target(kind, parse_duration(t.within), t.calendar, pauses)
            per_priority[priority] = chosen
        policies.append(
            SlaPolicy(
                name=p.name,
                targets=per_priority,
                services=frozenset(p.services),
                customer_groups=frozenset(p.customer_groups),
                auto_holding_update=p.auto_holding_update,
            )
        )
    if problems:
        raise SlaConfigError(problems)
    return SlaBook(policies=tuple(policies), calendars=dict(calendars))


def load_watch(data: Mapping[str, Any]) -> WatchPolicy:
    """The watcher's policy (warnings and breach escalation); validated by ``load_sla``."""
    table = SlaTable.model_validate(data.get("sla", {}))
    warn = table.warn_before
    per_priority = {
        priority: kinds.seconds()
        for priority in Priority
        if (kinds := getattr(warn, priority.value)) is not None
    }
    return WatchPolicy(
        warn_before=warn.seconds(),
        warn_before_priority=per_priority,
        notify_lead=table.on_breach.notify_lead,
        raise_escalation_level=table.on_breach.raise_escalation_level,
        escalate_kinds=frozenset(table.on_breach.kinds),
    )


def published(data: Mapping[str, Any]) -> PublishedTable:
    """The published-SLA texts (channels, intro); validated by ``load_sla`` already."""
    return SlaTable.model_validate(data.get("sla", {})).published
