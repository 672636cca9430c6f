"""Use cases on accounts: add and disable people, API tokens, signing in and out.

Secrets: passwords are hashed with argon2id; API tokens, session ids and one-time
links are 256 random bits, shown once and stored only as their SHA-256 (a fast hash
is right for high-entropy secrets; argon2 is for what people choose).

Signing in never tells whether an address is known: an unknown address, a disabled
user, a user without a password and a wrong password get the same answer after the
same argon2 work (a dummy hash is verified when there is no real one).
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection

from promisedesk.config import Settings
from promisedesk.domain.accounts import (
    Kind,
    Principal,
    Role,
    User,
    check_email,
    check_handle,
    check_password,
    check_tier,
    normalise_email,
)
from promisedesk.domain.errors import Conflict, InvalidInput, NotFound, RateLimited, Unauthorized
from promisedesk.store import accounts as rows
from promisedesk.store.tickets import TicketStore

TOKEN_PREFIX = "pd_"
#: A token's last use is written at most this often (reads stay read-only).
TOUCH_EVERY = timedelta(hours=1)
LinkPurpose = Literal["sign_in", "reset"]


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id, the library's (RFC 9106 low-memory) defaults


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Verified when there is no real hash, so every failed sign-in costs the same.
    return _hasher().hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; the same work is done when there is no hash."""
    try:
        return _hasher().verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_secret() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def secret_hash(secret: str) -> str:
    """What is stored of a random secret: its SHA-256, hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


# -- people ----------------------------------------------------------------------
def do_add_user(
    store: TicketStore,
    *,
    kind: Kind,
    email: str,
    now: datetime,
    name: str = "",
    handle: str | None = None,
    role: Role | None = None,
    team: str | None = None,
    tier: str | None = None,
    organisation: str | None = None,
    password: str | None = None,
) -> User:
    """Add an agent (handle, role, team, tier) or a customer (organisation)."""
    address = check_email(email)
    if kind == "agent":
        name_in_events = check_handle(handle or address.split("@")[0])
        role = role or Role.agent
        if organisation:
            raise InvalidInput("Agents belong to teams, not organisations.", {"field": "org"})
    else:
        name_in_events = address
        if role or team or tier:
            raise InvalidInput(
                "Customers have no role, team or tier; give an organisation if any.",
                {"field": "role"},
            )
    if password is not None:
        check_password(password)
    with store.writing() as tx:
        return rows.insert_user(
            tx.conn,
            kind=kind,
            email=address,
            handle=name_in_events,
            name=(name or name_in_events)[:200],
            role=role.value if role else None,
            team=team or None,
            tier=check_tier(tier),
            organisation=organisation or None,
            password_hash=hash_password(password) if password is not None else None,
            active=True,
            created_at=now,
        )


def list_users(store: TicketStore, kind: Kind | None = None) -> list[User]:
    """Every user (or every agent, or every customer)."""
    with store.reading() as tx:
        return rows.list_users(tx.conn, kind)


def _find(tx_conn: Connection, who: str) -> User:
    user = rows.user_by_handle(tx_conn, who) or rows.user_by_handle(tx_conn, normalise_email(who))
    if user is None:
        creds = rows.credentials_by_email(tx_conn, normalise_email(who))
        user = creds.user if creds else None
    if user is None:
        raise NotFound(
            f"No user has the handle or address {who!r}; list them with `promisedesk users list`.",
            {"user": who},
        )
    return user


def do_disable_user(store: TicketStore, who: str, now: datetime) -> User:
    """Disable a user: their sessions end now and their tokens stop working."""
    with store.writing() as tx:
        user = _find(tx.conn, who)
        if user.role is Role.admin and user.active and rows.count_admins(tx.conn) <= 1:
            raise Conflict(
                f"{user.handle} is the last active admin; make another admin first.",
                {"user": user.handle},
            )
        rows.update_user(tx.conn, user.id, active=False, disabled_at=now)
        rows.end_sessions_of(tx.conn, user.id, now)
        return rows.user_by_id(tx.conn, user.id) or user


def do_set_password(store: TicketStore, who: str, password: str, now: datetime) -> User:
    """Set a user's password; their other sessions end."""
    check_password(password)
    hashed = hash_password(password)
    with store.writing() as tx:
        user = _find(tx.conn, who)
        rows.update_user(tx.conn, user.id, password_hash=hashed)
        rows.end_sessions_of(tx.conn, user.id, now)
        return user


