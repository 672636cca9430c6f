"""The ticket state machine: what each event does, and what is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from promisedesk.domain import events as ev
from promisedesk.domain.errors import InvalidInput, TransitionRefused
from promisedesk.domain.events import Event, Status
from promisedesk.domain.priority import DEFAULT_MATRIX, Level, Priority
from promisedesk.domain.tickets import Ticket, apply, fold, open_ticket

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def opened(ref: str = "PD-1") -> Ticket:
    return open_ticket(
        ref,
        Event(
            T0,
            "customer:ann",
            ev.Opened(
                "VPN down", "", "ann@example.com", "web", Level.high, Level.high, Priority.P2
            ),
        ),
    )


def step(t: Ticket, minutes: int, payload: ev.Payload, by: str = "agent:bo") -> Ticket:
    return apply(t, Event(at(minutes), by, payload))


def test_opened_ticket_is_new_with_its_priority() -> None:
    t = opened()
    assert (t.status, t.priority, t.version, t.tier) == (Status.new, Priority.P2, 1, "L1")


def test_full_lifecycle() -> None:
    t = opened()
    t = step(t, 1, ev.Acknowledged(automatic=True), by="system")
    assert t.status == Status.acknowledged and t.acknowledged_at == at(1)
    t = step(t, 5, ev.Triaged(Level.critical, Level.high, Priority.P1))
    assert t.priority == Priority.P1
    t = step(t, 6, ev.Assigned(agent="bo", team="desk"))
    t = step(t, 10, ev.PublicReply("Looking now.", next_update_at=at(40)))
    assert t.status == Status.in_progress
    assert t.first_response_at == at(10) and t.next_update_promised_at == at(40)
    t = step(t, 12, ev.StatusChanged(Status.waiting_on_customer, "need logs"))
    t = step(t, 20, ev.CustomerReply("logs attached"), by="customer:ann")
    assert t.status == Status.in_progress
    t = step(t, 25, ev.InternalNote("looks like the firewall"))
    t = step(t, 30, ev.Escalated("L1", "L2", "restarted", "needs firewall access", at(90)))
    assert (t.status, t.tier, t.escalation_level, t.review_by) == (
        Status.escalated,
        "L2",
        1,
        at(90),
    )
    t = step(t, 60, ev.Resolved("rule fixed", "bad rule", "rule review"))
    assert t.status == Status.resolved and t.resolved_at == at(60)
    t = step(t, 70, ev.ResolutionRejected("still drops"), by="customer:ann")
    assert (t.status, t.reopen_count, t.resolution_confirmed) == (Status.in_progress, 1, False)
    t = step(t, 80, ev.Resolved("second rule fixed"))
    t = step(t, 85, ev.ResolutionConfirmed("works"), by="customer:ann")
    assert t.resolution_confirmed is True
    t = step(t, 86, ev.Closed())
    assert t.status == Status.closed and t.closed_at == at(86)
    t = step(t, 90, ev.Rated(5, "quick"), by="customer:ann")
    assert t.rating == 5
    t = step(t, 100, ev.Reopened("came back"))
    assert (t.status, t.reopen_count, t.closed_at) == (Status.in_progress, 2, None)
    assert t.version == 16


def test_customer_reply_after_resolution_reopens() -> None:
    t = step(opened(), 5, ev.Resolved("done"))
    t = step(t, 9, ev.CustomerReply("not for me"), by="customer:ann")
    assert (t.status, t.reopen_count) == (Status.in_progress, 1)


@pytest.mark.parametrize(
    ("setup", "payload", "hint"),
    [
        (
            [ev.Resolved("x"), ev.Closed()],
            ev.StatusChanged(Status.waiting_on_customer),
            "reopen it first",
        ),
        ([], ev.Closed(), "resolve it first"),
        ([ev.Acknowledged()], ev.Acknowledged(), "acknowledged already"),
        ([], ev.StatusChanged(Status.resolved), "resolve it instead"),
        ([], ev.StatusChanged(Status.escalated), "escalate it instead"),
        (
            [ev.StatusChanged(Status.in_progress)],
            ev.StatusChanged(Status.in_progress),
            "already in_progress",
        ),
        ([], ev.ResolutionConfirmed(), "only a resolved ticket"),
        ([], ev.Reopened("why"), "still open"),
        ([], ev.Rated(4), "after the ticket is resolved"),
        ([ev.Resolved("x"), ev.Closed()], ev.CustomerReply("hi"), "open a new ticket"),
        ([ev.Resolved("x"), ev.Closed()], ev.PublicReply("hi"), "reopen it first"),
    ],
)
def test_refused_transitions_name_ticket_status_and_remedy(
    setup: list[ev.Payload], payload: ev.Payload, hint: str
) -> None:
    t = opened()
    for i, p in enumerate(setup):
        t = step(t, i + 1, p)
    with pytest.raises(TransitionRefused) as exc:
        step(t, 50, payload)
    assert exc.value.message.startswith(
        f"Ticket PD-1 cannot take '{payload.TYPE}' while it is {t.status.value}: "
    )
    assert hint in exc.value.message
    assert exc.value.details["status"] == t.status.value


def test_refused_message_matches_house_example() -> None:
    t = step(step(opened("PD-4711"), 1, ev.Resolved("x")), 2, ev.Closed())
    with pytest.raises(TransitionRefused, match=r"PD-4711 .* closed: reopen it first"):
        step(t, 3, ev.StatusChanged(Status.waiting_on_customer))


@pytest.mark.parametrize(
    "payload",
    [
        ev.Escalated("L2", "L3", "x", "y", at(100)),  # wrong from tier
        ev.Escalated("L1", "L1", "x", "y", at(100)),  # not upward
        ev.Escalated("L1", "L2", "x", "y", at(1)),  # review before now
        ev.PublicReply("x", next_update_at=at(1)),  # promise in the past
        ev.Assigned(),  # nothing assigned
        ev.Rated(6),
    ],
)
def test_invalid_event_fields_are_refused(payload: ev.Payload) -> None:
    t = step(opened(), 1, ev.Resolved("x")) if isinstance(payload, ev.Rated) else opened()
    with pytest.raises(InvalidInput):
        step(t, 10, payload)


def test_history_cannot_go_backwards() -> None:
    t = step(opened(), 10, ev.InternalNote("x"))
    with pytest.raises(InvalidInput, match="time order"):
        step(t, 5, ev.InternalNote("y"))


def test_first_event_must_be_opened() -> None:
    with pytest.raises(InvalidInput, match="first event must be 'opened'"):
        fold("PD-1", [Event(T0, "x", ev.InternalNote("hi"))])


def test_default_matrix_is_itil_shaped() -> None:
    m = DEFAULT_MATRIX
    assert m.priority_for(Level.critical, Level.critical) == Priority.P1
    assert m.priority_for(Level.low, Level.low) == Priority.P4
    assert m.priority_for(Level.medium, Level.medium) == Priority.P3
    # Raising impact or urgency never lowers priority.
    levels = list(Level)
    for i in range(4):
        for u in range(4):
            p = m.priority_for(levels[i], levels[u])
            if i > 0:
                assert m.priority_for(levels[i - 1], levels[u]) <= p
            if u > 0:
                assert m.priority_for(levels[i], levels[u - 1]) <= p
