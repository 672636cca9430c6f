"""Refuse NUL characters in a request before any handler sees them.

PostgreSQL cannot store or even compare text holding U+0000, and no person types one,
so a NUL anywhere in the path, the query or a JSON body is answered 422 in the one
error shape, on SQLite as on PostgreSQL, instead of failing deep in a query.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from promisedesk.web.limits import is_upload, send_error

# A JSON ``\u0000`` escape that is not itself an escaped backslash followed by "u0000".
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)


def _has_nul(raw: bytes) -> bool:
    return b"\x00" in raw or _JSON_NUL.search(raw) is not None


class NulGuard:
    """Answer 422 to requests whose path, query string or JSON body holds a NUL."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope.get("path", ""):
            await _reject(send, "path")
            return
        if "\x00" in unquote(scope.get("query_string", b"").decode("latin-1")):
            await _reject(send, "query")
            return
        content_type = dict(scope.get("headers", ())).get(b"content-type", b"")
        # An attachment's bytes are the file itself: a NUL in them is data, not text.
        if b"json" not in content_type or is_upload(scope):
            await self.app(scope, receive, send)
            return
        # The body is already bounded by BodySizeLimit, which wraps this guard.
        chunks: list[bytes] = []
        try:
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    break
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    break
        except HTTPException as exc:  # the size limit, raised while the body streams
            await send_error(send, exc.status_code, "body_too_large", str(exc.detail), {})
            return
        body = b"".join(chunks)
        if _has_nul(body):
            await _reject(send, "body")
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _reject(send: Send, where: str) -> None:
    problem = f"the {where} holds a NUL character (U+0000); remove it and send again"
    await send_error(
        send,
        422,
        "invalid_input",
        f"The request is not valid: {problem}.",
        {"errors": [{"field": where, "type": "nul_character", "problem": problem}]},
    )
