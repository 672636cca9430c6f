"""promisedesk users / tokens (the Typer sub-apps) and the first admin."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from promisedesk.bootstrap import build
from promisedesk.cli_accounts import create_first_admin, tokens_app, users_app
from promisedesk.config import Settings
from promisedesk.services import accounts as svc


def test_users_and_tokens_commands(db_url: str, tmp_path: Path) -> None:
    run = CliRunner()
    db = ["--database-url", db_url]
    r = run.invoke(
        users_app, ["add", "amira@desk.example", "--kind", "agent", "--team", "desk", *db]
    )
    assert r.exit_code == 0, r.output
    assert "agent:amira" in r.output and "Password (shown once)" in r.output
    r = run.invoke(
        users_app, ["add", "ann@example.com", "--organisation", "Acme", "--no-password", *db]
    )
    assert r.exit_code == 0, r.output
    again = run.invoke(users_app, ["add", "ANN@example.com", *db])
    assert again.exit_code == 1
    listed = json.loads(run.invoke(users_app, ["list", "--json", *db]).output)
    assert [u["actor"] for u in listed] == ["agent:amira", "customer:ann@example.com"]
    made = run.invoke(tokens_app, ["create", "amira", "--label", "ci", *db])
    assert made.exit_code == 0, made.output
    token = made.stdout.strip().splitlines()[-1]
    assert token.startswith("pd_")
    tokens = json.loads(run.invoke(tokens_app, ["list", "--json", *db]).output)
    assert tokens[0]["user"] == "amira" and token not in json.dumps(tokens)
    desk = build(Settings(database_url=db_url, config_path=tmp_path / "none.toml"))
    try:
        assert svc.authenticate_token(desk.store, token, desk.clock.now()) is not None
        assert run.invoke(tokens_app, ["revoke", str(tokens[0]["id"]), *db]).exit_code == 0
        assert svc.authenticate_token(desk.store, token, desk.clock.now()) is None
        assert run.invoke(users_app, ["disable", "ann@example.com", *db]).exit_code == 0
        assert not [u for u in svc.list_users(desk.store, "customer") if u.active]
        assert run.invoke(tokens_app, ["create", "ann@example.com", *db]).exit_code == 1
    finally:
        desk.close()


def test_first_admin_gets_a_one_time_password(db_url: str, tmp_path: Path) -> None:
    desk = build(Settings(database_url=db_url, config_path=tmp_path / "none.toml"))
    try:
        said = create_first_admin(desk, "root@desk.example")
        password = said.split("password ")[1].split()[0]
        assert len(password) >= 20
        started = svc.do_sign_in(
            desk.store,
            desk.settings,
            email="root@desk.example",
            password=password,
            client="t",
            now=desk.clock.now(),
        )
        assert started.user.role is not None and started.user.role.value == "admin"
        assert "exists already" in create_first_admin(desk, "other@desk.example")
    finally:
        desk.close()
