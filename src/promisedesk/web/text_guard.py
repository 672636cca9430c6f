"""NUL characters are refused before any handler sees them (by ``web.guard``).

PostgreSQL cannot store or even compare text holding U+0000, and no person types one,
so a NUL anywhere in the path, the query or a JSON body is answered 422 in the one
error shape, on SQLite as on PostgreSQL, instead of failing deep in a query.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from starlette.types import Scope, Send

from promisedesk.web.limits import send_error

# A JSON ``\u0000`` escape that is not itself an escaped backslash followed by "u0000".
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)


def has_nul(raw: bytes) -> bool:
    """Whether a JSON body holds a NUL, raw or escaped."""
    return b"\x00" in raw or _JSON_NUL.search(raw) is not None


def nul_in_target(scope: Scope) -> str | None:
    """``"path"`` or ``"query"`` if that part of the request target holds a NUL."""
    if "\x00" in scope.get("path", ""):
        return "path"
    query = scope.get("query_string", b"")
    if query and "\x00" in unquote(query.decode("latin-1")):
        return "query"
    return None


async def reject_nul(send: Send, where: str) -> None:
    """Answer 422: the NUL's place, and that removing it is the fix."""
    problem = f"the {where} holds a NUL character (U+0000); remove it and send again"
    await send_error(
        send,
        422,
        "invalid_input",
        f"The request is not valid: {problem}.",
        {"errors": [{"field": where, "type": "nul_character", "problem": problem}]},
    )
