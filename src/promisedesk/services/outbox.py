"""Delivering the outbox: who a message goes to is decided, and checked, when it is sent.

A message was queued by the transaction that caused it, naming a recipient by role
(``agent:bo``, ``team:desk``, ``lead:desk``, ``queue:unassigned``, ``customer:a@b``)
or, for account mail, by address. At send time the recipient is resolved to people and
each one is checked against the access policy *again*: someone disabled, moved off the
team, or no longer entitled to the ticket since the message was queued gets nothing.
A message nobody may receive is withheld, with the reason, and leaves the queue.

Delivery is at least once. A batch is leased in a short transaction (so a slow mail
server never holds the database's write lock), sent, then marked; a sender that dies
in between sends the batch again once the lease runs out, under the same Message-ID.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Connection

from promisedesk.domain import access as policy
from promisedesk.domain.accounts import Principal, Role, User, normalise_email
from promisedesk.domain.errors import TicketNotFound
from promisedesk.services.access import facts_of, requester_organisation
from promisedesk.store import accounts as account_rows
from promisedesk.store import outbox as rows
from promisedesk.store.tickets import TicketStore, TicketTx

#: Notices about commitments are for the desk's staff only.
INTERNAL_KINDS = frozenset({"warning", "breach", "escalation"})
#: How long a claimed batch is reserved for the sender that claimed it.
LEASE = timedelta(minutes=5)
_STAFF_ROLES = (Role.agent.value, Role.lead.value, Role.admin.value)
_LEAD_ROLES = (Role.lead.value,)


@dataclass(frozen=True)
class OutgoingMail:
    """One message to one address, as a transport sends it."""

    message_id: str
    to: str
    to_name: str
    subject: str
    body: str
    kind: str
    ticket_ref: str


class DeliveryFailed(Exception):
    """A transport could not hand a message over; it will be tried again."""


class Transport(Protocol):
    """Hands one message to the mail system, or raises ``DeliveryFailed``."""

    def send(self, mail: OutgoingMail) -> None: ...


@dataclass
class DeliveryReport:
    """What one delivery pass did."""

    sent: int = 0
    withheld: int = 0
    failed: int = 0


@dataclass(frozen=True)
class _Ready:
    row: Any
    people: tuple[User, ...]
    withheld: str | None


def message_id(row: Any, domain: str) -> str:
    """The stable Message-ID of an outbox row: the same on every attempt.

    Short enough never to be folded onto a second header line.
    """
    digest = hashlib.sha256(row.dedupe_key.encode()).hexdigest()[:12]
    return f"<pd.{row.id}.{digest}@{domain}>"


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes after each failure, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts, 0), 60))


def deliver(
    store: TicketStore,
    transport: Transport,
    now: datetime,
    *,
    domain: str = "promisedesk.invalid",
    limit: int = 100,
) -> DeliveryReport:
    """Send what is ready at ``now``; each recipient checked as it is sent."""
    report = DeliveryReport()
    with store.writing() as tx:
        claimed = rows.claim_ready(tx.conn, now, limit)
        ready = [_check(tx, r) for r in claimed]
        for item in ready:
            if item.withheld is not None:
                rows.mark_withheld(tx.conn, item.row.id, now, item.withheld)
                report.withheld += 1
            else:
                rows.lease(tx.conn, item.row.id, now + LEASE)
    for item in ready:
        if item.withheld is not None:
            continue
        r = item.row
        try:
            for person in item.people:
                transport.send(
                    OutgoingMail(
                        message_id=message_id(r, domain),
                        to=person.email,
                        to_name=person.name,
                        subject=r.subject,
                        body=r.body,
                        kind=r.kind,
                        ticket_ref=r.ticket_ref,
                    )
                )
        except DeliveryFailed as exc:
            with store.writing() as tx:
                rows.mark_failed(tx.conn, r.id, now + retry_delay(r.attempts), str(exc))
            report.failed += 1
            continue
        with store.writing() as tx:
            rows.mark_sent(tx.conn, r.id, now, [p.email for p in item.people])
        report.sent += 1
    return report


def _check(tx: TicketTx, r: Any) -> _Ready:
    """Who may receive ``r`` now, or why nobody may."""
    people = _resolve(tx.conn, r.recipient)
    if not people:
        return _Ready(r, (), f"no active user is {r.recipient!r} now")
    if not r.ticket_ref:  # account mail (sign-in and reset links): to that user alone
        return _Ready(r, tuple(people), None)
    try:
        _, ticket = tx.load(r.ticket_ref)
    except TicketNotFound:
        return _Ready(r, (), f"ticket {r.ticket_ref} does not exist")
    facts = facts_of(ticket)
    internal = r.kind in INTERNAL_KINDS
    allowed = []
    for user in people:
        p = Principal.of(user)
        org = requester_organisation(tx.conn, p, facts)
        if policy.may_receive(p, facts, org, internal=internal):
            allowed.append(user)
    if not allowed:
        return _Ready(r, (), f"{r.recipient!r} may not receive news of {r.ticket_ref} now")
    return _Ready(r, tuple(allowed), None)


def _resolve(conn: Connection, recipient: str) -> list[User]:
    """The active people a recipient names, now."""
    kind, _, rest = recipient.partition(":")
    if kind in ("agent", "customer"):
        user = account_rows.user_by_handle(conn, rest)
        ok = user is not None and user.active and user.kind == kind
        return [user] if ok and user is not None else []
    agents = account_rows.active_agents
    if kind == "team":
        return agents(conn, team=rest, roles=_STAFF_ROLES)
    if kind == "lead":
        team = None if rest == "service-desk" else rest
        # A team without a lead still has someone in charge: the admins.
        return agents(conn, team=team, roles=_LEAD_ROLES) or agents(
            conn, team=None, roles=(Role.admin.value,)
        )
    if kind == "queue":
        return agents(conn, team=None, roles=(Role.lead.value, Role.admin.value))
    if "@" in recipient:  # an address: account mail
        found = account_rows.credentials_by_email(conn, normalise_email(recipient))
        return [found.user] if found is not None and found.user.active else []
    return []
