"""Response headers, intake limits, and hostile text never served as HTML."""

from __future__ import annotations

import csv
import io
from urllib.parse import quote, unquote

import pytest
from fastapi.testclient import TestClient

from promisedesk.bootstrap import Desk
from promisedesk.clock import FakeClock
from tests.api.actors import Actors

XSS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "<svg/onload=alert(1)>",
    "</title><script>alert(document.cookie)</script>",
    "{{7*7}}<iframe srcdoc='<script>alert(1)</script>'>",
    '=HYPERLINK("http://evil.example")',
]


def test_every_response_has_the_security_headers(client: TestClient, anonymous: TestClient) -> None:
    for c, path in (
        (anonymous, "/api/sla"),
        (anonymous, "/api/tickets"),
        (client, "/api/tickets"),
        (anonymous, "/docs"),
        (anonymous, "/nowhere"),
        (anonymous, "/openapi.json"),
    ):
        r = c.get(path)
        assert r.headers["x-content-type-options"] == "nosniff", path
        assert r.headers["referrer-policy"] == "no-referrer", path
        csp = r.headers["content-security-policy"]
        assert (
            "script-src 'self'" in csp
            and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        )
    assert client.get("/api/tickets").headers["cache-control"] == "no-store"


def test_docs_page_needs_no_cdn_and_no_inline_script(anonymous: TestClient) -> None:
    page = anonymous.get("/docs").text
    assert "cdn" not in page.lower() and "http" not in page.split("<body>")[1]
    assert "<script>" not in page  # every script has a src
    assert anonymous.get("/docs/assets/swagger-ui-bundle.js").status_code == 200
    assert anonymous.get("/docs/start.js").status_code == 200


def test_intake_is_rate_limited_per_requester_and_per_client(
    client: TestClient, desk: Desk, clock: FakeClock
) -> None:
    per_requester = desk.settings.intake_limit_per_requester
    for i in range(per_requester):
        assert (
            client.post(
                "/api/tickets", json={"subject": f"s{i}", "requester": "x@example.com"}
            ).status_code
            == 201
        )
    r = client.post("/api/tickets", json={"subject": "one more", "requester": "X@example.com"})
    assert r.status_code == 429 and r.json()["code"] == "rate_limited"
    assert 0 < int(r.headers["retry-after"]) <= 60
    assert (
        client.post(
            "/api/tickets", json={"subject": "other", "requester": "y@example.com"}
        ).status_code
        == 201
    )
    for i in range(desk.settings.intake_limit_per_client - per_requester - 1):
        client.post("/api/tickets", json={"subject": "n", "requester": f"n{i}@example.com"})
    r = client.post("/api/tickets", json={"subject": "n", "requester": "fresh@example.com"})
    assert r.status_code == 429
    clock.advance(seconds=61)
    assert (
        client.post(
            "/api/tickets", json={"subject": "later", "requester": "x@example.com"}
        ).status_code
        == 201
    )


@pytest.mark.parametrize("hostile", XSS)
def test_hostile_text_is_only_ever_served_as_json(
    client: TestClient, anonymous: TestClient, actors: Actors, hostile: str
) -> None:
    r = anonymous.post(
        "/api/tickets",
        json={
            "subject": hostile,
            "description": hostile,
            "requester": "ann@example.com",
            "triage": {hostile: hostile},
            "service": hostile,
        },
        headers=actors["customer_a"],
    )
    assert r.status_code == 201, r.text
    ref = r.json()["ref"]
    for path, body in (
        ("notes", {"body": hostile}),
        ("assign", {"agent": hostile, "team": hostile}),
        ("rating", {"score": 1, "comment": hostile}),
    ):
        client.post(f"/api/tickets/{ref}/{path}", json=body)
    responses = [
        client.get(f"/api/tickets/{ref}"),
        client.get("/api/tickets", params={"q": hostile}),
        client.get("/api/exports/tickets.csv", params={"q": hostile}),
        client.get(f"/api/tickets/{hostile}"),
        anonymous.get(f"/api/tickets/{hostile}", headers=actors["customer_a"]),
        client.post("/api/lint", json={"text": hostile, "kind": "update"}),
        anonymous.get(f"/docs?{hostile}"),
        anonymous.get(f"/{hostile}"),
    ]
    for resp in responses:
        ctype = resp.headers["content-type"]
        assert resp.headers["x-content-type-options"] == "nosniff"
        if ctype.startswith("text/html"):
            assert hostile not in resp.text  # the only HTML page never reflects input
        else:
            assert ctype.startswith(("application/json", "text/csv")), ctype


