"""The promise ledger over HTTP: per ticket, per owner, and as KPIs."""

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, Response

from promisedesk.services import access
from promisedesk.services import ledger as svc
from promisedesk.services.reports import kpi_report, ticket_checklist
from promisedesk.web.api.schemas import (
    ChecklistOut,
    CommitmentOut,
    KpiReport,
    PromiseLineOut,
    QueueItem,
)
from promisedesk.web.api.tickets import ERRORS, NO_STORE, DeskDep, PrincipalDep

router = APIRouter(tags=["commitments"], responses=ERRORS)


@router.get(
    "/api/tickets/{ref}/commitments",
    response_model=list[CommitmentOut],
    summary="A ticket's promise ledger",
)
def ticket_commitments(
    ref: str, desk: DeskDep, p: PrincipalDep, response: Response
) -> list[CommitmentOut]:
    """Every commitment of the ticket: what, due when, made by whom, how it ended (agents)."""
    access.access_ticket_as_staff(desk.store, p, ref)
    response.headers.update(NO_STORE)
    return [CommitmentOut.of(r) for r in svc.get_ledger(desk.store, ref)]


@router.get(
    "/api/tickets/{ref}/promises",
    response_model=list[PromiseLineOut],
    summary="Promised vs delivered",
)
def promised_vs_delivered(
    ref: str, desk: DeskDep, p: PrincipalDep, response: Response
) -> list[PromiseLineOut]:
    """Each promise, when it was due, and when and how it was met or missed (agents)."""
    access.access_ticket_as_staff(desk.store, p, ref)
    response.headers.update(NO_STORE)
    return [PromiseLineOut(**asdict(x)) for x in svc.promised_vs_delivered(desk.store, ref)]


@router.get(
    "/api/tickets/{ref}/checklist",
    response_model=ChecklistOut,
    summary="The ticket's expectations checklist",
)
def checklist(ref: str, desk: DeskDep, p: PrincipalDep, response: Response) -> ChecklistOut:
    """Acknowledged in time, priority confirmed, next update promised, and so on (agents)."""
    access.access_ticket_as_staff(desk.store, p, ref)
    c = ticket_checklist(desk.store, ref, desk.clock.now())
    response.headers.update(NO_STORE)
    kept, due = c.updates_on_cadence
    return ChecklistOut(
        acknowledged_within_sla=c.acknowledged_within_sla,
        priority_confirmed=c.priority_confirmed,
        specific_next_update_promised=c.specific_next_update_promised,
        updates_on_cadence_kept=kept,
        updates_on_cadence_due=due,
        closure_confirmed_by_customer=c.closure_confirmed_by_customer,
        promised_vs_delivered_logged=c.promised_vs_delivered_logged,
    )


@router.get(
    "/api/commitments", response_model=list[QueueItem], summary="What is owed, to whom, by when"
)
def queue(
    desk: DeskDep,
    p: PrincipalDep,
    response: Response,
    agent: Annotated[str | None, Query(max_length=320)] = None,
    team: Annotated[str | None, Query(max_length=120)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[QueueItem]:
    """Open commitments with a due time, soonest first, for an agent, a team or all.

    Agents see the commitments of tickets they may see (their team's, theirs, and
    the intake queue's) and may not ask for another team; leads and admins see all.
    """
    response.headers.update(NO_STORE)
    out = []
    for r in access.visible_queue(desk.store, p, agent=agent, team=team, limit=limit):
        base = CommitmentOut.of(r).model_dump()
        out.append(
            QueueItem(
                **base,
                subject=r.subject,
                requester=r.requester,
                assignee=r.assignee,
                team=r.team,
                priority=r.priority,
            )
        )
    return out


@router.get("/api/reports/kpis", response_model=KpiReport, summary="Ledger KPIs")
def kpis(desk: DeskDep, p: PrincipalDep, response: Response) -> KpiReport:
    """Update compliance, missed updates, and SLA rates from the ledger (leads, admins)."""
    access.require_reports(p)
    response.headers.update(NO_STORE)
    return KpiReport.model_validate(kpi_report(desk.store, desk.clock.now()))
