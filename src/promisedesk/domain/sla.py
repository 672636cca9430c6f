"""SLA policies and the SLA clock of one ticket.

A policy sets, per priority, four targets: ``acknowledge`` (any outbound message,
automatic ones included), ``first_response`` (the first public message written by a
person), ``update_cadence`` (the longest gap allowed between public updates while the
ticket is open) and ``resolve``. Each target counts business time in its own calendar
and pauses while the ticket is in one of its ``pause_statuses``.

Rules the clock follows (also in docs/sla.md):

* A target starts when the ticket opens. ``update_cadence`` starts at the first
  response and restarts at every later public update.
* A priority change (a ``triaged`` event that changes priority) re-applies the policy
  from that moment: every target not yet met starts again from the change, with the
  new priority's duration. Met targets stay met.
* Reopening (``reopened``, ``resolution_rejected`` or a customer reply to a resolved
  ticket) resumes the resolve target: the business time before the resolution still
  counts, the time the ticket spent resolved does not. A target that was met by the
  earlier resolution runs again until the next one.
* A breached target stays breached, whatever happens later.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from promisedesk.domain.calendars import Calendar, add_business_duration, business_time_between
from promisedesk.domain.events import (
    Acknowledged,
    CustomerReply,
    Event,
    Opened,
    PublicReply,
    Reopened,
    ResolutionRejected,
    Resolved,
    Status,
    Triaged,
)
from promisedesk.domain.priority import Priority
from promisedesk.domain.tickets import Ticket, apply, open_ticket


class TargetKind(StrEnum):
    """The four promises every SLA policy makes."""

    acknowledge = "acknowledge"
    first_response = "first_response"
    update_cadence = "update_cadence"
    resolve = "resolve"


class ClockStatus(StrEnum):
    """Where a target's clock stands at ``now``."""

    running = "running"
    paused = "paused"
    met = "met"
    breached = "breached"


DEFAULT_PAUSES: Mapping[TargetKind, frozenset[Status]] = {
    TargetKind.acknowledge: frozenset(),
    TargetKind.first_response: frozenset({Status.waiting_on_customer}),
    TargetKind.update_cadence: frozenset({Status.waiting_on_customer}),
    TargetKind.resolve: frozenset({Status.waiting_on_customer}),
}


@dataclass(frozen=True)
class Target:
    """One target of a policy: a business duration on a calendar, with its pauses."""

    kind: TargetKind
    seconds: int
    calendar: str
    pause_statuses: frozenset[Status]


@dataclass(frozen=True)
class SlaPolicy:
    """Targets per priority, for the tickets this policy matches."""

    name: str
    targets: Mapping[Priority, Mapping[TargetKind, Target]]
    services: frozenset[str] = frozenset()
    customer_groups: frozenset[str] = frozenset()
    # "off", "draft" or "send": what the watcher does when a next update is near due.
    auto_holding_update: str = "off"

    def matches(self, priority: Priority, service: str | None, group: str | None) -> bool:
        """True when this policy covers a ticket with these facts."""
        if priority not in self.targets:
            return False
        if self.services and service not in self.services:
            return False
        return not (self.customer_groups and group not in self.customer_groups)


@dataclass(frozen=True)
class SlaBook:
    """Every policy, in order (first match wins), and the calendars they name."""

    policies: Sequence[SlaPolicy]
    calendars: Mapping[str, Calendar]

    def policy_for(
        self, priority: Priority, service: str | None = None, group: str | None = None
    ) -> SlaPolicy | None:
        """The first policy that covers the ticket, or None."""
        return next((p for p in self.policies if p.matches(priority, service, group)), None)


@dataclass(frozen=True)
class TargetClock:
    """A target's state at ``now``.

    ``due_at`` is None while paused (the due instant moves when the pause ends).
    ``time_left`` is wall-clock time until ``due_at`` while running; ``failed_by`` is
    how late the target was (or is) once breached.
    """

    kind: TargetKind
    priority: Priority
    calendar: str
    target_seconds: int
    started_at: datetime
    status: ClockStatus
    due_at: datetime | None
    stopped_at: datetime | None
    time_left: timedelta | None
    failed_by: timedelta | None
    paused: timedelta
    breaches: int = 0


