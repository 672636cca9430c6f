"""Request body size limits, enforced while the body streams in (by ``web.guard``).

Bodies are limited to ``max_body_bytes``, except an upload to
``POST /api/tickets/{ref}/attachments``, which has its own (larger) limit,
``max_attachment_bytes``: the guard counts it against that one instead. A declared
``Content-Length`` over the limit is refused before the app runs; a chunked body is
counted as it streams and refused when it passes the limit.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.types import Scope, Send

_UPLOAD_PATH = re.compile(r"/api/tickets/[^/]+/attachments/?")


def is_upload(scope: Scope) -> bool:
    """Whether the request uploads an attachment (a raw file body, not JSON)."""
    return scope.get("method") == "POST" and bool(_UPLOAD_PATH.fullmatch(scope.get("path", "")))


def too_large_message(max_bytes: int, upload: bool = False) -> str:
    """What a ``413`` says: the limit, and what to do instead."""
    if upload:
        return (
            f"The attachment is larger than {max_bytes} bytes (max_attachment_bytes); "
            "attach a smaller file, or split it."
        )
    return (
        f"The request body is larger than {max_bytes} bytes; send less "
        "(attach large files separately)."
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
