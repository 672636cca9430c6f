"""Schemathesis against the OpenAPI document, once per role, with its default checks.

No 5xx, responses that match the schema (status codes, content types, headers,
bodies), and invalid data rejected. One default check is left out:
``positive_data_acceptance`` wants every schema-valid request accepted, but the API
rightly refuses some with ``422`` on rules a JSON schema cannot say (a cursor it
never gave out, a review time before the escalation, a tier that is not higher).
Examples per operation are few so the suite stays fast; the number of requests made
per role is printed (``-s``) and checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from promisedesk.bootstrap import Desk
from promisedesk.web.app import create_app
from tests.api.actors import Actors

ROLES = ["anonymous", "customer_a", "agent_desk", "lead", "admin"]
MAX_EXAMPLES = 6
#: Requests made per role, filled in as the tests run (reported at the end).
REQUESTS: dict[str, int] = {}


@pytest.fixture
def app(desk: Desk, actors: Actors) -> Iterator[FastAPI]:
    """The app, with a ticket of customer_a's so paths have something to find."""
    application = create_app(desk)
    from fastapi.testclient import TestClient

    with TestClient(application) as c:
        r = c.post(
            "/api/tickets",
            json={"subject": "Seed", "requester": "ann@example.com"},
            headers=actors["admin"],
        )
        assert r.status_code == 201
    yield application


@pytest.mark.parametrize("role", ROLES)
def test_openapi_contract_per_role(app: FastAPI, actors: Actors, role: str) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = actors[role]
    count = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        # Signing out would end the session the rest of the run uses.
        if operation.method.upper() == "DELETE" and operation.path == "/api/session":
            continue
        strategy: Any = operation.as_strategy()

        @given(case=strategy)
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            nonlocal count
            count += 1
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        check()
    REQUESTS[role] = count
    print(f"\nschemathesis {role}: {count} generated requests")
    assert count >= 20 * MAX_EXAMPLES // 2
