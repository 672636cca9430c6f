"""``evolve`` gives what ``dataclasses.replace`` gives, and refuses unknown fields."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, replace

import pytest

from promisedesk.domain import events as ev
from promisedesk.domain.events import Event
from promisedesk.domain.priority import Level, Priority
from promisedesk.domain.records import evolve
from promisedesk.domain.tickets import open_ticket
from tests.unit.test_sla import T0


def test_evolve_equals_replace_and_leaves_the_original() -> None:
    opened = Event(
        T0, "customer:ann", ev.Opened("VPN", "", "ann", "web", Level.high, Level.high, Priority.P2)
    )
    ticket = open_ticket("PD-1", opened)
    changed = evolve(ticket, escalation_level=3, team="net")
    assert changed == replace(ticket, escalation_level=3, team="net")
    assert ticket.escalation_level == 0 and ticket.team is None and changed.team == "net"
    with pytest.raises(FrozenInstanceError):
        changed.team = "x"  # type: ignore[misc]
    with pytest.raises(TypeError, match="no field"):
        evolve(ticket, colour="red")  # type: ignore[call-arg]
