"""The access policy as pure functions: each rule once, thoroughly."""

from __future__ import annotations

import pytest

from promisedesk.domain import access as policy
from promisedesk.domain.access import Access, TicketFacts
from promisedesk.domain.accounts import ANONYMOUS, Principal, Role

ANN = Principal("customer", "ann@example.com", 1, organisation="Acme")
BEA = Principal("customer", "bea@example.com", 2, organisation="Acme")
LONE = Principal("customer", "lone@example.com", 3)
BO = Principal("agent", "bo", 4, Role.agent, team="desk")
NICO = Principal("agent", "nico", 5, Role.agent, team="net")
LEAD = Principal("agent", "lena", 6, Role.lead, team="desk")
ADMIN = Principal("agent", "root", 7, Role.admin)

ANNS = TicketFacts("PD-1", "Ann@Example.com", "desk", None)
UNTEAMED = TicketFacts("PD-2", "x@example.com", None, None)
NETS_FOR_BO = TicketFacts("PD-3", "x@example.com", "net", "bo")


@pytest.mark.parametrize(
    ("who", "facts", "org", "sees"),
    [
        (ANONYMOUS, ANNS, None, False),
        (ANN, ANNS, None, True),  # addresses compare case-blind
        (BEA, ANNS, "Acme", True),  # a colleague
        (LONE, ANNS, None, False),
        (BEA, ANNS, None, False),  # requester has no organisation
        (BO, ANNS, None, True),
        (NICO, ANNS, None, False),
        (NICO, UNTEAMED, None, True),  # the intake queue
        (BO, NETS_FOR_BO, None, True),  # assigned to them
        (LEAD, NETS_FOR_BO, None, True),
        (ADMIN, UNTEAMED, None, True),
    ],
)
def test_who_sees_a_ticket(who: Principal, facts: TicketFacts, org: str | None, sees: bool) -> None:
    assert policy.may_see_ticket(who, facts, org) is sees


def test_writes() -> None:
    assert policy.write_access(ANN, ANNS, None, "customer_reply") is Access.allow
    assert policy.write_access(ANN, ANNS, None, "internal_note") is Access.refuse
    assert policy.write_access(BEA, ANNS, "Acme", "customer_reply") is Access.refuse
    assert policy.write_access(LONE, ANNS, None, "customer_reply") is Access.hide
    assert policy.write_access(ANONYMOUS, ANNS, None, "rated") is Access.sign_in
    assert policy.write_access(ADMIN, ANNS, None, "breach_escalated") is Access.refuse
    assert policy.write_access(BO, ANNS, None, "internal_note") is Access.allow
    assert policy.open_access(ANN, "ANN@example.com") is Access.allow
    assert policy.open_access(ANN, "bea@example.com") is Access.refuse
    assert policy.open_access(BO, "anyone@example.com") is Access.allow


def test_staff_tools_reports_and_queues() -> None:
    assert policy.staff_access(ANN) is Access.refuse and policy.staff_access(BO) is Access.allow
    assert policy.report_access(BO) is Access.refuse and policy.report_access(LEAD) is Access.allow
    assert policy.queue_access(BO, None) is Access.allow
    assert policy.queue_access(BO, "net") is Access.refuse
    assert policy.queue_access(LEAD, "net") is Access.allow


def test_what_a_customer_reads() -> None:
    assert not policy.sees_event(ANN, "internal_note") and policy.sees_event(BO, "internal_note")
    data = {"from_tier": "L1", "to_tier": "L2", "done": "x", "reason": "y", "review_by": "t"}
    assert policy.event_fields(ANN, "escalated", data) == {"review_by": "t"}
    assert policy.event_fields(BO, "escalated", data) == data
    fields = {"assignee": "bo", "team": "desk", "tier": "L1", "escalation_level": 1, "ref": "PD-1"}
    assert policy.ticket_fields(ANN, fields) == {
        "assignee": None,
        "team": None,
        "tier": None,
        "escalation_level": None,
        "ref": "PD-1",
    }


def test_recipients_are_checked() -> None:
    assert policy.may_receive(ANN, ANNS, None, internal=False)
    assert not policy.may_receive(ANN, ANNS, None, internal=True)
    assert policy.may_receive(BO, ANNS, None, internal=True)
    assert not policy.may_receive(NICO, ANNS, None, internal=True)


def test_scopes_match_the_rule() -> None:
    assert policy.ticket_scope(LEAD).everything
    assert policy.ticket_scope(BO) == policy.TicketScope(team="desk", unteamed=True, assignee="bo")
    assert policy.ticket_scope(ANN) == policy.TicketScope(
        requester="ann@example.com", organisation="Acme"
    )
    assert policy.ticket_scope(ANONYMOUS) == policy.TicketScope()
