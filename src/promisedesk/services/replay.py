"""Apply an event log (JSON Lines) through the same services the API uses.

One line is one event: ``at`` (ISO 8601 with offset), ``ticket`` (its reference),
``type``, ``by``, and the type's own fields (see docs/event-log.md). By default the
whole log is one transaction: the first bad line stops the replay and nothing is
committed. With ``skip_invalid`` each line is applied in its own savepoint; bad lines
are reported and skipped.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

import orjson
from pydantic import AwareDatetime, BaseModel, ConfigDict, StringConstraints, ValidationError

from promisedesk.config import Policy
from promisedesk.domain.codec import payload_to_dict, to_utc_iso
from promisedesk.domain.errors import InvalidInput, PromisedeskError
from promisedesk.domain.events import AttachmentAdded
from promisedesk.services import commands as c
from promisedesk.services.ledger import flush_ledgers
from promisedesk.services.tickets import open_in, record_in
from promisedesk.store import attachments as files
from promisedesk.store.tickets import TicketStore, TicketTx


class _Header(BaseModel):
    model_config = ConfigDict(extra="allow")
    at: AwareDatetime
    ticket: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    type: c.EventType
    by: Annotated[str, StringConstraints(min_length=1, max_length=320)]


@dataclass(frozen=True)
class LogLine:
    """A parsed, validated line of an event log."""

    number: int
    at: datetime
    ticket: str
    type: str
    by: str
    command: c.Command


@dataclass(frozen=True)
class BadLine:
    """A line that could not be applied, and why."""

    number: int
    reason: str


@dataclass
class ReplayReport:
    """What a replay did."""

    applied: int = 0
    tickets_opened: int = 0
    skipped: list[BadLine] = field(default_factory=list)


class ReplayError(PromisedeskError):
    """A bad line stopped the replay; nothing was committed."""

    code = "replay_failed"
    http_status = 422

    def __init__(self, bad: BadLine) -> None:
        super().__init__(
            f"line {bad.number}: {bad.reason} (nothing was committed; fix the line, or "
            "pass --skip-invalid to apply the other lines)",
            {"line": bad.number, "reason": bad.reason},
        )
        self.bad = bad


def _explain(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        where = ".".join(str(p) for p in err["loc"]) or "line"
        if err["type"] == "extra_forbidden":
            parts.append(f"unknown field '{where}'")
        elif err["type"] == "missing":
            parts.append(f"'{where}' is missing")
        else:
            parts.append(f"'{where}': {err['msg']}")
    return "; ".join(parts)


def parse_line(number: int, raw: str | bytes) -> LogLine:
    """Validate one line; ``InvalidInput`` says what is wrong with it."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise InvalidInput("each line must be a JSON object")
    try:
        header = _Header.model_validate(data)
        fields = {k: v for k, v in data.items() if k not in ("at", "ticket", "type", "by")}
        command = c.COMMANDS[header.type].model_validate(fields)
    except ValidationError as exc:
        raise InvalidInput(_explain(exc)) from None
    return LogLine(number, header.at, header.ticket, header.type, header.by, command)


def apply_line(tx: TicketTx, policy: Policy, line: LogLine, now: datetime) -> bool:
    """Apply one parsed line; True when it opened a ticket."""
    if isinstance(line.command, c.OpenTicket):
        open_in(tx, policy, line.command, by=line.by, at=line.at, now=now, ref=line.ticket)
        return True
    record_in(tx, policy, line.ticket, line.command, by=line.by, at=line.at, now=now)
    return False


def _numbered(lines: Iterable[str | bytes]) -> Iterator[tuple[int, str | bytes]]:
    for number, raw in enumerate(lines, start=1):
        if raw.strip():
            yield number, raw


def do_replay(
    store: TicketStore,
    policy: Policy,
    lines: Iterable[str | bytes],
    *,
    now: datetime,
    skip_invalid: bool = False,
    historical: bool = True,
    progress: Callable[[int], None] | None = None,
) -> ReplayReport:
    """Apply every line of a log; see the module docstring for the failure rules.

    The ledger of every ticket touched is recomputed once, at the end, as of ``now``.
    ``historical`` marks warnings and breaches already past as handled, so importing
    history notifies nobody; pass False to have the watcher act on them.
    """
    report = ReplayReport()
    with store.writing() as tx:
        for number, raw in _numbered(lines):
            try:
                line = parse_line(number, raw)
                if skip_invalid:
                    with tx.conn.begin_nested():
                        opened = apply_line(tx, policy, line, now)
                else:
                    opened = apply_line(tx, policy, line, now)
            except PromisedeskError as exc:
                bad = BadLine(number, exc.message)
                if not skip_invalid:
                    raise ReplayError(bad) from None
                # Caches change only when a write succeeds, so they are still right.
                report.skipped.append(bad)
            else:
                report.applied += 1
                report.tickets_opened += opened
            if progress is not None:
                progress(len(raw) + 1)
        flush_ledgers(tx, policy, now, historical=historical)
    return report


def export_lines(store: TicketStore) -> Iterator[bytes]:
    """Every stored event as a log line, in the order they happened.

    An ``attachment_added`` line carries the file's bytes as base64 ``content``, so
    the log alone replays to the same desk.
    """
    with store.reading() as tx:
        for ref, stored in tx.all_events():
            e = stored.event
            line: dict[str, Any] = {"at": to_utc_iso(e.at), "ticket": ref, "type": e.type}
            line["by"] = e.by
            line.update(payload_to_dict(e.payload))
            if isinstance(e.payload, AttachmentAdded):
                content = files.content_of(tx.conn, e.payload.attachment) or b""
                line["content"] = base64.b64encode(content).decode("ascii")
            yield orjson.dumps(line)
