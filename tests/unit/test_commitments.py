"""The ledger rules, one test each (docs/ledger.md)."""

from __future__ import annotations

from datetime import datetime, timedelta

from promisedesk.domain import events as ev
from promisedesk.domain.commitments import Commitment, Kind, Outcome, Source, compute_ledger
from promisedesk.domain.events import Event, Status
from promisedesk.domain.priority import Level, Priority
from tests.unit.test_sla import BOOK, T0, m

K = Kind
Out = Outcome


def opened(priority: Priority = Priority.P1) -> Event:
    return Event(
        T0, "customer:ann", ev.Opened("x", "", "ann", "web", Level.high, Level.high, priority)
    )


def ledger(events: list[Event], now: datetime) -> list[Commitment]:
    return compute_ledger("PD-1", events, BOOK, now)


def summary(items: list[Commitment]) -> list[tuple[str, str, str, datetime | None]]:
    return [(c.kind.value, c.source.value, c.outcome.value, c.due_at) for c in items]


def reply(minutes: float, promise: float | None = None, by: str = "agent:bo") -> Event:
    return Event(
        m(minutes),
        by,
        ev.PublicReply("update", next_update_at=None if promise is None else m(promise)),
    )


def test_opening_makes_policy_commitments() -> None:
    assert summary(ledger([opened()], m(1))) == [
        ("acknowledge", "policy", "open", m(15)),
        ("first_response", "policy", "open", m(30)),
        ("resolve", "policy", "open", m(240)),
    ]


def test_first_response_keeps_ack_and_first_response_and_starts_cadence() -> None:
    items = ledger([opened(), reply(10)], m(11))
    assert summary(items)[:2] == [
        ("acknowledge", "policy", "kept", m(15)),
        ("first_response", "policy", "kept", m(30)),
    ]
    assert summary(items)[3] == ("next_update", "policy", "open", m(70))


def test_a_persons_promise_stands_in_for_the_cadence() -> None:
    items = ledger([opened(), reply(10, promise=40)], m(11))
    updates = [c for c in items if c.kind == K.next_update]
    assert [(c.source, c.due_at, c.outcome) for c in updates] == [(Source.person, m(40), Out.open)]


def test_still_investigating_keeps_the_promise_and_policy_resumes() -> None:
    items = ledger([opened(), reply(10, promise=40), reply(35)], m(36))
    updates = [
        (c.source.value, c.outcome.value, c.due_at) for c in items if c.kind == K.next_update
    ]
    assert updates == [("person", "kept", m(40)), ("policy", "open", m(95))]


def test_missed_promise_breaks_at_its_true_due_instant() -> None:
    items = ledger([opened(), reply(10, promise=40), reply(300)], m(301))
    promise = next(c for c in items if c.source == Source.person)
    assert (promise.outcome, promise.settled_at, promise.settled_seq) == (Out.broken, m(40), None)
    # Computing the ledger much later (after downtime) gives the same answer.
    later = next(
        c for c in ledger([opened(), reply(10, promise=40)], m(5000)) if c.source == Source.person
    )
    assert (later.outcome, later.settled_at) == (Out.broken, m(40))


def test_persons_promise_does_not_pause_policy_does() -> None:
    events = [
        opened(),
        reply(10, promise=40),
        Event(m(12), "agent:bo", ev.StatusChanged(Status.waiting_on_customer)),
    ]
    items = ledger(events, m(100))
    person = next(c for c in items if c.source == Source.person)
    resolve = next(c for c in items if c.kind == K.resolve)
    assert person.outcome == Out.broken and person.settled_at == m(40)
    assert resolve.outcome == Out.open and resolve.due_at is None  # paused with its target
    resumed = ledger([*events, Event(m(100), "customer:ann", ev.CustomerReply("hi"))], m(101))
    resolve = next(c for c in resumed if c.kind == K.resolve)
    assert resolve.due_at == m(240 + 88)


def test_new_escalation_supersedes_open_review_and_activity_keeps_it() -> None:
    esc = Event(m(20), "agent:bo", ev.Escalated("L1", "L2", "done", "why", m(80)))
    esc2 = Event(m(30), "agent:bo", ev.Escalated("L2", "L3", "more", "deeper", m(90)))
    note = Event(m(50), "agent:dana", ev.InternalNote("looking"))
    items = ledger([opened(), reply(10), esc, esc2, note], m(60))
    reviews = [(c.outcome, c.due_at) for c in items if c.kind == K.escalation_review]
    assert reviews == [(Out.superseded, m(80)), (Out.kept, m(90))]


