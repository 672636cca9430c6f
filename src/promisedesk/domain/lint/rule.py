"""What every lint rule provides, and the base the built-in rules share."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Protocol

from promisedesk.domain.lint.context import CUSTOMER_FACING, Finding, Kind, LintContext, Severity


class Rule(Protocol):
    """What every lint rule, built-in or custom, provides."""

    @property
    def id(self) -> str:
        """Stable identifier, used by the API, the CLI and the pages."""
        ...

    @property
    def severity(self) -> Severity:
        """``error`` (do not send), ``warning`` or ``info``."""
        ...

    @property
    def message(self) -> str:
        """What is wrong, in general terms."""
        ...

    @property
    def suggestion(self) -> str:
        """What to write instead."""
        ...

    @property
    def kinds(self) -> frozenset[Kind]:
        """The kinds of reply the rule applies to."""
        ...

    def check(self, text: str, context: LintContext) -> list[Finding]:
        """The findings of this rule in ``text``."""
        ...


class BuiltinRule:
    """The attributes of a built-in rule and a shorthand for its findings."""

    id: str
    severity: Severity
    message: str
    suggestion: str
    kinds: frozenset[Kind] = CUSTOMER_FACING

    def finding(self, start: int, end: int, message: str = "", suggestion: str = "") -> Finding:
        """A finding of this rule at ``start:end``, with its own message unless given."""
        return Finding(
            self.id, self.severity, start, end, message or self.message,
            suggestion or self.suggestion,
        )  # fmt: skip


def text_end(text: str) -> int:
    """Where a finding about the whole message goes: after the last non-space."""
    return len(text.rstrip())


def local_time(instant: datetime, zone: tzinfo) -> str:
    """``instant`` as the customer reads it in a message: "10:00 GMT on Tue 10 Mar"."""
    local = instant.astimezone(zone)
    return f"{local:%H:%M} {local.tzname()} on {local:%a %d %b}"
