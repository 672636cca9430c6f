"""A request body size limit enforced while the body streams in."""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def _too_large_message(max_bytes: int) -> str:
    return (
        f"The request body is larger than {max_bytes} bytes; send less "
        "(attach large files separately)."
    )


class BodySizeLimit:
    """Answer 413 (in the one error shape) to bodies larger than ``max_bytes``.

    A declared ``Content-Length`` over the limit is refused before the app runs; a
    chunked body is counted as it streams and refused when it passes the limit.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await self._reject(send)
                return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise HTTPException(413, _too_large_message(self.max_bytes))
            return message

        await self.app(scope, counting_receive, send)

    async def _reject(self, send: Send) -> None:
        await send_error(
            send,
            413,
            "body_too_large",
            _too_large_message(self.max_bytes),
            {"max_bytes": self.max_bytes},
            close=True,
        )


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
