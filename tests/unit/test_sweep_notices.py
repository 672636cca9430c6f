"""A breach's lead notice is its breach notice readdressed: the sweep builds it once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from promisedesk.services.ledger import _lead, _notice, _owner, _readdressed

NOW = datetime(2026, 1, 7, 12, 0, 1, tzinfo=UTC)


@pytest.mark.parametrize("team", [None, "desk"])
def test_the_lead_notice_is_the_breach_notice_readdressed(team: str | None) -> None:
    row = SimpleNamespace(
        id="PD-7#2",
        ticket_ref="PD-7",
        kind="first_response",
        due_at=NOW - timedelta(seconds=1),
        reason="SLA P1 first_response within 30m (always hours)",
        subject="VPN down",
        assignee=None,
        team=team,
    )
    breach = _notice(row, "breach", _owner(row), NOW)
    assert _readdressed(breach, "escalation", _lead(row)) == _notice(
        row, "escalation", _lead(row), NOW
    )
    assert breach["kind"] == "breach"  # the original is left as it was
