"""Response models of the JSON API (request bodies are ``services.commands``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

from pydantic import BaseModel

from promisedesk.domain.codec import payload_to_dict
from promisedesk.domain.tickets import Ticket
from promisedesk.store.tickets import StoredEvent


class TicketOut(BaseModel):
    """A ticket's current state."""

    ref: str
    subject: str
    description: str
    requester: str
    channel: str
    status: str
    impact: str
    urgency: str
    priority: str
    assignee: str | None
    team: str | None
    tier: str
    escalation_level: int
    reopen_count: int
    rating: int | None
    opened_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None
    first_response_at: datetime | None
    last_public_update_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    version: int

    @classmethod
    def of(cls, t: Ticket | Any) -> Self:
        """From a domain ticket or a projection row."""
        get = t._mapping.__getitem__ if hasattr(t, "_mapping") else t.__getattribute__
        return cls.model_validate({name: _plain(get(name)) for name in cls.model_fields})


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)


class TicketDetailOut(TicketOut):
    """A ticket with the promise-related fields only the fold knows."""

    next_update_promised_at: datetime | None
    review_by: datetime | None
    resolution_confirmed: bool | None
    rating_comment: str


class TimelineEntry(BaseModel):
    """One event in a ticket's history."""

    seq: int
    at: datetime
    by: str
    type: str
    data: dict[str, Any]

    @classmethod
    def of(cls, s: StoredEvent) -> TimelineEntry:
        """From a stored event."""
        e = s.event
        return cls(seq=s.seq, at=e.at, by=e.by, type=e.type, data=payload_to_dict(e.payload))


class TicketWithTimeline(BaseModel):
    """GET /api/tickets/{ref}."""

    ticket: TicketDetailOut
    timeline: list[TimelineEntry]


class Recorded(BaseModel):
    """The answer to a write: the ticket after it, and the event recorded."""

    ticket: TicketOut
    event: TimelineEntry


class TicketPage(BaseModel):
    """A page of tickets, newest first; pass ``next_cursor`` as ``cursor`` for more."""

    items: list[TicketOut]
    next_cursor: str | None


class ErrorOut(BaseModel):
    """The one error shape."""

    code: str
    message: str
    details: dict[str, Any]


class TargetClockOut(BaseModel):
    """One SLA target's clock."""

    target: str
    priority: str
    calendar: str
    target_seconds: int
    status: str
    started_at: datetime
    due_at: datetime | None
    stopped_at: datetime | None
    time_left_seconds: int | None
    failed_by_seconds: int | None
    paused_seconds: int
    breaches: int


class TicketSlaOut(BaseModel):
    """GET /api/tickets/{ref}/sla."""

    ticket: str
    now: datetime
    targets: list[TargetClockOut]
