"""The permission-checked ways to reach records: ``access_*`` and ``visible_*``.

Every route (and later every page, export and notification) fetches through these,
so the policy in ``domain.access`` is applied on every path. For a customer, a
ticket that does not exist and one that is not theirs give the same
``TicketNotFound``: the answer never tells which.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from promisedesk.config import Policy
from promisedesk.domain import access as policy
from promisedesk.domain.access import Access, TicketFacts
from promisedesk.domain.accounts import Principal, normalise_email
from promisedesk.domain.errors import Forbidden, TicketNotFound, Unauthorized
from promisedesk.domain.events import Event, Visibility
from promisedesk.domain.tickets import Ticket
from promisedesk.services import commands as c
from promisedesk.services import ledger
from promisedesk.services import tickets as ticket_svc
from promisedesk.services.tickets import TicketView
from promisedesk.store import accounts as account_rows
from promisedesk.store import visibility
from promisedesk.store.tickets import TicketFilter, TicketStore

SIGN_IN = (
    "Sign in first: send an API token as 'Authorization: Bearer <token>', or sign in "
    "with POST /api/session."
)


def enforce(decision: Access, ref: str | None = None, refused: str = "") -> None:
    """Turn a policy decision into the matching error (or nothing, when allowed)."""
    if decision is Access.allow:
        return
    if decision is Access.sign_in:
        raise Unauthorized(SIGN_IN)
    if decision is Access.hide and ref is not None:
        raise TicketNotFound(ref)
    raise Forbidden(refused or "You may not do this.", {"ticket": ref} if ref else {})


def signed_in(p: Principal) -> None:
    """Raise ``Unauthorized`` for the anonymous principal."""
    if p.kind == "anonymous":
        raise Unauthorized(SIGN_IN)


def facts_of(ticket: Ticket | Any) -> TicketFacts:
    """What the policy needs of a ticket (a domain ticket or a projection row)."""
    return TicketFacts(ticket.ref, ticket.requester, ticket.team, ticket.assignee)


def needs_organisation(p: Principal, facts: TicketFacts) -> bool:
    """Whether the requester's organisation can matter to ``p``'s access."""
    return p.kind == "customer" and p.organisation is not None and not policy.is_requester(p, facts)


def requester_organisation(conn: Connection, p: Principal, facts: TicketFacts) -> str | None:
    """The requester's organisation, looked up only when the answer can matter."""
    if not needs_organisation(p, facts):
        return None
    return account_rows.organisation_of(conn, normalise_email(facts.requester))


def access_ticket(store: TicketStore, p: Principal, ref: str) -> TicketView:
    """The ticket and the timeline ``p`` may read; ``TicketNotFound`` if they may not."""
    signed_in(p)
    # The ticket and its history are one statement; only a customer reading another
    # requester's ticket needs a second (the requester's organisation), and then both
    # are read again in one snapshot.
    _, ticket, history = store.read_ticket(ref)
    facts = facts_of(ticket)
    if needs_organisation(p, facts):
        with store.reading() as tx:
            _, ticket, history = tx.load_with_history(ref)
            facts = facts_of(ticket)
            org = requester_organisation(tx.conn, p, facts)
    else:
        org = None
    enforce(policy.read_access(p, facts, org), ref)
    return TicketView(ticket, [s for s in history if policy.sees(p, s.event)])


def _refusal(event_type: str, ref: str) -> str:
    if event_type in policy.SYSTEM_ONLY_TYPES:
        return f"'{event_type}' is recorded by the watcher only; it cannot be posted."
    return (
        f"You may not record '{event_type}' on {ref}: customers may reply, confirm or "
        "reject the resolution, reopen, rate and attach files, on tickets they raised."
    )


def _facts_and_organisation(
    store: TicketStore, p: Principal, ref: str
) -> tuple[TicketFacts, str | None]:
    signed_in(p)
    with store.reading() as tx:
        _, ticket = tx.load(ref)
        facts = facts_of(ticket)
        return facts, requester_organisation(tx.conn, p, facts)


def check_write(store: TicketStore, p: Principal, ref: str, event_type: str) -> None:
    """Raise unless ``p`` may record ``event_type`` on the ticket."""
    facts, org = _facts_and_organisation(store, p, ref)
    enforce(policy.write_access(p, facts, org, event_type), ref, _refusal(event_type, ref))


def check_attach(store: TicketStore, p: Principal, ref: str, visibility: Visibility) -> None:
    """Raise unless ``p`` may attach a file of this visibility to the ticket."""
    facts, org = _facts_and_organisation(store, p, ref)
    refused = _refusal("attachment_added", ref)
    if visibility == "internal" and not p.is_staff:
        refused = "Customers attach public files only: leave out 'visibility' or set it to public."
    enforce(policy.attachment_access(p, facts, org, visibility), ref, refused)