# -- API tokens ------------------------------------------------------------------
def do_create_token(store: TicketStore, who: str, label: str, now: datetime) -> tuple[str, int]:
    """A new API token for an agent: the token (shown once) and its id."""
    token = TOKEN_PREFIX + new_secret()
    with store.writing() as tx:
        user = _find(tx.conn, who)
        if user.kind != "agent" or not user.active:
            raise InvalidInput(
                f"{user.handle} is not an active agent; API tokens are for agents.",
                {"field": "user"},
            )
        token_id = rows.insert_token(
            tx.conn,
            user_id=user.id,
            label=label[:200],
            token_hash=secret_hash(token),
            prefix=token[:10],
            created_at=now,
        )
    return token, token_id


def list_tokens(store: TicketStore, who: str | None = None) -> list[rows.TokenRow]:
    """Tokens (never their values), newest first; of one user when ``who`` is given."""
    with store.reading() as tx:
        user_id = _find(tx.conn, who).id if who else None
        return rows.list_tokens(tx.conn, user_id)


def do_revoke_token(store: TicketStore, token_id: int, now: datetime) -> None:
    """Revoke a token at once."""
    with store.writing() as tx:
        if not rows.revoke_token(tx.conn, token_id, now):
            raise NotFound(
                f"No live token has the id {token_id}; list them with `promisedesk tokens list`.",
                {"token": token_id},
            )


def authenticate_token(store: TicketStore, token: str, now: datetime) -> Principal | None:
    """The principal a bearer token stands for, or ``None``."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    found = rows.user_of_token(store, secret_hash(token))
    if found is None:
        return None
    user, token_id, last_used = found
    if last_used is None or now - last_used > TOUCH_EVERY:
        with store.writing() as tx:
            rows.touch_token(tx.conn, token_id, now)
    return Principal.of(user)


# -- sessions --------------------------------------------------------------------
@dataclass(frozen=True)
class SessionStarted:
    """A new session: the cookie value (shown once), its CSRF token and its end."""

    token: str
    csrf_token: str
    expires_at: datetime
    user: User


def _start_session(
    conn: Connection, user: User, settings: Settings, now: datetime
) -> SessionStarted:
    token, csrf = new_secret(), new_secret()
    expires = now + timedelta(seconds=settings.session_seconds)
    rows.insert_session(
        conn,
        user_id=user.id,
        token_hash=secret_hash(token),
        csrf_token=csrf,
        created_at=now,
        expires_at=expires,
    )
    return SessionStarted(token, csrf, expires, user)


def authenticate_session(
    store: TicketStore, token: str, now: datetime
) -> tuple[Principal, str] | None:
    """The principal of a live session cookie and the session's CSRF token."""
    if len(token) > 200:
        return None
    with store.single_read() as tx:  # one statement: no BEGIN/COMMIT needed
        found = rows.user_of_session(tx.conn, secret_hash(token), now)
    return None if found is None else (Principal.of(found[0]), found[1])


def _throttle(
    conn: Connection, keys: list[tuple[str, int]], settings: Settings, now: datetime
) -> None:
    window = timedelta(seconds=settings.login_window_seconds)
    for key, limit in keys:
        count, oldest = rows.failures_since(conn, key, now - window)
        if count >= limit and oldest is not None:
            wait = max(1, math.ceil((oldest + window - now).total_seconds()))
            raise RateLimited(f"Too many attempts; wait {wait} seconds before trying again.", wait)


WRONG = "The address or the password is not right; check both and try again."


def do_sign_in(
    store: TicketStore,
    settings: Settings,
    *,
    email: str,
    password: str,
    client: str,
    now: datetime,
    replaces: str | None = None,
) -> SessionStarted:
    """Check a password and start a session; throttled per address and per client.

    ``replaces`` (the caller's old session cookie) is ended: a session is renewed at
    every sign-in.
    """
    address = normalise_email(email)
    keys = [
        (f"account:{address}", settings.login_max_failures),
        (f"client:{client}", settings.login_max_failures * 4),
    ]
    with store.reading() as tx:
        _throttle(tx.conn, keys, settings, now)
        creds = rows.credentials_by_email(tx.conn, address)
    good = verify_password(creds.password_hash if creds else None, password)
    if not (good and creds is not None and creds.user.active):
        with store.writing() as tx:
            for key, _ in keys:
                rows.record_failure(tx.conn, key, now)
        raise Unauthorized(WRONG)
    with store.writing() as tx:
        rows.clear_failures(
            tx.conn, keys[0][0], now - timedelta(seconds=settings.login_window_seconds)
        )
        if replaces:
            rows.end_session(tx.conn, secret_hash(replaces), now)
        return _start_session(tx.conn, creds.user, settings, now)


