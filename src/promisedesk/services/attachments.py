"""Attachments: upload one, list those a reader may see, download one.

Every path goes through ``services.access``: the ticket with ``access_ticket``, then
the attachment's own visibility by the same rule as the timeline (``policy.sees``),
so a customer asking for an internal file gets the answer a missing file gets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from promisedesk.config import Policy
from promisedesk.domain.accounts import Principal
from promisedesk.domain.errors import AttachmentNotFound
from promisedesk.domain.events import AttachmentAdded, Event
from promisedesk.domain.tickets import Ticket
from promisedesk.services import access
from promisedesk.services import commands as c
from promisedesk.services import tickets as ticket_svc
from promisedesk.store import attachments as files
from promisedesk.store.tickets import TicketStore


@dataclass(frozen=True)
class AttachmentInfo:
    """An attachment as its event describes it: which, when, by whom."""

    ticket: str
    seq: int
    at: datetime
    by: str
    added: AttachmentAdded


@dataclass(frozen=True)
class Download:
    """An attachment and its bytes."""

    info: AttachmentInfo
    content: bytes


def do_attach_as(
    store: TicketStore, pol: Policy, p: Principal, ref: str, cmd: c.AddAttachment, now: datetime
) -> tuple[Ticket, Event]:
    """Attach a file as ``p``: the bytes and the event in one transaction."""
    access.check_attach(store, p, ref, cmd.visibility)
    return ticket_svc.do_record(store, pol, ref, cmd, by=p.actor, now=now)


def visible_attachments(store: TicketStore, p: Principal, ref: str) -> list[AttachmentInfo]:
    """The ticket's attachments ``p`` may see, oldest first (metadata only)."""
    view = access.access_ticket(store, p, ref)
    return [
        AttachmentInfo(ref, s.seq, s.event.at, s.event.by, s.event.payload)
        for s in view.timeline
        if isinstance(s.event.payload, AttachmentAdded)
    ]


def access_attachment(store: TicketStore, p: Principal, ref: str, attachment: str) -> Download:
    """One attachment with its bytes; ``AttachmentNotFound`` if ``p`` may not see it."""
    found = next(
        (i for i in visible_attachments(store, p, ref) if i.added.attachment == attachment),
        None,
    )
    if found is None:
        raise AttachmentNotFound(ref, attachment)
    with store.reading() as tx:
        content = files.content_of(tx.conn, attachment)
    if content is None:  # pragma: no cover - the row is written with its event
        raise AttachmentNotFound(ref, attachment)
    return Download(found, content)
