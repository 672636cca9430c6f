"""Ticket queries narrowed to what a principal may see (``domain.access.TicketScope``).

The policy is decided in the domain; this module only turns a ``TicketScope`` into
a SQL condition, so lists, searches, counts, queues and exports all apply the same
rule as ``access_ticket``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, false, func, or_, select, true

from promisedesk.domain.access import TicketScope
from promisedesk.store.tables import IS_OPEN, commitments, tickets, users
from promisedesk.store.tickets import TicketFilter


def scope_condition(scope: TicketScope) -> ColumnElement[bool]:
    """A WHERE condition on ``tickets`` true for the tickets in scope."""
    if scope.everything:
        return true()
    conditions: list[ColumnElement[bool]] = []
    if scope.team is not None:
        conditions.append(tickets.c.team == scope.team)
    if scope.unteamed:
        conditions.append(tickets.c.team.is_(None))
    if scope.assignee is not None:
        conditions.append(tickets.c.assignee == scope.assignee)
    if scope.requester is not None:
        conditions.append(func.lower(tickets.c.requester) == scope.requester)
    if scope.organisation is not None:
        colleagues = select(users.c.email).where(
            and_(users.c.kind == "customer", users.c.organisation == scope.organisation)
        )
        conditions.append(func.lower(tickets.c.requester).in_(colleagues.scalar_subquery()))
    return or_(*conditions) if conditions else false()


def _text_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def filtered(f: TicketFilter) -> list[ColumnElement[bool]]:
    """The conditions of a ticket filter (the same meaning as ``TicketTx.list``)."""
    out: list[ColumnElement[bool]] = []
    if f.status:
        out.append(tickets.c.status.in_(f.status))
    if f.priority:
        out.append(tickets.c.priority.in_(f.priority))
    if f.assignee is not None:
        out.append(tickets.c.assignee == f.assignee)
    if f.team is not None:
        out.append(tickets.c.team == f.team)
    if f.requester is not None:
        out.append(func.lower(tickets.c.requester) == f.requester.lower())
    if f.text:
        pattern = _text_pattern(f.text)
        out.append(
            or_(
                tickets.c.subject.ilike(pattern, escape="\\"),
                tickets.c.description.ilike(pattern, escape="\\"),
                tickets.c.ref.ilike(pattern, escape="\\"),
            )
        )
    return out


def visible_tickets(
    conn: Connection,
    scope: TicketScope,
    f: TicketFilter,
    *,
    after_id: int | None,
    limit: int,
) -> list[Any]:
    """Projection rows in scope, newest first, after the cursor's ticket."""
    q = (
        select(tickets)
        .where(scope_condition(scope), *filtered(f))
        .order_by(tickets.c.id.desc())
        .limit(limit)
    )
    if after_id is not None:
        q = q.where(tickets.c.id < after_id)
    return list(conn.execute(q))


def count_visible(conn: Connection, scope: TicketScope, f: TicketFilter) -> int:
    """How many tickets in scope match the filter."""
    q = select(func.count()).select_from(tickets).where(scope_condition(scope), *filtered(f))
    return int(conn.execute(q).scalar_one())


def visible_queue(
    conn: Connection,
    scope: TicketScope,
    *,
    agent: str | None,
    team: str | None,
    limit: int,
) -> list[Any]:
    """Open commitments with a due time on tickets in scope, soonest first."""
    q = (
        select(
            commitments,
            tickets.c.subject,
            tickets.c.requester,
            tickets.c.assignee,
            tickets.c.team,
            tickets.c.priority,
        )
        .join(tickets, tickets.c.id == commitments.c.ticket_id)
        .where(
            IS_OPEN,
            commitments.c.due_at.is_not(None),
            scope_condition(scope),
        )
        .order_by(commitments.c.due_at)
        .limit(limit)
    )
    if agent is not None:
        q = q.where(tickets.c.assignee == agent)
    if team is not None:
        q = q.where(tickets.c.team == team)
    return list(conn.execute(q))
