"""The real app through HTTP (in-process ASGI transport), on each backend.

``client`` acts as the admin (an API token sent on every request unless a test
passes other headers); ``actors`` has the headers of every kind of user.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from promisedesk.bootstrap import Desk
from promisedesk.web.app import create_app
from tests.api.actors import Actors


@pytest.fixture
def actors(desk: Desk) -> Actors:
    """Agents (admin, lead, one per team) with tokens; customers with sessions."""
    return Actors(desk).make()


@pytest.fixture
def client(desk: Desk, actors: Actors) -> Iterator[TestClient]:
    """A client for the app on the test desk (64 KiB body limit), as the admin."""
    with TestClient(create_app(desk), raise_server_exceptions=False, headers=actors["admin"]) as c:
        yield c


@pytest.fixture
def anonymous(desk: Desk) -> Iterator[TestClient]:
    """A client that sends no credentials."""
    with TestClient(create_app(desk), raise_server_exceptions=False) as c:
        yield c
