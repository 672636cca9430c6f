"""One error shape for every error the API returns.

    {"code": "transition_refused", "message": "Ticket PD-4 cannot ...", "details": {...}}

``docs/errors.md`` lists the codes; ``tests/api/test_error_shape.py`` pins the shape.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from promisedesk.domain.errors import PromisedeskError, RateLimited, Unauthorized

log = logging.getLogger("promisedesk.web")

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "body_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON body of every error response."""
    return {"code": code, "message": message, "details": details or {}}


def error_response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> JSONResponse:
    """A JSON error response with ``no-store`` caching."""
    return JSONResponse(
        error_body(code, message, details),
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )


def _field(loc: tuple[Any, ...]) -> str:
    # Drop the "body"/"query"/"path" prefix FastAPI adds; keep the field path.
    parts = (
        [str(p) for p in loc[1:]]
        if loc and loc[0] in ("body", "query", "path")
        else list(map(str, loc))
    )
    return ".".join(parts) or str(loc[0] if loc else "body")


def _problem(err: dict[str, Any]) -> dict[str, Any]:
    kind = err.get("type", "")
    field = _field(tuple(err.get("loc", ())))
    if kind == "json_invalid":
        ctx = err.get("ctx") or {}
        return {"field": "body", "type": kind, "problem": f"JSON error: {ctx.get('error', '?')}"}
    if kind == "extra_forbidden":
        msg = f"unknown field '{field}'; remove it (see /docs for the fields this accepts)"
    elif kind == "missing":
        msg = f"'{field}' is required"
    else:
        msg = f"'{field}': {err.get('msg', 'is not valid')}"
    return {"field": field, "type": kind, "problem": msg}


def install(app: FastAPI) -> None:
    """Register the handlers that give every error the one shape."""

    @app.exception_handler(PromisedeskError)
    async def _domain(_: Request, exc: PromisedeskError) -> JSONResponse:
        details = dict(exc.details)
        if exc.http_status == 422 and "field" in details and "errors" not in details:
            # Same shape as schema errors: clients read details.errors either way.
            details["errors"] = [
                {"field": details["field"], "type": "rule", "problem": exc.message}
            ]
        resp = error_response(exc.http_status, exc.code, exc.message, details)
        if isinstance(exc, RateLimited):
            resp.headers["Retry-After"] = str(exc.retry_after)
        if isinstance(exc, Unauthorized):
            resp.headers["WWW-Authenticate"] = 'Bearer realm="promisedesk"'
        return resp

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            return error_response(
                400,
                "malformed_json",
                "The request body is not valid JSON; send a JSON object "
                "with Content-Type: application/json.",
                {"errors": [_problem(e) for e in errors]},
            )
        problems = [_problem(e) for e in errors]
        return error_response(
            422,
            "invalid_input",
            "The request is not valid: " + "; ".join(p["problem"] for p in problems[:3]),
            {"errors": problems},
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else code
        if exc.status_code == 404 and message == "Not Found":
            message = "There is nothing at this address; see /docs for the API."
        resp = error_response(exc.status_code, code, message)
        if exc.headers:
            resp.headers.update(exc.headers)
        return resp

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(
            500,
            "internal_error",
            "Something went wrong on our side; the request was not applied. "
            "Try again, and tell the administrator if it persists.",
        )
