"""/api/tickets: open, list, read and change tickets.

Each write route parses its body, calls one service, and formats the answer. Every
route reaches tickets through ``services.access`` as the signed-in principal, whose
actor string (``agent:<handle>``, ``customer:<email>``) is what events record.
"""

import base64
import binascii
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from promisedesk.domain.accounts import Principal, normalise_email
from promisedesk.domain.errors import InvalidInput
from promisedesk.domain.events import Status
from promisedesk.domain.priority import Priority
from promisedesk.services import access
from promisedesk.services import commands as c
from promisedesk.services.tickets import Intake
from promisedesk.store.tickets import StoredEvent, TicketFilter
from promisedesk.web.api.schemas import (
    ErrorOut,
    Recorded,
    TicketDetailOut,
    TicketOut,
    TicketPage,
    TicketWithTimeline,
    TimelineEntry,
)
from promisedesk.web.deps import DeskDep, PrincipalDep
from promisedesk.web.group_commit import GroupCommit

NO_STORE = {"Cache-Control": "no-store"}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "Malformed JSON"},
    401: {"model": ErrorOut, "description": "Not signed in"},
    403: {"model": ErrorOut, "description": "Not allowed for this user"},
    404: {"model": ErrorOut, "description": "Unknown ticket (or not yours)"},
    409: {"model": ErrorOut, "description": "Refused transition"},
    413: {"model": ErrorOut, "description": "Body too large"},
    422: {"model": ErrorOut, "description": "Invalid input"},
}

__all__ = ["ERRORS", "NO_STORE", "DeskDep", "FilterDep", "PrincipalDep", "router"]

router = APIRouter(prefix="/api/tickets", tags=["tickets"], responses=ERRORS)


def _json(model: BaseModel, status: int = 200, **headers: str) -> Response:
    # The model is already validated: serialise once, skipping FastAPI's re-validation.
    return Response(
        model.model_dump_json(),
        status_code=status,
        media_type="application/json",
        headers={**NO_STORE, **headers},
    )


# The hot routes are ``async``: on SQLite their database work is short and runs on
# the event loop, which saves the thread hand-off; on PostgreSQL it is mostly waiting
# for round trips, so it runs in the threadpool and the loop serves other requests
# meanwhile. Slow queries (lists, search) stay ``def``.
def _offload(desk: Any) -> bool:
    return bool(desk.store.engine.dialect.name != "sqlite")


@router.post(
    "",
    status_code=201,
    response_model=TicketOut,
    summary="Open a ticket",
    responses={429: {"model": ErrorOut, "description": "Too many new tickets"}},
)
async def open_ticket(
    body: c.OpenTicket, desk: DeskDep, p: PrincipalDep, request: Request
) -> Response:
    """Open a ticket. Priority comes from impact x urgency unless given (agents only).

    Customers open tickets for themselves. Limited per client and per requester
    address (``429`` with ``Retry-After``).
    """
    now = desk.clock.now()
    s = desk.settings
    request.app.state.intake_limiter.take(
        [
            (f"client:{p.actor}", s.intake_limit_per_client),
            (f"requester:{normalise_email(body.requester)}", s.intake_limit_per_requester),
        ],
        now,
    )
    access.check_open(p, body)
    intake: GroupCommit = request.app.state.group_commit
    ticket = await intake.open(Intake(body, p.actor, now))
    return _json(ticket_out(p, ticket), 201, Location=f"/api/tickets/{ticket.ref}")


def ticket_out(p: Principal, t: Any) -> TicketOut:
    """A ticket as ``p`` may read it (internal routing fields blank for customers)."""
    out = TicketOut.of(t)
    return out if p.is_staff else out.for_customer()