def check_open(p: Principal, cmd: c.OpenTicket) -> None:
    """Raise unless ``p`` may open this ticket: customers only for themselves, and
    without a priority."""
    enforce(
        policy.open_access(p, cmd.requester),
        refused="Customers open tickets for themselves: set 'requester' to your own address.",
    )
    if not p.is_staff and cmd.priority is not None:
        raise Forbidden(
            "Priority is set by the desk from impact and urgency; leave 'priority' out.",
            {"field": "priority"},
        )


def do_open_as(
    store: TicketStore, pol: Policy, p: Principal, cmd: c.OpenTicket, now: datetime
) -> Ticket:
    """Open a ticket as ``p`` (see ``check_open``)."""
    check_open(p, cmd)
    return ticket_svc.do_open(store, pol, cmd, by=p.actor, now=now)


def do_record_as(
    store: TicketStore,
    pol: Policy,
    p: Principal,
    ref: str,
    cmd: c.Command,
    event_type: str,
    now: datetime,
) -> tuple[Ticket, Event]:
    """Record a command as ``p`` after the permission check.

    The check reads the ticket in its own snapshot: a reassignment committed between
    the check and the write does not undo a write the actor was allowed a moment ago.
    """
    check_write(store, p, ref, event_type)
    return ticket_svc.do_record(store, pol, ref, cmd, by=p.actor, now=now)


def visible_tickets(
    store: TicketStore, p: Principal, f: TicketFilter, *, after_id: int | None, limit: int
) -> list[Any]:
    """Projection rows of tickets ``p`` may see, newest first (lists and search)."""
    signed_in(p)
    scope = policy.ticket_scope(p)
    with store.reading() as tx:
        if scope.everything:
            return tx.list(f, after_id=after_id, limit=limit)
        return visibility.visible_tickets(tx.conn, scope, f, after_id=after_id, limit=limit)


def count_visible(store: TicketStore, p: Principal, f: TicketFilter) -> int:
    """How many tickets ``p`` may see match the filter (counts obey the policy too)."""
    signed_in(p)
    with store.reading() as tx:
        return visibility.count_visible(tx.conn, policy.ticket_scope(p), f)


def require_staff(p: Principal) -> None:
    """Agents' tools: the ledger, clocks, queues, checklists, linter and templates."""
    enforce(policy.staff_access(p), refused="This is for agents of the desk.")


def require_reports(p: Principal) -> None:
    """Desk-wide reports: leads and admins."""
    enforce(policy.report_access(p), refused="Desk-wide reports are for leads and admins.")


def access_ticket_as_staff(store: TicketStore, p: Principal, ref: str) -> None:
    """Raise unless ``p`` is an agent who may see the ticket (for its ledger, clocks)."""
    require_staff(p)
    access_ticket(store, p, ref)


def visible_queue(
    store: TicketStore, p: Principal, *, agent: str | None, team: str | None, limit: int
) -> list[Any]:
    """Open commitments ``p`` may see: an agent's team's, or any team's for a lead."""
    enforce(
        policy.queue_access(p, team),
        refused=f"Agents see their own team's queue ({p.team or 'no team'}); "
        "leads and admins see every team's.",
    )
    scope = policy.ticket_scope(p)
    if scope.everything:
        return ledger.get_queue(store, agent=agent, team=team, limit=limit)
    with store.reading() as tx:
        return visibility.visible_queue(tx.conn, scope, agent=agent, team=team, limit=limit)


def principal_of_actor(conn: Connection, actor: str) -> Principal | None:
    """The active user behind an actor string (``agent:x``, ``customer:a@b``)."""
    kind, _, handle = actor.partition(":")
    if kind not in ("agent", "customer"):
        return None
    user = account_rows.user_by_handle(conn, handle)
    if user is None or not user.active or user.kind != kind:
        return None
    return Principal.of(user)


def may_receive(store: TicketStore, recipient: str, ref: str, *, internal: bool) -> bool:
    """Whether a message about ``ref`` may go to ``recipient`` *now*.

    The outbox sender calls this when it sends, not only when the message is
    queued: a user disabled, a customer no longer the requester, or a ticket moved
    to another team since then stops the message.
    """
    with store.reading() as tx:
        p = principal_of_actor(tx.conn, recipient)
        if p is None:
            return False
        try:
            _, ticket = tx.load(ref)
        except TicketNotFound:
            return False
        facts = facts_of(ticket)
        org = requester_organisation(tx.conn, p, facts)
    return policy.may_receive(p, facts, org, internal=internal)
