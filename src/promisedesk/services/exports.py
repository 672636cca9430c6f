"""CSV exports of tickets: the same tickets the list shows, safe to open in a spreadsheet.

Spreadsheets run a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula
(and some also after a leading tab or carriage return), so a subject typed by anyone
could call out to a URL or run a command on a lead's machine. Every text cell that
starts with one of those is prefixed with an apostrophe, which spreadsheets show as
text; the apostrophe stays visible, which is the honest trade (OWASP's advice).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from promisedesk.domain import access as policy
from promisedesk.domain.accounts import Principal
from promisedesk.services import access
from promisedesk.store.tickets import TicketFilter, TicketStore

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

TICKET_COLUMNS = (
    "ref",
    "subject",
    "requester",
    "channel",
    "status",
    "impact",
    "urgency",
    "priority",
    "assignee",
    "team",
    "tier",
    "escalation_level",
    "reopen_count",
    "rating",
    "opened_at",
    "updated_at",
    "acknowledged_at",
    "first_response_at",
    "last_public_update_at",
    "resolved_at",
    "closed_at",
)

# Rows fetched per query while streaming: bounded memory whatever the export's size.
BATCH = 500


def neutralise(cell: str) -> str:
    """``cell`` as a spreadsheet will show it as text, never evaluate it."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    value = getattr(value, "value", value)  # enums
    if isinstance(value, bool | int | float):
        return str(value)
    return neutralise(str(value))


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The CSV document, a chunk per row (RFC 4180: CRLF, quotes doubled)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()
    if buf.tell():  # a header with no rows
        yield buf.getvalue()


def ticket_columns(p: Principal) -> tuple[str, ...]:
    """The columns ``p`` may read: customers get no internal routing fields."""
    if p.is_staff:
        return TICKET_COLUMNS
    return tuple(c for c in TICKET_COLUMNS if c not in policy.HIDDEN_TICKET_FIELDS)


def ticket_rows(
    store: TicketStore, p: Principal, f: TicketFilter, columns: Sequence[str]
) -> Iterator[tuple[Any, ...]]:
    """Every ticket ``p`` may see that matches ``f``, newest first, batch by batch."""
    after: int | None = None
    while True:
        batch = access.visible_tickets(store, p, f, after_id=after, limit=BATCH)
        for row in batch:
            m = row._mapping
            yield tuple(m[c] for c in columns)
        if len(batch) < BATCH:
            return
        after = batch[-1].id


def export_tickets_csv(store: TicketStore, p: Principal, f: TicketFilter) -> Iterator[str]:
    """The tickets ``p`` may see as CSV chunks; access is checked before the first."""
    access.signed_in(p)
    columns = ticket_columns(p)
    return csv_text(columns, ticket_rows(store, p, f, columns))
