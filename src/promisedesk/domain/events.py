"""What can happen to a ticket: the event types, each a small frozen record.

An ``Event`` is a fact: its instant, its actor and a typed payload. Ticket state is
the fold of its events (see ``tickets.py``); nothing else is stored as truth.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import ClassVar, Literal

from promisedesk.domain.priority import Level, Priority

Channel = Literal["web", "email", "api", "phone", "chat"]
Tier = Literal["L1", "L2", "L3"]
TIERS: tuple[Tier, ...] = ("L1", "L2", "L3")
#: Who may see an attachment: the customer too (``public``), or agents only.
Visibility = Literal["public", "internal"]


class Status(StrEnum):
    """Where a ticket stands. ``reopened`` is an event, not a status."""

    new = "new"
    acknowledged = "acknowledged"
    in_progress = "in_progress"
    waiting_on_customer = "waiting_on_customer"
    escalated = "escalated"
    resolved = "resolved"
    closed = "closed"


@dataclass(frozen=True)
class Opened:
    """A customer (or an agent on their behalf) raised a ticket."""

    TYPE: ClassVar[str] = "opened"
    subject: str
    description: str
    requester: str
    channel: Channel
    impact: Level
    urgency: Level
    priority: Priority
    triage: Mapping[str, str] = field(default_factory=dict)
    service: str | None = None


@dataclass(frozen=True)
class Acknowledged:
    """The customer was told the ticket arrived; ``automatic`` for a system message."""

    TYPE: ClassVar[str] = "acknowledged"
    automatic: bool = False
    body: str = ""


@dataclass(frozen=True)
class Triaged:
    """Impact and urgency were confirmed or changed, giving a priority."""

    TYPE: ClassVar[str] = "triaged"
    impact: Level
    urgency: Level
    priority: Priority


@dataclass(frozen=True)
class PublicReply:
    """An agent wrote to the customer.

    ``next_update_at`` is the structured next-update field; ``promised`` holds the
    times the text itself commits to, read from it when the reply was sent.
    """

    TYPE: ClassVar[str] = "public_reply"
    body: str
    next_update_at: datetime | None = None
    promised: tuple[datetime, ...] = ()


@dataclass(frozen=True)
class CustomerReply:
    """The customer wrote back."""

    TYPE: ClassVar[str] = "customer_reply"
    body: str


@dataclass(frozen=True)
class InternalNote:
    """A note for agents only; never shown to the customer."""

    TYPE: ClassVar[str] = "internal_note"
    body: str


@dataclass(frozen=True)
class Assigned:
    """The ticket moved to an agent, a team or a tier (any may stay unchanged)."""

    TYPE: ClassVar[str] = "assigned"
    agent: str | None = None
    team: str | None = None
    tier: Tier | None = None


@dataclass(frozen=True)
class StatusChanged:
    """An agent moved the ticket between working statuses."""

    TYPE: ClassVar[str] = "status_changed"
    status: Status
    reason: str = ""


@dataclass(frozen=True)
class Escalated:
    """Handed to a higher tier, saying what was done, why, and when they will review."""

    TYPE: ClassVar[str] = "escalated"
    from_tier: Tier
    to_tier: Tier
    done: str
    reason: str
    review_by: datetime
    team: str | None = None


@dataclass(frozen=True)
class Resolved:
    """A fix is in place; the customer is asked to confirm."""

    TYPE: ClassVar[str] = "resolved"
    summary: str
    root_cause: str = ""
    prevention: str = ""


@dataclass(frozen=True)
class ResolutionConfirmed:
    """The customer confirmed the fix works."""

    TYPE: ClassVar[str] = "resolution_confirmed"
    comment: str = ""


@dataclass(frozen=True)
class ResolutionRejected:
    """The customer says the problem is not fixed; work resumes."""

    TYPE: ClassVar[str] = "resolution_rejected"
    reason: str


@dataclass(frozen=True)
class Reopened:
    """A resolved or closed ticket was opened again."""

    TYPE: ClassVar[str] = "reopened"
    reason: str


@dataclass(frozen=True)
class Closed:
    """The ticket is finished; only a reopen moves it again."""

    TYPE: ClassVar[str] = "closed"
    note: str = ""


@dataclass(frozen=True)
class Rated:
    """The customer's satisfaction rating, 1 (poor) to 5 (excellent)."""

    TYPE: ClassVar[str] = "rated"
    score: int
    comment: str = ""


@dataclass(frozen=True)
class CallbackScheduled:
    """An agent promised to call the customer back by ``due_at``."""

    TYPE: ClassVar[str] = "callback_scheduled"
    due_at: datetime
    note: str = ""


@dataclass(frozen=True)
class CallbackMade:
    """The promised call took place."""

    TYPE: ClassVar[str] = "callback_made"
    note: str = ""


@dataclass(frozen=True)
class BreachEscalated:
    """The watcher escalated a broken commitment per policy (lead told, level raised)."""

    TYPE: ClassVar[str] = "breach_escalated"
    commitment: str
    kind: str
    notify: str = ""


@dataclass(frozen=True)
class AttachmentAdded:
    """A file was attached to the ticket; its bytes are stored beside the event.

    ``attachment`` is the file's id (kept by replay), ``sha256`` the hex digest of
    its bytes. An ``internal`` attachment is for agents only, like an internal note.
    """

    TYPE: ClassVar[str] = "attachment_added"
    attachment: str
    filename: str
    size: int
    content_type: str
    sha256: str
    visibility: Visibility = "public"


Payload = (
    Opened
    | Acknowledged
    | Triaged
    | PublicReply
    | CustomerReply
    | InternalNote
    | Assigned
    | StatusChanged
    | Escalated
    | Resolved
    | ResolutionConfirmed
    | ResolutionRejected
    | Reopened
    | Closed
    | Rated
    | CallbackScheduled
    | CallbackMade
    | BreachEscalated
    | AttachmentAdded
)

PAYLOAD_TYPES: dict[str, type[Payload]] = {
    cls.TYPE: cls
    for cls in (
        Opened,
        Acknowledged,
        Triaged,
        PublicReply,
        CustomerReply,
        InternalNote,
        Assigned,
        StatusChanged,
        Escalated,
        Resolved,
        ResolutionConfirmed,
        ResolutionRejected,
        Reopened,
        Closed,
        Rated,
        CallbackScheduled,
        CallbackMade,
        BreachEscalated,
        AttachmentAdded,
    )
}

#: Event types a customer may see in the timeline; the rest are for agents only.
#: An ``attachment_added`` event is public only when its attachment is (see
#: ``is_internal``).
PUBLIC_TYPES = frozenset(
    {
        "opened",
        "acknowledged",
        "public_reply",
        "customer_reply",
        "escalated",
        "resolved",
        "resolution_confirmed",
        "resolution_rejected",
        "reopened",
        "closed",
        "rated",
        "callback_scheduled",
        "callback_made",
        "attachment_added",
    }
)


@dataclass(frozen=True)
class Event:
    """One fact about one ticket: what happened, when, and who did it."""

    at: datetime
    by: str
    payload: Payload

    @property
    def type(self) -> str:
        """The event's type name, as written in logs and the API."""
        return self.payload.TYPE


def is_internal(event: Event) -> bool:
    """Whether the event is for agents only: an internal type, or an internal file."""
    if event.type not in PUBLIC_TYPES:
        return True
    return isinstance(event.payload, AttachmentAdded) and event.payload.visibility == "internal"
