"""The web application: built by ``create_app`` from a ``Desk``, nothing at import."""

from __future__ import annotations

from fastapi import FastAPI

from promisedesk import __version__
from promisedesk.bootstrap import Desk, build
from promisedesk.config import Settings
from promisedesk.web import errors
from promisedesk.web.api import commitments, composer, sla, tickets
from promisedesk.web.limits import BodySizeLimit


def create_app(desk: Desk) -> FastAPI:
    """The FastAPI app serving ``desk``; OpenAPI at /openapi.json, docs at /docs."""
    app = FastAPI(
        title="Promisedesk",
        version=__version__,
        description=(
            "A service desk that tracks promises. Every error has the shape "
            "`{code, message, details}`; see docs/errors.md."
        ),
    )
    app.state.desk = desk
    errors.install(app)
    app.include_router(tickets.router)
    app.include_router(sla.router)
    app.include_router(commitments.router)
    app.include_router(composer.router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.add_middleware(BodySizeLimit, max_bytes=desk.settings.max_body_bytes)
    return app


def app_from_environment() -> FastAPI:
    """Factory for ``uvicorn --factory``: settings from PROMISEDESK_* variables.

    Migrations are run by ``promisedesk serve`` before workers start, not here.
    """
    return create_app(build(Settings(), migrate=False))
