"""Random ticket histories: the ledger's invariants hold, live and on replay.

Hypothesis drives a ticket through replies (with and without promised times),
waits on the customer, escalations, callbacks, priority changes, resolutions,
reopenings, closing and clock advances, through the same services as the API. After
every step: every commitment that fell due is settled; a settled commitment never
changes again (settled exactly once); nothing is settled before it was made. At the
end, the exported log replayed into a fresh database gives the same ledger.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from promisedesk.bootstrap import build
from promisedesk.clock import FakeClock
from promisedesk.config import Settings
from promisedesk.domain.errors import PromisedeskError
from promisedesk.services import commands as c
from promisedesk.services.ledger import get_ledger, sweep
from promisedesk.services.replay import do_replay, export_lines
from promisedesk.services.tickets import do_open, do_record

START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
AGENT = "agent:bo"
CUSTOMER = "customer:ann"


def facts(rows: list[Any]) -> list[tuple[Any, ...]]:
    return [(r.id, r.kind, r.source, r.outcome, r.due_at, r.settled_at) for r in rows]


class TicketHistory(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="pd-stateful-"))
        self.clock = FakeClock(START)
        self.desk = build(
            Settings(
                database_url=f"sqlite:///{self.folder / 'live.db'}",
                config_path=self.folder / "none.toml",
            ),
            clock=self.clock,
        )
        cmd = c.OpenTicket(
            subject="VPN drops", requester="ann@example.com", impact="high", urgency="critical"
        )
        self.ref = do_open(
            self.desk.store, self.desk.policy, cmd, by=CUSTOMER, now=self.clock.now()
        ).ref
        self.settled: dict[str, tuple[Any, ...]] = {}

    def teardown(self) -> None:
        try:
            self.check_replay_matches()
        finally:
            self.desk.close()
            shutil.rmtree(self.folder, ignore_errors=True)

    def do(self, cmd: c.Command, by: str = AGENT) -> None:
        # Refused transitions are part of life; the ledger must not care.
        with contextlib.suppress(PromisedeskError):
            do_record(self.desk.store, self.desk.policy, self.ref, cmd, by=by, now=self.clock.now())

    @rule(minutes=st.integers(1, 240))
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(minutes=minutes)
        sweep(self.desk.store, self.desk.policy, self.clock.now())

    @rule(promise=st.one_of(st.none(), st.integers(5, 300)))
    def public_reply(self, promise: int | None) -> None:
        due = None if promise is None else self.clock.now() + timedelta(minutes=promise)
        self.do(c.PublicReply(body="Update on your VPN issue.", next_update_at=due))

    @rule()
    def wait_on_customer(self) -> None:
        self.do(c.ChangeStatus(status="waiting_on_customer"))

    @rule()
    def customer_replies(self) -> None:
        self.do(c.CustomerReply(body="Here is the log."), by=CUSTOMER)

    @rule(tier=st.sampled_from(["L2", "L3"]), review=st.integers(10, 300))
    def escalate(self, tier: str, review: int) -> None:
        self.do(
            c.Escalate(
                to_tier=tier,
                done="checked",
                reason="needs more access",  # type: ignore[arg-type]
                review_by=self.clock.now() + timedelta(minutes=review),
            )
        )

    @rule()
    def note(self) -> None:
        self.do(c.InternalNote(body="Looking at the gateway."))

    @rule(due=st.integers(5, 200))
    def schedule_callback(self, due: int) -> None:
        self.do(c.ScheduleCallback(due_at=self.clock.now() + timedelta(minutes=due)))

    @rule()
    def callback_made(self) -> None:
        self.do(c.RecordCallback(note="called"))

    @rule(level=st.sampled_from(["critical", "medium", "low"]))
    def triage(self, level: str) -> None:
        self.do(c.Triage(impact=level, urgency=level))  # type: ignore[arg-type]

    @rule()
    def resolve(self) -> None:
        self.do(c.Resolve(summary="Fixed the gateway.", root_cause="rule", prevention="alert"))

    @rule()
    def reopen(self) -> None:
        self.do(c.Reopen(reason="It came back."), by=CUSTOMER)

    @rule()
    def close(self) -> None:
        self.do(c.Close())

    @invariant()
    def settled_exactly_once_and_never_early(self) -> None:
        now = self.clock.now()
        sweep(self.desk.store, self.desk.policy, now)
        for r in get_ledger(self.desk.store, self.ref):
            # Due at this very instant is still open: it may yet be kept now (rule 10a).
            if r.due_at is not None and r.due_at < now:
                assert r.outcome != "open", (r.id, r.due_at, now)
            if r.outcome != "open":
                assert r.settled_at is not None and r.settled_at >= r.made_at, r.id
                seen = (r.outcome, r.settled_at)
                assert self.settled.setdefault(r.id, seen) == seen, (r.id, seen)
            if r.outcome == "broken":
                assert r.settled_at == r.due_at

    def check_replay_matches(self) -> None:
        now = self.clock.now()
        lines = list(export_lines(self.desk.store))
        other = build(
            Settings(
                database_url=f"sqlite:///{self.folder / 'replay.db'}",
                config_path=self.folder / "none.toml",
            )
        )
        try:
            do_replay(other.store, other.policy, lines, now=now)
            live = facts(get_ledger(self.desk.store, self.ref))
            replayed = facts(get_ledger(other.store, self.ref))
            assert live == replayed
        finally:
            other.close()


TicketHistory.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_ledger_stateful = TicketHistory.TestCase
