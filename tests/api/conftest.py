"""The real app through HTTP (in-process ASGI transport), on each backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from promisedesk.bootstrap import Desk
from promisedesk.web.app import create_app


@pytest.fixture
def client(desk: Desk) -> Iterator[TestClient]:
    """A client for the app on the test desk (64 KiB body limit)."""
    with TestClient(create_app(desk), raise_server_exceptions=False) as c:
        yield c
