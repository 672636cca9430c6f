"""The SLA clock of a ticket: targets, pauses, priority changes, reopening."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from promisedesk.domain import events as ev
from promisedesk.domain.calendars import Calendar
from promisedesk.domain.events import Event, Status
from promisedesk.domain.priority import Level, Priority
from promisedesk.domain.sla import (
    DEFAULT_PAUSES,
    ClockStatus,
    SlaBook,
    SlaPolicy,
    Target,
    TargetClock,
    TargetKind,
    compute_sla,
)

K = TargetKind
ALWAYS = Calendar("always", "UTC", tuple(((0, 1440),) for _ in range(7)))
OFFICE = Calendar(
    "office", "Europe/London", tuple(((540, 1020),) if d < 5 else () for d in range(7))
)
# Monday 2026-11-30 09:00 UTC (= 09:00 London).
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def targets(ack: int, first: int, cadence: int, resolve: int, cal: str) -> dict[K, Target]:
    minutes = {
        K.acknowledge: ack,
        K.first_response: first,
        K.update_cadence: cadence,
        K.resolve: resolve,
    }
    return {k: Target(k, m * 60, cal, DEFAULT_PAUSES[k]) for k, m in minutes.items()}


BOOK = SlaBook(
    policies=(
        SlaPolicy(
            "vip", {Priority.P1: targets(5, 10, 30, 60, "always")}, services=frozenset({"payroll"})
        ),
        SlaPolicy(
            "standard",
            {
                Priority.P1: targets(15, 30, 60, 240, "always"),
                Priority.P3: targets(60, 240, 480, 1440, "office"),
            },
        ),
    ),
    calendars={"always": ALWAYS, "office": OFFICE},
)


def m(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def opened(priority: Priority = Priority.P1, service: str | None = None) -> Event:
    return Event(
        T0,
        "customer:ann",
        ev.Opened("x", "", "ann", "web", Level.high, Level.high, priority, service=service),
    )


def clocks(events: list[Event], now: datetime) -> dict[K, TargetClock]:
    return compute_sla("PD-1", events, BOOK, now)


def test_running_targets_have_due_times_and_time_left() -> None:
    c = clocks([opened()], m(10))
    assert set(c) == {K.acknowledge, K.first_response, K.resolve}
    assert c[K.acknowledge].due_at == m(15) and c[K.acknowledge].status == ClockStatus.running
    assert c[K.acknowledge].time_left == timedelta(minutes=5)
    assert c[K.resolve].due_at == m(240)


def test_automatic_ack_meets_acknowledge_but_not_first_response() -> None:
    events = [opened(), Event(m(1), "system", ev.Acknowledged(automatic=True))]
    c = clocks(events, m(45))
    assert c[K.acknowledge].status == ClockStatus.met and c[K.acknowledge].stopped_at == m(1)
    assert c[K.first_response].status == ClockStatus.breached
    assert c[K.first_response].failed_by == timedelta(minutes=15)


def test_first_response_starts_the_update_cadence() -> None:
    events = [opened(), Event(m(20), "agent:bo", ev.PublicReply("on it"))]
    c = clocks(events, m(50))
    assert c[K.first_response].status == ClockStatus.met
    assert c[K.update_cadence].due_at == m(80)
    late = clocks([*events, Event(m(95), "agent:bo", ev.PublicReply("still on it"))], m(100))
    assert late[K.update_cadence].breaches == 1
    assert late[K.update_cadence].status == ClockStatus.running
    assert late[K.update_cadence].due_at == m(155)


def test_waiting_on_customer_pauses_and_pushes_the_due_time() -> None:
    events = [
        opened(),
        Event(m(10), "agent:bo", ev.PublicReply("need logs")),
        Event(m(11), "agent:bo", ev.StatusChanged(Status.waiting_on_customer)),
    ]
    paused = clocks(events, m(100))
    assert paused[K.resolve].status == ClockStatus.paused and paused[K.resolve].due_at is None
    assert paused[K.resolve].paused == timedelta(minutes=89)
    assert paused[K.acknowledge].status == ClockStatus.met
    resumed = clocks([*events, Event(m(131), "customer:ann", ev.CustomerReply("logs"))], m(140))
    # 11 minutes used before the pause, 120 paused: due 240 + 120.
    assert resumed[K.resolve].due_at == m(360)
    assert resumed[K.resolve].paused == timedelta(minutes=120)


def test_priority_change_reapplies_policy_from_that_moment() -> None:
    events = [
        opened(Priority.P3),
        Event(m(30), "agent:bo", ev.Triaged(Level.critical, Level.critical, Priority.P1)),
    ]
    c = clocks(events, m(31))
    assert c[K.first_response].priority == Priority.P1
    assert c[K.first_response].started_at == m(30)
    assert c[K.first_response].due_at == m(60)
    assert c[K.resolve].due_at == m(270)


def test_met_target_stays_met_after_priority_change() -> None:
    events = [
        opened(Priority.P3),
        Event(m(5), "system", ev.Acknowledged(automatic=True)),
        Event(m(30), "agent:bo", ev.Triaged(Level.critical, Level.critical, Priority.P1)),
    ]
    assert clocks(events, m(40))[K.acknowledge].status == ClockStatus.met


def test_reopen_resumes_resolve_without_counting_resolved_time() -> None:
    events = [
        opened(),
        Event(m(10), "agent:bo", ev.PublicReply("on it")),
        Event(m(180), "agent:bo", ev.Resolved("fixed")),
    ]
    done = clocks(events, m(200))
    assert done[K.resolve].status == ClockStatus.met and done[K.resolve].due_at == m(240)
    reopened = [*events, Event(m(1000), "customer:ann", ev.Reopened("back again"))]
    c = clocks(reopened, m(1001))
    assert c[K.resolve].status == ClockStatus.running
    assert c[K.resolve].due_at == m(1060)  # 60 business minutes were left
    assert c[K.update_cadence].due_at == m(1060)


def test_breach_stays_breached_after_late_resolution() -> None:
    events = [opened(), Event(m(300), "agent:bo", ev.Resolved("fixed late"))]
    c = clocks(events, m(400))
    assert c[K.resolve].status == ClockStatus.breached
    assert c[K.resolve].failed_by == timedelta(minutes=60)


def test_first_matching_policy_wins() -> None:
    assert clocks([opened(service="payroll")], m(0))[K.acknowledge].due_at == m(5)
    assert clocks([opened(service="mail")], m(0))[K.acknowledge].due_at == m(15)
    assert clocks([opened(Priority.P2)], m(0)) == {}


def test_business_calendar_skips_nights_and_weekends() -> None:
    friday_4pm = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)
    e = Event(
        friday_4pm,
        "customer:ann",
        ev.Opened("x", "", "ann", "web", Level.low, Level.low, Priority.P3),
    )
    c = compute_sla("PD-1", [e], BOOK, friday_4pm)
    # 4 business hours from Friday 16:00: 1 h Friday, 3 h Monday from 09:00.
    assert c[K.first_response].due_at == datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@settings(max_examples=60, deadline=None)
@given(pauses=st.lists(st.tuples(st.integers(1, 600), st.integers(1, 600)), min_size=1, max_size=4))
def test_pausing_never_makes_a_due_time_earlier(pauses: list[tuple[int, int]]) -> None:
    base = [opened(Priority.P3), Event(m(1), "agent:bo", ev.PublicReply("on it"))]
    events = list(base)
    t = 1
    for gap, length in pauses:
        t += gap
        events.append(Event(m(t), "agent:bo", ev.StatusChanged(Status.waiting_on_customer)))
        t += length
        events.append(Event(m(t), "customer:ann", ev.CustomerReply("here")))
    now = m(t + 1)
    without = compute_sla("PD-1", base, BOOK, now)[K.resolve]
    with_pauses = compute_sla("PD-1", events, BOOK, now)[K.resolve]
    assert without.due_at is not None and with_pauses.due_at is not None
    assert with_pauses.due_at >= without.due_at


def test_events_do_not_move_due_times_by_rounding() -> None:
    # Instants with sub-second parts: each event used to shift dues by up to 1 s.
    start = T0 + timedelta(microseconds=1000)
    first = Event(
        start, "customer:ann", ev.Opened("x", "", "ann", "web", Level.high, Level.high, Priority.P1)
    )
    notes = [
        Event(
            start + timedelta(minutes=5 * i, microseconds=500_000 * i),
            "agent:bo",
            ev.InternalNote(f"note {i}"),
        )
        for i in range(1, 20)
    ]
    c = compute_sla("PD-1", [first, *notes], BOOK, m(120))
    assert c[K.resolve].due_at == start + timedelta(hours=4)