@dataclass
class TargetRun:
    """The clock of one target while the ticket's events are folded."""

    target: Target
    priority: Priority
    started_at: datetime
    used: timedelta = timedelta(0)  # business time counted since start, exact
    since: datetime | None = None  # counting since; None while paused or stopped
    paused: timedelta = timedelta(0)
    paused_since: datetime | None = None
    stopped_at: datetime | None = None
    final_due: datetime | None = None  # the due instant as it stood when stopped
    breached_due: datetime | None = None  # the due instant that was missed
    breaches: int = 0


HOLDING_UPDATE_ACTOR = "system:holding-update"
"""The actor of the watcher's automatic holding updates (``auto_holding_update``)."""


def is_person(by: str) -> bool:
    """True for an actor that is a person (not the system)."""
    return by != "system" and not by.startswith("system:")


def counts_as_update(by: str) -> bool:
    """True when a public reply by ``by`` is an update the customer was owed.

    A person's reply is; so is the holding update a policy chose to send on the
    desk's behalf (it tells the customer when they hear next). Other automatic
    messages, such as the acknowledgement, are not.
    """
    return is_person(by) or by == HOLDING_UPDATE_ACTOR


class SlaClock:
    """Folds events into one run per target; pure arithmetic on calendars."""

    def __init__(
        self, book: SlaBook, first: Event, ticket: Ticket, service: str | None, group: str | None
    ) -> None:
        self.book = book
        self.ticket = ticket
        self.service = service
        self.group = group
        self.policy = book.policy_for(ticket.priority, service, group)
        self.runs: dict[TargetKind, TargetRun] = {}
        for kind in (TargetKind.acknowledge, TargetKind.first_response, TargetKind.resolve):
            self._start(kind, first.at)

    def _cal(self, run: TargetRun) -> Calendar:
        return self.book.calendars[run.target.calendar]

    def _start(self, kind: TargetKind, at: datetime) -> None:
        targets = self.policy.targets.get(self.ticket.priority, {}) if self.policy else {}
        target = targets.get(kind)
        old = self.runs.pop(kind, None)
        if target is None:
            return
        run = TargetRun(target, self.ticket.priority, at)
        if old is not None:
            run.breaches = old.breaches
            if kind != TargetKind.update_cadence:
                # A missed target stays missed when the policy is re-applied.
                run.breached_due = old.breached_due
        if self.ticket.status in target.pause_statuses:
            run.paused_since = at
        else:
            run.since = at
        self.runs[kind] = run

    def _remaining(self, run: TargetRun) -> timedelta:
        return max(timedelta(seconds=run.target.seconds) - run.used, timedelta(0))

    def due(self, run: TargetRun) -> datetime | None:
        if run.since is None:
            return None
        return add_business_duration(self._cal(run), run.since, self._remaining(run))

    def _settle_to(self, run: TargetRun, at: datetime) -> None:
        """Count business time up to ``at``, noting a breach if the due instant passed."""
        if run.since is None:
            return
        due = self.due(run)
        if run.breached_due is None and due is not None and due < at:
            run.breached_due = due
            run.breaches += 1
        run.used += business_time_between(self._cal(run), run.since, at)
        run.since = at

    def _stop(self, kind: TargetKind, at: datetime) -> None:
        run = self.runs.get(kind)
        if run is None or run.stopped_at is not None:
            return
        self._settle_to(run, at)
        if run.paused_since is not None:
            run.paused += at - run.paused_since
            run.paused_since = None
        run.final_due = run.breached_due or add_business_duration(
            self._cal(run), at, self._remaining(run)
        )
        run.since = None
        run.stopped_at = at

    def _resume(self, kind: TargetKind, at: datetime) -> None:
        run = self.runs.get(kind)
        if run is None or run.stopped_at is None:
            return
        run.stopped_at = None
        run.final_due = None
        run.since = at

    def advance(self, event: Event) -> None:
        """Apply one event (the ticket's own fold refuses impossible ones)."""
        before = self.ticket
        after = apply(before, event)
        at = event.at
        for run in self.runs.values():
            if run.stopped_at is None:
                self._settle_to(run, at)
        self.ticket = after
        p = event.payload
        if isinstance(p, Triaged) and after.priority != before.priority:
            self.policy = self.book.policy_for(after.priority, self.service, self.group)
            for kind, run in list(self.runs.items()):
                if run.stopped_at is None:
                    self._start(kind, at)
        if isinstance(p, Acknowledged | PublicReply | Resolved):
            self._stop(TargetKind.acknowledge, at)
        if isinstance(p, PublicReply | Resolved) and is_person(event.by):
            self._stop(TargetKind.first_response, at)
        if isinstance(p, PublicReply | Resolved) and counts_as_update(event.by) and after.is_open:
            self._start(TargetKind.update_cadence, at)
        if isinstance(p, Resolved):
            self._stop(TargetKind.resolve, at)
            self._stop(TargetKind.update_cadence, at)
        reopened = isinstance(p, Reopened | ResolutionRejected) or (
            isinstance(p, CustomerReply) and before.status == Status.resolved
        )
        if reopened:
            self._resume(TargetKind.resolve, at)
            self._start(TargetKind.update_cadence, at)
        self._apply_pauses(at)

    def _apply_pauses(self, at: datetime) -> None:
        status = self.ticket.status
        for run in self.runs.values():
            if run.stopped_at is not None:
                continue
            should_pause = status in run.target.pause_statuses
            if should_pause and run.since is not None:
                self._settle_to(run, at)
                run.since = None
                run.paused_since = at
            elif not should_pause and run.since is None:
                if run.paused_since is not None:
                    run.paused += at - run.paused_since
                    run.paused_since = None
                run.since = at

    def snapshot(self, now: datetime) -> dict[TargetKind, TargetClock]:
        return {kind: self._view(run, now) for kind, run in self.runs.items()}

    def _view(self, run: TargetRun, now: datetime) -> TargetClock:
        paused = run.paused + (now - run.paused_since if run.paused_since else timedelta(0))
        breaches = run.breaches
        breached_due = run.breached_due
        time_left: timedelta | None = None
        if run.stopped_at is not None:
            due = run.final_due
            end = run.stopped_at
        else:
            due = self.due(run)
            end = now
            if breached_due is None and due is not None and due < now:
                breached_due = due
                breaches += 1
            if due is not None and due >= now:
                time_left = due - now
        if breached_due is not None:
            status = ClockStatus.breached
        elif run.stopped_at is not None:
            status = ClockStatus.met
        elif run.since is None:
            status = ClockStatus.paused
        else:
            status = ClockStatus.running
        failed_by = end - breached_due if breached_due is not None else None
        return TargetClock(
            kind=run.target.kind,
            priority=run.priority,
            calendar=run.target.calendar,
            target_seconds=run.target.seconds,
            started_at=run.started_at,
            status=status,
            due_at=due,
            stopped_at=run.stopped_at,
            time_left=time_left,
            failed_by=failed_by,
            paused=paused,
            breaches=breaches,
        )


def compute_sla(
    ref: str,
    events: Iterable[Event],
    book: SlaBook,
    now: datetime,
    *,
    customer_group: str | None = None,
) -> dict[TargetKind, TargetClock]:
    """Each target's clock for a ticket at ``now``; empty when no policy covers it.

    Events after ``now`` are ignored, so the clock can be asked about any moment.
    """
    it = iter(e for e in events if e.at <= now)
    first = next(it, None)
    if first is None or not isinstance(first.payload, Opened):
        return {}
    ticket = open_ticket(ref, first)
    clock = SlaClock(book, first, ticket, first.payload.service, customer_group)
    for event in it:
        clock.advance(event)
    return clock.snapshot(now)
