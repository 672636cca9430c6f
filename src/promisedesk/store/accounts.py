"""Users, API tokens, sessions, one-time links and sign-in failures (SQLAlchemy Core).

Every function works inside a transaction the caller holds (``conn``). Secrets are
passed in already hashed: this module never sees a token or a password.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, func, insert, select, update

from promisedesk.domain.accounts import Kind, Role, User, check_tier
from promisedesk.domain.errors import Conflict
from promisedesk.store.raw import RawRead
from promisedesk.store.tables import (
    api_tokens,
    auth_failures,
    one_time_links,
    outbox,
    sessions,
    users,
)
from promisedesk.store.tickets import TicketStore

#: The columns ``_user`` reads (no password hash, no instants to convert).
_USER_COLUMNS = (
    users.c.id,
    users.c.kind,
    users.c.email,
    users.c.handle,
    users.c.name,
    users.c.active,
    users.c.role,
    users.c.team,
    users.c.tier,
    users.c.organisation,
)


def _user(row: Any) -> User:
    kind: Kind = "agent" if row.kind == "agent" else "customer"
    return User(
        id=row.id,
        kind=kind,
        email=row.email,
        handle=row.handle,
        name=row.name,
        active=bool(row.active),
        role=Role(row.role) if row.role else None,
        team=row.team,
        tier=check_tier(row.tier),
        organisation=row.organisation,
    )


@dataclass(frozen=True)
class Credentials:
    """A user with their password hash (``None``: no password set)."""

    user: User
    password_hash: str | None


@dataclass(frozen=True)
class TokenRow:
    """An API token as listed: never the token itself."""

    id: int
    handle: str
    label: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


# -- users -----------------------------------------------------------------------
def insert_user(conn: Connection, **values: Any) -> User:
    """Store a new user; ``Conflict`` if the address or the handle is taken."""
    taken = conn.execute(
        select(users.c.email, users.c.handle).where(
            (users.c.email == values["email"]) | (users.c.handle == values["handle"])
        )
    ).first()
    if taken is not None:
        what = "address" if taken.email == values["email"] else "handle"
        raise Conflict(
            f"A user with the {what} {values[what if what == 'handle' else 'email']!r} "
            "exists already; pick another, or disable the old one first.",
            {"field": "email" if what == "address" else "handle"},
        )
    new_id = conn.execute(insert(users).values(**values).returning(users.c.id)).scalar_one()
    row = conn.execute(select(users).where(users.c.id == new_id)).one()
    return _user(row)


def credentials_by_email(conn: Connection, email: str) -> Credentials | None:
    """The user with this (normalised) address and their password hash."""
    row = conn.execute(select(users).where(users.c.email == email)).first()
    return None if row is None else Credentials(_user(row), row.password_hash)


def user_by_id(conn: Connection, user_id: int) -> User | None:
    """The user with this id."""
    row = conn.execute(select(users).where(users.c.id == user_id)).first()
    return None if row is None else _user(row)


def user_by_handle(conn: Connection, handle: str) -> User | None:
    """The user with this handle (an agent's handle or a customer's address)."""
    row = conn.execute(select(users).where(users.c.handle == handle)).first()
    return None if row is None else _user(row)


def list_users(conn: Connection, kind: str | None = None) -> list[User]:
    """Users, agents first, then by handle."""
    q = select(users).order_by(users.c.kind, users.c.handle)
    if kind is not None:
        q = q.where(users.c.kind == kind)
    return [_user(r) for r in conn.execute(q)]


def active_agents(conn: Connection, *, team: str | None, roles: Sequence[str]) -> list[User]:
    """Active agents with one of ``roles``, of ``team`` when one is given."""
    q = select(users).where(
        and_(users.c.kind == "agent", users.c.active, users.c.role.in_(list(roles)))
    )
    if team is not None:
        q = q.where(users.c.team == team)
    return [_user(r) for r in conn.execute(q.order_by(users.c.handle))]


def count_admins(conn: Connection) -> int:
    """Active admins."""
    q = select(func.count()).where(and_(users.c.role == Role.admin.value, users.c.active))
    return int(conn.execute(q).scalar_one())


def update_user(conn: Connection, user_id: int, **values: Any) -> None:
    """Change stored fields of a user."""
    conn.execute(update(users).where(users.c.id == user_id).values(**values))


def organisation_of(conn: Connection, email: str) -> str | None:
    """The organisation of the customer with this address, if any."""
    q = select(users.c.organisation).where(and_(users.c.email == email, users.c.kind == "customer"))
    return conn.execute(q).scalar()


# -- API tokens ------------------------------------------------------------------
def insert_token(conn: Connection, **values: Any) -> int:
    """Store a token's hash; returns its id."""
    return int(
        conn.execute(insert(api_tokens).values(**values).returning(api_tokens.c.id)).scalar_one()
    )


# Built once: this runs on every API request, and building it per call (joins,
# labels, comparisons, cache key) cost more than the query itself.
_USER_OF_TOKEN = (
    select(
        *_USER_COLUMNS, api_tokens.c.id.label("token_id"), api_tokens.c.last_used_at.label("used")
    )
    .join(api_tokens, api_tokens.c.user_id == users.c.id)
    .where(
        and_(
            api_tokens.c.token_hash == bindparam("token_hash"),
            api_tokens.c.revoked_at.is_(None),
            users.c.active,
        )
    )
)


