"""Use cases on the promise ledger: keep it in step, read it, and sweep it.

``flush_ledgers`` recomputes the ledger of every ticket written in a transaction,
just before it commits, so commitments are always consistent with the events.
``sweep`` is one pass of the watcher: it warns before commitments fall due, records
breaches and applies the breach policy, each exactly once, in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from promisedesk.config import Policy
from promisedesk.domain.commitments import Commitment, Kind, Outcome, compute_ledger
from promisedesk.domain.errors import TicketNotFound
from promisedesk.services import commands as c
from promisedesk.store import commitments as rows
from promisedesk.store.tickets import TicketStore, TicketTx

WATCHER = "system:watcher"


def ledger_in(tx: TicketTx, policy: Policy, ref: str, now: datetime) -> list[Commitment]:
    """A ticket's ledger as of ``now``, from the events this transaction sees."""
    _, events = tx.events_of(ref)
    return compute_ledger(ref, events, policy.sla, now)


def flush_ledgers(tx: TicketTx, policy: Policy, now: datetime, *, historical: bool = False) -> None:
    """Write the recomputed ledger of every ticket changed in ``tx``."""
    for ref in sorted(tx.dirty):
        try:
            ticket_id, events = tx.events_of(ref)
        except TicketNotFound:
            continue  # its opening was rolled back (a skipped replay line)
        _, ticket = tx.load(ref)
        items = compute_ledger(ref, events, policy.sla, now)
        warn_at = {i.id: policy.watch.warn_at(i, ticket.priority) for i in items}
        rows.write_ledger(
            tx.conn,
            ticket_id,
            items,
            warn_at,
            now=now,
            historical=historical,
            new_ticket=ref in tx.created,
        )
        tx.created.discard(ref)
    tx.dirty.clear()


def get_ledger(store: TicketStore, ref: str) -> list[Any]:
    """The stored commitment rows of one ticket, oldest first."""
    with store.reading() as tx:
        ticket_id, _ = tx.load(ref)
        return rows.read_ledger(tx.conn, ticket_id)


def get_queue(
    store: TicketStore, *, agent: str | None, team: str | None, limit: int = 200
) -> list[Any]:
    """What is owed, to whom, by when: open commitments, soonest first."""
    with store.reading() as tx:
        return rows.open_queue(tx.conn, rows.QueueFilter(agent, team), limit)


@dataclass(frozen=True)
class PromiseLine:
    """One line of a ticket's promised-vs-delivered log."""

    id: str
    kind: str
    source: str
    promised_at: datetime
    promised_by: str
    due_at: datetime | None
    outcome: str
    settled_at: datetime | None
    how: str


def promised_vs_delivered(store: TicketStore, ref: str) -> list[PromiseLine]:
    """Each promise, when it was due, and when and how it was met or missed."""
    with store.reading() as tx:
        ticket_id, _, history = tx.load_with_history(ref)
        ledger = rows.read_ledger(tx.conn, ticket_id)
    types = {s.seq: s.event.type for s in history}
    lines = []
    for r in ledger:
        if r.outcome == Outcome.kept.value:
            how = f"kept by {types.get(r.settled_seq, 'an event')}"
        elif r.outcome == Outcome.broken.value:
            how = "missed: nothing was delivered by the due time"
        elif r.outcome == Outcome.superseded.value:
            how = f"replaced by a newer promise ({types.get(r.settled_seq, 'an event')})"
        elif r.outcome == Outcome.cancelled.value:
            how = f"no longer needed ({types.get(r.settled_seq, 'an event')})"
        else:
            how = "open"
        lines.append(
            PromiseLine(
                r.id, r.kind, r.source, r.made_at, r.made_by, r.due_at, r.outcome, r.settled_at, how
            )
        )
    return lines


@dataclass
class SweepReport:
    """What one sweep did."""

    warned: int = 0
    breached: int = 0
    escalated: int = 0


