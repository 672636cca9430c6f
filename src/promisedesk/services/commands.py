"""What a person or a log may ask of a ticket, validated before it becomes an event.

The same models validate API request bodies and the lines of a replayed event log,
so both paths accept exactly the same input. Unknown fields are refused.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from promisedesk.domain.events import Channel, Status, Tier, Visibility
from promisedesk.domain.priority import Level, Priority

Subject = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Text = Annotated[str, StringConstraints(max_length=100_000)]
Body = Annotated[str, StringConstraints(min_length=1, max_length=100_000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=320)]
Short = Annotated[str, StringConstraints(max_length=2_000)]


def _number_not_text(value: object) -> object:
    # JSON Schema counts 4.0 as an integer, so it is accepted; "4" and true are not.
    if isinstance(value, str | bool):
        raise ValueError("must be a whole number, not text or true/false")
    return value


class Command(BaseModel):
    """Base of every command: strict about unknown fields, frozen once parsed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: object) -> object:
        # PostgreSQL cannot hold U+0000 in text; refuse it on every backend alike.
        where = _nul_at(data)
        if where is not None:
            raise ValueError(f"{where or 'a value'} holds a NUL character (U+0000); remove it")
        return data


def _nul_at(value: object, path: str = "") -> str | None:
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return here
            found = _nul_at(item, here)
            if found is not None:
                return found
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            found = _nul_at(item, f"{path}[{i}]")
            if found is not None:
                return found
    return None


class OpenTicket(Command):
    """Raise a new ticket. Priority comes from the matrix unless given."""

    subject: Subject
    description: Text = ""
    requester: Name
    channel: Channel = "api"
    impact: Level = Level.medium
    urgency: Level = Level.medium
    priority: Priority | None = None
    triage: dict[Annotated[str, StringConstraints(max_length=100)], Short] = Field(
        default_factory=dict, max_length=50
    )
    service: Name | None = None


class Acknowledge(Command):
    """Tell the customer the ticket arrived."""

    automatic: bool = False
    body: Text = ""


class Triage(Command):
    """Confirm or change impact and urgency; priority follows unless given."""

    impact: Level
    urgency: Level
    priority: Priority | None = None


class PublicReply(Command):
    """A message to the customer, with the promised next update time if any.

    ``promised`` (the times the text commits to) is read from the body when the
    reply is recorded; an exported log carries it so replay gives the same ledger.
    """

    body: Body
    next_update_at: AwareDatetime | None = None
    promised: list[AwareDatetime] | None = Field(default=None, max_length=20)


class CustomerReply(Command):
    """A message from the customer."""

    body: Body


class InternalNote(Command):
    """A note for agents only."""

    body: Body


class Assign(Command):
    """Give the ticket to an agent, a team or a tier."""

    agent: Name | None = None
    team: Name | None = None
    tier: Tier | None = None


class ChangeStatus(Command):
    """Move between working statuses (in_progress, waiting_on_customer)."""

    status: Status
    reason: Short = ""


class Escalate(Command):
    """Hand to a higher tier: what was done, why, and when they will review."""

    from_tier: Tier | None = None
    to_tier: Tier
    done: Body
    reason: Body
    review_by: AwareDatetime
    team: Name | None = None


class Resolve(Command):
    """Record the fix: what happened, the root cause, how it is prevented."""

    summary: Body
    root_cause: Text = ""
    prevention: Text = ""


class ConfirmResolution(Command):
    """The customer says the fix works."""

    comment: Text = ""


class RejectResolution(Command):
    """The customer says it is not fixed."""

    reason: Body


class Reopen(Command):
    """Open a resolved or closed ticket again."""

    reason: Body


class Close(Command):
    """Finish a resolved ticket."""

    note: Text = ""


class Rate(Command):
    """The customer's satisfaction, 1 to 5."""

    score: Annotated[int, BeforeValidator(_number_not_text), Field(ge=1, le=5)]
    comment: Text = ""


class ScheduleCallback(Command):
    """Promise to call the customer back by ``due_at``."""

    due_at: AwareDatetime
    note: Short = ""


