"""The promise ledger: every expectation set with a customer, and how it ended.

``compute_ledger(ref, events, book, now)`` folds a ticket's events into its
commitments. It is pure and total: the same events and ``now`` always give the same
ledger, which is how live operation and replay agree exactly. The rules (a table in
docs/ledger.md, one test each in tests/unit/test_commitments.py):

* Policy commitments mirror the SLA clock (``sla.py``): ``acknowledge``,
  ``first_response`` and ``resolve`` are made when the ticket opens; a policy
  ``next_update`` is kept open at the priority's cadence from the first response on,
  while no person's promise stands in for it. They pause with their SLA target (due
  ``None`` while paused) and are superseded when a priority change re-applies the
  policy.
* A person makes a commitment with a public reply that carries ``next_update_at``, an
  escalation's ``review_by``, or a scheduled callback. A person's promise is
  wall-clock: pausing does not move it.
* A public update before the due instant keeps the open ``next_update`` (a
  "still investigating" message counts). A new escalation or callback made while the
  previous one is open supersedes it; one already past due is broken and stays so.
* Agent activity on the ticket (note, reply, assignment, status change, resolution)
  keeps an open ``escalation_review``; ``callback_made`` keeps the open callback.
* Resolution cancels open ``next_update`` and ``escalation_review`` commitments;
  closing cancels whatever remains; reopening makes fresh ``resolve`` and
  ``next_update`` commitments.
* A commitment breaks at its true due instant, whenever the ledger is computed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from promisedesk.domain.events import (
    Assigned,
    BreachEscalated,
    CallbackMade,
    CallbackScheduled,
    Closed,
    Escalated,
    Event,
    InternalNote,
    Opened,
    PublicReply,
    Resolved,
    StatusChanged,
    Triaged,
)
from promisedesk.domain.priority import Priority
from promisedesk.domain.records import evolve
from promisedesk.domain.sla import (
    SlaBook,
    SlaClock,
    TargetKind,
    TargetRun,
    counts_as_update,
    is_person,
)
from promisedesk.domain.tickets import open_ticket


class Kind(StrEnum):
    """What was promised."""

    acknowledge = "acknowledge"
    first_response = "first_response"
    next_update = "next_update"
    resolve = "resolve"
    escalation_review = "escalation_review"
    callback = "callback"


class Outcome(StrEnum):
    """How a commitment ended, or ``open`` while it has not."""

    open = "open"
    kept = "kept"
    broken = "broken"
    superseded = "superseded"
    cancelled = "cancelled"


class Source(StrEnum):
    """Who made the commitment: the SLA policy, or a person."""

    policy = "policy"
    person = "person"


_POLICY_KIND = {
    TargetKind.acknowledge: Kind.acknowledge,
    TargetKind.first_response: Kind.first_response,
    TargetKind.update_cadence: Kind.next_update,
    TargetKind.resolve: Kind.resolve,
}
_UPDATE_KINDS = frozenset({Kind.next_update, Kind.escalation_review})

#: Events that cannot change any ticket's ledger: the ledger at an instant is the same
#: with or without one of them at that instant (tests/unit/test_ledger_neutral.py
#: checks it over random histories). The watcher relies on it to escalate many
#: breaches without recomputing their ledgers.
LEDGER_NEUTRAL = (BreachEscalated,)
_REVIEW_ACTIVITY = (InternalNote, PublicReply, Assigned, StatusChanged, Resolved, Triaged)


@dataclass(frozen=True)
class Commitment:
    """One promise: what, to be done by when, made by whom, and how it ended.

    ``due_at`` is ``None`` while a policy commitment is paused. ``settled_seq`` is the
    event that settled it (``None`` when time alone broke it).
    """

    id: str
    ticket: str
    kind: Kind
    source: Source
    made_at: datetime
    made_by: str
    due_at: datetime | None
    reason: str
    outcome: Outcome = Outcome.open
    settled_at: datetime | None = None
    settled_seq: int | None = None

    @property
    def is_open(self) -> bool:
        """True until the commitment is kept, broken, superseded or cancelled."""
        return self.outcome == Outcome.open


def _describe(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    text = f"{hours}h" if hours else ""
    if rest // 60:
        text += f"{rest // 60}m"
    return text or "0m"


class _Ledger:
    """The fold: commitments so far, plus the SLA clock they mirror."""

    def __init__(self, ref: str, book: SlaBook) -> None:
        self.ref = ref
        self.book = book
        self.items: list[Commitment] = []
        self.policy_runs: dict[Kind, tuple[int, TargetRun]] = {}
        self.clock: SlaClock | None = None

    # -- bookkeeping -----------------------------------------------------------
    def _make(
        self,
        kind: Kind,
        source: Source,
        at: datetime,
        by: str,
        due: datetime | None,
        reason: str,
    ) -> int:
        index = len(self.items)
        self.items.append(
            Commitment(f"{self.ref}#{index + 1}", self.ref, kind, source, at, by, due, reason)
        )
        return index

    def _settle(self, index: int, outcome: Outcome, at: datetime, seq: int | None) -> None:
        c = self.items[index]
        if c.is_open:
            self.items[index] = evolve(c, outcome=outcome, settled_at=at, settled_seq=seq)

    def _open(self, *kinds: Kind) -> list[int]:
        return [i for i, c in enumerate(self.items) if c.is_open and c.kind in kinds]

    def break_due(self, until: datetime) -> None:
        """Break every open commitment whose due instant passed before ``until``.

        A person's next-update promise that breaks hands the cadence back to the
        policy at that instant, so one next update stays owed whether or not anything
        else happens on the ticket (commitments made here are checked in turn).
        """
        for i, c in enumerate(self.items):
            if c.is_open and c.due_at is not None and c.due_at < until:
                self._settle(i, Outcome.broken, c.due_at, None)
                if c.kind == Kind.next_update and c.source == Source.person:
                    self._cadence_takes_over(c.due_at)

    def _cadence_takes_over(self, at: datetime) -> None:
        """After a person's next-update promise broke at ``at``, the policy's cadence
        is owed again: a policy next_update made at ``at``, unless the cadence itself
        was already due by then (its own miss stands, as when a reply is late) or
        another update is owed."""
        run = self.clock.runs.get(TargetKind.update_cadence) if self.clock else None
        if run is None or run.stopped_at is not None or run.breached_due is not None:
            return
        if Kind.next_update in self.policy_runs or self._open(Kind.next_update):
            return
        assert self.clock is not None
        due = self.clock.due(run)
        if due is not None and due <= at:
            return
        index = self._make(
            Kind.next_update,
            Source.policy,
            at,
            "policy",
            due,
            f"SLA {run.priority.value} {TargetKind.update_cadence.value} within "
            f"{_describe(run.target.seconds)} ({run.target.calendar} hours), after a "
            "missed promise",
        )
        self.policy_runs[Kind.next_update] = (index, run)

    # -- policy commitments follow the SLA clock ------------------------------
    def sync_policy(self, at: datetime, seq: int) -> None:
        assert self.clock is not None
        person_update_open = any(
            self.items[i].source == Source.person for i in self._open(Kind.next_update)
        )
        for target, kind in _POLICY_KIND.items():
            run = self.clock.runs.get(target)
            tracked = self.policy_runs.get(kind)
            if tracked is not None:
                index, tracked_run = tracked
                current = self.items[index]
                if run is not tracked_run or run is None:
                    # The policy was re-applied (priority change) or the target ended.
                    self._settle(index, Outcome.superseded, at, seq)
                    del self.policy_runs[kind]
                elif run.stopped_at is not None:
                    outcome = Outcome.broken if run.breached_due else Outcome.kept
                    if current.is_open:
                        settled_at = run.breached_due if run.breached_due else at
                        self.items[index] = evolve(
                            current,
                            outcome=outcome,
                            settled_at=settled_at,
                            settled_seq=None if run.breached_due else seq,
                        )
                    continue
                elif not current.is_open:
                    # Settled but running again: a reopened ticket gets a fresh one.
                    del self.policy_runs[kind]
                else:
                    self.items[index] = evolve(current, due_at=self.clock.due(run))
                    continue
            if run is None or run.stopped_at is not None or run.breached_due is not None:
                continue  # nothing to promise, or the broken commitment stands
            if kind == Kind.next_update and person_update_open:
                continue
            index = self._make(
                kind,
                Source.policy,
                at,
                "policy",
                self.clock.due(run),
                f"SLA {run.priority.value} {target.value} within "
                f"{_describe(run.target.seconds)} ({run.target.calendar} hours)",
            )
            self.policy_runs[kind] = (index, run)

    # -- events ----------------------------------------------------------------
    def apply(self, seq: int, event: Event) -> None:
        at, p = event.at, event.payload
        self.break_due(at)
        if isinstance(p, Opened):
            ticket = open_ticket(self.ref, event)
            self.clock = SlaClock(self.book, event, ticket, p.service, None)
            self.sync_policy(at, seq)
            return
        assert self.clock is not None
        self.clock.advance(event)
        person = is_person(event.by)
        if isinstance(p, PublicReply | Resolved) and counts_as_update(event.by):
            for i in self._open(Kind.next_update):
                self._settle(i, Outcome.kept, at, seq)
            if Kind.next_update in self.policy_runs:
                del self.policy_runs[Kind.next_update]
        if isinstance(p, _REVIEW_ACTIVITY) and person:
            for i in self._open(Kind.escalation_review):
                if self.items[i].made_at < at:
                    self._settle(i, Outcome.kept, at, seq)
        promise = p.next_update_at if isinstance(p, PublicReply) else None
        if promise is not None and person and self.clock.ticket.is_open:
            self._make(
                Kind.next_update,
                Source.person,
                at,
                event.by,
                promise,
                "next update promised in a reply",
            )
        if isinstance(p, Escalated):
            for i in self._open(Kind.escalation_review):
                self._settle(i, Outcome.superseded, at, seq)
            self._make(
                Kind.escalation_review,
                Source.person,
                at,
                event.by,
                p.review_by,
                f"{p.to_tier} to review: {p.reason}",
            )
        if isinstance(p, CallbackScheduled):
            for i in self._open(Kind.callback):
                self._settle(i, Outcome.superseded, at, seq)
            self._make(
                Kind.callback, Source.person, at, event.by, p.due_at, p.note or "callback scheduled"
            )
        if isinstance(p, CallbackMade):
            for i in self._open(Kind.callback):
                self._settle(i, Outcome.kept, at, seq)
        if isinstance(p, Resolved):
            for i in self._open(*_UPDATE_KINDS):
                self._settle(i, Outcome.cancelled, at, seq)
        self.sync_policy(at, seq)
        if isinstance(p, Closed):
            for i in self._open(*Kind):
                self._settle(i, Outcome.cancelled, at, seq)
            self.policy_runs.clear()


def compute_ledger(
    ref: str, events: Iterable[Event], book: SlaBook, now: datetime
) -> list[Commitment]:
    """Every commitment of one ticket as of ``now``, in the order they were made.

    Events after ``now`` are ignored; commitments due at or before ``now`` that nothing
    kept are broken at their due instant.
    """
    ledger = _Ledger(ref, book)
    for seq, event in enumerate(events, start=1):
        if event.at > now:
            break
        ledger.apply(seq, event)
    if ledger.clock is not None:
        ledger.break_due(now)
    return ledger.items


@dataclass(frozen=True)
class WatchPolicy:
    """When the watcher warns before a commitment falls due, and what a breach does.

    ``warn_before`` gives lead times in seconds per kind; ``warn_before_priority``
    overrides them per priority. On breach of a kind in ``escalate_kinds`` the team
    lead is told (``notify_lead``) and the ticket's escalation level goes up
    (``raise_escalation_level``).
    """

    warn_before: Mapping[Kind, int] = field(default_factory=dict)
    warn_before_priority: Mapping[Priority, Mapping[Kind, int]] = field(default_factory=dict)
    notify_lead: bool = True
    raise_escalation_level: bool = True
    escalate_kinds: frozenset[Kind] = frozenset(
        {Kind.first_response, Kind.next_update, Kind.resolve, Kind.escalation_review}
    )

    def lead(self, kind: Kind, priority: Priority) -> timedelta | None:
        """How long before the due instant the owner is warned, if at all."""
        seconds = self.warn_before_priority.get(priority, {}).get(kind)
        if seconds is None:
            seconds = self.warn_before.get(kind)
        return None if seconds is None else timedelta(seconds=seconds)

    def warn_at(self, c: Commitment, priority: Priority) -> datetime | None:
        """The instant to warn about ``c``; None when no warning applies."""
        lead = self.lead(c.kind, priority)
        if lead is None or c.due_at is None or not c.is_open:
            return None
        return c.due_at - lead


def lateness(c: Commitment) -> timedelta | None:
    """How late a broken commitment was settled relative to its due (0 when time broke it)."""
    if c.outcome != Outcome.broken or c.due_at is None or c.settled_at is None:
        return None
    return c.settled_at - c.due_at
