"""What a rule sees (``LintContext``) and what it returns (``Finding``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Literal, get_args

from promisedesk.domain.errors import InvalidInput
from promisedesk.domain.events import Status
from promisedesk.domain.lint.glossary import DEFAULT_GLOSSARY
from promisedesk.domain.priority import Priority
from promisedesk.domain.promises import ExtractionResult, extract_promises, zone_named

Kind = Literal["first_reply", "update", "escalation", "closure", "internal_note"]
Severity = Literal["error", "warning", "info"]
KINDS: tuple[Kind, ...] = get_args(Kind)
CUSTOMER_FACING: frozenset[Kind] = frozenset(k for k in KINDS if k != "internal_note")
WHILE_OPEN: frozenset[Kind] = frozenset({"first_reply", "update", "escalation"})
NOT_AWAITING_US = frozenset({Status.waiting_on_customer, Status.resolved, Status.closed})


@dataclass(frozen=True)
class Finding:
    """One thing wrong in a reply, at ``text[start:end]``."""

    rule: str
    severity: Severity
    start: int
    end: int
    message: str
    suggestion: str


@dataclass(frozen=True)
class LintContext:
    """What a rule may know about the reply besides its text.

    ``now`` is aware; ``tz_name`` is the customer's IANA zone, in which times in the
    text are read. ``status``, ``priority``, ``cadence`` and ``next_update_at`` (the
    reply's structured next-update field) are ``None`` when not known.
    """

    kind: Kind
    now: datetime
    tz_name: str = "UTC"
    status: Status | None = None
    priority: Priority | None = None
    cadence: timedelta | None = None
    next_update_at: datetime | None = None
    glossary: Mapping[str, str] = field(default_factory=lambda: DEFAULT_GLOSSARY)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InvalidInput(
                f"Unknown reply kind {self.kind!r}: use one of {', '.join(KINDS)}.",
                {"kind": self.kind},
            )
        if self.now.tzinfo is None or self.now.utcoffset() is None:
            raise InvalidInput("'now' must be timezone-aware.", {"now": self.now.isoformat()})
        zone_named(self.tz_name)

    @property
    def zone(self) -> tzinfo:
        """The customer's zone."""
        return zone_named(self.tz_name)

    def extraction(self, text: str) -> ExtractionResult:
        """The promises in ``text``; cached, so rules that need it share one pass."""
        return extract_promises(text, self.now, self.tz_name)
