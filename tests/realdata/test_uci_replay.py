"""Real data: a slice of the UCI ServiceNow incident log replays cleanly.

Nobody on the team wrote this log; it is the closest thing here to a real desk's
history. Every converted line must be accepted by the same services the API uses,
replaying the export must give the same tickets, and the ledger KPIs must be sane.
"""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from promisedesk.bootstrap import Desk
from promisedesk.services.replay import do_replay, export_lines
from promisedesk.services.reports import kpi_report
from tests.realdata.uci import SOURCE, event_log

pytestmark = pytest.mark.skipif(not SOURCE.exists(), reason="../shared/data is not here")
NOW = datetime(2017, 6, 1, tzinfo=UTC)


def test_uci_incidents_replay_without_a_refused_line(desk: Desk) -> None:
    lines = [orjson.dumps(x) for x in event_log(300)]
    report = do_replay(desk.store, desk.policy, lines, now=NOW)
    assert report.skipped == []
    assert report.tickets_opened == 300
    exported = list(export_lines(desk.store))
    assert len(exported) == report.applied
    kpis = kpi_report(desk.store, NOW)
    assert kpis["tickets"] == 300
    assert kpis["commitments_due"] > 0
    for key in (
        "update_compliance_rate",
        "acknowledged_within_sla_rate",
        "resolved_within_sla_rate",
    ):
        rate = kpis[key]
        assert rate is None or 0.0 <= float(rate) <= 1.0  # type: ignore[arg-type]
