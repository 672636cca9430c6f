"""``promisedesk users`` and ``promisedesk tokens``: people and API tokens.

Mounted by ``cli.py``; ``create_first_admin`` is what ``promisedesk init`` calls.
Secrets (a generated password, a token) are printed once and never stored in the
clear.
"""

from __future__ import annotations

import json
import secrets
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from promisedesk.bootstrap import Desk, build
from promisedesk.config import Settings
from promisedesk.domain.accounts import Kind, Role
from promisedesk.domain.errors import PromisedeskError
from promisedesk.services import accounts as svc

users_app = typer.Typer(help="Agents and customers who can sign in.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens for agents.", no_args_is_help=True)

out = Console()
err = Console(stderr=True)

DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="PROMISEDESK_DATABASE_URL",
        help="SQLAlchemy URL. Default: sqlite:///promisedesk.db in the working directory.",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _desk(database_url: str | None) -> Desk:
    return build(Settings(database_url=database_url) if database_url else Settings())


def _fail(exc: PromisedeskError) -> typer.Exit:
    err.print(f"error: {exc.message}", markup=False, highlight=False)
    return typer.Exit(1)


def generated_password() -> str:
    """A password to hand out once: 20 URL-safe characters (120 bits)."""
    return secrets.token_urlsafe(15)


def create_first_admin(desk: Desk, email: str, handle: str | None = None) -> str:
    """Make the first admin (an agent) with a one-time password; say how to sign in.

    If an admin exists already, nothing changes and the answer says so.
    """
    if any(u.role is Role.admin and u.active for u in svc.list_users(desk.store, "agent")):
        return "An admin exists already; sign in as them (promisedesk users list)."
    password = generated_password()
    user = svc.do_add_user(
        desk.store,
        kind="agent",
        email=email,
        handle=handle,
        role=Role.admin,
        password=password,
        now=desk.clock.now(),
    )
    return (
        f"Admin {user.handle} <{user.email}> created with the password {password}\n"
        "It is shown only now. Sign in with POST /api/session, then choose your own "
        "password (POST /api/password-resets), or make an API token with "
        f"`promisedesk tokens create {user.handle}`."
    )


@users_app.command("add")
def users_add(
    email: Annotated[str, typer.Argument(help="The person's email address.")],
    kind: Annotated[str, typer.Option(help="agent or customer.")] = "customer",
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    handle: Annotated[
        str | None, typer.Option(help="Agents: the name in event actors (default: from email).")
    ] = None,
    role: Annotated[str | None, typer.Option(help="Agents: agent, lead or admin.")] = None,
    team: Annotated[str | None, typer.Option(help="Agents: their team.")] = None,
    tier: Annotated[str | None, typer.Option(help="Agents: L1, L2 or L3.")] = None,
    organisation: Annotated[str | None, typer.Option(help="Customers: their organisation.")] = None,
    password: Annotated[
        bool, typer.Option("--password/--no-password", help="Generate a password to hand out.")
    ] = True,
    database_url: DatabaseOpt = None,
) -> None:
    """Add an agent or a customer; a generated password is printed once."""
    if kind not in ("agent", "customer"):
        err.print("error: --kind must be agent or customer")
        raise typer.Exit(2)
    if role is not None and role not in {r.value for r in Role}:
        err.print("error: --role must be agent, lead or admin")
        raise typer.Exit(2)
    the_kind: Kind = "agent" if kind == "agent" else "customer"
    secret = generated_password() if password else None
    desk = _desk(database_url)
    try:
        user = svc.do_add_user(
            desk.store,
            kind=the_kind,
            email=email,
            name=name,
            handle=handle,
            role=Role(role) if role else None,
            team=team,
            tier=tier,
            organisation=organisation,
            password=secret,
            now=desk.clock.now(),
        )
    except PromisedeskError as exc:
        raise _fail(exc) from None
    finally:
        desk.close()
    out.print(f"Added {user.kind} {user.actor} <{user.email}>", markup=False)
    if secret:
        out.print(f"Password (shown once): {secret}", markup=False)


