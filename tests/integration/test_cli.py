"""The promisedesk command, run as a real process: output, errors, exit codes."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from tests.integration.test_replay import LOG

COMMANDS = [
    [],
    ["init"],
    ["serve"],
    ["demo"],
    ["replay"],
    ["export"],
    ["tickets"],
    ["tickets", "list"],
    ["tickets", "show"],
    ["sla"],
]


def run(*args: str, cwd: Path, db: str | None = None) -> subprocess.CompletedProcess[str]:
    extra = ["--database-url", db] if db else []
    return subprocess.run(
        [sys.executable, "-m", "promisedesk.cli", *args, *extra],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_every_command_has_help(tmp_path: Path) -> None:
    for cmd in COMMANDS:
        r = run(*cmd, "--help", cwd=tmp_path)
        assert r.returncode == 0, (cmd, r.stderr)
        assert "Usage" in r.stdout


def test_init_writes_config_and_database(tmp_path: Path) -> None:
    r = run("init", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "promisedesk.toml").read_text().startswith("# Promisedesk policy file")
    assert (tmp_path / "promisedesk.db").exists()
    again = run("init", cwd=tmp_path)
    assert again.returncode == 0 and "keeping it" in again.stderr


def test_replay_list_show_export(db_url: str, tmp_path: Path) -> None:
    r = run("replay", str(LOG), "--skip-invalid", cwd=tmp_path, db=db_url)
    assert r.returncode == 0, r.stderr
    assert "skipped line 14: Ticket INC-3 cannot take 'closed' while it is new" in r.stderr
    assert "Applied 27 events (3 tickets opened); skipped 1 invalid lines." in r.stdout
    listed = json.loads(run("tickets", "list", "--format", "json", cwd=tmp_path, db=db_url).stdout)
    assert [t["ref"] for t in listed] == ["INC-3", "INC-2", "INC-1"]
    spreadsheet = run("tickets", "list", "--format", "csv", cwd=tmp_path, db=db_url).stdout
    rows = list(csv.DictReader(io.StringIO(spreadsheet, newline="")))
    assert [(r["ref"], r["status"]) for r in rows] == [
        (t["ref"], t["status"]) for t in listed
    ] and rows[0]["opened_at"] == listed[0]["opened_at"].replace("Z", "+00:00")
    shown = json.loads(
        run("tickets", "show", "INC-1", "--format", "json", cwd=tmp_path, db=db_url).stdout
    )
    assert shown["ticket"]["status"] == "closed" and len(shown["timeline"]) == 15
    table = run("tickets", "show", "INC-2", cwd=tmp_path, db=db_url)
    assert "waiting_on_customer" in table.stdout
    exported = run("export", cwd=tmp_path, db=db_url).stdout.splitlines()
    assert len(exported) == 27 and json.loads(exported[0])["type"] == "opened"


def test_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'x.db'}"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"at": "2026-01-01T00:00:00Z", "ticket": "A", "type": "opened"}\n')
    cases = [
        (["replay", str(bad)], "error: line 1: 'by' is missing"),
        (["tickets", "show", "NOPE"], "error: No ticket has the reference 'NOPE'"),
        (["replay", str(tmp_path / "missing.jsonl")], "is not a file"),
        (["tickets", "list", "--format", "yaml"], "Invalid value"),
    ]
    for args, expected in cases:
        r = run(*args, cwd=tmp_path, db=db)
        assert r.returncode != 0, args
        assert expected in r.stderr, (args, r.stderr)
        assert "Traceback" not in r.stderr
    r = run("tickets", "list", cwd=tmp_path, db="postgresql://nobody@127.0.0.1:1/none")
    assert r.returncode == 1 and r.stderr.startswith("error: ") and "Traceback" not in r.stderr


def test_bad_policy_file_is_explained(tmp_path: Path) -> None:
    (tmp_path / "promisedesk.toml").write_text('[priority.matrix]\nhigh = ["P1"]\n[colour]\n')
    r = run("tickets", "list", cwd=tmp_path)
    assert r.returncode == 1
    assert "unknown key 'colour'" in r.stderr and "Traceback" not in r.stderr


def test_demo_loads_a_day_without_serving(tmp_path: Path) -> None:
    r = run("demo", "--no-serve", "--folder", str(tmp_path / "demo"), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "tickets" in r.stdout and "http://127.0.0.1:8000/docs" in r.stdout
    listed = run(
        "tickets",
        "list",
        "--format",
        "json",
        cwd=tmp_path,
        db=f"sqlite:///{tmp_path / 'demo' / 'promisedesk.db'}",
    )
    assert len(json.loads(listed.stdout)) >= 10
