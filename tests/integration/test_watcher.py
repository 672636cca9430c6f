"""The watcher: warnings before due, breaches at due, each written exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from promisedesk.bootstrap import Desk, build
from promisedesk.clock import FakeClock
from promisedesk.config import Settings
from promisedesk.services import commands as c
from promisedesk.services.ledger import get_ledger, sweep
from promisedesk.services.replay import do_replay
from promisedesk.services.tickets import do_open, do_record, get_ticket
from promisedesk.store.commitments import outbox_rows
from tests.conftest import PG_URL, fresh_url


def outbox(desk: Desk) -> list[tuple[str, str, str]]:
    with desk.store.reading() as tx:
        return [(r.kind, r.commitment_id, r.recipient) for r in outbox_rows(tx.conn)]


def open_p1(desk: Desk, clock: FakeClock) -> str:
    cmd = c.OpenTicket(
        subject="Mail down", requester="ann@example.com", impact="critical", urgency="critical"
    )
    ref = do_open(desk.store, desk.policy, cmd, by="customer:ann", now=clock.now()).ref
    do_record(
        desk.store,
        desk.policy,
        ref,
        c.Assign(agent="bo", team="desk"),
        by="agent:bo",
        now=clock.now(),
    )
    return ref


def test_warning_then_breach_then_escalation_once_each(desk: Desk, clock: FakeClock) -> None:
    ref = open_p1(desk, clock)
    start = clock.now()
    clock.advance(minutes=9)
    assert sweep(desk.store, desk.policy, clock.now()).warned == 0
    clock.advance(minutes=1)  # 5 minutes before the 15-minute acknowledgement
    report = sweep(desk.store, desk.policy, clock.now())
    assert (report.warned, report.breached) == (1, 0)
    assert outbox(desk) == [("warning", f"{ref}#1", "agent:bo")]
    assert sweep(desk.store, desk.policy, clock.now()).warned == 0  # not twice

    clock.advance(minutes=25)  # 35 minutes: acknowledge and first response both missed
    report = sweep(desk.store, desk.policy, clock.now())
    assert report.breached == 2 and report.escalated == 1
    ledger = {r.kind: r for r in get_ledger(desk.store, ref)}
    assert ledger["acknowledge"].outcome == "broken"
    assert ledger["acknowledge"].settled_at == start + timedelta(minutes=15)
    assert ledger["first_response"].settled_at == start + timedelta(minutes=30)
    # The first-response warning was overtaken by its breach: no stale warning is sent.
    kinds = sorted(k for k, _, _ in outbox(desk))
    assert kinds == ["breach", "breach", "escalation", "warning"]
    assert ("escalation", f"{ref}#2", "lead:desk") in outbox(desk)
    assert get_ticket(desk.store, ref).ticket.escalation_level == 1
    for _ in range(3):
        again = sweep(desk.store, desk.policy, clock.now())
        assert (again.warned, again.breached, again.escalated) == (0, 0, 0)
    assert len(outbox(desk)) == 4


def test_kept_commitments_are_never_warned_or_breached(desk: Desk, clock: FakeClock) -> None:
    ref = open_p1(desk, clock)
    clock.advance(minutes=2)
    do_record(
        desk.store,
        desk.policy,
        ref,
        c.PublicReply(
            body="On it; next update by the time below.",
            next_update_at=clock.now() + timedelta(minutes=30),
        ),
        by="agent:bo",
        now=clock.now(),
    )
    clock.advance(minutes=20)
    do_record(
        desk.store,
        desk.policy,
        ref,
        c.PublicReply(body="Still investigating."),
        by="agent:bo",
        now=clock.now(),
    )
    clock.advance(minutes=20)
    sweep(desk.store, desk.policy, clock.now())
    assert [k for k, _, _ in outbox(desk)] == []


def past_ticket(desk: Desk, hours_ago: int) -> None:
    """A ticket opened long ago whose commitments were never handled (downtime)."""
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=hours_ago)
    line = (
        f'{{"at": "{at.isoformat()}", "ticket": "OLD-1", "type": "opened", '
        '"by": "customer:ann", "subject": "Printer", "requester": "ann@example.com", '
        '"impact": "critical", "urgency": "critical"}'
    )
    do_replay(desk.store, desk.policy, [line], now=at + timedelta(minutes=1), historical=False)


@pytest.mark.parametrize("stage", ["claimed", "breach-recorded", "notified", "done"])
def test_crash_at_any_stage_leaves_exactly_one_breach(
    db_url: str, tmp_path: Path, stage: str
) -> None:
    settings = Settings(database_url=db_url, config_path=tmp_path / "none.toml")
    desk = build(settings)
    past_ticket(desk, hours_ago=6)
    env = {
        **os.environ,
        "PROMISEDESK_DATABASE_URL": db_url,
        "PROMISEDESK_CONFIG_PATH": str(tmp_path / "none.toml"),
        "PROMISEDESK_FAILPOINT": stage,
    }
    cmd = [sys.executable, "-m", "promisedesk.cli", "worker", "--once"]
    crashed = subprocess.run(cmd, env=env, capture_output=True, timeout=120)
    assert crashed.returncode == -9, crashed.stderr
    del env["PROMISEDESK_FAILPOINT"]
    for _ in range(2):  # restart, and once more for good measure
        ok = subprocess.run(cmd, env=env, capture_output=True, timeout=120)
        assert ok.returncode == 0, ok.stderr
    breaches = [x for x in outbox(desk) if x[0] == "breach"]
    ledger = get_ledger(desk.store, "OLD-1")
    broken = [r for r in ledger if r.outcome == "broken"]
    assert len(broken) == 3  # acknowledge, first response, resolve
    assert sorted(b[1] for b in breaches) == sorted(r.id for r in broken)
    assert get_ticket(desk.store, "OLD-1").ticket.escalation_level == 2  # first resp., resolve
    desk.close()


@pytest.mark.skipif(PG_URL is None, reason="needs PostgreSQL")
def test_two_workers_share_a_sweep_without_double_recording(tmp_path: Path) -> None:
    settings = Settings(
        database_url=fresh_url("postgresql", tmp_path), config_path=tmp_path / "none.toml"
    )
    desk = build(settings)
    at = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    lines = [
        f'{{"at": "{at.isoformat()}", "ticket": "T-{i}", "type": "opened", "by": "x", '
        '"subject": "s", "requester": "r", "impact": "critical", "urgency": "critical"}'
        for i in range(120)
    ]
    do_replay(desk.store, desk.policy, lines, now=at, historical=False)
    now = at + timedelta(hours=5)
    errors: list[BaseException] = []

    def work() -> None:
        own = build(settings, migrate=False)
        try:
            while sweep(own.store, own.policy, now, limit=25).breached:
                pass
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    breaches = [x for x in outbox(desk) if x[0] == "breach"]
    assert len(breaches) == 120 * 3 == len({b[1] for b in breaches})
    desk.close()
