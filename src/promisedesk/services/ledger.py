"""Use cases on the promise ledger: keep it in step, read it, and sweep it.

``flush_ledgers`` recomputes the ledger of every ticket written in a transaction,
just before it commits, so commitments are always consistent with the events.
``sweep`` is one pass of the watcher: it warns before commitments fall due, records
breaches and applies the breach policy, each exactly once, in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from promisedesk.config import Policy
from promisedesk.domain.commitments import Commitment, Kind, Outcome, compute_ledger
from promisedesk.domain.errors import TicketNotFound
from promisedesk.domain.events import BreachEscalated
from promisedesk.domain.sla import HOLDING_UPDATE_ACTOR
from promisedesk.services import commands as c
from promisedesk.store import commitments as rows
from promisedesk.store.batches import pipelined
from promisedesk.store.tickets import TicketStore, TicketTx

WATCHER = "system:watcher"


def ledger_in(tx: TicketTx, policy: Policy, ref: str, now: datetime) -> list[Commitment]:
    """A ticket's ledger as of ``now``, from the events this transaction sees."""
    _, events = tx.events_of(ref)
    return compute_ledger(ref, events, policy.sla, now)


def flush_ledgers(tx: TicketTx, policy: Policy, now: datetime, *, historical: bool = False) -> None:
    """Write the recomputed ledger of every ticket changed in ``tx``, in one batch."""
    writes: list[rows.LedgerWrite] = []
    for ref in sorted(tx.dirty):
        try:
            ticket_id, events = tx.events_of(ref)
        except TicketNotFound:
            continue  # its opening was rolled back (a skipped replay line)
        _, ticket = tx.load(ref)
        items = compute_ledger(ref, events, policy.sla, now)
        warn_at = {i.id: policy.watch.warn_at(i, ticket.priority) for i in items}
        writes.append(rows.LedgerWrite(ticket_id, items, warn_at, ref in tx.created))
        tx.created.discard(ref)
    rows.write_ledgers(tx.conn, writes, now=now, historical=historical)
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
    drafted: int = 0  # holding updates prepared for the owner
    held: int = 0  # holding updates sent on the desk's behalf


def _owner(row: Any) -> str:
    if row.assignee:
        return f"agent:{row.assignee}"
    if row.team:
        return f"team:{row.team}"
    return "queue:unassigned"


