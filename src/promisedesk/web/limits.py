"""Request body size limits enforced while the body streams in.

Bodies are limited to ``max_body_bytes``, except an upload to
``POST /api/tickets/{ref}/attachments``, which has its own (larger) limit,
``max_attachment_bytes``: the same middleware counts it against that one instead.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_UPLOAD_PATH = re.compile(r"/api/tickets/[^/]+/attachments/?")


def is_upload(scope: Scope) -> bool:
    """Whether the request uploads an attachment (a raw file body, not JSON)."""
    return scope.get("method") == "POST" and bool(_UPLOAD_PATH.fullmatch(scope.get("path", "")))


def _too_large_message(max_bytes: int, upload: bool = False) -> str:
    if upload:
        return (
            f"The attachment is larger than {max_bytes} bytes (max_attachment_bytes); "
            "attach a smaller file, or split it."
        )
    return (
        f"The request body is larger than {max_bytes} bytes; send less "
        "(attach large files separately)."
    )


class BodySizeLimit:
    """Answer 413 (in the one error shape) to bodies larger than the limit.

    The limit is ``max_bytes``, or ``upload_max_bytes`` for an attachment upload
    (``is_upload``). A declared ``Content-Length`` over the limit is refused before
    the app runs; a chunked body is counted as it streams and refused when it passes
    the limit.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, upload_max_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_max_bytes = upload_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = self.upload_max_bytes is not None and is_upload(scope)
        limit = self.upload_max_bytes if upload and self.upload_max_bytes else self.max_bytes
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                await send_error(
                    send,
                    413,
                    "body_too_large",
                    _too_large_message(limit, upload),
                    {"max_bytes": limit},
                    close=True,
                )
                return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise HTTPException(413, _too_large_message(limit, upload))
            return message

        await self.app(scope, counting_receive, send)


async def send_error(
    send: Send,
    status: int,
    code: str,
    message: str,
    details: dict[str, Any],
    *,
    close: bool = False,
) -> None:
    """Answer in the one error shape from ASGI middleware, outside FastAPI's handlers."""
    body = json.dumps({"code": code, "message": message, "details": details}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
    ]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
