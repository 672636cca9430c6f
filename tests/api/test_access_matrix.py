"""The access matrix of docs/access.md, checked cell by cell against the running API.

The routes come from the OpenAPI document: a route with no row in the written
policy fails, and so does a row for a route that no longer exists.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from promisedesk.bootstrap import Desk
from promisedesk.domain.events import PUBLIC_TYPES
from promisedesk.web.app import create_app
from tests.api.actors import Actors

DOC = Path(__file__).parents[2] / "docs" / "access.md"
ACTORS = [
    "anonymous",
    "customer_a",
    "customer_b",
    "customer_other",
    "agent_desk",
    "agent_net",
    "lead",
    "admin",
]
STAFF = {"agent_desk", "agent_net", "lead", "admin"}
DENIALS = {401, 403, 404}
LATER = "2026-12-01T18:00:00Z"

# A valid body for each route that takes one (so only access decides the answer).
BODIES: dict[str, Any] = {
    "POST /api/session": {"email": "{actor}@example.com", "password": "not the password"},
    "POST /api/magic-links": {"email": "{actor}@nowhere.example"},
    "POST /api/magic-links/redeem": {"token": "not-a-real-token"},
    "POST /api/password-resets": {"email": "{actor}@nowhere.example"},
    "POST /api/password-resets/redeem": {"token": "nope", "password": "a long new password"},
    "POST /api/tickets": {"subject": "Another one", "requester": "ann@example.com"},
    "POST /api/tickets/{ref}/customer-replies": {"body": "any news?"},
    "POST /api/tickets/{ref}/confirm": {},
    "POST /api/tickets/{ref}/reject": {"reason": "still broken"},
    "POST /api/tickets/{ref}/reopen": {"reason": "it came back"},
    "POST /api/tickets/{ref}/rating": {"score": 4},
    "POST /api/tickets/{ref}/acknowledge": {},
    "POST /api/tickets/{ref}/triage": {"impact": "medium", "urgency": "high"},
    "POST /api/tickets/{ref}/replies": {"body": "Looking into it now."},
    "POST /api/tickets/{ref}/notes": {"body": "internal: user is a VIP"},
    "POST /api/tickets/{ref}/assign": {"tier": "L1"},
    "POST /api/tickets/{ref}/status": {"status": "waiting_on_customer"},
    "POST /api/tickets/{ref}/escalate": {
        "to_tier": "L2",
        "done": "restarted it",
        "reason": "needs network access",
        "review_by": LATER,
    },
    "POST /api/tickets/{ref}/resolve": {"summary": "fixed"},
    "POST /api/tickets/{ref}/close": {},
    "POST /api/tickets/{ref}/callbacks": {"due_at": LATER},
    "POST /api/tickets/{ref}/callbacks/made": {},
    "POST /api/lint": {"text": "We will update you soon.", "kind": "update"},
    "POST /api/templates/{name}/render": {"values": {}},
}
#: Routes whose body is a raw file: sent as a small text file with these parameters.
UPLOADS = {"POST /api/tickets/{ref}/attachments"}
FILE = b"2026-12-01 09:00 vpn: handshake failed\n"


def upload(
    c: TestClient, ref: str, headers: dict[str, str], visibility: str = "public", **kw: Any
) -> Any:
    """Attach a small text file to ``ref`` as whoever ``headers`` authenticate."""
    return c.post(
        f"/api/tickets/{ref}/attachments",
        params={"filename": kw.get("filename", "vpn.log"), "visibility": visibility},
        content=kw.get("content", FILE),
        headers={**headers, "Content-Type": kw.get("content_type", "text/plain")},
    )


def written_policy() -> dict[tuple[str, str], dict[str, str]]:
    """The matrix of docs/access.md: (route, object) -> actor -> expected."""
    out = {}
    for line in DOC.read_text().splitlines():
        m = re.match(r"^\| ((?:GET|POST|PUT|PATCH|DELETE) \S+) \| (\S+) \|(.*)\|$", line)
        if m:
            cells = [c.strip() for c in m.group(3).split("|")]
            assert len(cells) == len(ACTORS), line
            out[(m.group(1), m.group(2))] = dict(zip(ACTORS, cells, strict=True))
    return out


def listed_policy() -> dict[str, str]:
    """The 'listed' table of docs/access.md: actor -> tickets listed."""
    text = DOC.read_text().split("| actor | listed |")[1]
    return dict(re.findall(r"^\| (\w+) \| ([^|]+?) \|$", text, re.M))


def openapi_routes(client: TestClient) -> set[str]:
    spec = client.get("/openapi.json").json()
    return {f"{method.upper()} {path}" for path, item in spec["paths"].items() for method in item}


@pytest.fixture
def world(desk: Desk, actors: Actors) -> dict[str, str]:
    """Tickets A (customer_a's, team desk) and X (customer_other's, team net)."""
    with TestClient(create_app(desk)) as c:
        refs = {}
        for name, requester, customer, team in (
            ("A", "ann@example.com", "customer_a", "desk"),
            ("X", "cy@other.example", "customer_other", "net"),
        ):
            r = c.post(
                "/api/tickets",
                json={"subject": f"Ticket {name}", "requester": requester},
                headers=actors[customer],
            )
            assert r.status_code == 201, r.text
            refs[name] = r.json()["ref"]
            r = c.post(
                f"/api/tickets/{refs[name]}/assign", json={"team": team}, headers=actors["admin"]
            )
            assert r.status_code == 201, r.text
        refs["Ai"] = refs["A"]
        # Each ticket's attachments: a public one on A and X, an internal one on A (Ai).
        for obj, visibility in (("A", "public"), ("Ai", "internal"), ("X", "public")):
            r = upload(c, refs[obj], actors["admin"], visibility)
            assert r.status_code == 201, r.text
            refs[f"file:{obj}"] = r.json()["attachment"]["id"]
    return refs


def test_every_route_has_a_written_policy(client: TestClient) -> None:
    routes = openapi_routes(client)
    written = {route for route, _ in written_policy()}
    assert routes - written == set(), "routes with no row in docs/access.md"
    assert written - routes == set(), "rows in docs/access.md for routes that do not exist"


def test_every_cell_of_the_matrix(desk: Desk, actors: Actors, world: dict[str, str]) -> None:
    policy = written_policy()
    failures = []
    cells = 0
    # Signing out ends the actor's session: those cells go last.
    order = sorted(policy, key=lambda key: key[0] == "DELETE /api/session")
    with TestClient(create_app(desk), raise_server_exceptions=False) as c:
        for route, obj in order:
            method, path = route.split(" ", 1)
            url = path.replace("{ref}", world.get(obj, "PD-0")).replace("{name}", "first_reply")
            url = url.replace("{id}", world.get(f"file:{obj}", "none"))
            for actor in ACTORS:
                if route in UPLOADS:
                    visibility = "internal" if obj == "Ai" else "public"
                    r = upload(c, world[obj], actors[actor], visibility)
                else:
                    body = BODIES.get(route)
                    if body is not None:
                        body = {
                            k: (v.replace("{actor}", actor) if isinstance(v, str) else v)
                            for k, v in body.items()
                        }
                    r = c.request(method, url, json=body, headers=actors[actor])
                cells += 1
                want = policy[(route, obj)][actor]
                got = r.status_code
                ok = got not in DENIALS and got < 500 if want == "ok" else got == int(want)
                if not ok:
                    failures.append(
                        f"{route} [{obj}] as {actor}: want {want}, got {got} {r.text[:120]}"
                    )
    assert failures == [], "\n".join(failures)
    assert cells == len(policy) * len(ACTORS)


def test_lists_search_and_exports_show_only_what_each_actor_may_see(
    anonymous: TestClient, actors: Actors, world: dict[str, str]
) -> None:
    for actor, listed in listed_policy().items():
        want = listed.split()
        for params in ({}, {"q": "Ticket"}):
            r = anonymous.get("/api/tickets", params=params, headers=actors[actor])
            e = anonymous.get("/api/exports/tickets.csv", params=params, headers=actors[actor])
            if want == ["401"]:
                assert r.status_code == e.status_code == 401
                continue
            assert r.status_code == 200, r.text
            refs = {t["ref"] for t in r.json()["items"]}
            assert refs == {world[x] for x in want}, (actor, params)
            assert e.status_code == 200, e.text
            exported = list(csv.DictReader(io.StringIO(e.text)))
            assert {row["ref"] for row in exported} == refs, (actor, params)
            internal = {"assignee", "team", "tier", "escalation_level"}
            columns = set(exported[0])
            assert internal <= columns if actor in STAFF else not internal & columns, actor


def test_customers_never_see_internal_events_or_fields(
    client: TestClient, anonymous: TestClient, actors: Actors, world: dict[str, str]
) -> None:
    ref = world["A"]
    for path, body in (
        ("notes", {"body": "secret: the CEO's laptop"}),
        ("assign", {"agent": "bo", "tier": "L1"}),
        ("triage", {"impact": "high", "urgency": "high"}),
        ("escalate", BODIES["POST /api/tickets/{ref}/escalate"] | {"team": "desk"}),
    ):
        r = client.post(f"/api/tickets/{ref}/{path}", json=body, headers=actors["agent_desk"])
        assert r.status_code == 201, r.text
    for reader in ("customer_a", "customer_b"):
        body = anonymous.get(f"/api/tickets/{ref}", headers=actors[reader]).json()
        types = [e["type"] for e in body["timeline"]]
        assert set(types) <= PUBLIC_TYPES and "escalated" in types, types
        assert "secret" not in str(body) and "needs network access" not in str(body)
        escalated = next(e for e in body["timeline"] if e["type"] == "escalated")
        assert list(escalated["data"]) == ["review_by"]
        assert escalated["data"]["review_by"].startswith("2026-12-01T18:00:00")
        t = body["ticket"]
        assert (t["assignee"], t["team"], t["tier"], t["escalation_level"]) == (None,) * 4
        listed = anonymous.get("/api/tickets", headers=actors[reader]).json()["items"]
        assert all(x["team"] is None and x["assignee"] is None for x in listed)
    staff = client.get(f"/api/tickets/{ref}", headers=actors["agent_desk"]).json()
    assert {"internal_note", "assigned", "triaged"} <= {e["type"] for e in staff["timeline"]}
    assert staff["ticket"]["assignee"] == "bo" and staff["ticket"]["team"] == "desk"


def test_breach_escalated_cannot_be_posted(client: TestClient, world: dict[str, str]) -> None:
    for path in ("breach-escalated", "breach_escalated", "breaches"):
        r = client.post(f"/api/tickets/{world['A']}/{path}", json={"commitment": "x", "kind": "y"})
        assert r.status_code in (404, 405), r.text


def test_customers_never_see_internal_attachments(
    client: TestClient, anonymous: TestClient, actors: Actors, world: dict[str, str]
) -> None:
    ref = world["A"]
    secret = upload(
        client, ref, actors["agent_desk"], "internal", filename="ceo-password-reset.txt"
    )
    assert secret.status_code == 201, secret.text
    hidden = secret.json()["attachment"]["id"]
    hidden_ids = {hidden, world["file:Ai"]}
    for reader in ("customer_a", "customer_b"):
        h = actors[reader]
        body = anonymous.get(f"/api/tickets/{ref}", headers=h).json()
        shown = [e for e in body["timeline"] if e["type"] == "attachment_added"]
        assert [e["data"]["attachment"] for e in shown] == [world["file:A"]]
        assert "ceo-password-reset" not in str(body) and "internal" not in str(shown)
        listed = anonymous.get(f"/api/tickets/{ref}/attachments", headers=h).json()["items"]
        assert [a["id"] for a in listed] == [world["file:A"]]
        for attachment in hidden_ids:
            r = anonymous.get(f"/api/tickets/{ref}/attachments/{attachment}", headers=h)
            missing = anonymous.get(f"/api/tickets/{ref}/attachments/nothere", headers=h)
            assert r.status_code == missing.status_code == 404
            assert r.json()["code"] == missing.json()["code"] == "unknown_attachment"
        got = anonymous.get(f"/api/tickets/{ref}/attachments/{world['file:A']}", headers=h)
        assert got.status_code == 200 and got.content == FILE
    # A customer may not slip an internal file in, nor attach to a colleague's ticket.
    r = upload(anonymous, ref, actors["customer_a"], "internal")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert upload(anonymous, ref, actors["customer_b"]).status_code == 403
    staff = client.get(f"/api/tickets/{ref}/attachments", headers=actors["agent_desk"]).json()
    assert hidden_ids <= {a["id"] for a in staff["items"]}
    r = client.get(f"/api/tickets/{ref}/attachments/{hidden}", headers=actors["agent_desk"])
    assert r.status_code == 200 and r.content == FILE
