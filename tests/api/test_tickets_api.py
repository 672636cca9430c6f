"""The ticket API: every command through HTTP, filters and pagination."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from promisedesk.clock import FakeClock
from tests.api.actors import Actors

NEW = {
    "subject": "Outlook will not sync",
    "description": "Since this morning no new mail arrives.",
    "requester": "ann@example.com",
    "channel": "web",
    "impact": "high",
    "urgency": "critical",
}


def open_ticket(
    client: TestClient, headers: dict[str, str] | None = None, **over: Any
) -> dict[str, Any]:
    r = client.post("/api/tickets", json={**NEW, **over}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def test_create_then_get_with_timeline(
    client: TestClient, anonymous: TestClient, actors: Actors
) -> None:
    t = open_ticket(anonymous, actors["customer_a"])
    assert t["ref"] == "PD-1" and t["priority"] == "P1" and t["status"] == "new"
    r = client.get("/api/tickets/PD-1")
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-store"
    body = r.json()
    assert body["ticket"]["subject"] == NEW["subject"]
    assert [e["type"] for e in body["timeline"]] == ["opened"]
    assert body["timeline"][0]["by"] == "customer:ann@example.com"


def test_every_write_endpoint(client: TestClient, clock: FakeClock) -> None:
    open_ticket(client)
    steps: list[tuple[str, dict[str, Any], str]] = [
        ("acknowledge", {"automatic": True}, "acknowledged"),
        ("triage", {"impact": "medium", "urgency": "medium"}, "acknowledged"),
        ("assign", {"agent": "bo", "team": "desk"}, "acknowledged"),
        (
            "replies",
            {"body": "On it.", "next_update_at": "2026-12-01T10:00:00+00:00"},
            "in_progress",
        ),
        ("notes", {"body": "internal"}, "in_progress"),
        ("status", {"status": "waiting_on_customer"}, "waiting_on_customer"),
        ("customer-replies", {"body": "here you go"}, "in_progress"),
        (
            "escalate",
            {
                "to_tier": "L2",
                "done": "restarted",
                "reason": "needs L2",
                "review_by": "2026-12-01T12:00:00Z",
            },
            "escalated",
        ),
        (
            "resolve",
            {"summary": "fixed", "root_cause": "cache", "prevention": "monitor"},
            "resolved",
        ),
        ("reject", {"reason": "still broken"}, "in_progress"),
        ("resolve", {"summary": "fixed again"}, "resolved"),
        ("confirm", {"comment": "thanks"}, "resolved"),
        ("close", {}, "closed"),
        ("rating", {"score": 5, "comment": "great"}, "closed"),
        ("reopen", {"reason": "came back"}, "in_progress"),
    ]
    for path, body, status in steps:
        clock.advance(minutes=3)
        r = client.post(f"/api/tickets/PD-1/{path}", json=body)
        assert r.status_code == 201, (path, r.text)
        assert r.json()["ticket"]["status"] == status, path
    t = client.get("/api/tickets/PD-1").json()
    assert t["ticket"]["priority"] == "P3"
    assert t["ticket"]["tier"] == "L2" and t["ticket"]["reopen_count"] == 2
    assert len(t["timeline"]) == 16


def test_list_filters_and_cursor_pagination(client: TestClient) -> None:
    for i in range(7):
        open_ticket(
            client,
            subject=f"Printer {i}",
            requester=f"u{i % 2}@example.com",
            impact="low" if i % 2 else "critical",
        )
    client.post("/api/tickets/PD-3/assign", json={"agent": "bo", "team": "net"})
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/api/tickets", params=params).json()
        seen += [t["ref"] for t in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"PD-{i}" for i in range(7, 0, -1)]
    only = client.get("/api/tickets", params={"requester": "U1@example.com"}).json()["items"]
    assert {t["ref"] for t in only} == {"PD-2", "PD-4", "PD-6"}
    assert [t["ref"] for t in client.get("/api/tickets?assignee=bo").json()["items"]] == ["PD-3"]
    assert [t["ref"] for t in client.get("/api/tickets?team=net").json()["items"]] == ["PD-3"]
    p1 = client.get("/api/tickets", params={"priority": ["P1"]}).json()["items"]
    assert {t["ref"] for t in p1} == {"PD-1", "PD-3", "PD-5", "PD-7"}
    text = client.get("/api/tickets", params={"q": "printer 4"}).json()["items"]
    assert [t["ref"] for t in text] == ["PD-5"]
    pct = client.get("/api/tickets", params={"q": "100%"}).json()["items"]
    assert pct == []
    st = client.get("/api/tickets", params={"status": ["new"]}).json()["items"]
    assert len(st) == 7


def test_openapi_and_docs_are_served(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/tickets/{ref}/escalate" in spec["paths"]
    assert client.get("/docs").status_code == 200
