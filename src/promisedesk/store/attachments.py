"""The bytes of attached files, beside the ``attachment_added`` events that name them.

Rows are written once, in the transaction that records the event, and never changed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, bindparam, insert, select

from promisedesk.domain.events import AttachmentAdded
from promisedesk.store.tables import attachments

_INSERT = insert(attachments)
_EXISTS = select(attachments.c.id).where(attachments.c.id == bindparam("id"))
_CONTENT = select(attachments.c.content).where(attachments.c.id == bindparam("id"))


def exists(conn: Connection, attachment: str) -> bool:
    """Whether an attachment with this id is stored (on any ticket)."""
    return conn.execute(_EXISTS, {"id": attachment}).first() is not None


def insert_file(
    conn: Connection,
    ticket_id: int,
    added: AttachmentAdded,
    content: bytes,
    *,
    by: str,
    at: datetime,
) -> None:
    """Store the bytes of the file ``added`` describes."""
    conn.execute(
        _INSERT,
        {
            "id": added.attachment,
            "ticket_id": ticket_id,
            "sha256": added.sha256,
            "size": added.size,
            "content_type": added.content_type,
            "filename": added.filename,
            "visibility": added.visibility,
            "uploaded_by": by,
            "uploaded_at": at,
            "content": content,
        },
    )


def content_of(conn: Connection, attachment: str) -> bytes | None:
    """The file's bytes, or None. Callers reach it through ``services.attachments``."""
    row = conn.execute(_CONTENT, {"id": attachment}).first()
    return None if row is None else bytes(row.content)
