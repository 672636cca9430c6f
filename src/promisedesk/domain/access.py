"""The access policy, written once as pure functions (``docs/access.md`` in words).

Who sees a ticket:

- anonymous: nobody's;
- a customer: tickets they requested, and (read-only) tickets requested by a
  colleague of the same organisation;
- an agent: tickets of their team, tickets assigned to them, and tickets with no
  team yet (the intake queue);
- a lead or an admin: every ticket.

Who may change one: agents (any role) every change they can see the ticket for,
except ``breach_escalated``, which only the watcher writes. A customer may reply,
confirm or reject the resolution, reopen, rate and attach public files, on tickets
they requested, and open tickets for themselves.

What a customer sees of a ticket: the public event types (``PUBLIC_TYPES``, less
internal attachments: ``sees``) with
their customer-facing fields, and none of the internal routing fields
(``HIDDEN_TICKET_FIELDS``). The ledger, SLA clocks, queues, checklists, reports,
the linter and templates are for agents; desk-wide reports for leads and admins.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from promisedesk.domain.accounts import Principal, normalise_email
from promisedesk.domain.events import PUBLIC_TYPES, Event, Visibility, is_internal


class Access(Enum):
    """The answer to "may this principal do this to this record?"."""

    allow = "allow"
    #: Answer as if the record did not exist (404): the actor may not know of it.
    hide = "hide"
    #: The actor may know the record but not do this (403).
    refuse = "refuse"
    #: Nobody is signed in (401).
    sign_in = "sign_in"


@dataclass(frozen=True)
class TicketFacts:
    """What the policy needs to know of a ticket."""

    ref: str
    requester: str
    team: str | None
    assignee: str | None


@dataclass(frozen=True)
class TicketScope:
    """Which tickets a principal sees, in a form a query can use.

    ``everything`` wins; otherwise a ticket is in scope when any condition holds.
    """

    everything: bool = False
    team: str | None = None
    unteamed: bool = False
    assignee: str | None = None
    requester: str | None = None
    organisation: str | None = None


#: Event types only the system writes; no request may record them.
SYSTEM_ONLY_TYPES = frozenset({"breach_escalated"})
#: Event types a customer may record, on a ticket they requested. ``reopened`` is
#: among them because a reply to a resolved ticket reopens it anyway; saying so
#: explicitly ("it came back") is the same right.
CUSTOMER_WRITES = frozenset(
    {
        "customer_reply",
        "resolution_confirmed",
        "resolution_rejected",
        "reopened",
        "rated",
        "attachment_added",
    }
)
#: Ticket fields about internal routing, never shown to a customer.
HIDDEN_TICKET_FIELDS = frozenset({"assignee", "team", "tier", "escalation_level"})
#: For public event types whose payload mixes public and internal fields: the
#: fields a customer sees. Types not listed show every field.
CUSTOMER_EVENT_FIELDS: Mapping[str, frozenset[str]] = {
    # What was done, why, and to which team/tier is the agents' handover; the
    # customer is told when the next review is due.
    "escalated": frozenset({"review_by"}),
}


def is_requester(p: Principal, facts: TicketFacts) -> bool:
    """The principal is the customer who raised the ticket."""
    return p.kind == "customer" and normalise_email(facts.requester) == p.handle


def is_colleague(p: Principal, requester_organisation: str | None) -> bool:
    """The ticket's requester is a customer of the principal's organisation."""
    return (
        p.kind == "customer"
        and p.organisation is not None
        and requester_organisation == p.organisation
    )


def may_see_ticket(p: Principal, facts: TicketFacts, requester_organisation: str | None) -> bool:
    """Whether the principal may know that the ticket exists and read it."""
    if p.kind == "anonymous":
        return False
    if p.kind == "customer":
        return is_requester(p, facts) or is_colleague(p, requester_organisation)
    if p.sees_every_team:
        return True
    return facts.team is None or facts.team == p.team or facts.assignee == p.handle


def ticket_scope(p: Principal) -> TicketScope:
    """``may_see_ticket`` as a condition a ticket query can apply."""
    if p.kind == "anonymous":
        return TicketScope()
    if p.kind == "customer":
        return TicketScope(requester=p.handle, organisation=p.organisation)
    if p.sees_every_team:
        return TicketScope(everything=True)
    return TicketScope(team=p.team, unteamed=True, assignee=p.handle)


def read_access(p: Principal, facts: TicketFacts, requester_organisation: str | None) -> Access:
    """May the principal read the ticket?"""
    if p.kind == "anonymous":
        return Access.sign_in
    if may_see_ticket(p, facts, requester_organisation):
        return Access.allow
    return Access.hide


def write_access(
    p: Principal, facts: TicketFacts, requester_organisation: str | None, event_type: str
) -> Access:
    """May the principal record an event of ``event_type`` on the ticket?"""
    seen = read_access(p, facts, requester_organisation)
    if seen is not Access.allow:
        return seen
    if event_type in SYSTEM_ONLY_TYPES:
        return Access.refuse
    if p.is_staff:
        return Access.allow
    if event_type in CUSTOMER_WRITES and is_requester(p, facts):
        return Access.allow
    return Access.refuse


def attachment_access(
    p: Principal, facts: TicketFacts, requester_organisation: str | None, visibility: Visibility
) -> Access:
    """May the principal attach a file of this visibility? Customers: public ones only."""
    base = write_access(p, facts, requester_organisation, "attachment_added")
    if base is not Access.allow or p.is_staff:
        return base
    return Access.allow if visibility == "public" else Access.refuse


def open_access(p: Principal, requester: str) -> Access:
    """May the principal open a ticket for ``requester``? Customers only for themselves."""
    if p.kind == "anonymous":
        return Access.sign_in
    if p.is_staff:
        return Access.allow
    if normalise_email(requester) == p.handle:
        return Access.allow
    return Access.refuse


def staff_access(p: Principal) -> Access:
    """Agents' tools: the ledger, SLA clocks, queues, checklists, linter, templates."""
    if p.kind == "anonymous":
        return Access.sign_in
    return Access.allow if p.is_staff else Access.refuse


