"""Events that cannot change a ledger: the watcher skips recomputing for them.

``breach_escalated`` only raises a ticket's escalation level. The sweep relies on that
to escalate a thousand breaches without recomputing a thousand ledgers, so it is
checked here over random histories: the ledger at any instant is the same with or
without such an event at that instant.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from promisedesk.domain import events as ev
from promisedesk.domain.commitments import LEDGER_NEUTRAL, compute_ledger
from promisedesk.domain.errors import PromisedeskError
from promisedesk.domain.events import Event, Status
from promisedesk.domain.priority import Level, Priority
from promisedesk.domain.tickets import apply, fold, open_ticket
from tests.unit.test_sla import BOOK, T0

AGENT, CUSTOMER = "agent:bo", "customer:ann"


def payloads(at_minutes: float) -> st.SearchStrategy[tuple[str, ev.Payload]]:
    later = T0 + timedelta(minutes=at_minutes)
    promise = st.none() | st.integers(5, 600).map(lambda n: later + timedelta(minutes=n))
    return st.one_of(
        st.tuples(st.just(AGENT), promise.map(lambda p: ev.PublicReply("update", p))),
        st.just((AGENT, ev.Acknowledged(automatic=False))),
        st.just((CUSTOMER, ev.CustomerReply("any news?"))),
        st.just((AGENT, ev.InternalNote("checking"))),
        st.sampled_from(
            [(AGENT, ev.StatusChanged(s)) for s in (Status.waiting_on_customer, Status.in_progress)]
        ),
        st.integers(10, 600).map(
            lambda n: (
                AGENT,
                ev.Escalated("L1", "L2", "restarted", "needs L2", later + timedelta(minutes=n)),
            )
        ),
        st.sampled_from(list(Priority)).map(
            lambda p: (AGENT, ev.Triaged(Level.high, Level.high, p))
        ),
        st.just((AGENT, ev.Resolved("fixed", "cause", "prevention"))),
        st.just((CUSTOMER, ev.Reopened("it came back"))),
        st.integers(5, 300).map(
            lambda n: (AGENT, ev.CallbackScheduled(later + timedelta(minutes=n)))
        ),
        st.just((AGENT, ev.Closed())),
    )


@st.composite
def histories(draw: st.DrawFn) -> list[Event]:
    """A valid history: each drawn event the ticket's fold accepts is kept."""
    priority = draw(st.sampled_from(list(Priority)))
    first = Event(
        T0, CUSTOMER, ev.Opened("VPN", "", "ann", "web", Level.high, Level.high, priority)
    )
    events, ticket, minutes = [first], open_ticket("PD-1", first), 0.0
    for _ in range(draw(st.integers(0, 12))):
        minutes += draw(st.integers(1, 240))
        by, payload = draw(payloads(minutes))
        event = Event(T0 + timedelta(minutes=minutes), by, payload)
        try:
            ticket = apply(ticket, event)
        except PromisedeskError:
            continue
        events.append(event)
    return events


@settings(max_examples=300, deadline=None)
@given(histories(), st.integers(0, 2000), st.data())
def test_breach_escalated_never_changes_a_ledger(
    events: list[Event], after: int, data: st.DataObject
) -> None:
    assume(fold("PD-1", events).status != Status.closed)  # closed tickets are not escalated
    at = events[-1].at + timedelta(minutes=after)
    escalation = Event(at, "system:watcher", ev.BreachEscalated("PD-1#1", "resolve", "lead:desk"))
    assert isinstance(escalation.payload, LEDGER_NEUTRAL)
    now = at + timedelta(minutes=data.draw(st.integers(0, 600)))
    without = compute_ledger("PD-1", events, BOOK, now)
    assert compute_ledger("PD-1", [*events, escalation], BOOK, now) == without
