"""auto_holding_update: the watcher drafts or sends a holding update before a next
update would break, naming the real time of the update after it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from promisedesk.bootstrap import build
from promisedesk.clock import FakeClock
from promisedesk.config import DEFAULT_POLICY_TEXT, Settings
from promisedesk.services import commands as c
from promisedesk.services.ledger import get_ledger, sweep
from promisedesk.services.tickets import do_record, get_ticket
from promisedesk.store.commitments import outbox_rows
from tests.integration.test_watcher import open_p1


def desk_with(mode: str, db_url: str, tmp_path: Path, clock: FakeClock):  # type: ignore[no-untyped-def]
    config = tmp_path / "promisedesk.toml"
    config.write_text(
        DEFAULT_POLICY_TEXT.replace(
            'auto_holding_update = "off"', f'auto_holding_update = "{mode}"'
        ),
        encoding="utf-8",
    )
    return build(Settings(database_url=db_url, config_path=config), clock=clock)


def working_p1(desk, clock: FakeClock) -> str:  # type: ignore[no-untyped-def]
    ref = open_p1(desk, clock)
    clock.advance(minutes=5)
    do_record(
        desk.store,
        desk.policy,
        ref,
        c.PublicReply(
            body="I can see the VPN is down for you; I am checking the gateway now.",
            next_update_at=clock.now() + timedelta(minutes=30),
        ),
        by="agent:bo",
        now=clock.now(),
    )
    return ref


@pytest.mark.parametrize("mode", ["draft", "send"])
def test_holding_update_before_a_next_update_would_break(
    mode: str, db_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    desk = desk_with(mode, db_url, tmp_path, clock)
    try:
        ref = working_p1(desk, clock)
        promised = clock.now() + timedelta(minutes=30)
        clock.advance(minutes=16)  # inside the 15-minute warning of the promised update
        report = sweep(desk.store, desk.policy, clock.now())
        assert report.warned >= 1
        with desk.store.reading() as tx:
            notices = [r for r in outbox_rows(tx.conn) if r.kind == "warning"]
        assert len(notices) == 1
        notice = notices[0]
        assert notice.recipient == "agent:bo"
        timeline = get_ticket(desk.store, ref).timeline
        replies = [s.event for s in timeline if s.event.type == "public_reply"]
        ledger = get_ledger(desk.store, ref)
        promise = next(r for r in ledger if r.kind == "next_update" and r.due_at == promised)
        if mode == "draft":
            assert report.drafted == 1 and report.held == 0
            assert "a draft is ready" in notice.subject
            assert len(replies) == 1  # nothing went to the customer
            assert promise.outcome == "open"
        else:
            assert report.held == 1 and report.drafted == 0
            assert "holding update sent" in notice.subject
            assert len(replies) == 2
            held = replies[-1]
            assert held.by == "system:holding-update"
            # The held update keeps the promise and makes the next one, at the cadence.
            assert promise.outcome == "kept"
            assert held.payload.next_update_at is not None  # type: ignore[union-attr]
            assert held.payload.next_update_at.strftime("%H:%M") in notice.body  # type: ignore[union-attr]
            following = [r for r in get_ledger(desk.store, ref) if r.kind == "next_update"]
            assert any(r.outcome == "open" for r in following)
        assert "{{" not in notice.body and "{" not in notice.body
        again = sweep(desk.store, desk.policy, clock.now())
        assert (again.warned, again.drafted, again.held) == (0, 0, 0)
    finally:
        desk.close()


def test_holding_update_is_off_by_default(desk, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    ref = working_p1(desk, clock)
    clock.advance(minutes=16)
    report = sweep(desk.store, desk.policy, clock.now())
    assert (report.drafted, report.held) == (0, 0)
    replies = [
        s.event for s in get_ticket(desk.store, ref).timeline if s.event.type == "public_reply"
    ]
    assert len(replies) == 1