def _encode_cursor(ticket_id: int) -> str:
    return base64.urlsafe_b64encode(f"t:{ticket_id}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = raw.partition(":")
        if kind != "t" or not value.isdigit():
            raise ValueError(raw)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput(
            "The cursor is not one this API gave out; pass next_cursor from the previous "
            "page unchanged, or leave it out to start from the newest ticket.",
            {"field": "cursor"},
        ) from None


def ticket_filter(
    status: Annotated[list[Status] | None, Query(max_length=10)] = None,
    priority: Annotated[list[Priority] | None, Query(max_length=4)] = None,
    assignee: Annotated[str | None, Query(max_length=320)] = None,
    team: Annotated[str | None, Query(max_length=120)] = None,
    requester: Annotated[str | None, Query(max_length=320)] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in subject/body")] = None,
) -> TicketFilter:
    """The list's filters, shared by the list and the CSV export."""
    return TicketFilter(status, priority, assignee, team, requester, q)


FilterDep = Annotated[TicketFilter, Depends(ticket_filter)]


@router.get("", response_model=TicketPage, summary="List tickets")
def list_tickets(
    desk: DeskDep,
    p: PrincipalDep,
    response: Response,
    f: FilterDep,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> TicketPage:
    """Tickets newest first, narrowed by the filters; page with ``cursor``.

    Only the tickets the caller may see are listed (a customer's own, and their
    organisation's).
    """
    after = _decode_cursor(cursor) if cursor else None
    rows = access.visible_tickets(desk.store, p, f, after_id=after, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    response.headers.update(NO_STORE)
    return TicketPage(
        items=[ticket_out(p, r) for r in rows],
        next_cursor=_encode_cursor(rows[-1].id) if more else None,
    )


@router.get("/{ref}", response_model=TicketWithTimeline, summary="A ticket and its timeline")
async def get_ticket(ref: str, desk: DeskDep, p: PrincipalDep) -> Response:
    """The ticket's state and every event that made it (customers: the public ones)."""
    if _offload(desk):
        view = await run_in_threadpool(access.access_ticket, desk.store, p, ref)
    else:
        view = access.access_ticket(desk.store, p, ref)
    detail = TicketDetailOut.of(view.ticket)
    return _json(
        TicketWithTimeline(
            ticket=detail if p.is_staff else detail.for_customer(),
            timeline=[TimelineEntry.of(s, p) for s in view.timeline],
        )
    )


EVENT_TYPES = {command: name for name, command in c.COMMANDS.items()}


def _recorder(command: type[c.Command]) -> Callable[..., Any]:
    event_type = EVENT_TYPES[command]

    async def record(ref: str, body: command, desk: DeskDep, p: PrincipalDep) -> Response:  # type: ignore[valid-type]
        ticket, event = access.do_record_as(
            desk.store, desk.policy, p, ref, body, event_type, desk.clock.now()
        )
        stored = StoredEvent(ticket.version, event)
        return _json(Recorded(ticket=ticket_out(p, ticket), event=TimelineEntry.of(stored, p)), 201)

    return record


WRITES: list[tuple[str, type[c.Command], str]] = [
    ("acknowledge", c.Acknowledge, "Acknowledge the ticket to the customer"),
    ("triage", c.Triage, "Confirm impact and urgency (sets priority)"),
    ("replies", c.PublicReply, "Post a public reply (optionally promising the next update)"),
    ("customer-replies", c.CustomerReply, "A reply from the customer (or recorded for them)"),
    ("notes", c.InternalNote, "Add an internal note (agents only)"),
    ("assign", c.Assign, "Assign to an agent, team or tier"),
    ("status", c.ChangeStatus, "Move between in_progress and waiting_on_customer"),
    ("escalate", c.Escalate, "Escalate to a higher tier with a review time"),
    ("resolve", c.Resolve, "Resolve with summary, root cause and prevention"),
    ("confirm", c.ConfirmResolution, "The customer confirms the resolution"),
    ("reject", c.RejectResolution, "The customer rejects the resolution"),
    ("reopen", c.Reopen, "Reopen a resolved or closed ticket"),
    ("close", c.Close, "Close a resolved ticket"),
    ("rating", c.Rate, "Record the customer's satisfaction rating (1-5)"),
    ("callbacks", c.ScheduleCallback, "Promise to call the customer back by a time"),
    ("callbacks/made", c.RecordCallback, "Record that the promised call took place"),
]

for _path, _command, _summary in WRITES:
    router.add_api_route(
        f"/{{ref}}/{_path}",
        _recorder(_command),
        methods=["POST"],
        status_code=201,
        response_model=Recorded,
        summary=_summary,
        name=f"ticket_{_path.replace('-', '_')}",
    )
