"""KPIs that come straight from the ledger: kept promises over promises that fell due.

A commitment *fell due* when it was kept or broken; one still open past its due
instant counts as broken (time broke it, whether or not the watcher has noted it
yet). Superseded and cancelled commitments never fell due and are left out.
Rates are fractions 0..1, and ``None`` where nothing fell due.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from promisedesk.domain.commitments import Kind, Outcome, Source


@dataclass(frozen=True)
class LedgerEntry:
    """The facts of one commitment a KPI needs."""

    ticket: str
    kind: Kind
    source: Source
    outcome: Outcome
    due_at: datetime | None


def settled_outcome(e: LedgerEntry, now: datetime) -> Outcome:
    """The outcome as of ``now``: an open commitment past due is broken."""
    if e.outcome == Outcome.open and e.due_at is not None and e.due_at < now:
        return Outcome.broken
    return e.outcome


@dataclass(frozen=True)
class Tally:
    """Kept and broken counts for a set of commitments."""

    kept: int = 0
    broken: int = 0

    @property
    def due(self) -> int:
        """How many fell due."""
        return self.kept + self.broken

    @property
    def rate(self) -> float | None:
        """Kept / fell due, or None when nothing fell due."""
        return None if self.due == 0 else self.kept / self.due


def tally(entries: Iterable[LedgerEntry], now: datetime, kinds: set[Kind] | None = None) -> Tally:
    """Count kept and broken commitments (of ``kinds``, or all)."""
    kept = broken = 0
    for e in entries:
        if kinds is not None and e.kind not in kinds:
            continue
        outcome = settled_outcome(e, now)
        if outcome == Outcome.kept:
            kept += 1
        elif outcome == Outcome.broken:
            broken += 1
    return Tally(kept, broken)


def compute_kpis(entries: list[LedgerEntry], tickets: int, now: datetime) -> dict[str, object]:
    """The ledger report: the keys ``promisedesk report`` prints."""
    every = tally(entries, now)
    updates = tally(entries, now, {Kind.next_update, Kind.first_response})
    missed = tally(entries, now, {Kind.next_update}).broken

    def policy_rate(kind: Kind) -> float | None:
        return tally((e for e in entries if e.source == Source.policy), now, {kind}).rate

    return {
        "tickets": tickets,
        "commitments": len(entries),
        "commitments_due": every.due,
        "commitments_kept": every.kept,
        "commitments_broken": every.broken,
        "update_compliance_rate": updates.rate,
        "missed_updates": missed,
        "acknowledged_within_sla_rate": policy_rate(Kind.acknowledge),
        "first_response_within_sla_rate": policy_rate(Kind.first_response),
        "resolved_within_sla_rate": policy_rate(Kind.resolve),
    }


@dataclass(frozen=True)
class Checklist:
    """The per-ticket checklist of the expectations workflow."""

    acknowledged_within_sla: bool | None
    priority_confirmed: bool
    specific_next_update_promised: bool
    updates_on_cadence: tuple[int, int]
    closure_confirmed_by_customer: bool
    promised_vs_delivered_logged: bool


def compute_checklist(
    entries: list[LedgerEntry],
    now: datetime,
    *,
    priority_confirmed: bool,
    closure_confirmed: bool,
) -> Checklist:
    """One ticket's checklist from its ledger and two facts of its history."""
    ack = tally((e for e in entries if e.source == Source.policy), now, {Kind.acknowledge})
    updates = tally(entries, now, {Kind.next_update})
    overdue_open = any(
        e.outcome == Outcome.open and e.due_at is not None and e.due_at < now for e in entries
    )
    return Checklist(
        acknowledged_within_sla=None if ack.due == 0 else ack.broken == 0,
        priority_confirmed=priority_confirmed,
        specific_next_update_promised=any(
            e.kind == Kind.next_update and e.source == Source.person for e in entries
        ),
        updates_on_cadence=(updates.kept, updates.due),
        closure_confirmed_by_customer=closure_confirmed,
        promised_vs_delivered_logged=bool(entries) and not overdue_open,
    )