def test_the_csv_export_neutralises_formulas_and_is_not_cached(client: TestClient) -> None:
    hostile = [
        '=HYPERLINK("http://evil.example","x")',
        "+1+1",
        "-1+1",
        "@SUM(1)",
        "\t=1",
        "\r=1",
    ]
    for subject in hostile:
        r = client.post("/api/tickets", json={"subject": subject, "requester": "a@example.com"})
        assert r.status_code == 201, r.text
    r = client.post(
        "/api/tickets", json={"subject": "Printer, floor 3", "requester": "=1+1@example.com"}
    )
    assert r.status_code == 201, r.text
    e = client.get("/api/exports/tickets.csv")
    assert e.status_code == 200
    assert e.headers["content-type"] == "text/csv; charset=utf-8"
    assert e.headers["cache-control"] == "no-store"
    assert e.headers["content-disposition"] == 'attachment; filename="tickets.csv"'
    rows = list(csv.DictReader(io.StringIO(e.text, newline="")))
    by_subject = {row["subject"] for row in rows}
    # Subjects are stored stripped, so "\t=1" arrives as "=1" (the unit tests cover tabs).
    assert by_subject == {"'" + s.strip() for s in hostile} | {"Printer, floor 3"}
    assert {row["requester"] for row in rows} == {"a@example.com", "'=1+1@example.com"}
    assert all(
        not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for cell in r.values()
    )
    filtered = client.get("/api/exports/tickets.csv", params={"q": "Printer"})
    assert [row["subject"] for row in csv.DictReader(io.StringIO(filtered.text))] == [
        "Printer, floor 3"
    ]


#: File names that must come back only encoded: the corpus above, and names aimed
#: at the Content-Disposition header itself.
HOSTILE_NAMES = [
    *XSS,
    'report.pdf"; filename="evil.exe',
    "a;b=c, d%0D%0AX-Injected: 1.txt",
    "naïve résumé 履歴書 ✓.txt",
    "%22%0d%0a.txt",
]


@pytest.mark.parametrize("hostile", HOSTILE_NAMES)
def test_attachment_names_are_only_ever_shown_encoded(
    client: TestClient, anonymous: TestClient, actors: Actors, hostile: str
) -> None:
    r = client.post("/api/tickets", json={"subject": "files", "requester": "ann@example.com"})
    ref = r.json()["ref"]
    r = client.post(
        f"/api/tickets/{ref}/attachments",
        params={"filename": hostile},
        content=b"<html><script>alert(1)</script></html>",
        headers={"content-type": "text/html"},
    )
    if "/" in hostile:
        # A name with a path separator is refused, naming the field.
        assert r.status_code == 422 and r.json()["details"]["errors"][0]["field"] == "filename"
        return
    assert r.status_code == 201, r.text
    attachment = r.json()["attachment"]
    assert attachment["filename"] == hostile and attachment["content_type"] == "text/html"
    for reader in (client, anonymous):
        h = actors["customer_a"] if reader is anonymous else {}
        for path in (f"/api/tickets/{ref}", f"/api/tickets/{ref}/attachments"):
            resp = reader.get(path, headers=h)
            assert resp.headers["content-type"] == "application/json"
            assert hostile in str(resp.json())  # JSON-encoded, as text, never markup
        d = reader.get(attachment["url"], headers=h)
        assert d.status_code == 200
        # Uploaded as HTML, never served as HTML: a byte stream to save, sandboxed.
        assert d.headers["content-type"] == "application/octet-stream"
        assert d.headers["x-content-type-options"] == "nosniff"
        assert d.headers["cache-control"] == "no-store"
        assert "sandbox" in d.headers["content-security-policy"]
        disposition = d.headers["content-disposition"]
        assert "\r" not in disposition and "\n" not in disposition and "x-injected" not in d.headers
        assert disposition.isascii()
        kind, fallback, exact = disposition.split("; ")
        assert kind == "attachment"
        assert exact == "filename*=UTF-8''" + quote(hostile, safe="")
        assert unquote(exact.split("''", 1)[1]) == hostile
        inner = fallback.removeprefix('filename="').removesuffix('"')
        assert fallback == f'filename="{inner}"' and not set(inner) & set('"\\;,%')


def test_safe_types_are_served_as_themselves(client: TestClient) -> None:
    ref = client.post("/api/tickets", json={"subject": "f", "requester": "a@example.com"}).json()[
        "ref"
    ]
    for sent, served in (
        ("image/png", "image/png"),
        ("Application/PDF", "application/pdf"),
        ("text/plain; charset=latin-1", "text/plain; charset=utf-8"),
        ("image/svg+xml", "application/octet-stream"),
        ("application/xhtml+xml", "application/octet-stream"),
        ("text/javascript", "application/octet-stream"),
    ):
        r = client.post(
            f"/api/tickets/{ref}/attachments",
            params={"filename": "f"},
            content=b"\x89PNG...",
            headers={"content-type": sent},
        )
        assert r.status_code == 201, r.text
        assert client.get(r.headers["location"]).headers["content-type"] == served, sent
