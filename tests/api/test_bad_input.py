"""Bad input gets the documented error, never a 500, and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.test_tickets_api import NEW, open_ticket


def snapshot(client: TestClient) -> Any:
    refs = [t["ref"] for t in client.get("/api/tickets?limit=200").json()["items"]]
    return (
        client.get("/api/tickets?limit=200").json(),
        [client.get(f"/api/tickets/{ref}").json() for ref in refs],
        [client.get(f"/api/tickets/{ref}/attachments").json() for ref in refs],
    )


def _upload(name: str = "a.txt", body: bytes = b"hello", **params: str) -> dict[str, Any]:
    return {
        "params": {"filename": name, **params},
        "content": body,
        "headers": {"content-type": "text/plain"},
    }


ATTACH = "/api/tickets/PD-1/attachments"


def assert_error(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["details"], dict)
    return body


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "code", "field"),
    [
        (
            "post",
            "/api/tickets",
            {"content": b'{"subject": "x",', "headers": {"content-type": "application/json"}},
            400,
            "malformed_json",
            None,
        ),
        ("post", "/api/tickets", {"json": {**NEW, "impact": 3}}, 422, "invalid_input", "impact"),
        ("post", "/api/tickets", {"json": {**NEW, "subject": ""}}, 422, "invalid_input", "subject"),
        (
            "post",
            "/api/tickets",
            {"json": {**NEW, "colour": "red"}},
            422,
            "invalid_input",
            "colour",
        ),
        ("post", "/api/tickets", {"json": {"subject": "x"}}, 422, "invalid_input", "requester"),
        ("post", "/api/tickets", {"json": [1, 2]}, 422, "invalid_input", None),
        (
            "post",
            "/api/tickets/PD-1/rating",
            {"json": {"score": "5"}},
            422,
            "invalid_input",
            "score",
        ),
        (
            "post",
            "/api/tickets/PD-1/replies",
            {"json": {"body": "x", "next_update_at": "2026-12-01T10:00:00"}},
            422,
            "invalid_input",
            "next_update_at",
        ),
        ("post", "/api/tickets/PD-1/close", {"json": {}}, 409, "transition_refused", None),
        (
            "post",
            "/api/tickets/PD-1/status",
            {"json": {"status": "resolved"}},
            409,
            "transition_refused",
            None,
        ),
        (
            "post",
            "/api/tickets/PD-1/escalate",
            {
                "json": {
                    "to_tier": "L1",
                    "done": "x",
                    "reason": "y",
                    "review_by": "2027-01-01T00:00:00Z",
                }
            },
            422,
            "invalid_input",
            "to_tier",
        ),
        ("post", "/api/tickets/PD-404/notes", {"json": {"body": "x"}}, 404, "unknown_ticket", None),
        ("get", "/api/tickets/PD-404", {}, 404, "unknown_ticket", None),
        ("get", "/api/tickets?limit=0", {}, 422, "invalid_input", "limit"),
        ("get", "/api/tickets?status=shelved", {}, 422, "invalid_input", "status.0"),
        ("get", "/api/tickets?team=desk%00", {}, 422, "invalid_input", "query"),
        ("get", "/api/tickets/PD-1%00", {}, 422, "invalid_input", "path"),
        (
            "post",
            "/api/tickets/PD-1/notes",
            {"content": b'{"body": "a\\u0000b"}', "headers": {"content-type": "application/json"}},
            422,
            "invalid_input",
            "body",
        ),
        ("get", "/api/tickets?cursor=!!", {}, 422, "invalid_input", "cursor"),
        ("delete", "/api/tickets/PD-1", {}, 405, "method_not_allowed", None),
        ("get", "/nowhere", {}, 404, "not_found", None),
        (
            "post",
            "/api/tickets",
            {"json": {**NEW, "description": "x" * 70_000}},
            413,
            "body_too_large",
            None,
        ),
        ("post", ATTACH, _upload(body=b"x" * 262_145), 413, "body_too_large", None),
        ("post", ATTACH, _upload(body=b""), 422, "invalid_input", "content"),
        ("post", ATTACH, _upload(name=""), 422, "invalid_input", "filename"),
        ("post", ATTACH, _upload(name="../../etc/passwd"), 422, "invalid_input", "filename"),
        ("post", ATTACH, _upload(name="C:\\boot.ini"), 422, "invalid_input", "filename"),
        ("post", ATTACH, _upload(name="a\r\nSet-Cookie: x=1"), 422, "invalid_input", "filename"),
        ("post", ATTACH, _upload(name="invoice\u202efdp.exe"), 422, "invalid_input", "filename"),
        ("post", ATTACH, _upload(name="x" * 256), 422, "invalid_input", "filename"),
        ("post", ATTACH, {"content": b"hello"}, 422, "invalid_input", "filename"),
        ("post", ATTACH, _upload(visibility="secret"), 422, "invalid_input", "visibility"),
        (
            "post",
            ATTACH,
            {"params": {"filename": "a"}, "content": b"x", "headers": {"content-type": "a b"}},
            422,
            "invalid_input",
            "content_type",
        ),
        ("post", "/api/tickets/PD-404/attachments", _upload(), 404, "unknown_ticket", None),
        ("get", "/api/tickets/PD-404/attachments", {}, 404, "unknown_ticket", None),
        ("get", f"{ATTACH}/nothere", {}, 404, "unknown_attachment", None),
    ],
)
def test_bad_input(
    client: TestClient,
    method: str,
    path: str,
    kwargs: dict[str, Any],
    status: int,
    code: str,
    field: str | None,
) -> None:
    open_ticket(client)
    before = snapshot(client)
    body = assert_error(getattr(client, method)(path, **kwargs), status, code)
    if field:
        assert field in body["message"]
        assert any(e["field"] == field for e in body["details"]["errors"]) or (
            body["details"].get("field") == field
        )
    assert snapshot(client) == before


def test_refused_transition_names_ticket_status_and_remedy(client: TestClient) -> None:
    open_ticket(client)
    body = assert_error(client.post("/api/tickets/PD-1/close", json={}), 409, "transition_refused")
    assert body["message"] == (
        "Ticket PD-1 cannot take 'closed' while it is new: resolve it first (with a summary), "
        "then close it."
    )
    assert body["details"] == {
        "ticket": "PD-1",
        "status": "new",
        "event": "closed",
        "hint": "resolve it first (with a summary), then close it.",
    }


def test_chunked_oversize_body_is_413(client: TestClient) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(100):
            yield b"x" * 1024

    r = client.post("/api/tickets", content=chunks(), headers={"content-type": "application/json"})
    assert_error(r, 413, "body_too_large")


def test_error_shape_is_pinned_in_openapi(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schema = spec["components"]["schemas"]["ErrorOut"]
    assert sorted(schema["required"]) == ["code", "details", "message"]
    post = spec["paths"]["/api/tickets/{ref}/close"]["post"]["responses"]
    assert {"404", "409", "422"} <= set(post)


def test_text_that_spells_a_nul_escape_is_kept(client: TestClient) -> None:
    # "\\u0000" in JSON is the six characters \u0000, not a NUL: it must be accepted.
    open_ticket(client)
    r = client.post(
        "/api/tickets/PD-1/notes",
        content=b'{"body": "the log shows \\\\u0000 bytes"}',
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 201, r.text
    timeline = client.get("/api/tickets/PD-1").json()["timeline"]
    assert timeline[-1]["data"]["body"] == "the log shows \\u0000 bytes"


def test_uploads_are_exempt_from_the_body_limit_but_have_their_own(client: TestClient) -> None:
    open_ticket(client)
    big = bytes(range(256)) * 400  # 100 KiB: over max_body_bytes, within the file limit
    r = client.post(ATTACH, params={"filename": "dump.bin"}, content=big)
    assert r.status_code == 201, r.text
    got = client.get(r.headers["location"])
    assert got.status_code == 200 and got.content == big

    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(300):
            yield b"x" * 1024

    before = snapshot(client)
    r = client.post(ATTACH, params={"filename": "big.bin"}, content=chunks())
    body = assert_error(r, 413, "body_too_large")
    assert "max_attachment_bytes" in body["message"]
    assert snapshot(client) == before
    # JSON routes keep the small limit.
    r = client.post("/api/tickets", json={**NEW, "description": "x" * 70_000})
    assert_error(r, 413, "body_too_large")