def test_callback_kept_or_superseded() -> None:
    cb = Event(m(5), "agent:bo", ev.CallbackScheduled(m(60)))
    cb2 = Event(m(6), "agent:bo", ev.CallbackScheduled(m(70)))
    made = Event(m(65), "agent:bo", ev.CallbackMade("spoke to Ann"))
    items = ledger([opened(), cb, cb2, made], m(66))
    assert [(c.outcome, c.due_at) for c in items if c.kind == K.callback] == [
        (Out.superseded, m(60)),
        (Out.kept, m(70)),
    ]


def test_resolution_cancels_updates_closing_cancels_rest_reopen_makes_fresh() -> None:
    events = [
        opened(),
        reply(10, promise=40),
        Event(m(11), "agent:bo", ev.CallbackScheduled(m(500))),
        Event(m(20), "agent:bo", ev.Resolved("fixed")),
    ]
    items = ledger(events, m(21))
    by_kind = {c.kind: c.outcome for c in items}
    assert by_kind[K.next_update] == Out.kept  # the resolution itself is the update
    assert by_kind[K.resolve] == Out.kept and by_kind[K.callback] == Out.open
    closed = ledger([*events, Event(m(30), "agent:bo", ev.Closed())], m(31))
    assert next(c for c in closed if c.kind == K.callback).outcome == Out.cancelled
    assert all(not c.is_open for c in closed)
    reopened = ledger(
        [
            *events,
            Event(m(30), "agent:bo", ev.Closed()),
            Event(m(100), "customer:ann", ev.Reopened("again")),
        ],
        m(101),
    )
    fresh = [c for c in reopened if c.made_at == m(100)]
    assert {(c.kind, c.outcome) for c in fresh} == {
        (K.resolve, Out.open),
        (K.next_update, Out.open),
    }
    assert next(c for c in fresh if c.kind == K.resolve).due_at == m(100 + 240 - 20)


def test_resolution_cancels_open_person_promise_without_update() -> None:
    # A system resolution is not a person's update: the promise is cancelled.
    events = [opened(), reply(10, promise=40), Event(m(20), "system", ev.Resolved("auto"))]
    person = next(c for c in ledger(events, m(21)) if c.source == Source.person)
    assert person.outcome == Out.cancelled


def test_priority_change_supersedes_policy_commitments() -> None:
    events = [
        opened(Priority.P3),
        Event(m(30), "agent:bo", ev.Triaged(Level.critical, Level.critical, Priority.P1)),
    ]
    items = ledger(events, m(31))
    assert [c.outcome for c in items[:3]] == [Out.superseded] * 3
    assert summary(items[3:]) == [
        ("acknowledge", "policy", "open", m(45)),
        ("first_response", "policy", "open", m(60)),
        ("resolve", "policy", "open", m(270)),
    ]


def test_no_endless_breaks_after_cadence_missed() -> None:
    events = [opened(), reply(10)] + [
        Event(m(200 + i), "agent:bo", ev.InternalNote(f"n{i}")) for i in range(5)
    ]
    items = ledger(events, m(400))
    updates = [c for c in items if c.kind == K.next_update]
    assert [(c.outcome, c.due_at) for c in updates] == [(Out.broken, m(70))]


def test_ids_are_stable() -> None:
    items = ledger([opened(), reply(10)], m(11))
    assert [c.id for c in items] == ["PD-1#1", "PD-1#2", "PD-1#3", "PD-1#4"]
    assert timedelta(0) <= m(11) - items[-1].made_at


def test_cadence_takes_over_when_a_promise_breaks() -> None:
    # P1 cadence is an hour in this book. Bo replies at 09:05 promising 09:20, then is
    # silent: at 09:20 the promise breaks and the cadence (due 10:05) is owed again.
    events = [opened(), reply(5, promise=20)]
    items = ledger(events, m(25))
    updates = [c for c in items if c.kind == K.next_update]
    assert [(c.source.value, c.outcome.value, c.made_at, c.due_at) for c in updates] == [
        ("person", "broken", m(5), m(20)),
        ("policy", "open", m(20), m(65)),
    ]
    # Silent on past the cadence too: that breaks once, and nothing more is owed.
    later = [c for c in ledger(events, m(300)) if c.kind == K.next_update]
    assert [c.outcome.value for c in later] == ["broken", "broken"]
    assert later[1].settled_at == m(65)


def test_a_promise_beyond_the_cadence_leaves_the_cadence_miss_standing() -> None:
    # Promised 10:20, past the 10:05 cadence: when it breaks, no new policy update is
    # made after the fact (the cadence was already missed at 10:05).
    items = ledger([opened(), reply(5, promise=80)], m(240))
    updates = [c for c in items if c.kind == K.next_update]
    assert [(c.source.value, c.outcome.value) for c in updates] == [("person", "broken")]
