"""The door of every HTTP request: the body size limit, NUL characters, security headers.

In the order a request meets them:

1. a declared ``Content-Length`` over the limit is answered ``413`` before the app
   runs (``limits``);
2. a NUL in the path or the query string is answered ``422`` (``text_guard``);
3. a JSON body is read whole, counted against the limit as it streams, and answered
   ``422`` if it holds a NUL; any other body (an attachment's bytes) is counted while
   the app reads it;
4. every response, these answers included, carries the security headers
   (``security``).

One middleware rather than one per rule: each ASGI layer costs every request its own
coroutine and a wrapped ``receive`` or ``send``.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from promisedesk.web.limits import is_upload, send_error, too_large_message
from promisedesk.web.security import with_security_headers
from promisedesk.web.text_guard import has_nul, nul_in_target, reject_nul


class RequestGuard:
    """Applies the rules above; ``upload_max_bytes`` is the limit for attachment uploads."""

    def __init__(self, app: ASGIApp, max_bytes: int, upload_max_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_max_bytes = upload_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = with_security_headers(send)
        attachment = is_upload(scope)
        upload = attachment and self.upload_max_bytes is not None
        limit = self.upload_max_bytes if upload and self.upload_max_bytes else self.max_bytes
        json_body = False
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                await _too_large(send, limit, upload, close=True)  # before reading it
                return
            if name == b"content-type":
                json_body = b"json" in value
        where = nul_in_target(scope)
        if where is not None:
            await reject_nul(send, where)
            return
        # An attachment's bytes are the file itself: a NUL in them is data, not text.
        if json_body and not attachment:
            body = await _read_body(receive, limit)
            if body is None:
                await _too_large(send, limit, upload, close=False)
                return
            if has_nul(body):
                await reject_nul(send, "body")
                return
            receive = _replay(body, receive)
        else:
            receive = _counting(receive, limit, upload)
        await self.app(scope, receive, send)


async def _too_large(send: Send, limit: int, upload: bool, *, close: bool) -> None:
    message = too_large_message(limit, upload)
    await send_error(send, 413, "body_too_large", message, {"max_bytes": limit}, close=close)


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or ``None`` once it passes ``limit`` bytes."""
    chunks: list[bytes] = []
    seen = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        seen += len(chunk)
        if seen > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """``receive`` for the app: the body already read, then whatever comes next."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _counting(receive: Receive, limit: int, upload: bool) -> Receive:
    """``receive`` that refuses a body streaming past ``limit`` (the app answers 413)."""
    seen = 0

    async def counting() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise HTTPException(413, too_large_message(limit, upload))
        return message

    return counting
