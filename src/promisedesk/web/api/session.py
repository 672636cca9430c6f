"""Signing in and out: /api/session, customers' sign-in links, password resets.

Answers never tell whether an address is known. Sign-in and link requests are
throttled per address and per client (``429`` with ``Retry-After``). The session
cookie is ``HttpOnly``, ``SameSite=Lax``, and ``Secure`` over HTTPS; a new one is
issued at every sign-in. Routes that check a password are plain ``def`` so argon2's
work runs off the event loop.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, StringConstraints

from promisedesk.domain.accounts import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from promisedesk.services import accounts as svc
from promisedesk.web.api.schemas import ErrorOut
from promisedesk.web.deps import SESSION_COOKIE, DeskDep, PrincipalDep

router = APIRouter(
    prefix="/api",
    tags=["session"],
    responses={
        401: {"model": ErrorOut, "description": "Not signed in / wrong credentials"},
        422: {"model": ErrorOut, "description": "Invalid input"},
        429: {"model": ErrorOut, "description": "Too many attempts"},
    },
)

Email = Annotated[str, StringConstraints(min_length=1, max_length=320)]
Secret = Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignIn(_Body):
    """An address and a password."""

    email: Email
    password: Secret


class LinkRequest(_Body):
    """The address a one-time link should go to."""

    email: Email


class LinkToken(_Body):
    """The token from a sign-in link."""

    token: Secret


class NewPassword(_Body):
    """The token from a reset link, and the new password (12 characters or more)."""

    token: Secret
    password: Annotated[
        str, StringConstraints(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)
    ]


class SessionOut(BaseModel):
    """Who is signed in. ``csrf_token`` goes in ``X-CSRF-Token`` on every write."""

    kind: str
    handle: str
    role: str | None
    team: str | None
    organisation: str | None
    csrf_token: str | None
    expires_at: datetime | None


class Accepted(BaseModel):
    """The same answer whether or not the address is known."""

    message: str


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _secure(request: Request, mode: str) -> bool:
    return mode == "always" or (mode == "auto" and request.url.scheme == "https")


def _start(request: Request, response: Response, started: svc.SessionStarted) -> SessionOut:
    desk = request.app.state.desk
    response.set_cookie(
        SESSION_COOKIE,
        started.token,
        max_age=desk.settings.session_seconds,
        path="/",
        httponly=True,
        samesite="lax",
        secure=_secure(request, desk.settings.cookie_secure),
    )
    response.headers["Cache-Control"] = "no-store"
    u = started.user
    return SessionOut(
        kind=u.kind,
        handle=u.handle,
        role=u.role.value if u.role else None,
        team=u.team,
        organisation=u.organisation,
        csrf_token=started.csrf_token,
        expires_at=started.expires_at,
    )


@router.post("/session", response_model=SessionOut, summary="Sign in with a password")
def sign_in(body: SignIn, request: Request, response: Response, desk: DeskDep) -> SessionOut:
    """Start a session (cookie ``pd_session``); the same 401 for any wrong address/password."""
    started = svc.do_sign_in(
        desk.store,
        desk.settings,
        email=body.email,
        password=body.password,
        client=_client(request),
        now=desk.clock.now(),
        replaces=request.cookies.get(SESSION_COOKIE),
    )
    return _start(request, response, started)


@router.get("/session", response_model=SessionOut, summary="Who is signed in")
async def whoami(p: PrincipalDep, request: Request, response: Response) -> SessionOut:
    """The principal of this request; ``csrf_token`` when signed in with a cookie."""
    response.headers["Cache-Control"] = "no-store"
    return SessionOut(
        kind=p.kind,
        handle=p.handle,
        role=p.role.value if p.role else None,
        team=p.team,
        organisation=p.organisation,
        csrf_token=getattr(request.state, "csrf_token", None),
        expires_at=None,
    )


@router.delete("/session", status_code=204, summary="Sign out")
def sign_out(p: PrincipalDep, request: Request, desk: DeskDep) -> Response:
    """End this session (a no-op for API tokens; revoke those with the CLI)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        svc.do_sign_out(desk.store, cookie, desk.clock.now())
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response


SENT = "If the address belongs to someone who may use it, a link is on its way to it."


@router.post(
    "/magic-links", status_code=202, response_model=Accepted, summary="Mail a sign-in link"
)
def request_sign_in_link(body: LinkRequest, request: Request, desk: DeskDep) -> Accepted:
    """Customers: a single-use link, valid for ``link_minutes``, mailed to the address."""
    svc.do_request_link(
        desk.store,
        desk.settings,
        email=body.email,
        purpose="sign_in",
        client=_client(request),
        desk_name=desk.policy.desk.name,
        now=desk.clock.now(),
    )
    return Accepted(message=SENT)


@router.post("/magic-links/redeem", response_model=SessionOut, summary="Sign in with a link")
def redeem_sign_in_link(
    body: LinkToken, request: Request, response: Response, desk: DeskDep
) -> SessionOut:
    """Start a session from the token of a sign-in link; the link works once."""
    started = svc.do_redeem_sign_in_link(desk.store, desk.settings, body.token, desk.clock.now())
    return _start(request, response, started)


@router.post(
    "/password-resets", status_code=202, response_model=Accepted, summary="Mail a reset link"
)
def request_password_reset(body: LinkRequest, request: Request, desk: DeskDep) -> Accepted:
    """A single-use link to set a new password, mailed to the address."""
    svc.do_request_link(
        desk.store,
        desk.settings,
        email=body.email,
        purpose="reset",
        client=_client(request),
        desk_name=desk.policy.desk.name,
        now=desk.clock.now(),
    )
    return Accepted(message=SENT)


@router.post("/password-resets/redeem", status_code=204, summary="Set a new password")
def redeem_password_reset(body: NewPassword, desk: DeskDep) -> Response:
    """Set the password from a reset link's token; every session of the user ends."""
    svc.do_redeem_reset_link(desk.store, body.token, body.password, desk.clock.now())
    return Response(status_code=204)
