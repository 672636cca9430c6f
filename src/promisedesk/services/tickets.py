"""Use cases on tickets: open one, record what happens to it, read it back.

``do_*`` functions own their transaction. ``open_in``/``record_in`` do the same work
inside a transaction the caller holds, which is how a replay applies a whole log
through exactly the code the API uses.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from promisedesk.config import Policy
from promisedesk.domain import events as ev
from promisedesk.domain.commitments import Commitment, compute_ledger
from promisedesk.domain.errors import Conflict, InvalidInput
from promisedesk.domain.events import Event, Payload
from promisedesk.domain.promises import extract_promises
from promisedesk.domain.records import evolve
from promisedesk.domain.tickets import Ticket, open_ticket
from promisedesk.services import commands as c
from promisedesk.services.ledger import flush_ledgers
from promisedesk.store import attachments as files
from promisedesk.store import commitments as rows
from promisedesk.store.batches import pipelined
from promisedesk.store.tickets import StoredEvent, TicketStore, TicketTx


@dataclass(frozen=True)
class TicketView:
    """A ticket with its timeline, as read in one snapshot."""

    ticket: Ticket
    timeline: list[StoredEvent]


def _require_aware(at: datetime) -> None:
    if at.tzinfo is None:
        raise InvalidInput("an event's instant needs a UTC offset", {"field": "at"})


def promises_in(text: str, at: datetime, tz_name: str) -> list[datetime]:
    """The instants a reply's text commits to, read in the customer's zone."""
    return [p.due for p in extract_promises(text, at, tz_name).promises]


def open_in(
    tx: TicketTx,
    policy: Policy,
    cmd: c.OpenTicket,
    *,
    by: str,
    at: datetime,
    now: datetime,
    ref: str | None = None,
) -> Ticket:
    """Open a ticket inside ``tx``; ``ref`` is kept when given (replayed logs)."""
    opened = opened_event(policy, cmd, by=by, at=at)
    return tx.create(open_ticket(ref or "", opened), opened, ref=ref, now=now)


def opened_event(policy: Policy, cmd: c.OpenTicket, *, by: str, at: datetime) -> Event:
    """The ``opened`` event a command becomes (priority from the matrix if not given)."""
    _require_aware(at)
    priority = cmd.priority or policy.matrix.priority_for(cmd.impact, cmd.urgency)
    return Event(
        at=at,
        by=by,
        payload=ev.Opened(
            subject=cmd.subject,
            description=cmd.description,
            requester=cmd.requester,
            channel=cmd.channel,
            impact=cmd.impact,
            urgency=cmd.urgency,
            priority=priority,
            triage=dict(cmd.triage),
            service=cmd.service,
        ),
    )


def to_payload(cmd: c.Command, ticket: Ticket, policy: Policy, at: datetime) -> Payload:
    """The event a command becomes, given the ticket it is applied to."""
    match cmd:
        case c.Acknowledge():
            return ev.Acknowledged(automatic=cmd.automatic, body=cmd.body)
        case c.Triage():
            priority = cmd.priority or policy.matrix.priority_for(cmd.impact, cmd.urgency)
            return ev.Triaged(impact=cmd.impact, urgency=cmd.urgency, priority=priority)
        case c.PublicReply():
            promised = cmd.promised
            if promised is None:
                promised = promises_in(cmd.body, at, policy.desk.timezone)
            return ev.PublicReply(
                body=cmd.body,
                next_update_at=cmd.next_update_at,
                promised=tuple(sorted(x for x in promised if x > at)),
            )
        case c.CustomerReply():
            return ev.CustomerReply(body=cmd.body)
        case c.InternalNote():
            return ev.InternalNote(body=cmd.body)
        case c.Assign():
            return ev.Assigned(agent=cmd.agent, team=cmd.team, tier=cmd.tier)
        case c.ChangeStatus():
            return ev.StatusChanged(status=cmd.status, reason=cmd.reason)
        case c.Escalate():
            return ev.Escalated(
                from_tier=cmd.from_tier or ticket.tier,
                to_tier=cmd.to_tier,
                done=cmd.done,
                reason=cmd.reason,
                review_by=cmd.review_by,
                team=cmd.team,
            )
        case c.Resolve():
            return ev.Resolved(
                summary=cmd.summary, root_cause=cmd.root_cause, prevention=cmd.prevention
            )
        case c.ConfirmResolution():
            return ev.ResolutionConfirmed(comment=cmd.comment)
        case c.RejectResolution():
            return ev.ResolutionRejected(reason=cmd.reason)
        case c.Reopen():
            return ev.Reopened(reason=cmd.reason)
        case c.Close():
            return ev.Closed(note=cmd.note)
        case c.Rate():
            return ev.Rated(score=cmd.score, comment=cmd.comment)
        case c.ScheduleCallback():
            return ev.CallbackScheduled(due_at=cmd.due_at, note=cmd.note)
        case c.RecordCallback():
            return ev.CallbackMade(note=cmd.note)
        case c.AddAttachment():
            return attachment_added(cmd)
        case c.EscalateBreach():
            return ev.BreachEscalated(commitment=cmd.commitment, kind=cmd.kind, notify=cmd.notify)
    raise InvalidInput(f"'{type(cmd).__name__}' does not change a ticket")


def new_attachment_id() -> str:
    """A fresh attachment id: random, so ids say nothing about other tickets' files."""
    return secrets.token_hex(8)


