"""The watcher's set-based escalation equals escalating through the fold.

``sweep`` raises a ticket's escalation level for a broken commitment with one UPDATE
for the whole batch (``TicketTx.escalate_breaches``) instead of folding each ticket
and appending through ``record_in``. That is only right if every stored row comes out
exactly as the fold would write it. So one scenario is swept twice on each backend,
once as the product does and once with ``escalate_breaches`` replaced by the old path
(``record_in`` per escalation), and every row of every table must be equal. The
scenario mixes in what keeps the full path: a ticket whose holding update is sent in
the same sweep, and one whose person's next-update promise broke (the cadence takes
over), plus a ticket with two escalations, a closed ticket and a ticket whose last
event is later than the sweep's ``now``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import nullcontext
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from promisedesk.bootstrap import Desk, build
from promisedesk.clock import FakeClock
from promisedesk.config import DEFAULT_POLICY_TEXT, Settings
from promisedesk.domain.commitments import compute_ledger
from promisedesk.domain.events import BreachEscalated, Status
from promisedesk.services import commands as c
from promisedesk.services import ledger
from promisedesk.services.ledger import WATCHER, SweepReport, sweep
from promisedesk.services.tickets import do_open, do_record, record_in
from promisedesk.store.commitments import read_ledger
from promisedesk.store.tables import commitments, events, outbox, tickets
from promisedesk.store.tickets import TicketTx, _projection
from tests.conftest import BACKENDS, START, fresh_url

SWEEP_AT = START + timedelta(hours=6)
AGENT = "agent:bo"


def _at(minutes: float) -> datetime:
    return SWEEP_AT + timedelta(minutes=minutes)


def _open(desk: Desk, subject: str, minutes: float) -> str:
    cmd = c.OpenTicket(
        subject=subject, requester="ann@example.com", impact="critical", urgency="critical"
    )
    ref = do_open(desk.store, desk.policy, cmd, by="customer:ann", now=_at(minutes)).ref
    _record(desk, ref, c.Assign(agent="bo", team="desk"), minutes)
    return ref


def _record(desk: Desk, ref: str, cmd: c.Command, minutes: float) -> None:
    do_record(desk.store, desk.policy, ref, cmd, by=AGENT, now=_at(minutes))


def scenario(desk: Desk, *, takeover: bool = True) -> dict[str, str]:
    """Tickets in every case the sweep at ``SWEEP_AT`` meets; their refs by role."""
    refs = {"twice": _open(desk, "Never swept: first response and resolve", -360)}
    refs["plain"] = _open(desk, "First response missed", -35)
    if takeover:
        refs["takeover"] = _open(desk, "A promised update missed", -40)
        promise = c.PublicReply(body="Looking.", next_update_at=_at(-5))
        _record(desk, refs["takeover"], promise, -38)
    refs["held"] = _open(desk, "A review missed, an update near", -30)
    _record(desk, refs["held"], c.PublicReply(body="Looking.", next_update_at=_at(10)), -28)
    review = c.Escalate(to_tier="L2", done="restarted", reason="needs L2", review_by=_at(-20))
    _record(desk, refs["held"], review, -27)
    refs["closed"] = _open(desk, "Missed, then resolved and closed", -50)
    _record(desk, refs["closed"], c.Resolve(summary="Fixed.", root_cause="disk"), -10)
    _record(desk, refs["closed"], c.Close(), -9)
    refs["later"] = _open(desk, "Its last event is after the sweep's now", -45)
    _record(desk, refs["later"], c.InternalNote(body="clock ahead"), 20)
    refs["quiet"] = _open(desk, "Nothing due", -1)
    return refs


def snapshot(desk: Desk) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables a sweep writes, without surrogate row ids."""
    out = {}
    with desk.store.reading() as tx:
        for table, drop, order in (
            (tickets, (), tickets.c.id),
            (events, ("id",), (events.c.ticket_id, events.c.seq)),
            (commitments, (), commitments.c.id),
            (outbox, ("id",), outbox.c.dedupe_key),
        ):
            cols = [col for col in table.c if col.name not in drop]
            order_by = order if isinstance(order, tuple) else (order,)
            out[table.name] = [tuple(r) for r in tx.conn.execute(select(*cols).order_by(*order_by))]
    return out


def _escalate_by_fold(desk: Desk) -> Callable[..., int]:
    """The path the watcher took before: ``record_in`` for each escalation."""

    def escalate(
        tx: TicketTx, breaches: Sequence[tuple[int, str, BreachEscalated]], *, by: str, now: Any
    ) -> int:
        done = 0
        for _, ref, p in breaches:
            if tx.load(ref)[1].status == Status.closed:
                continue
            cmd = c.EscalateBreach(commitment=p.commitment, kind=p.kind, notify=p.notify)
            record_in(tx, desk.policy, ref, cmd, by=by, at=now, now=now)
            done += 1
        return done

    return escalate