def _when(at: datetime) -> str:
    # isoformat, not strftime: a sweep writes two thousand of these (3x faster).
    return at.astimezone(UTC).isoformat(" ", "minutes")[:16] + " UTC"


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
    leaves nothing behind, and the next sweep does the work exactly once. Rows are
    marked and notices written in one statement each, whatever the batch size.
    """
    from promisedesk.services.tickets import record_in  # the two modules use each other

    say = step or (lambda _stage: None)
    report = SweepReport()
    with store.writing() as tx:
        due = rows.due_for_sweep(tx.conn, now, limit)
        say("claimed")
        marks: list[dict[str, Any]] = []
        alerts: list[tuple[Any, str]] = []  # (row, "breach" | "warning"), in due order
        escalations: list[Any] = []
        holds: list[Any] = []
        takeovers: set[str] = set()
        # Only a policy that drafts or sends holding updates needs the ticket's history.
        holding_on = any(p.auto_holding_update != "off" for p in policy.sla.policies)
        for r in due:
            mark = {
                "id": r.id,
                "warn_at": r.warn_at,
                "warned_at": r.warned_at,
                "outcome": r.outcome,
                "settled_at": r.settled_at,
                "breach_handled_at": r.breach_handled_at,
            }
            broken = (
                r.due_at is not None
                and r.due_at < now
                and r.outcome in (Outcome.open.value, Outcome.broken.value)
            )
            if broken and r.breach_handled_at is None:
                # A warning overtaken by its breach is not sent.
                mark.update(
                    warn_at=None,
                    warned_at=r.warned_at or now,
                    outcome=Outcome.broken.value,
                    settled_at=r.settled_at if r.outcome == Outcome.broken.value else r.due_at,
                    breach_handled_at=now,
                )
                alerts.append((r, "breach"))
                report.breached += 1
                if r.kind == Kind.next_update.value and r.source == "person":
                    takeovers.add(r.ticket_ref)  # the cadence is owed again: recompute
                if r.kind in policy.watch.escalate_kinds and policy.watch.raise_escalation_level:
                    escalations.append(r)  # Kind is a StrEnum
            elif r.warn_at is not None and r.warned_at is None and r.warn_at <= now:
                mark["warned_at"] = now
                if r.kind == Kind.next_update.value and holding_on:
                    holds.append(r)  # its warning may carry a holding update
                else:
                    alerts.append((r, "warning"))
                report.warned += 1
            mark["sweep_at"] = rows._sweep_at(mark | {"due_at": r.due_at})
            marks.append(mark)
        # A ticket with a holding update or a broken promise of a person is folded and
        # written in full; any other escalation only raises its level (see below).
        folded = {r.ticket_ref for r in holds} | takeovers
        # With nothing to fold, nothing below reads the database: the marks go to the
        # server first, and it writes them while the notices and events are built.
        with nullcontext() if folded else pipelined(tx.conn):
            rows.mark_many(tx.conn, marks)
            say("breach-recorded")
            notices = _notices(policy, alerts, now)
            tx.preload([r.ticket_ref for r in (*holds, *escalations) if r.ticket_ref in folded])
            for r in holds:
                notices.append(_hold(tx, policy, r, now, report))
            rows.enqueue_many(tx.conn, notices)
            say("notified")
            # Ledgers that move: a holding update's ticket, and one whose promise broke.
            owed = set(tx.dirty) | takeovers
            neutral: list[tuple[int, str, BreachEscalated]] = []
            for r in escalations:
                if r.ticket_ref not in folded:
                    if r.status != "closed":  # the row is locked: its status stands
                        neutral.append((r.ticket_id, r.ticket_ref, _escalation(r)))
                    continue
                _, ticket = tx.load(r.ticket_ref)
                if ticket.status.value == "closed":
                    continue
                cmd = c.EscalateBreach(commitment=r.id, kind=r.kind, notify=_lead(r))
                record_in(tx, policy, r.ticket_ref, cmd, by=WATCHER, at=now, now=now)
                report.escalated += 1
            # breach_escalated is LEDGER_NEUTRAL: its only effect is the ticket's level,
            # set in one statement for all of them, and the rows marked above already are
            # the recomputed ledger, so a thousand escalations neither fold nor recompute.
            tx.escalate_breaches(neutral, by=WATCHER, now=now)
            report.escalated += len(neutral)
        tx.dirty = (tx.dirty & owed) | takeovers
        flush_ledgers(tx, policy, now)
        say("done")
    return report


def _notices(
    policy: Policy, alerts: Sequence[tuple[Any, str]], now: datetime
) -> list[dict[str, Any]]:
    """The owner's notice of each alert, and the lead's of each breach that escalates."""
    lead = policy.watch.notify_lead
    notices: list[dict[str, Any]] = []
    for r, kind in alerts:
        notice = _notice(r, kind, _owner(r), now)
        notices.append(notice)
        if kind == "breach" and lead and r.kind in policy.watch.escalate_kinds:
            notices.append(_readdressed(notice, "escalation", _lead(r)))
    return notices


def _hold(
    tx: TicketTx, policy: Policy, r: Any, now: datetime, report: SweepReport
) -> dict[str, Any]:
    """The warning for a next update, with the policy's holding update drafted or sent."""
    from promisedesk.services.holding import holding_update
    from promisedesk.services.tickets import record_in

    notice = _notice(r, "warning", _owner(r), now)
    hold = holding_update(tx, policy, r.ticket_ref, now)
    if hold is None:
        return notice
    if hold.mode == "send":
        cmd = c.PublicReply(body=hold.text, next_update_at=hold.next_update_at)
        record_in(tx, policy, r.ticket_ref, cmd, by=HOLDING_UPDATE_ACTOR, at=now, now=now)
        report.held += 1
        notice["subject"] = f"[{r.ticket_ref}] holding update sent; next update by " + _when(
            hold.next_update_at
        )
        notice["body"] = (
            f"The update due {_when(r.due_at)} was near, so this holding update went to the "
            f"customer on your behalf:\n\n{hold.text}"
        )
    else:
        report.drafted += 1
        notice["subject"] = f"[{r.ticket_ref}] update due {_when(r.due_at)}: a draft is ready"
        notice["body"] = (
            f"Due {_when(r.due_at)}: {r.reason}. If you have nothing new, this holding update "
            f"keeps the promise (edit it as you like, then send it as a reply):\n\n{hold.text}"
        )
    return notice


def _escalation(row: Any) -> BreachEscalated:
    """The event ``record_in`` makes of ``EscalateBreach`` for this row."""
    return BreachEscalated(commitment=row.id, kind=row.kind, notify=_lead(row))


def _lead(row: Any) -> str:
    return f"lead:{row.team or 'service-desk'}"


_NOTICE_KEYS = {"warning": "warn", "breach": "breach", "escalation": "lead"}


def _readdressed(notice: dict[str, Any], kind: str, recipient: str) -> dict[str, Any]:
    """``_notice`` of the same row as another kind that reads the same (not a warning)."""
    assert kind != "warning" and notice["kind"] != "warning"
    key = f"{_NOTICE_KEYS[kind]}:{notice['commitment_id']}"
    return {**notice, "dedupe_key": key, "kind": kind, "recipient": recipient}


def _notice(row: Any, kind: str, recipient: str, now: datetime) -> dict[str, Any]:
    what = row.kind.replace("_", " ")
    due = _when(row.due_at)
    if kind == "warning":
        subject = f"[{row.ticket_ref}] {what} due {due}"
        body = f"Due {due}: {row.reason}. Ticket: {row.subject}"
    else:
        subject = f"[{row.ticket_ref}] missed: {what}"
        body = f"Was due {due}: {row.reason}. Ticket: {row.subject}"
    return {
        "dedupe_key": f"{_NOTICE_KEYS[kind]}:{row.id}",
        "kind": kind,
        "ticket_ref": row.ticket_ref,
        "commitment_id": row.id,
        "recipient": recipient,
        "subject": subject,
        "body": body,
        "created_at": now,
        "sent_at": None,
    }