def attachment_added(cmd: c.AddAttachment) -> ev.AttachmentAdded:
    """The event of an upload; a logged size or digest must match the content."""
    digest = hashlib.sha256(cmd.content).hexdigest()
    checks = (("size", cmd.size, len(cmd.content)), ("sha256", cmd.sha256, digest))
    for name, logged, actual in checks:
        if logged is not None and logged != actual:
            raise InvalidInput(
                f"The attachment's {name} is {logged} but its content gives {actual}; "
                "the content was changed or cut short.",
                {"field": name},
            )
    return ev.AttachmentAdded(
        attachment=cmd.attachment or new_attachment_id(),
        filename=cmd.filename,
        size=len(cmd.content),
        content_type=cmd.content_type,
        sha256=digest,
        visibility=cmd.visibility,
    )


def _store_file(tx: TicketTx, ref: str, event: Event, content: bytes) -> None:
    # Written before the event is appended: a refused event then rolls the file back
    # with the transaction (or the replay's savepoint), and no cache has changed.
    added = event.payload
    assert isinstance(added, ev.AttachmentAdded)
    if files.exists(tx.conn, added.attachment):
        raise Conflict(
            f"An attachment with the id {added.attachment!r} exists already; a log "
            "replayed twice, or into a desk that has it, cannot add it again.",
            {"field": "attachment", "attachment": added.attachment},
        )
    ticket_id, _ = tx.load(ref)
    files.insert_file(tx.conn, ticket_id, added, content, by=event.by, at=event.at)


def record_in(
    tx: TicketTx,
    policy: Policy,
    ref: str,
    cmd: c.Command,
    *,
    by: str,
    at: datetime,
    now: datetime,
) -> tuple[Ticket, Event]:
    """Apply one command to an existing ticket inside ``tx``."""
    _require_aware(at)
    _, ticket = tx.load(ref, for_update=True)
    if at == now and at < ticket.updated_at:
        # A live write after the system clock stepped back: keep history in order.
        at = ticket.updated_at
    event = Event(at=at, by=by, payload=to_payload(cmd, ticket, policy, at))
    if isinstance(cmd, c.AddAttachment):
        _store_file(tx, ref, event, cmd.content)
    return tx.append(ref, event, now=now), event


def do_open(
    store: TicketStore,
    policy: Policy,
    cmd: c.OpenTicket,
    *,
    by: str,
    now: datetime,
) -> Ticket:
    """Open a ticket now, with its ledger, and commit it before returning."""
    with store.writing() as tx:
        ticket = open_in(tx, policy, cmd, by=by, at=now, now=now)
        flush_ledgers(tx, policy, now)
        return ticket


@dataclass(frozen=True)
class Intake:
    """One ticket to open: the command, who opens it, and when it arrived."""

    cmd: c.OpenTicket
    by: str
    now: datetime


#: The reference a ticket's ledger is worked out under before the ticket has its own.
_UNNAMED = "PD-?"


