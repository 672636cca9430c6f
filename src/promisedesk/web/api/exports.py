"""/api/exports: ticket lists as CSV for spreadsheets, scoped like the list."""

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from promisedesk.services import exports
from promisedesk.web.api.tickets import ERRORS, NO_STORE, DeskDep, FilterDep, PrincipalDep

router = APIRouter(prefix="/api/exports", tags=["exports"], responses=ERRORS)


@router.get(
    "/tickets.csv",
    summary="Tickets as CSV",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "RFC 4180 CSV, UTF-8"}},
)
def export_tickets(desk: DeskDep, p: PrincipalDep, f: FilterDep) -> StreamingResponse:
    """Every ticket the caller may see that matches the filters, newest first, as CSV.

    The same tickets and fields as ``GET /api/tickets`` (customers: their own and their
    organisation's, without internal routing fields). Text cells that a spreadsheet
    would run as a formula are prefixed with an apostrophe. Times are UTC, ISO 8601.
    """
    chunks = exports.export_tickets_csv(desk.store, p, f)
    return StreamingResponse(
        chunks,
        media_type="text/csv; charset=utf-8",
        headers={**NO_STORE, "Content-Disposition": 'attachment; filename="tickets.csv"'},
    )