@users_app.command("list")
def users_list(
    kind: Annotated[str | None, typer.Option(help="Only agents or only customers.")] = None,
    as_json: JsonOpt = False,
    database_url: DatabaseOpt = None,
) -> None:
    """Every user: actor, address, role, team, tier, organisation, active."""
    desk = _desk(database_url)
    try:
        the_kind: Kind | None = (
            None if kind is None else ("agent" if kind == "agent" else "customer")
        )
        users = svc.list_users(desk.store, the_kind)
    finally:
        desk.close()
    rows = [
        {
            "actor": u.actor,
            "email": u.email,
            "name": u.name,
            "role": u.role.value if u.role else None,
            "team": u.team,
            "tier": u.tier,
            "organisation": u.organisation,
            "active": u.active,
        }
        for u in users
    ]
    if as_json:
        out.print_json(json.dumps(rows))
        return
    table = Table("actor", "email", "role", "team", "tier", "organisation", "active")
    for r in rows:
        table.add_row(*(("" if r[k] is None else str(r[k])) for k in table_columns(table)))
    out.print(table)


def table_columns(table: Table) -> list[str]:
    """The column headers of a table, as row keys."""
    return [str(c.header) for c in table.columns]


@users_app.command("disable")
def users_disable(
    who: Annotated[str, typer.Argument(help="Handle or email address.")],
    database_url: DatabaseOpt = None,
) -> None:
    """Disable a user: sessions end now, tokens stop working, history stays."""
    desk = _desk(database_url)
    try:
        user = svc.do_disable_user(desk.store, who, desk.clock.now())
    except PromisedeskError as exc:
        raise _fail(exc) from None
    finally:
        desk.close()
    out.print(f"Disabled {user.actor}; their sessions are ended.", markup=False)


@tokens_app.command("create")
def tokens_create(
    who: Annotated[str, typer.Argument(help="The agent's handle or address.")],
    label: Annotated[str, typer.Option(help="What the token is for.")] = "api",
    database_url: DatabaseOpt = None,
) -> None:
    """Create an API token for an agent; it is printed once (alone on stdout)."""
    desk = _desk(database_url)
    try:
        token, token_id = svc.do_create_token(desk.store, who, label, desk.clock.now())
    except PromisedeskError as exc:
        raise _fail(exc) from None
    finally:
        desk.close()
    err.print(f"Token {token_id} for {who} (shown once; send as 'Authorization: Bearer ...'):")
    print(token)


@tokens_app.command("list")
def tokens_list(
    who: Annotated[str | None, typer.Argument(help="Only this agent's tokens.")] = None,
    as_json: JsonOpt = False,
    database_url: DatabaseOpt = None,
) -> None:
    """Tokens: id, holder, label, prefix, created, last used, revoked (never the token)."""
    desk = _desk(database_url)
    try:
        tokens = svc.list_tokens(desk.store, who)
    except PromisedeskError as exc:
        raise _fail(exc) from None
    finally:
        desk.close()
    rows = [
        {
            "id": t.id,
            "user": t.handle,
            "label": t.label,
            "prefix": t.prefix,
            "created_at": t.created_at.isoformat(),
            "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
            "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
        }
        for t in tokens
    ]
    if as_json:
        out.print_json(json.dumps(rows))
        return
    table = Table("id", "user", "label", "prefix", "created_at", "last_used_at", "revoked_at")
    for r in rows:
        table.add_row(*(("" if r[k] is None else str(r[k])) for k in table_columns(table)))
    out.print(table)


@tokens_app.command("revoke")
def tokens_revoke(
    token_id: Annotated[int, typer.Argument(help="The token's id (from tokens list).")],
    database_url: DatabaseOpt = None,
) -> None:
    """Revoke a token; it stops working at once."""
    desk = _desk(database_url)
    try:
        svc.do_revoke_token(desk.store, token_id, desk.clock.now())
    except PromisedeskError as exc:
        raise _fail(exc) from None
    finally:
        desk.close()
    out.print(f"Revoked token {token_id}.")


def demo_accounts(desk: Desk) -> list[str]:
    """Demo people with tokens and passwords (for ``promisedesk demo``); lines to print."""
    now = desk.clock.now()
    lines = []
    people: list[tuple[Kind, str, dict[str, object]]] = [
        ("agent", "admin@desk.example", {"handle": "admin", "role": Role.admin}),
        ("agent", "amira@desk.example", {"handle": "amira", "team": "service-desk"}),
        ("agent", "dana@desk.example", {"handle": "dana", "team": "network", "tier": "L2"}),
        ("customer", "priya.shah@northwind.example", {"organisation": "Northwind"}),
    ]
    for kind, email, extra in people:
        password = generated_password()
        user = svc.do_add_user(
            desk.store,
            kind=kind,
            email=email,
            password=password,
            now=now,
            **extra,  # type: ignore[arg-type]
        )
        line = f"{user.actor:<40} password {password}"
        if kind == "agent":
            token, _ = svc.do_create_token(desk.store, user.handle, "demo", now)
            line += f"  token {token}"
        lines.append(line)
    return lines
