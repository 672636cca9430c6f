"""Signing in: passwords, sessions, CSRF, throttling, one-time links, tokens."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import NoResultFound

from promisedesk.bootstrap import Desk
from promisedesk.clock import FakeClock
from promisedesk.services import accounts as svc
from tests.api.actors import Actors, last_link_token

PASSWORD = "correct horse battery staple"


@pytest.fixture
def carol(desk: Desk) -> str:
    """A customer with a password."""
    svc.do_add_user(
        desk.store,
        kind="customer",
        email="carol@example.com",
        password=PASSWORD,
        now=desk.clock.now(),
    )
    return "carol@example.com"


def sign_in(c: TestClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    r = c.post("/api/session", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    return {
        "Cookie": f"pd_session={r.cookies['pd_session']}",
        "X-CSRF-Token": r.json()["csrf_token"],
    }


def test_session_cookie_signs_in_and_csrf_guards_writes(anonymous: TestClient, carol: str) -> None:
    h = sign_in(anonymous, carol)
    anonymous.cookies.clear()
    assert anonymous.get("/api/session", headers=h).json()["handle"] == carol
    body = {"subject": "Laptop", "requester": carol}
    no_csrf = {"Cookie": h["Cookie"]}
    r = anonymous.post("/api/tickets", json=body, headers=no_csrf)
    assert r.status_code == 403 and r.json()["code"] == "csrf_failed"
    wrong = {**no_csrf, "X-CSRF-Token": "x" * 43}
    assert anonymous.post("/api/tickets", json=body, headers=wrong).status_code == 403
    assert anonymous.post("/api/tickets", json=body, headers=h).status_code == 201
    # Reads need no CSRF token.
    assert anonymous.get("/api/tickets", headers=no_csrf).status_code == 200


def test_sign_in_renews_the_session_and_sign_out_ends_it(anonymous: TestClient, carol: str) -> None:
    first = sign_in(anonymous, carol)
    second = sign_in(anonymous, carol)  # the client still sends the first cookie
    anonymous.cookies.clear()
    assert first["Cookie"] != second["Cookie"]
    assert anonymous.get("/api/session", headers=first).status_code == 401
    assert anonymous.delete("/api/session", headers=second).status_code == 204
    assert anonymous.get("/api/session", headers=second).status_code == 401


def test_no_user_enumeration(anonymous: TestClient, carol: str, desk: Desk) -> None:
    svc.do_add_user(desk.store, kind="customer", email="linky@example.com", now=desk.clock.now())
    answers = []
    timings = []
    for email, password in (
        ("nobody@example.com", PASSWORD),  # unknown
        (carol, "wrong password entirely"),  # wrong password
        ("linky@example.com", PASSWORD),  # no password set
    ):
        start = time.perf_counter()
        r = anonymous.post("/api/session", json={"email": email, "password": password})
        timings.append(time.perf_counter() - start)
        answers.append((r.status_code, r.json()))
    assert len({str(a) for a in answers}) == 1 and answers[0][0] == 401
    # The same argon2 work either way: none is more than 3x another.
    assert max(timings) < 3 * min(timings) + 0.05, timings
    links = [
        anonymous.post(path, json={"email": email})
        for path in ("/api/magic-links", "/api/password-resets")
        for email in ("nobody@example.com", carol)
    ]
    assert {(r.status_code, r.text) for r in links[:2]} == {(202, links[0].text)}
    assert {(r.status_code, r.text) for r in links[2:]} == {(202, links[2].text)}


def test_login_throttling_answers_429_with_retry_after(
    anonymous: TestClient, carol: str, desk: Desk, clock: FakeClock
) -> None:
    for _ in range(desk.settings.login_max_failures):
        assert (
            anonymous.post("/api/session", json={"email": carol, "password": "x" * 12}).status_code
            == 401
        )
    r = anonymous.post("/api/session", json={"email": carol, "password": PASSWORD})
    assert r.status_code == 429 and r.json()["code"] == "rate_limited"
    assert int(r.headers["retry-after"]) > 0
    clock.advance(seconds=desk.settings.login_window_seconds + 1)
    sign_in(anonymous, carol)


def test_magic_link_is_single_use_and_short_lived(
    anonymous: TestClient, desk: Desk, actors: Actors, clock: FakeClock
) -> None:
    anonymous.post("/api/magic-links", json={"email": "ann@example.com"})
    token = last_link_token(desk, "ann@example.com")
    assert len(token) >= 43  # 256 bits, URL-safe base64
    r = anonymous.post("/api/magic-links/redeem", json={"token": token})
    assert r.status_code == 200 and r.json()["handle"] == "ann@example.com"
    again = anonymous.post("/api/magic-links/redeem", json={"token": token})
    assert again.status_code == 401
    anonymous.post("/api/magic-links", json={"email": "ann@example.com"})
    late = last_link_token(desk, "ann@example.com")
    clock.advance(minutes=desk.settings.link_minutes + 1)
    assert anonymous.post("/api/magic-links/redeem", json={"token": late}).status_code == 401
    # Agents sign in with passwords: no sign-in link is mailed to them.
    anonymous.post("/api/magic-links", json={"email": "bo@desk.test"})
    with pytest.raises(NoResultFound):
        last_link_token(desk, "bo@desk.test")


def test_password_reset_sets_password_and_ends_sessions(
    anonymous: TestClient, carol: str, desk: Desk
) -> None:
    old = sign_in(anonymous, carol)
    anonymous.cookies.clear()
    anonymous.post("/api/password-resets", json={"email": carol})
    token = last_link_token(desk, carol)
    new = "a brand new long passphrase"
    r = anonymous.post("/api/password-resets/redeem", json={"token": token, "password": new})
    assert r.status_code == 204
    assert anonymous.get("/api/session", headers=old).status_code == 401
    sign_in(anonymous, carol, new)


def test_disabling_a_user_ends_sessions_and_tokens(
    anonymous: TestClient, actors: Actors, desk: Desk
) -> None:
    assert anonymous.get("/api/session", headers=actors["customer_a"]).status_code == 200
    assert anonymous.get("/api/session", headers=actors["agent_net"]).status_code == 200
    svc.do_disable_user(desk.store, "ann@example.com", desk.clock.now())
    svc.do_disable_user(desk.store, "nico", desk.clock.now())
    assert anonymous.get("/api/session", headers=actors["customer_a"]).status_code == 401
    assert anonymous.get("/api/session", headers=actors["agent_net"]).status_code == 401


def test_tokens_are_stored_hashed_and_revocable(
    anonymous: TestClient, desk: Desk, actors: Actors
) -> None:
    token, token_id = svc.do_create_token(desk.store, "bo", "ci", desk.clock.now())
    from sqlalchemy import text

    with desk.engine.connect() as conn:
        stored = [r[0] for r in conn.execute(text("SELECT token_hash FROM api_tokens"))]
    assert token not in stored and svc.secret_hash(token) in stored
    h = {"Authorization": f"Bearer {token}"}
    assert anonymous.get("/api/session", headers=h).json()["handle"] == "bo"
    svc.do_revoke_token(desk.store, token_id, desk.clock.now())
    r = anonymous.get("/api/session", headers=h)
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    for bad in ("Basic Ym86eA==", "Bearer", "Bearer pd_nope"):
        assert anonymous.get("/api/tickets", headers={"Authorization": bad}).status_code == 401


def test_the_last_admin_cannot_be_disabled(desk: Desk, actors: Actors) -> None:
    from promisedesk.domain.errors import Conflict

    with pytest.raises(Conflict):
        svc.do_disable_user(desk.store, "admin", desk.clock.now())
