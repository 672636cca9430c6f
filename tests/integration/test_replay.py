"""Replaying an event log through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from promisedesk.bootstrap import Desk, build
from promisedesk.config import Settings
from promisedesk.services.replay import ReplayError, do_replay, export_lines
from promisedesk.services.tickets import get_ticket
from tests.conftest import fresh_url

LOG = Path(__file__).parent.parent / "data" / "lifecycle.jsonl"
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def utc(s: str) -> datetime:
    return datetime.fromisoformat(s).astimezone(UTC)


def replay(desk: Desk, lines: list[bytes], **kw: Any):  # type: ignore[no-untyped-def]
    return do_replay(desk.store, desk.policy, lines, now=NOW, **kw)


def test_default_replay_stops_at_refused_transition_and_commits_nothing(desk: Desk) -> None:
    lines = LOG.read_bytes().splitlines()
    with pytest.raises(ReplayError) as exc:
        replay(desk, lines)
    assert exc.value.details["line"] == 14
    assert "Ticket INC-3 cannot take 'closed' while it is new" in exc.value.message
    assert "nothing was committed" in exc.value.message
    with desk.store.reading() as tx:
        assert tx.count() == 0


def test_replay_gives_exact_states(desk: Desk) -> None:
    report = replay(desk, LOG.read_bytes().splitlines(), skip_invalid=True)
    assert (report.applied, report.tickets_opened) == (27, 3)
    assert [(b.number, "resolve it first" in b.reason) for b in report.skipped] == [(14, True)]

    one = get_ticket(desk.store, "INC-1").ticket
    assert (one.status, one.priority, one.impact, one.urgency) == (
        "closed",
        "P1",
        "critical",
        "high",
    )
    assert (one.tier, one.team, one.assignee, one.escalation_level) == (
        "L2",
        "applications",
        "amira",
        1,
    )
    assert (one.reopen_count, one.rating, one.rating_comment, one.resolution_confirmed) == (
        1,
        4,
        "Kept me posted.",
        True,
    )
    assert one.version == 15
    assert one.opened_at == utc("2026-11-30T08:58:00+00:00")
    assert one.acknowledged_at == utc("2026-11-30T08:58:30+00:00")
    assert one.first_response_at == utc("2026-11-30T09:06:00+00:00")
    assert one.review_by == utc("2026-11-30T10:30:00+00:00")
    assert one.resolved_at == utc("2026-11-30T11:10:00+00:00")
    assert one.closed_at == utc("2026-11-30T11:21:00+00:00")
    assert one.last_public_update_at == utc("2026-11-30T11:10:00+00:00")

    two = get_ticket(desk.store, "INC-2").ticket
    assert (two.status, two.priority, two.reopen_count, two.version) == (
        "waiting_on_customer",
        "P4",
        2,
        9,
    )
    assert two.acknowledged_at == utc("2026-11-30T09:05:00+00:00")  # given as +01:00
    assert (two.resolved_at, two.closed_at, two.resolution_confirmed) == (None, None, None)

    three = get_ticket(desk.store, "INC-3").ticket
    assert (three.status, three.priority, three.assignee, three.version) == ("new", "P4", "ben", 3)
    timeline = [s.event.type for s in get_ticket(desk.store, "INC-3").timeline]
    assert timeline == ["opened", "assigned", "internal_note"]


def test_replay_export_replay_gives_the_same_states(desk: Desk, tmp_path: Path) -> None:
    replay(desk, LOG.read_bytes().splitlines(), skip_invalid=True)
    first = list(export_lines(desk.store))
    assert len(first) == 27
    before = {
        ref: asdict(get_ticket(desk.store, ref).ticket) for ref in ("INC-1", "INC-2", "INC-3")
    }

    backend = "sqlite" if desk.engine.dialect.name == "sqlite" else "postgresql"
    again = build(
        Settings(
            database_url=fresh_url(backend, tmp_path, "again.db"),
            config_path=tmp_path / "none.toml",
        )
    )
    try:
        report = replay(again, first)
        assert report.skipped == [] and report.applied == 27
        after = {ref: asdict(get_ticket(again.store, ref).ticket) for ref in before}
        assert after == before
        second = list(export_lines(again.store))
        assert [orjson.loads(x) for x in second] == [orjson.loads(x) for x in first]
    finally:
        again.close()


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b'{"ticket": "X", "type": "opened", "by": "a"}', "'at' is missing"),
        (
            b'{"at": "2026-11-30T09:00:00", "ticket": "X", "type": "internal_note", "by": "a",'
            b' "body": "x"}',
            "timezone",
        ),
        (
            b'{"at": "2026-11-30T09:00:00Z", "ticket": "X", "type": "teleported", "by": "a"}',
            "'type'",
        ),
        (
            b'{"at": "2026-11-30T09:00:00Z", "ticket": "INC-1", "type": "internal_note", "by": "a",'
            b' "body": "x", "colour": "red"}',
            "unknown field 'colour'",
        ),
        (
            b'{"at": "2026-11-30T09:00:00Z", "ticket": "NOPE", "type": "internal_note", "by": "a",'
            b' "body": "x"}',
            "No ticket has the reference 'NOPE'",
        ),
        (
            b'{"at": "2026-11-30T09:00:00Z", "ticket": "INC-1", "type": "rated", "by": "a",'
            b' "score": "five"}',
            "'score'",
        ),
        (
            b'{"at": "2026-11-30T09:00:00Z", "ticket": "INC-1", "type": "internal_note",'
            b' "by": "a", "body": "x\\u0000y"}',
            "NUL character",
        ),
        (
            b'{"at": "2026-11-30T09:00:00Z", "ticket": "INC-1", "type": "attachment_added",'
            b' "by": "a", "filename": "x.log", "content": ""}',
            "the file is empty",
        ),
        (
            b'{"at": "2026-11-30T09:00:00Z", "ticket": "INC-1", "type": "attachment_added",'
            b' "by": "a", "filename": "x.log", "content": "not base64!"}',
            "not valid base64",
        ),
        (
            b'{"at": "2026-11-30T09:00:00Z", "ticket": "INC-1", "type": "attachment_added",'
            b' "by": "a", "filename": "../x.log", "content": "aGk="}',
            "path separator",
        ),
        (
            b'{"at": "2026-11-30T09:00:00Z", "ticket": "INC-1", "type": "attachment_added",'
            b' "by": "a", "filename": "x.log", "content": "aGk=", "sha256": "' + b"0" * 64 + b'"}',
            "sha256",
        ),
    ],
)
def test_bad_line_is_reported_with_number_and_changes_nothing(
    desk: Desk, line: bytes, reason: str
) -> None:
    good = LOG.read_bytes().splitlines()[:2]
    with pytest.raises(ReplayError) as exc:
        replay(desk, [*good, line])
    assert exc.value.details["line"] == 3
    assert reason in exc.value.message
    with desk.store.reading() as tx:
        assert tx.count() == 0


def _attachment_line(at: str, ticket: str, visibility: str, name: str, content: bytes) -> bytes:
    return orjson.dumps(
        {
            "at": at,
            "ticket": ticket,
            "type": "attachment_added",
            "by": "agent:amira",
            "filename": name,
            "content_type": "application/pdf",
            "visibility": visibility,
            "content": base64.b64encode(content).decode(),
        }
    )


def test_attachments_replay_export_replay_identically(desk: Desk, tmp_path: Path) -> None:
    # Bytes no text codec would keep: NULs, invalid UTF-8, CR/LF.
    binary = bytes(range(256)) * 3
    lines = [
        *LOG.read_bytes().splitlines()[:2],
        _attachment_line("2026-11-30T09:01:00Z", "INC-1", "public", "Rapport été.pdf", binary),
        _attachment_line("2026-11-30T09:02:00Z", "INC-1", "internal", "notes.pdf", b"\x00\r\n"),
    ]
    report = replay(desk, lines)
    assert report.skipped == [] and report.applied == 4
    first = list(export_lines(desk.store))
    added = [orjson.loads(x) for x in first if b'"attachment_added"' in x]
    assert [base64.b64decode(a["content"]) for a in added] == [binary, b"\x00\r\n"]
    assert added[0]["sha256"] == hashlib.sha256(binary).hexdigest()
    assert (added[0]["size"], added[1]["visibility"]) == (len(binary), "internal")
    before = get_ticket(desk.store, "INC-1")
    assert before.ticket.status == "acknowledged"  # attachments do not move a ticket

    backend = "sqlite" if desk.engine.dialect.name == "sqlite" else "postgresql"
    again = build(
        Settings(
            database_url=fresh_url(backend, tmp_path, "again.db"),
            config_path=tmp_path / "none.toml",
        )
    )
    try:
        assert replay(again, first).applied == len(first)
        assert asdict(get_ticket(again.store, "INC-1").ticket) == asdict(before.ticket)
        second = list(export_lines(again.store))
        assert [orjson.loads(x) for x in second] == [orjson.loads(x) for x in first]
        # The same log again: the ids are taken, so nothing is added twice.
        with pytest.raises(ReplayError) as exc:
            replay(again, [x for x in first if b'"attachment_added"' in x])
        assert "exists already" in exc.value.message
        assert list(export_lines(again.store)) == second
    finally:
        again.close()