def _owner(row: Any) -> str:
    if row.assignee:
        return f"agent:{row.assignee}"
    if row.team:
        return f"team:{row.team}"
    return "queue:unassigned"


def _when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


def sweep(
    store: TicketStore,
    policy: Policy,
    now: datetime,
    *,
    limit: int = 1000,
    step: Callable[[str], None] | None = None,
) -> SweepReport:
    """One watcher pass over what is due at ``now``, committed as one transaction.

    ``step`` is told each stage ("claimed", "breach-recorded", "notified", "done") so
    crash tests can stop the process between them; a crash anywhere before the commit
    leaves nothing behind, and the next sweep does the work exactly once.
    """
    from promisedesk.services.tickets import record_in  # the two modules use each other

    say = step or (lambda _stage: None)
    report = SweepReport()
    with store.writing() as tx:
        due = rows.due_for_sweep(tx.conn, now, limit)
        say("claimed")
        for r in due:
            values: dict[str, Any] = {}
            warn_due = r.warn_at is not None and r.warned_at is None and r.warn_at <= now
            broken = (
                r.due_at is not None
                and r.due_at <= now
                and r.outcome in (Outcome.open.value, Outcome.broken.value)
            )
            if warn_due and not broken:
                rows.enqueue(
                    tx.conn,
                    dedupe_key=f"warn:{r.id}",
                    kind="warning",
                    ticket_ref=r.ticket_ref,
                    commitment_id=r.id,
                    recipient=_owner(r),
                    created_at=now,
                    subject=f"[{r.ticket_ref}] {r.kind.replace('_', ' ')} due {_when(r.due_at)}",
                    body=f"Due {_when(r.due_at)}: {r.reason}. Ticket: {r.subject}",
                )
                values["warned_at"] = now
                report.warned += 1
            if broken and r.breach_handled_at is None:
                values["warned_at"] = r.warned_at or now
                values["outcome"] = Outcome.broken.value
                values["settled_at"] = r.settled_at if r.outcome == "broken" else r.due_at
                values["breach_handled_at"] = now
                rows.mark(tx.conn, r.id, **values)
                say("breach-recorded")
                subject = f"[{r.ticket_ref}] missed: {r.kind.replace('_', ' ')}"
                body = f"Was due {_when(r.due_at)}: {r.reason}. Ticket: {r.subject}"
                rows.enqueue(
                    tx.conn,
                    dedupe_key=f"breach:{r.id}",
                    kind="breach",
                    ticket_ref=r.ticket_ref,
                    commitment_id=r.id,
                    recipient=_owner(r),
                    created_at=now,
                    subject=subject,
                    body=body,
                )
                report.breached += 1
                say("notified")
                if Kind(r.kind) in policy.watch.escalate_kinds:
                    if policy.watch.notify_lead:
                        rows.enqueue(
                            tx.conn,
                            dedupe_key=f"lead:{r.id}",
                            kind="escalation",
                            ticket_ref=r.ticket_ref,
                            commitment_id=r.id,
                            recipient=f"lead:{r.team or 'service-desk'}",
                            created_at=now,
                            subject=subject,
                            body=body,
                        )
                    if policy.watch.raise_escalation_level:
                        _, ticket = tx.load(r.ticket_ref, for_update=True)
                        if ticket.status.value != "closed":
                            record_in(
                                tx,
                                policy,
                                r.ticket_ref,
                                c.EscalateBreach(
                                    commitment=r.id,
                                    kind=r.kind,
                                    notify=f"lead:{r.team or 'service-desk'}",
                                ),
                                by=WATCHER,
                                at=now,
                                now=now,
                            )
                            report.escalated += 1
            merged = {**r._mapping, **values}
            values["sweep_at"] = rows._sweep_at(merged)
            rows.mark(tx.conn, r.id, **values)
        flush_ledgers(tx, policy, now)
        say("done")
    return report
