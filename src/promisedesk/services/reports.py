"""Reports from the stored ledger: the KPI summary and a ticket's checklist."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from promisedesk.domain.commitments import Kind, Outcome, Source
from promisedesk.domain.events import ResolutionConfirmed, Triaged
from promisedesk.domain.kpis import Checklist, LedgerEntry, compute_checklist, compute_kpis
from promisedesk.store import commitments as rows
from promisedesk.store.tickets import TicketStore


def _entry(r: Any) -> LedgerEntry:
    return LedgerEntry(r.ticket_ref, Kind(r.kind), Source(r.source), Outcome(r.outcome), r.due_at)


def kpi_report(store: TicketStore, now: datetime) -> dict[str, object]:
    """The ledger KPIs over every ticket, as of ``now``."""
    with store.reading() as tx:
        entries = [_entry(r) for r in rows.all_ledger_rows(tx.conn)]
        count = tx.count()
    return compute_kpis(entries, count, now)


def ticket_checklist(store: TicketStore, ref: str, now: datetime) -> Checklist:
    """One ticket's checklist, from its stored ledger and its events."""
    with store.reading() as tx:
        ticket_id, ticket, history = tx.load_with_history(ref)
        entries = [_entry(r) for r in rows.read_ledger(tx.conn, ticket_id)]
    types = [s.event.payload for s in history]
    return compute_checklist(
        entries,
        now,
        priority_confirmed=any(isinstance(p, Triaged) for p in types),
        closure_confirmed=any(isinstance(p, ResolutionConfirmed) for p in types)
        and ticket.resolution_confirmed is True,
    )