def report_access(p: Principal) -> Access:
    """Desk-wide reports (KPIs over every team): leads and admins."""
    if p.kind == "anonymous":
        return Access.sign_in
    return Access.allow if p.sees_every_team else Access.refuse


def queue_access(p: Principal, team: str | None) -> Access:
    """A queue of commitments: agents their own team's (the default), leads any."""
    base = staff_access(p)
    if base is not Access.allow or p.sees_every_team:
        return base
    return Access.allow if team is None or team == p.team else Access.refuse


def sees_event(p: Principal, event_type: str) -> bool:
    """Whether an event of this type appears in the principal's timeline."""
    return p.is_staff or event_type in PUBLIC_TYPES


def sees(p: Principal, event: Event) -> bool:
    """Whether this event appears in the principal's timeline (its type and, for an
    attachment, its visibility): the one rule for timelines, lists and downloads."""
    return p.is_staff or not is_internal(event)


def event_fields(p: Principal, event_type: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of an event the principal may read."""
    if p.is_staff:
        return dict(data)
    keep = CUSTOMER_EVENT_FIELDS.get(event_type)
    return {k: v for k, v in data.items() if keep is None or k in keep}


def ticket_fields(p: Principal, fields: Mapping[str, Any]) -> dict[str, Any]:
    """A ticket's fields as the principal may read them (internal ones blanked)."""
    if p.is_staff:
        return dict(fields)
    return {k: (None if k in HIDDEN_TICKET_FIELDS else v) for k, v in fields.items()}


def may_receive(
    recipient: Principal,
    facts: TicketFacts,
    requester_organisation: str | None,
    *,
    internal: bool,
) -> bool:
    """Whether a message about the ticket may go to ``recipient``, checked at send time.

    Internal messages (notes, warnings, breaches) go to agents only; public ones to
    anyone who may read the ticket. A disabled user is no principal at all.
    """
    if not may_see_ticket(recipient, facts, requester_organisation):
        return False
    return recipient.is_staff or not internal
