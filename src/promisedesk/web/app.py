"""The web application: built by ``create_app`` from a ``Desk``, nothing at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from promisedesk import __version__
from promisedesk.bootstrap import Desk, build
from promisedesk.config import Settings
from promisedesk.store.checkpoint import WalCheckpointer
from promisedesk.web import errors
from promisedesk.web.api import attachments, commitments, composer, exports, session, sla, tickets
from promisedesk.web.deps import document_auth
from promisedesk.web.group_commit import GroupCommit
from promisedesk.web.guard import RequestGuard
from promisedesk.web.ratelimit import IntakeLimiter
from promisedesk.web.security import install_docs


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    desk: Desk = app.state.desk
    checkpoints = WalCheckpointer(desk.store.engine) if desk.store.gate is not None else None
    if checkpoints is not None:
        checkpoints.start()
    try:
        yield
    finally:
        app.state.group_commit.close()  # let the last batch commit before the end
        if checkpoints is not None:
            checkpoints.stop()


def create_app(desk: Desk) -> FastAPI:
    """The FastAPI app serving ``desk``; OpenAPI at /openapi.json, docs at /docs."""
    app = FastAPI(
        lifespan=_lifespan,
        title="Promisedesk",
        version=__version__,
        description=(
            "A service desk that tracks promises. Every error has the shape "
            "`{code, message, details}`; see docs/errors.md. Authenticate with an API "
            "token (`Authorization: Bearer <token>`) or the session cookie from "
            "POST /api/session (writes then need `X-CSRF-Token`); see docs/access.md."
        ),
        docs_url=None,
        redoc_url=None,
    )
    app.state.desk = desk
    app.state.intake_limiter = IntakeLimiter()
    app.state.group_commit = GroupCommit(desk)
    errors.install(app)
    # Routes are matched in order: the busiest (ticket intake and reads) first.
    app.include_router(tickets.router)
    app.include_router(session.router)
    app.include_router(attachments.router)
    app.include_router(sla.router)
    app.include_router(commitments.router)
    app.include_router(composer.router)
    app.include_router(exports.router)
    install_docs(app)
    document_auth(app)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.add_middleware(
        RequestGuard,
        max_bytes=desk.settings.max_body_bytes,
        upload_max_bytes=desk.settings.max_attachment_bytes,
    )
    return app


def app_from_environment() -> FastAPI:
    """Factory for ``uvicorn --factory``: settings from PROMISEDESK_* variables.

    Migrations are run by ``promisedesk serve`` before workers start, not here.
    """
    return create_app(build(Settings(), migrate=False))