@dataclass(frozen=True)
class PreparedTicket:
    """A ticket to open, worked out before any lock is taken: only its ref is missing."""

    intake: Intake
    opened: Event
    ticket: Ticket
    ledger: list[Commitment]
    warn_at: dict[str, datetime | None]


def prepare_open(policy: Policy, i: Intake) -> PreparedTicket:
    """The event, state and ledger of a ticket to open (no database work)."""
    opened = opened_event(policy, i.cmd, by=i.by, at=i.now)
    ticket = open_ticket("", opened)
    ledger = compute_ledger(_UNNAMED, [opened], policy.sla, i.now)
    warn_at = {x.id: policy.watch.warn_at(x, ticket.priority) for x in ledger}
    return PreparedTicket(i, opened, ticket, ledger, warn_at)


def _named(p: PreparedTicket, ticket_id: int, ref: str) -> rows.LedgerWrite:
    """The prepared ledger under the ticket's own reference."""

    def cid(unnamed: str) -> str:
        return ref + unnamed.removeprefix(_UNNAMED)

    items = [evolve(x, id=cid(x.id), ticket=ref) for x in p.ledger]
    warn_at = {cid(k): v for k, v in p.warn_at.items()}
    return rows.LedgerWrite(ticket_id, items, warn_at, new_ticket=True)


def do_open_prepared(
    store: TicketStore, prepared: Sequence[PreparedTicket]
) -> list[Ticket | Exception]:
    """Open several prepared tickets in one transaction, committed once (group commit).

    A commit costs more than opening a ticket (every index's changed pages are written
    to the log), so tickets that arrive together share one; their events and ledgers
    were worked out before, so other writers wait only for the inserts. If anything
    fails, the transaction is rolled back and each ticket is opened alone, so one bad
    request never costs the others their tickets and each gets its own answer.
    """
    try:
        with store.writing() as tx:
            reserved = tx.reserve(len(prepared))
            # Nothing below reads: on PostgreSQL the inserts go in one pipeline.
            with pipelined(tx.conn):
                new = [(p.ticket, p.opened, p.intake.now) for p in prepared]
                made = tx.insert_new(new, reserved)
                ledgers = []
                for p, ticket, (ticket_id, _) in zip(prepared, made, reserved, strict=True):
                    ledgers.append(_named(p, ticket_id, ticket.ref))
                    tx.dirty.discard(ticket.ref)  # its ledger is the one worked out already
                    tx.created.discard(ticket.ref)
                rows.write_ledgers(tx.conn, ledgers, now=max(p.intake.now for p in prepared))
                tx.flush_writes()
        return list(made)
    except Exception as e:  # alone, each gets its own answer: handed to that request
        if len(prepared) == 1:
            return [e]
    return [do_open_prepared(store, [p])[0] for p in prepared]


def do_open_many(
    store: TicketStore, policy: Policy, intakes: Sequence[Intake]
) -> list[Ticket | Exception]:
    """Open several tickets in one transaction (see ``do_open_prepared``)."""
    prepared: list[PreparedTicket] = []
    results: list[Ticket | Exception | None] = []
    for i in intakes:
        try:
            prepared.append(prepare_open(policy, i))
            results.append(None)
        except Exception as e:  # a bad intake is its own answer; the rest go on
            results.append(e)
    written = iter(do_open_prepared(store, prepared) if prepared else [])
    return [next(written) if r is None else r for r in results]


def do_record(
    store: TicketStore,
    policy: Policy,
    ref: str,
    cmd: c.Command,
    *,
    by: str,
    now: datetime,
) -> tuple[Ticket, Event]:
    """Apply one command to a ticket now, update its ledger, commit before returning."""
    with store.writing() as tx:
        result = record_in(tx, policy, ref, cmd, by=by, at=now, now=now)
        flush_ledgers(tx, policy, now)
        return result


def get_ticket(store: TicketStore, ref: str) -> TicketView:
    """A ticket and its whole timeline; ``TicketNotFound`` if unknown."""
    with store.reading() as tx:
        _, ticket, history = tx.load_with_history(ref)
        return TicketView(ticket, history)