_USER_OF_TOKEN_RAW = RawRead(_USER_OF_TOKEN)


def user_of_token(store: TicketStore, token_hash: str) -> tuple[User, int, datetime | None] | None:
    """The active user holding this unrevoked token, the token's id and last use.

    One statement, outside any transaction, on the driver itself (``RawRead``): every
    API request asks it.
    """
    found = _USER_OF_TOKEN_RAW.first(store.engine, {"token_hash": token_hash})
    if found is None:
        return None
    row: Any = SimpleNamespace(**found)
    return (_user(row), int(row.token_id), row.used)


def touch_token(conn: Connection, token_id: int, at: datetime) -> None:
    """Record when a token was last used."""
    conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=at))


def list_tokens(conn: Connection, user_id: int | None = None) -> list[TokenRow]:
    """Tokens, newest first, with their holder's handle."""
    q = (
        select(api_tokens, users.c.handle)
        .join(users, users.c.id == api_tokens.c.user_id)
        .order_by(api_tokens.c.id.desc())
    )
    if user_id is not None:
        q = q.where(api_tokens.c.user_id == user_id)
    return [
        TokenRow(r.id, r.handle, r.label, r.prefix, r.created_at, r.last_used_at, r.revoked_at)
        for r in conn.execute(q)
    ]


def revoke_token(conn: Connection, token_id: int, at: datetime) -> bool:
    """Revoke a token; ``False`` if there is no such unrevoked token."""
    result = conn.execute(
        update(api_tokens)
        .where(and_(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None)))
        .values(revoked_at=at)
    )
    return result.rowcount == 1


# -- sessions --------------------------------------------------------------------
def insert_session(conn: Connection, **values: Any) -> None:
    """Store a session (its id's hash)."""
    conn.execute(insert(sessions).values(**values))


_USER_OF_SESSION = (
    select(*_USER_COLUMNS, sessions.c.csrf_token)
    .join(sessions, sessions.c.user_id == users.c.id)
    .where(
        and_(
            sessions.c.token_hash == bindparam("token_hash"),
            sessions.c.ended_at.is_(None),
            sessions.c.expires_at > bindparam("now", type_=sessions.c.expires_at.type),
            users.c.active,
        )
    )
)


def user_of_session(conn: Connection, token_hash: str, now: datetime) -> tuple[User, str] | None:
    """The active user of a live session, with the session's CSRF token."""
    row = conn.execute(_USER_OF_SESSION, {"token_hash": token_hash, "now": now}).first()
    return None if row is None else (_user(row), str(row.csrf_token))


def end_session(conn: Connection, token_hash: str, at: datetime) -> None:
    """End one session."""
    conn.execute(
        update(sessions)
        .where(and_(sessions.c.token_hash == token_hash, sessions.c.ended_at.is_(None)))
        .values(ended_at=at)
    )


def end_sessions_of(conn: Connection, user_id: int, at: datetime) -> int:
    """End every live session of a user; returns how many."""
    result = conn.execute(
        update(sessions)
        .where(and_(sessions.c.user_id == user_id, sessions.c.ended_at.is_(None)))
        .values(ended_at=at)
    )
    return int(result.rowcount)


# -- one-time links --------------------------------------------------------------
def insert_link(conn: Connection, **values: Any) -> None:
    """Store a one-time link (its token's hash)."""
    conn.execute(insert(one_time_links).values(**values))


def take_link(conn: Connection, token_hash: str, purpose: str, now: datetime) -> int | None:
    """Use a live link once: the user id, or ``None`` if unknown, used or expired."""
    row = conn.execute(
        select(one_time_links.c.id, one_time_links.c.user_id).where(
            and_(
                one_time_links.c.token_hash == token_hash,
                one_time_links.c.purpose == purpose,
                one_time_links.c.used_at.is_(None),
                one_time_links.c.expires_at > now,
            )
        )
    ).first()
    if row is None:
        return None
    # The guard on used_at makes a race between two redemptions pick one winner.
    result = conn.execute(
        update(one_time_links)
        .where(and_(one_time_links.c.id == row.id, one_time_links.c.used_at.is_(None)))
        .values(used_at=now)
    )
    return int(row.user_id) if result.rowcount == 1 else None


def enqueue_mail(conn: Connection, **values: Any) -> None:
    """Write a message to the outbox (sent by the outbox sender)."""
    conn.execute(insert(outbox).values(ticket_ref="", commitment_id=None, **values))


# -- sign-in failures ------------------------------------------------------------
def record_failure(conn: Connection, key: str, at: datetime) -> None:
    """Count a failed sign-in against ``key``."""
    conn.execute(insert(auth_failures).values(key=key, at=at))


def failures_since(conn: Connection, key: str, since: datetime) -> tuple[int, datetime | None]:
    """How many failures ``key`` had after ``since``, and the oldest of them."""
    row = conn.execute(
        select(func.count(), func.min(auth_failures.c.at)).where(
            and_(auth_failures.c.key == key, auth_failures.c.at > since)
        )
    ).one()
    return int(row[0]), row[1]


def clear_failures(conn: Connection, key: str, before: datetime) -> None:
    """Forget ``key``'s failures (after a success), and everyone's older than ``before``."""
    conn.execute(
        delete(auth_failures).where((auth_failures.c.key == key) | (auth_failures.c.at < before))
    )