class RecordCallback(Command):
    """The promised call took place."""

    note: Short = ""


class EscalateBreach(Command):
    """The watcher's escalation of a broken commitment (system use)."""

    commitment: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    kind: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    notify: Short = ""


#: The longest file name accepted, in characters.
MAX_FILENAME = 255
#: Bidirectional-text controls: they make "invoice\u202excod.exe" look like another name.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_TOKEN = r"[a-z0-9][a-z0-9!#$&^_.+-]{0,62}"
_MEDIA_TYPE = re.compile(rf"{_TOKEN}/{_TOKEN}")


def _filename(value: object) -> object:
    # A name to show and to offer when downloading, never a path: no separators,
    # no control characters (CR/LF would split a header), nothing that hides itself.
    if not isinstance(value, str):
        return value
    if not value:
        raise ValueError("the file name is empty; give the file's name")
    if len(value) > MAX_FILENAME:
        raise ValueError(f"the file name is {len(value)} characters; at most {MAX_FILENAME}")
    if "/" in value or "\\" in value:
        raise ValueError("the file name holds a path separator (/ or \\); give the name only")
    if any(unicodedata.category(ch) == "Cc" or ch in _BIDI for ch in value):
        raise ValueError("the file name holds a control character; remove it")
    if value != value.strip() or value in (".", ".."):
        raise ValueError("the file name starts or ends with a space, or is . or ..")
    return value


def _media_type(value: object) -> object:
    # "Text/Plain; charset=utf-8" is stored as "text/plain": the parameters are dropped.
    if not isinstance(value, str):
        return value
    bare = value.split(";", 1)[0].strip().lower()
    if not _MEDIA_TYPE.fullmatch(bare):
        raise ValueError(f"{value[:100]!r} is not a media type like image/png")
    return bare


def _content(value: object) -> object:
    # Bytes as they came (the API), or base64 text (a replayed log line).
    if isinstance(value, str):
        try:
            value = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("the content is not valid base64") from None
    if isinstance(value, bytes) and not value:
        raise ValueError("the file is empty (0 bytes); attach a file with content")
    return value


Filename = Annotated[str, BeforeValidator(_filename)]
MediaType = Annotated[str, BeforeValidator(_media_type)]
Content = Annotated[bytes, BeforeValidator(_content)]


class AddAttachment(Command):
    """Attach a file: its bytes, name, media type, and who may see it.

    ``attachment`` (the id), ``size`` and ``sha256`` come from an exported log: the id
    is kept, and size and digest must match the content. Uploads leave them out.
    """

    filename: Filename
    content_type: MediaType = "application/octet-stream"
    visibility: Visibility = "public"
    content: Content
    attachment: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,40}$")] | None = None
    size: Annotated[int, BeforeValidator(_number_not_text), Field(ge=1)] | None = None
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] | None = None


#: The command for each event type, as named in logs and the API.
COMMANDS: dict[str, type[Command]] = {
    "opened": OpenTicket,
    "acknowledged": Acknowledge,
    "triaged": Triage,
    "public_reply": PublicReply,
    "customer_reply": CustomerReply,
    "internal_note": InternalNote,
    "assigned": Assign,
    "status_changed": ChangeStatus,
    "escalated": Escalate,
    "resolved": Resolve,
    "resolution_confirmed": ConfirmResolution,
    "resolution_rejected": RejectResolution,
    "reopened": Reopen,
    "closed": Close,
    "rated": Rate,
    "callback_scheduled": ScheduleCallback,
    "callback_made": RecordCallback,
    "breach_escalated": EscalateBreach,
    "attachment_added": AddAttachment,
}

EventType = Literal[
    "opened",
    "acknowledged",
    "triaged",
    "public_reply",
    "customer_reply",
    "internal_note",
    "assigned",
    "status_changed",
    "escalated",
    "resolved",
    "resolution_confirmed",
    "resolution_rejected",
    "reopened",
    "closed",
    "rated",
    "callback_scheduled",
    "callback_made",
    "breach_escalated",
    "attachment_added",
]
