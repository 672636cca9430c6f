"""Holding updates: a short templated update the watcher drafts or sends on its own.

A policy may set ``auto_holding_update = "draft" | "send"``. When a next update is
about to fall due (at its warning), the watcher either hands the owner a ready-made
holding update to send, or sends it itself. Either way the message names the real
time of the next update: the one the ledger will hold once the update is on record,
found by folding the ticket's events with the update appended (pure, no guessing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from promisedesk.config import Policy
from promisedesk.domain import events as ev
from promisedesk.domain.commitments import Kind, compute_ledger
from promisedesk.domain.events import Event, Status
from promisedesk.domain.sla import HOLDING_UPDATE_ACTOR
from promisedesk.services.composer import templates
from promisedesk.store import accounts
from promisedesk.store.tickets import TicketTx


@dataclass(frozen=True)
class Holding:
    """A holding update for one ticket: what to do with it, its text, its promise."""

    mode: str  # "draft" or "send"
    text: str
    next_update_at: datetime


def holding_update(tx: TicketTx, policy: Policy, ref: str, now: datetime) -> Holding | None:
    """The holding update ``ref`` should get at ``now``, or None when it should not.

    None when the ticket's policy has it off, when the ticket is not being worked on
    (waiting on the customer, resolved, closed), or when no next update would follow.
    """
    _, events = tx.events_of(ref)
    _, ticket = tx.load(ref)
    if not ticket.is_open or ticket.status == Status.waiting_on_customer:
        return None
    opened = events[0].payload
    service = opened.service if isinstance(opened, ev.Opened) else None
    sla = policy.sla.policy_for(ticket.priority, service, None)
    if sla is None or sla.auto_holding_update == "off":
        return None
    probe = Event(at=now, by=HOLDING_UPDATE_ACTOR, payload=ev.PublicReply(body=""))
    after = compute_ledger(ref, [*events, probe], policy.sla, now)
    due = min(
        (c.due_at for c in after if c.kind == Kind.next_update and c.is_open and c.due_at),
        default=None,
    )
    if due is None or due <= now:
        return None
    customer = accounts.user_by_handle(tx.conn, ticket.requester)
    text = templates(policy).render(
        "holding_update",
        {
            "customer_name": customer.name if customer else ticket.requester.split("@")[0],
            "ticket_ref": ref,
            "subject": ticket.subject,
            "team": ticket.team or policy.desk.name,
            "next_update_at": due,
        },
        now=now,
        tz_name=policy.desk.timezone,
        locale=policy.desk.locale,
    )
    return Holding(sla.auto_holding_update, text, due)