def do_sign_out(store: TicketStore, token: str, now: datetime) -> None:
    """End the session with this cookie value."""
    with store.writing() as tx:
        rows.end_session(tx.conn, secret_hash(token), now)


# -- one-time links: customers' sign-in links and password resets ---------------
LINK_MAIL = {
    "sign_in": (
        "Your sign-in link",
        "Someone (we hope you) asked to sign in to {desk}.\n\n"
        "Open this link within {minutes} minutes to sign in; it works once:\n\n{url}\n\n"
        "If it was not you, ignore this message: nothing changes.\n",
    ),
    "reset": (
        "Set a new password",
        "Someone (we hope you) asked to set a new password for {desk}.\n\n"
        "Open this link within {minutes} minutes to choose one; it works once:\n\n{url}\n\n"
        "If it was not you, ignore this message: your password stays as it is.\n",
    ),
}


def do_request_link(
    store: TicketStore,
    settings: Settings,
    *,
    email: str,
    purpose: LinkPurpose,
    client: str,
    desk_name: str,
    now: datetime,
) -> None:
    """Mail a one-time link if the address belongs to someone who may use one.

    The caller answers the same way whatever happens here. Sign-in links are for
    customers; password resets for everyone. Requests are throttled per address.
    """
    address = normalise_email(email)
    keys = [
        (f"link:{address}", settings.login_max_failures),
        (f"link-client:{client}", settings.login_max_failures * 4),
    ]
    with store.writing() as tx:
        _throttle(tx.conn, keys, settings, now)
        for key, _ in keys:
            rows.record_failure(tx.conn, key, now)
        creds = rows.credentials_by_email(tx.conn, address)
        token = new_secret()
        digest = secret_hash(token)  # done either way: similar work for unknown addresses
        if creds is None or not creds.user.active:
            return
        if purpose == "sign_in" and creds.user.kind != "customer":
            return
        minutes = settings.link_minutes
        rows.insert_link(
            tx.conn,
            user_id=creds.user.id,
            purpose=purpose,
            token_hash=digest,
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
        )
        path = "sign-in/link" if purpose == "sign_in" else "password/reset"
        url = f"{settings.base_url.rstrip('/')}/{path}#token={token}"
        subject, body = LINK_MAIL[purpose]
        rows.enqueue_mail(
            tx.conn,
            dedupe_key=f"{purpose}:{digest[:32]}",
            kind=f"{purpose}_link",
            recipient=creds.user.email,
            subject=subject,
            body=body.format(desk=desk_name, minutes=minutes, url=url),
            created_at=now,
        )


LINK_REFUSED = (
    "This link does not work: it was used already, it expired, or it was mistyped. "
    "Ask for a new one."
)


def do_redeem_sign_in_link(
    store: TicketStore, settings: Settings, token: str, now: datetime
) -> SessionStarted:
    """Start a customer's session from a sign-in link; the link works once."""
    with store.writing() as tx:
        user_id = rows.take_link(tx.conn, secret_hash(token), "sign_in", now)
        user = rows.user_by_id(tx.conn, user_id) if user_id is not None else None
        if user is None or not user.active:
            raise Unauthorized(LINK_REFUSED)
        return _start_session(tx.conn, user, settings, now)


def do_redeem_reset_link(store: TicketStore, token: str, password: str, now: datetime) -> None:
    """Set a new password from a reset link; every session of the user ends."""
    check_password(password)
    hashed = hash_password(password)
    with store.writing() as tx:
        user_id = rows.take_link(tx.conn, secret_hash(token), "reset", now)
        user = rows.user_by_id(tx.conn, user_id) if user_id is not None else None
        if user is None or not user.active:
            raise Unauthorized(LINK_REFUSED)
        rows.update_user(tx.conn, user.id, password_hash=hashed)
        rows.end_sessions_of(tx.conn, user.id, now)
