"""/api/tickets: open, list, read and change tickets.

Each write route parses its body, calls one service, and formats the answer. The
actor is taken from ``X-Actor`` until accounts arrive (issue 3).
"""

import base64
import binascii
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from pydantic import BaseModel

from promisedesk.bootstrap import Desk
from promisedesk.domain.errors import InvalidInput
from promisedesk.services import commands as c
from promisedesk.services import tickets as svc
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

NO_STORE = {"Cache-Control": "no-store"}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "Malformed JSON"},
    404: {"model": ErrorOut, "description": "Unknown ticket"},
    409: {"model": ErrorOut, "description": "Refused transition"},
    413: {"model": ErrorOut, "description": "Body too large"},
    422: {"model": ErrorOut, "description": "Invalid input"},
}


async def get_desk(request: Request) -> Desk:
    """The desk the app was built with."""
    desk: Desk = request.app.state.desk
    return desk


async def get_actor(
    x_actor: Annotated[str, Header(min_length=1, max_length=320)] = "api",
) -> str:
    """Who is acting; accounts (issue 3) will replace this header."""
    return x_actor


DeskDep = Annotated[Desk, Depends(get_desk)]
ActorDep = Annotated[str, Depends(get_actor)]

router = APIRouter(prefix="/api/tickets", tags=["tickets"], responses=ERRORS)


def _json(model: BaseModel, status: int = 200, **headers: str) -> Response:
    # The model is already validated: serialise once, skipping FastAPI's re-validation.
    return Response(
        model.model_dump_json(),
        status_code=status,
        media_type="application/json",
        headers={**NO_STORE, **headers},
    )


# The hot routes are ``async``: their database work is short and runs on the event
# loop, which saves the thread hand-off; slow queries (lists, search) stay ``def``.
@router.post("", status_code=201, response_model=TicketOut, summary="Open a ticket")
async def open_ticket(body: c.OpenTicket, desk: DeskDep, actor: ActorDep) -> Response:
    """Open a ticket. Priority comes from impact x urgency unless given."""
    ticket = svc.do_open(desk.store, desk.policy, body, by=actor, now=desk.clock.now())
    return _json(TicketOut.of(ticket), 201, Location=f"/api/tickets/{ticket.ref}")


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


@router.get("", response_model=TicketPage, summary="List tickets")
def list_tickets(
    desk: DeskDep,
    response: Response,
    status: Annotated[list[str] | None, Query(max_length=10)] = None,
    priority: Annotated[list[str] | None, Query(max_length=4)] = None,
    assignee: Annotated[str | None, Query(max_length=320)] = None,
    team: Annotated[str | None, Query(max_length=120)] = None,
    requester: Annotated[str | None, Query(max_length=320)] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in subject/body")] = None,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> TicketPage:
    """Tickets newest first, narrowed by the filters; page with ``cursor``."""
    f = TicketFilter(status, priority, assignee, team, requester, q)
    after = _decode_cursor(cursor) if cursor else None
    with desk.store.reading() as tx:
        rows = tx.list(f, after_id=after, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    response.headers.update(NO_STORE)
    return TicketPage(
        items=[TicketOut.of(r) for r in rows],
        next_cursor=_encode_cursor(rows[-1].id) if more else None,
    )


@router.get("/{ref}", response_model=TicketWithTimeline, summary="A ticket and its timeline")
async def get_ticket(ref: str, desk: DeskDep) -> Response:
    """The ticket's state and every event that made it."""
    view = svc.get_ticket(desk.store, ref)
    return _json(
        TicketWithTimeline(
            ticket=TicketDetailOut.of(view.ticket),
            timeline=[TimelineEntry.of(s) for s in view.timeline],
        )
    )


def _recorder(command: type[c.Command]) -> Callable[..., Any]:
    async def record(ref: str, body: command, desk: DeskDep, actor: ActorDep) -> Response:  # type: ignore[valid-type]
        ticket, event = svc.do_record(
            desk.store, desk.policy, ref, body, by=actor, now=desk.clock.now()
        )
        stored = StoredEvent(ticket.version, event)
        return _json(Recorded(ticket=TicketOut.of(ticket), event=TimelineEntry.of(stored)), 201)

    return record


WRITES: list[tuple[str, type[c.Command], str]] = [
    ("acknowledge", c.Acknowledge, "Acknowledge the ticket to the customer"),
    ("triage", c.Triage, "Confirm impact and urgency (sets priority)"),
    ("replies", c.PublicReply, "Post a public reply (optionally promising the next update)"),
    ("customer-replies", c.CustomerReply, "Record a reply from the customer"),
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
