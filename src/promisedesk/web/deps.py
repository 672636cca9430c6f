"""What routes depend on: the desk, and who is asking (``PrincipalDep``).

Who is asking is decided here, once per request:

- ``Authorization: Bearer <token>``: an API token (``promisedesk tokens create``);
  a malformed or unknown token is ``401``, never a fallback to anything else;
- otherwise the ``pd_session`` cookie of a signed-in person; state-changing requests
  so authenticated must carry the session's CSRF token in ``X-CSRF-Token``;
- otherwise nobody: routes that need someone answer ``401``.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.encoders import jsonable_encoder
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.security import APIKeyCookie, HTTPBearer

from promisedesk.bootstrap import Desk
from promisedesk.domain.accounts import ANONYMOUS, Principal
from promisedesk.domain.errors import Forbidden, Unauthorized
from promisedesk.services import accounts
from promisedesk.services.access import SIGN_IN

SESSION_COOKIE = "pd_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Declared for the OpenAPI document (and the Authorize button of /docs) by
# ``document_auth``; they are not dependencies of ``get_principal``, which reads the
# headers itself (so a bad token is never ignored) and would only pay for solving them.
_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="An API token from `promisedesk tokens create`.",
)
_cookie = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    scheme_name="session",
    description="The session cookie set by POST /api/session; writes need X-CSRF-Token.",
)


class CsrfFailed(Forbidden):
    """A cookie-authenticated write without the session's CSRF token."""

    code = "csrf_failed"


async def get_desk(request: Request) -> Desk:
    """The desk the app was built with."""
    desk: Desk = request.app.state.desk
    return desk


DeskDep = Annotated[Desk, Depends(get_desk)]


def _bearer_token(header: str) -> str:
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(
            "The Authorization header must be 'Bearer <token>' with an API token.",
            {"header": "Authorization"},
        )
    return token.strip()


async def get_principal(request: Request) -> Principal:
    """Who is asking; ``401`` unless an API token or a live session says so."""
    desk: Desk = request.app.state.desk
    now = desk.clock.now()
    header = request.headers.get("authorization")
    if header is not None:
        p = accounts.authenticate_token(desk.store, _bearer_token(header), now)
        if p is None:
            raise Unauthorized(
                "The API token is not valid: it is unknown, revoked, or its user is "
                "disabled. Create a new one with `promisedesk tokens create`."
            )
        request.state.principal = p
        return p
    cookie = request.cookies.get(SESSION_COOKIE)
    found = accounts.authenticate_session(desk.store, cookie, now) if cookie else None
    if found is None:
        request.state.principal = ANONYMOUS
        raise Unauthorized(SIGN_IN)
    p, csrf = found
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), csrf.encode()):
            raise CsrfFailed(
                f"A signed-in write needs the {CSRF_HEADER} header with the csrf_token "
                "from POST /api/session or GET /api/session.",
                {"header": CSRF_HEADER},
            )
    request.state.principal = p
    request.state.csrf_token = csrf
    return p


PrincipalDep = Annotated[Principal, Depends(get_principal)]


# -- the OpenAPI document ----------------------------------------------------------
_SCHEMES = (_bearer, _cookie)


def _needs_principal(dependant: Dependant) -> bool:
    return any(d.call is get_principal or _needs_principal(d) for d in dependant.dependencies)


def document_auth(app: FastAPI) -> None:
    """Declare the token and session schemes on every operation that uses ``PrincipalDep``.

    The document holds what FastAPI wrote when the schemes were sub-dependencies of
    ``get_principal``: the same ``securitySchemes`` and per-operation ``security``.
    """
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema: dict[str, Any] = generate()  # FastAPI's, cached until routes change
        components = schema.setdefault("components", {})
        if "securitySchemes" in components:  # this schema object is done already
            return schema
        security: list[dict[str, list[str]]] = [{s.scheme_name: []} for s in _SCHEMES]
        for route in iter_route_contexts(app.routes):  # included routers too
            if not isinstance(route.original_route, APIRoute):
                continue
            if not _needs_principal(route.dependant):
                continue
            operations = schema.get("paths", {}).get(route.path_format, {})
            for method in route.methods or ():
                operation = operations.get(method.lower())
                if operation is not None:
                    operation.setdefault("security", security)
        components["securitySchemes"] = {
            s.scheme_name: jsonable_encoder(s.model, by_alias=True, exclude_none=True)
            for s in _SCHEMES
        }
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
