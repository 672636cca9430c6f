"""A ticket is the fold of its events.

``apply(ticket, event)`` is the only way state changes: it checks that the event makes
sense for the ticket's status, and returns the new state or raises
``TransitionRefused`` naming the ticket, its status and what to do instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from promisedesk.domain.errors import InvalidInput, TransitionRefused
from promisedesk.domain.events import (
    TIERS,
    Acknowledged,
    Assigned,
    AttachmentAdded,
    BreachEscalated,
    CallbackMade,
    CallbackScheduled,
    Channel,
    Closed,
    CustomerReply,
    Escalated,
    Event,
    InternalNote,
    Opened,
    PublicReply,
    Rated,
    Reopened,
    ResolutionConfirmed,
    ResolutionRejected,
    Resolved,
    Status,
    StatusChanged,
    Tier,
    Triaged,
)
from promisedesk.domain.priority import Level, Priority
from promisedesk.domain.records import evolve

OPEN_STATUSES = frozenset(
    {
        Status.new,
        Status.acknowledged,
        Status.in_progress,
        Status.waiting_on_customer,
        Status.escalated,
    }
)
#: Statuses an agent may set directly; the others have their own events.
MANUAL_STATUSES = frozenset({Status.in_progress, Status.waiting_on_customer})


@dataclass(frozen=True)
class Ticket:
    """The current state of one ticket, derived from its events."""

    ref: str
    subject: str
    description: str
    requester: str
    channel: Channel
    impact: Level
    urgency: Level
    priority: Priority
    status: Status
    opened_at: datetime
    updated_at: datetime
    version: int = 1
    assignee: str | None = None
    team: str | None = None
    tier: Tier = "L1"
    acknowledged_at: datetime | None = None
    first_response_at: datetime | None = None
    last_public_update_at: datetime | None = None
    next_update_promised_at: datetime | None = None
    escalation_level: int = 0
    review_by: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    resolution_confirmed: bool | None = None
    reopen_count: int = 0
    rating: int | None = None
    rating_comment: str = ""

    @property
    def is_open(self) -> bool:
        """True until the ticket is resolved or closed."""
        return self.status in OPEN_STATUSES


def open_ticket(ref: str, event: Event) -> Ticket:
    """The state of a ticket right after its ``opened`` event."""
    p = event.payload
    if not isinstance(p, Opened):
        raise InvalidInput(
            f"Ticket {ref} does not exist yet, so its first event must be 'opened', "
            f"not '{event.type}'.",
            {"ticket": ref, "event": event.type},
        )
    return Ticket(
        ref=ref,
        subject=p.subject,
        description=p.description,
        requester=p.requester,
        channel=p.channel,
        impact=p.impact,
        urgency=p.urgency,
        priority=p.priority,
        status=Status.new,
        opened_at=event.at,
        updated_at=event.at,
    )


def fold(ref: str, events: Iterable[Event]) -> Ticket:
    """Rebuild a ticket from its whole history."""
    it = iter(events)
    ticket = open_ticket(ref, next(it))
    for event in it:
        ticket = apply(ticket, event)
    return ticket


def _refuse(t: Ticket, event: Event, hint: str) -> TransitionRefused:
    return TransitionRefused(t.ref, t.status.value, event.type, hint)


def _require_open(t: Ticket, event: Event) -> None:
    if t.status == Status.closed:
        raise _refuse(t, event, "reopen it first.")
    if t.status == Status.resolved:
        raise _refuse(
            t, event, "it is resolved; reopen it (or wait for the customer's answer) first."
        )


def _responded(t: Ticket, at: datetime) -> Ticket:
    """A public message from the desk: acknowledges, answers and updates."""
    return evolve(
        t,
        acknowledged_at=t.acknowledged_at or at,
        last_public_update_at=at,
    )


def apply(t: Ticket, event: Event) -> Ticket:
    """Return the ticket after ``event``, or raise ``TransitionRefused``."""
    if event.at < t.updated_at:
        # History only moves forward; export orders by instant and must replay the same.
        raise InvalidInput(
            f"Ticket {t.ref}: the '{event.type}' event at {event.at.isoformat()} is earlier "
            f"than the ticket's last event at {t.updated_at.isoformat()}; events of one "
            "ticket must come in time order.",
            {"ticket": t.ref, "event": event.type},
        )
    new = _transition(t, event)
    return evolve(new, version=t.version + 1, updated_at=max(t.updated_at, event.at))


def _transition(t: Ticket, event: Event) -> Ticket:
    p = event.payload
    at = event.at
    match p:
        case Opened():
            raise _refuse(t, event, "a ticket is opened once; post a reply or a note instead.")
        case Acknowledged():
            if t.status != Status.new:
                raise _refuse(t, event, "it was acknowledged already; post an update instead.")
            return evolve(_responded(t, at), status=Status.acknowledged, acknowledged_at=at)
        case Triaged(impact=impact, urgency=urgency, priority=priority):
            _require_open(t, event)
            return evolve(t, impact=impact, urgency=urgency, priority=priority)
        case PublicReply(next_update_at=promised):
            if t.status == Status.closed:
                raise _refuse(t, event, "reopen it first, or open a new ticket.")
            if promised is not None and promised <= at:
                raise InvalidInput(
                    f"Ticket {t.ref}: next_update_at {promised.isoformat()} is not after "
                    f"the reply itself ({at.isoformat()}); promise a future time.",
                    {"ticket": t.ref, "field": "next_update_at"},
                )
            status = t.status
            if status in (Status.new, Status.acknowledged):
                status = Status.in_progress
            return evolve(
                _responded(t, at),
                status=status,
                first_response_at=t.first_response_at or at,
                next_update_promised_at=promised,
            )
        case CustomerReply():
            if t.status == Status.closed:
                raise _refuse(t, event, "closed tickets take no replies; open a new ticket.")
            if t.status == Status.resolved:
                # A reply after resolution means it is not over: the ticket reopens.
                return evolve(
                    t,
                    status=Status.in_progress,
                    reopen_count=t.reopen_count + 1,
                    resolved_at=None,
                    resolution_confirmed=None,
                )
            if t.status == Status.waiting_on_customer:
                return evolve(t, status=Status.in_progress)
            return t
        case InternalNote():
            return t
        case Assigned(agent=agent, team=team, tier=tier):
            _require_open(t, event)
            if agent is None and team is None and tier is None:
                raise InvalidInput(
                    f"Ticket {t.ref}: an assignment needs at least one of agent, team or tier.",
                    {"ticket": t.ref},
                )
            return evolve(
                t,
                assignee=agent if agent is not None else t.assignee,
                team=team if team is not None else t.team,
                tier=tier if tier is not None else t.tier,
            )
        case StatusChanged(status=status):
            _require_open(t, event)
            if status not in MANUAL_STATUSES:
                hint = {
                    Status.escalated: "escalate it instead, saying to whom and why.",
                    Status.resolved: "resolve it instead, with a summary.",
                    Status.closed: "resolve it first, then close it.",
                    Status.acknowledged: "acknowledge it instead.",
                    Status.new: "a ticket cannot become new again.",
                }[status]
                raise _refuse(t, event, hint)
            if status == t.status:
                raise _refuse(t, event, f"it is already {status.value}.")
            return evolve(t, status=status)
        case Escalated(from_tier=from_tier, to_tier=to_tier, review_by=review_by, team=team):
            _require_open(t, event)
            if from_tier != t.tier:
                raise InvalidInput(
                    f"Ticket {t.ref}: from_tier is {from_tier} but the ticket is at tier "
                    f"{t.tier}; escalate from {t.tier} (or leave from_tier out).",
                    {"ticket": t.ref, "field": "from_tier", "tier": t.tier},
                )
            if TIERS.index(to_tier) <= TIERS.index(from_tier):
                raise InvalidInput(
                    f"Ticket {t.ref}: to_tier {to_tier} is not above {from_tier}; an "
                    "escalation goes up a tier (use an assignment to move it sideways).",
                    {"ticket": t.ref, "field": "to_tier"},
                )
            if review_by <= at:
                raise InvalidInput(
                    f"Ticket {t.ref}: review_by {review_by.isoformat()} must be after the "
                    "escalation itself; say when the next tier will look at it.",
                    {"ticket": t.ref, "field": "review_by"},
                )
            return evolve(
                t,
                status=Status.escalated,
                tier=to_tier,
                team=team if team is not None else t.team,
                escalation_level=t.escalation_level + 1,
                review_by=review_by,
            )
        case Resolved():
            _require_open(t, event)
            return evolve(
                _responded(t, at),
                status=Status.resolved,
                resolved_at=at,
                resolution_confirmed=None,
                first_response_at=t.first_response_at or at,
            )
        case ResolutionConfirmed():
            if t.status != Status.resolved:
                raise _refuse(t, event, "only a resolved ticket can be confirmed.")
            return evolve(t, resolution_confirmed=True)
        case ResolutionRejected():
            if t.status != Status.resolved:
                raise _refuse(t, event, "only a resolved ticket can be rejected.")
            return evolve(
                t,
                status=Status.in_progress,
                resolution_confirmed=False,
                resolved_at=None,
                reopen_count=t.reopen_count + 1,
            )
        case Reopened():
            if t.status not in (Status.resolved, Status.closed):
                raise _refuse(t, event, "it is still open; only resolved or closed tickets reopen.")
            return evolve(
                t,
                status=Status.in_progress,
                resolved_at=None,
                closed_at=None,
                resolution_confirmed=None,
                reopen_count=t.reopen_count + 1,
            )
        case Closed():
            if t.status == Status.closed:
                raise _refuse(t, event, "it is closed already.")
            if t.status != Status.resolved:
                raise _refuse(t, event, "resolve it first (with a summary), then close it.")
            return evolve(t, status=Status.closed, closed_at=at)
        case CallbackScheduled(due_at=due_at):
            if t.status == Status.closed:
                raise _refuse(t, event, "reopen it first.")
            if due_at <= at:
                raise InvalidInput(
                    f"Ticket {t.ref}: due_at {due_at.isoformat()} must be after the moment "
                    "the callback is scheduled.",
                    {"ticket": t.ref, "field": "due_at"},
                )
            return t
        case CallbackMade():
            if t.status == Status.closed:
                raise _refuse(t, event, "reopen it first.")
            return t
        case AttachmentAdded(size=size):
            if t.status == Status.closed:
                raise _refuse(t, event, "reopen it first, or open a new ticket.")
            if size < 1:
                raise InvalidInput(
                    f"Ticket {t.ref}: an attachment needs at least one byte, not {size}.",
                    {"ticket": t.ref, "field": "size"},
                )
            return t
        case BreachEscalated():
            if t.status == Status.closed:
                raise _refuse(t, event, "closed tickets are not escalated.")
            return evolve(t, escalation_level=t.escalation_level + 1)
        case Rated(score=score):
            if t.status not in (Status.resolved, Status.closed):
                raise _refuse(t, event, "a rating comes after the ticket is resolved.")
            if not 1 <= score <= 5:
                raise InvalidInput(
                    f"Ticket {t.ref}: score must be 1 to 5, not {score}.",
                    {"ticket": t.ref, "field": "score"},
                )
            return evolve(t, rating=score, rating_comment=p.comment)
    raise AssertionError(f"unhandled event type {event.type}")  # pragma: no cover
