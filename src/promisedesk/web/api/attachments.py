"""/api/tickets/{ref}/attachments: upload a file, list them, download one.

The upload's body is the file itself, with the file's ``Content-Type``; its name is
the ``filename`` query parameter (so no multipart parser is needed). Downloads are
always offered as a file to save (``Content-Disposition: attachment``), under
``Content-Security-Policy: sandbox``, and as ``application/octet-stream`` unless the
type is one a browser cannot run (``SAFE_TYPES``): an uploaded HTML page is never
served as HTML.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from promisedesk.domain.events import AttachmentAdded, Visibility
from promisedesk.services import access
from promisedesk.services import attachments as svc
from promisedesk.services import commands as c
from promisedesk.store.tickets import StoredEvent
from promisedesk.web.api.schemas import (
    AttachmentList,
    AttachmentOut,
    AttachmentRecorded,
    ErrorOut,
    TimelineEntry,
)
from promisedesk.web.api.tickets import ERRORS, NO_STORE, ticket_out
from promisedesk.web.deps import DeskDep, PrincipalDep

#: Types served as themselves; everything else is ``application/octet-stream``.
SAFE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "application/pdf", "text/plain"})
DOWNLOAD = "application/octet-stream"
_PLAIN = frozenset(" ._-+()[]")
_BINARY = {"schema": {"type": "string", "format": "binary"}}
UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The file's bytes, sent as they are, with the file's Content-Type.",
        "content": {DOWNLOAD: _BINARY},
    }
}

router = APIRouter(prefix="/api/tickets", tags=["attachments"], responses=ERRORS)


def served_type(content_type: str) -> str:
    """The type a download is served as: itself if safe, else a plain byte stream."""
    return content_type if content_type in SAFE_TYPES else DOWNLOAD


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback name and the exact name (RFC 6266/8187)."""
    # The fallback keeps only characters no header parser can misread (no quotes,
    # semicolons, commas or backslashes); the exact name is percent-encoded.
    plain = (ch if ch.isascii() and (ch.isalnum() or ch in _PLAIN) else "_" for ch in filename)
    fallback = "".join(plain)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _command(
    filename: str, content_type: str | None, visibility: Visibility, content: bytes
) -> c.AddAttachment:
    try:
        return c.AddAttachment(
            filename=filename,
            content_type=content_type or DOWNLOAD,
            visibility=visibility,
            content=content,
        )
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from None


@router.post(
    "/{ref}/attachments",
    status_code=201,
    response_model=AttachmentRecorded,
    summary="Attach a file (the body is the file)",
    openapi_extra=UPLOAD_BODY,
    responses={413: {"model": ErrorOut, "description": "Larger than max_attachment_bytes"}},
)
async def upload_attachment(
    ref: str,
    request: Request,
    desk: DeskDep,
    p: PrincipalDep,
    filename: Annotated[
        str,
        Query(
            min_length=1,
            max_length=c.MAX_FILENAME,
            description="The file's name: no path separators or control characters.",
        ),
    ],
    visibility: Annotated[
        Visibility, Query(description="public: the customer sees it; internal: agents only.")
    ] = "public",
) -> Response:
    """Attach a file to the ticket, up to ``max_attachment_bytes``.

    Customers attach public files to tickets they raised; agents attach public or
    internal ones to tickets they can see.
    """
    # Who may attach is settled before the body is read.
    await run_in_threadpool(access.check_attach, desk.store, p, ref, visibility)
    cmd = _command(filename, request.headers.get("content-type"), visibility, await request.body())
    now = desk.clock.now()
    ticket, event = await run_in_threadpool(
        svc.do_attach_as, desk.store, desk.policy, p, ref, cmd, now
    )
    assert isinstance(event.payload, AttachmentAdded)
    out = AttachmentOut.of(ticket.ref, event.at, event.by, event.payload)
    body = AttachmentRecorded(
        ticket=ticket_out(p, ticket),
        event=TimelineEntry.of(StoredEvent(ticket.version, event), p),
        attachment=out,
    )
    return Response(
        body.model_dump_json(),
        status_code=201,
        media_type="application/json",
        headers={**NO_STORE, "Location": out.url},
    )


@router.get("/{ref}/attachments", response_model=AttachmentList, summary="The ticket's attachments")
def list_attachments(
    ref: str, desk: DeskDep, p: PrincipalDep, response: Response
) -> AttachmentList:
    """The files attached to the ticket that the caller may see (customers: public ones)."""
    items = svc.visible_attachments(desk.store, p, ref)
    response.headers.update(NO_STORE)
    return AttachmentList(items=[AttachmentOut.of(i.ticket, i.at, i.by, i.added) for i in items])


@router.get(
    "/{ref}/attachments/{id}",
    response_class=Response,
    summary="Download an attachment",
    responses={
        200: {
            "description": "The file's bytes, as a download",
            "content": {t: _BINARY for t in sorted(SAFE_TYPES | {DOWNLOAD})},
        },
        404: {"model": ErrorOut, "description": "Unknown ticket or attachment (or not yours)"},
    },
)
def download_attachment(
    ref: str, attachment_id: Annotated[str, Path(alias="id")], desk: DeskDep, p: PrincipalDep
) -> Response:
    """The file, offered for saving; never shown inline as a page."""
    found = svc.access_attachment(desk.store, p, ref, attachment_id)
    added = found.info.added
    return Response(
        found.content,
        media_type=served_type(added.content_type),
        headers={
            **NO_STORE,
            "Content-Disposition": content_disposition(added.filename),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'",
        },
    )
