"""The UCI ServiceNow incident log (../shared/data) as Promisedesk event-log lines.

The log has one row per update of an incident (a snapshot after each change). Each
incident becomes: ``opened`` at its opening, then for each row the changes from the
previous snapshot — reassignment (``assigned``), state changes (``status_changed``,
``resolved``, ``closed``, ``reopened``). Times have no zone and minute resolution;
they are read as UTC and kept in order per incident (a row stamped earlier than the
previous one is moved up to it), as the source's clocks were not always in step.
"""

from __future__ import annotations

import csv
import gzip
import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SOURCE = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "data"
    / "uci_incident_event_log"
    / "incident_event_log.csv.gz"
)
LEVEL = {"1": "high", "2": "medium", "3": "low"}
CHANNEL = {
    "Phone": "phone",
    "Self service": "web",
    "Email": "email",
    "IVR": "phone",
    "Direct opening": "web",
}
WAITING = {"Awaiting User Info"}
WORKING = {"Active", "Awaiting Problem", "Awaiting Vendor", "Awaiting Evidence"}


def _at(text: str) -> datetime:
    return datetime.strptime(text, "%d/%m/%Y %H:%M").replace(tzinfo=UTC)


def _iso(at: datetime) -> str:
    return at.isoformat()


def incidents(limit: int, source: Path = SOURCE) -> Iterator[list[dict[str, str]]]:
    """The rows of the first ``limit`` incidents, grouped, in file order."""
    with gzip.open(source, "rt", newline="") as fh:
        rows = csv.DictReader(fh)
        groups = itertools.groupby(rows, key=lambda r: r["number"])
        for _, group in itertools.islice(groups, limit):
            yield list(group)


def lines_for(rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Event-log lines for one incident."""
    first = rows[0]
    ref = first["number"]
    at = _at(first["opened_at"])
    subject = " / ".join(
        x for x in (first["category"], first["subcategory"], first["u_symptom"]) if x != "?"
    )
    out: list[dict[str, Any]] = [
        {
            "at": _iso(at),
            "ticket": ref,
            "type": "opened",
            "by": f"customer:{first['caller_id']}",
            "subject": subject or "Incident",
            "requester": first["caller_id"],
            "channel": CHANNEL.get(first["contact_type"], "web"),
            "impact": LEVEL.get(first["impact"][:1], "medium"),
            "urgency": LEVEL.get(first["urgency"][:1], "medium"),
        }
    ]
    state = "New"
    ours = "new"  # our own status, which decides what the next event may be
    agent = team = None
    step: dict[str, Any] = {}

    def emit(type_: str, **fields: Any) -> None:
        nonlocal at
        out.append(
            {"at": _iso(step["when"]), "ticket": ref, "type": type_, "by": step["by"], **fields}
        )
        at = step["when"]

    for row in sorted(rows, key=lambda r: (int(r["sys_mod_count"]), _at(r["sys_updated_at"]))):
        step["when"] = max(at, _at(row["sys_updated_at"]))
        step["by"] = f"agent:{row['sys_updated_by']}"

        group = None if row["assignment_group"] == "?" else row["assignment_group"]
        person = None if row["assigned_to"] == "?" else row["assigned_to"]
        if (group, person) != (team, agent) and ours not in ("resolved", "closed"):
            if group or person:
                emit("assigned", agent=person, team=group)
            team, agent = group, person
        new = row["incident_state"]
        if new == state or new == "-100":
            continue
        state = new
        summary = f"Resolved ({row['closed_code']})"
        if new in ("Resolved", "Closed"):
            if ours not in ("resolved", "closed"):
                emit("resolved", summary=summary)
                ours = "resolved"
            if new == "Closed" and ours == "resolved":
                emit("closed")
                ours = "closed"
            continue
        if ours in ("resolved", "closed"):
            emit("reopened", reason="The caller rejected the resolution.")
            ours = "in_progress"
        target = (
            "waiting_on_customer" if new in WAITING else ("in_progress" if new in WORKING else None)
        )
        if target is not None and target != ours:
            emit("status_changed", status=target, reason=new)
            ours = target
    return out


def event_log(limit: int) -> list[dict[str, Any]]:
    """Lines for the first ``limit`` incidents, merged in time order."""
    lines = [line for rows in incidents(limit) for line in lines_for(rows)]
    lines.sort(key=lambda line: line["at"])  # stable: per-incident order is kept
    return lines
