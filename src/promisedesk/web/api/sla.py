"""/api/sla (the published SLA) and /api/tickets/{ref}/sla (a ticket's clocks)."""

from typing import Any

from fastapi import APIRouter, Response

from promisedesk.services import access
from promisedesk.services.sla import published_sla, ticket_sla
from promisedesk.web.api.schemas import TargetClockOut, TicketSlaOut
from promisedesk.web.api.tickets import ERRORS, NO_STORE, DeskDep, PrincipalDep

router = APIRouter(tags=["sla"], responses=ERRORS)


def _seconds(delta: Any) -> int | None:
    return None if delta is None else int(delta.total_seconds())


@router.get("/api/sla", summary="The published SLA, in plain words")
def get_published_sla(desk: DeskDep) -> dict[str, Any]:
    """Channels, hours and each priority's targets, from the policy file (public)."""
    p = desk.policy
    return published_sla(p.sla, p.published.intro, p.published.channels, p.raw.get("calendars", {}))


@router.get("/api/tickets/{ref}/sla", response_model=TicketSlaOut, summary="A ticket's SLA clocks")
def get_ticket_sla(ref: str, desk: DeskDep, p: PrincipalDep, response: Response) -> TicketSlaOut:
    """Per target: due instant, status, time left or how late, paused time (agents)."""
    access.access_ticket_as_staff(desk.store, p, ref)
    now = desk.clock.now()
    clocks = ticket_sla(desk.store, desk.policy.sla, ref, now)
    response.headers.update(NO_STORE)
    return TicketSlaOut(
        ticket=ref,
        now=now,
        targets=[
            TargetClockOut(
                target=c.kind.value,
                priority=c.priority.value,
                calendar=c.calendar,
                target_seconds=c.target_seconds,
                status=c.status.value,
                started_at=c.started_at,
                due_at=c.due_at,
                stopped_at=c.stopped_at,
                time_left_seconds=_seconds(c.time_left),
                failed_by_seconds=_seconds(c.failed_by),
                paused_seconds=int(c.paused.total_seconds()),
                breaches=c.breaches,
            )
            for c in clocks.values()
        ],
    )
