"""Response models of the JSON API (request bodies are ``services.commands``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self
from urllib.parse import quote

from pydantic import BaseModel

from promisedesk.domain import access as policy
from promisedesk.domain.accounts import Principal
from promisedesk.domain.codec import payload_to_dict
from promisedesk.domain.events import AttachmentAdded
from promisedesk.domain.tickets import Ticket
from promisedesk.store.tickets import StoredEvent


class TicketOut(BaseModel):
    """A ticket's current state.

    ``assignee``, ``team``, ``tier`` and ``escalation_level`` are internal routing:
    they are ``null`` when the reader is a customer.
    """

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
    tier: str | None
    escalation_level: int | None
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

    def for_customer(self) -> Self:
        """The same ticket with the fields a customer may not read blanked."""
        return self.model_copy(update={k: None for k in policy.HIDDEN_TICKET_FIELDS})


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
    def of(cls, s: StoredEvent, reader: Principal | None = None) -> TimelineEntry:
        """From a stored event, with the fields ``reader`` may read (all by default)."""
        e = s.event
        data = payload_to_dict(e.payload)
        if reader is not None and not reader.is_staff:
            data = policy.event_fields(reader, e.type, data)
        return cls(seq=s.seq, at=e.at, by=e.by, type=e.type, data=data)


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


class CommitmentOut(BaseModel):
    """One commitment of the ledger."""

    id: str
    ticket: str
    kind: str
    source: str
    made_at: datetime
    made_by: str
    due_at: datetime | None
    reason: str
    outcome: str
    settled_at: datetime | None
    settled_by_event: int | None
    warned_at: datetime | None

    @classmethod
    def of(cls, r: Any) -> Self:
        """From a stored row."""
        return cls(
            id=r.id,
            ticket=r.ticket_ref,
            kind=r.kind,
            source=r.source,
            made_at=r.made_at,
            made_by=r.made_by,
            due_at=r.due_at,
            reason=r.reason,
            outcome=r.outcome,
            settled_at=r.settled_at,
            settled_by_event=r.settled_seq,
            warned_at=r.warned_at,
        )


class QueueItem(CommitmentOut):
    """An open commitment in someone's queue, with its ticket."""

    subject: str
    requester: str
    assignee: str | None
    team: str | None
    priority: str


class PromiseLineOut(BaseModel):
    """A line of the promised-vs-delivered log."""

    id: str
    kind: str
    source: str
    promised_at: datetime
    promised_by: str
    due_at: datetime | None
    outcome: str
    settled_at: datetime | None
    how: str


class ChecklistOut(BaseModel):
    """The per-ticket expectations checklist."""

    acknowledged_within_sla: bool | None
    priority_confirmed: bool
    specific_next_update_promised: bool
    updates_on_cadence_kept: int
    updates_on_cadence_due: int
    closure_confirmed_by_customer: bool
    promised_vs_delivered_logged: bool


class KpiReport(BaseModel):
    """The ledger KPIs (rates are 0..1, null where nothing fell due)."""

    tickets: int
    commitments: int
    commitments_due: int
    commitments_kept: int
    commitments_broken: int
    update_compliance_rate: float | None
    missed_updates: int
    acknowledged_within_sla_rate: float | None
    first_response_within_sla_rate: float | None
    resolved_within_sla_rate: float | None


class AttachmentOut(BaseModel):
    """An attachment's metadata; ``url`` downloads it."""

    id: str
    ticket: str
    filename: str
    size: int
    content_type: str
    sha256: str
    visibility: str
    uploaded_by: str
    uploaded_at: datetime
    url: str

    @classmethod
    def of(cls, ref: str, at: datetime, by: str, added: AttachmentAdded) -> Self:
        """From the ``attachment_added`` event that describes the file."""
        return cls(
            id=added.attachment,
            ticket=ref,
            filename=added.filename,
            size=added.size,
            content_type=added.content_type,
            sha256=added.sha256,
            visibility=added.visibility,
            uploaded_by=by,
            uploaded_at=at,
            url=f"/api/tickets/{quote(ref, safe='')}/attachments/{added.attachment}",
        )


class AttachmentList(BaseModel):
    """GET /api/tickets/{ref}/attachments: the files the reader may see, oldest first."""

    items: list[AttachmentOut]


class AttachmentRecorded(Recorded):
    """The answer to an upload: the ticket, the event, and the attachment."""

    attachment: AttachmentOut