def _swept(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: str, mixed: bool
) -> tuple[Desk, dict[str, str], SweepReport, list[str], list[str]]:
    """Sweep the scenario by ``path`` ("sql" or "fold"); ``mixed`` adds what folds."""
    config = tmp_path / f"{path}.toml"
    policy = DEFAULT_POLICY_TEXT
    if mixed:
        policy = policy.replace('auto_holding_update = "off"', 'auto_holding_update = "send"')
    config.write_text(policy, encoding="utf-8")
    url = fresh_url(backend, tmp_path, name=f"{path}.db")
    desk = build(Settings(database_url=url, config_path=config), clock=FakeClock(SWEEP_AT))
    refs = scenario(desk, takeover=mixed)
    seen: list[str] = []
    pipes: list[str] = []
    real = TicketTx.escalate_breaches
    real_pipelined = ledger.pipelined

    def spy(tx: TicketTx, breaches: Any, *, by: str, now: Any) -> None:
        seen.extend(ref for _, ref, _ in breaches)
        fast = real if path == "sql" else _escalate_by_fold(desk)
        fast(tx, breaches, by=by, now=now)

    def pipelined(conn: Any) -> Any:
        pipes.append(conn.dialect.name)
        # The old path reads each ticket, which a pipeline cannot: it runs without.
        return real_pipelined(conn) if path == "sql" else nullcontext()

    with monkeypatch.context() as m:
        m.setattr(TicketTx, "escalate_breaches", spy)
        m.setattr(ledger, "pipelined", pipelined)
        report = sweep(desk.store, desk.policy, SWEEP_AT)
    return desk, refs, report, seen, pipes


@pytest.mark.parametrize("mixed", [True, False], ids=["with-folds", "pipelined"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_set_based_escalation_writes_what_the_fold_writes(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mixed: bool
) -> None:
    by_fold, refs, fold_report, _, _ = _swept(backend, tmp_path, monkeypatch, "fold", mixed)
    want = snapshot(by_fold)
    by_fold.close()
    desk, _, report, seen, pipes = _swept(backend, tmp_path, monkeypatch, "sql", mixed)
    try:
        # The cases are what they claim: two escalations on one ticket, a closed ticket
        # left out; with folds, one hold sent and the held and taken-over tickets folded.
        # Without, the marks, notices and events go to the server in one pipeline.
        if mixed:
            assert report == fold_report == SweepReport(warned=1, breached=11, escalated=6, held=1)
            assert pipes == []
        else:
            assert report == fold_report == SweepReport(warned=1, breached=10, escalated=5)
            assert pipes == [backend]
        raised = ("twice", "twice", "plain", "later") + (() if mixed else ("held",))
        assert sorted(seen) == sorted(refs[k] for k in raised)
        got = snapshot(desk)
        for table in want:
            assert got[table] == want[table], table
        escalations = [r for r in got["events"] if r[2] == BreachEscalated.TYPE]
        assert len(escalations) == report.escalated
        assert all(r[4] == WATCHER for r in escalations)
        assert_projections_are_the_fold(desk)
    finally:
        desk.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_closed_ticket_passed_anyway_is_not_raised(backend: str, tmp_path: Path) -> None:
    url = fresh_url(backend, tmp_path)
    desk = build(Settings(database_url=url, config_path=tmp_path / "none.toml"))
    try:
        ref = _open(desk, "Closed before its escalation", -50)
        _record(desk, ref, c.Resolve(summary="Fixed.", root_cause="disk"), -10)
        _record(desk, ref, c.Close(), -9)
        before = snapshot(desk)
        with desk.store.writing() as tx:
            (ticket_id,) = tx.conn.execute(select(tickets.c.id)).scalars()
            payload = BreachEscalated(commitment=f"{ref}:x", kind="first_response", notify="lead:x")
            tx.escalate_breaches([(ticket_id, ref, payload)], by=WATCHER, now=SWEEP_AT)
        assert snapshot(desk) == before
    finally:
        desk.close()


def assert_projections_are_the_fold(desk: Desk) -> None:
    """Each stored ticket row and ledger is what its stored events fold to."""
    with desk.store.reading() as tx:
        stored = {r.ref: r for r in tx.conn.execute(select(tickets))}
        # Row ids follow each ticket's seq, so an export (ordered by instant, then id)
        # lists a ticket's events in their order.
        order = select(events.c.ticket_id, events.c.id).order_by(events.c.ticket_id, events.c.seq)
        ids: dict[int, list[int]] = {}
        for ticket_id, event_id in tx.conn.execute(order):
            ids.setdefault(ticket_id, []).append(event_id)
        assert all(row_ids == sorted(row_ids) for row_ids in ids.values())
        for ref, row in stored.items():
            ticket_id, ticket, history = tx.load_with_history(ref)
            assert [s.seq for s in history] == list(range(1, ticket.version + 1)), ref
            projected = {k: v for k, v in row._mapping.items() if k not in ("id", "ref")}
            assert projected == _projection(ticket), ref
            # "later" was last written after the sweep's now, its ledger with it.
            now = max(SWEEP_AT, ticket.updated_at)
            ledger = compute_ledger(ref, [s.event for s in history], desk.policy.sla, now)
            rows = read_ledger(tx.conn, ticket_id)
            derived = [(r.id, r.kind, r.outcome, r.due_at, r.settled_at) for r in rows]
            want = [(i.id, i.kind.value, i.outcome.value, i.due_at, i.settled_at) for i in ledger]
            assert derived == want, ref
