"""The error family of Promisedesk.

Every error the product raises on purpose is a ``PromisedeskError`` with a stable
``code``, the HTTP status it maps to, a message that names the value and the rule,
and ``details`` (JSON-able data). One handler in the web layer and one in the CLI
turn them into the single error shape documented in ``docs/errors.md``::

    PromisedeskError
     +-- Unauthorized              401  unauthorized
     +-- Forbidden                 403  forbidden
     +-- NotFound                  404  not_found
     |    +-- TicketNotFound       404  unknown_ticket
     |    +-- AttachmentNotFound   404  unknown_attachment
     +-- TransitionRefused         409  transition_refused
     +-- Conflict                  409  conflict
     +-- InvalidInput              422  invalid_input
     +-- ConfigError               422  invalid_config
     +-- RateLimited               429  rate_limited   (details.retry_after: seconds)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class PromisedeskError(Exception):
    """Base of every deliberate error; carries a code, a status and details."""

    code: ClassVar[str] = "error"
    http_status: ClassVar[int] = 400

    def __init__(self, message: str, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = dict(details or {})


class Unauthorized(PromisedeskError):
    """The request needs a signed-in user or an API token, and has neither."""

    code = "unauthorized"
    http_status = 401


class Forbidden(PromisedeskError):
    """The actor is known but may not do this (never used to hide a record)."""

    code = "forbidden"
    http_status = 403


class NotFound(PromisedeskError):
    """A record that does not exist (or that the actor may not see)."""

    code = "not_found"
    http_status = 404


class TicketNotFound(NotFound):
    """No ticket has this reference."""

    code = "unknown_ticket"

    def __init__(self, ref: str) -> None:
        super().__init__(
            f"No ticket has the reference {ref!r}; check the reference, or list tickets "
            "with GET /api/tickets.",
            {"ticket": ref},
        )


class AttachmentNotFound(NotFound):
    """No attachment of this ticket has this id (or the reader may not see it)."""

    code = "unknown_attachment"

    def __init__(self, ref: str, attachment: str) -> None:
        super().__init__(
            f"Ticket {ref} has no attachment {attachment!r}; list them with "
            f"GET /api/tickets/{ref}/attachments.",
            {"ticket": ref, "attachment": attachment},
        )


class TransitionRefused(PromisedeskError):
    """An event that makes no sense for the ticket's current status."""

    code = "transition_refused"
    http_status = 409

    def __init__(self, ref: str, status: str, event: str, hint: str) -> None:
        super().__init__(
            f"Ticket {ref} cannot take '{event}' while it is {status}: {hint}",
            {"ticket": ref, "status": status, "event": event, "hint": hint},
        )


class Conflict(PromisedeskError):
    """A write that clashes with what is already stored (a duplicate reference)."""

    code = "conflict"
    http_status = 409


class InvalidInput(PromisedeskError):
    """Input that is well-formed but breaks a rule of the domain."""

    code = "invalid_input"
    http_status = 422


class ConfigError(PromisedeskError):
    """A configuration file that cannot be used; details list each problem."""

    code = "invalid_config"
    http_status = 422


class RateLimited(PromisedeskError):
    """Too many attempts; ``retry_after`` says how many seconds to wait."""

    code = "rate_limited"
    http_status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, {"retry_after": retry_after})
        self.retry_after = retry_after
