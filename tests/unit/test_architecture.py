"""The house rules that keep the domain pure and the clock at the edge."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).parents[2] / "src" / "promisedesk"
FORBIDDEN_IN_DOMAIN = {
    "sqlalchemy",
    "fastapi",
    "starlette",
    "pydantic",
    "pydantic_settings",
    "typer",
    "uvicorn",
    "os",
    "time",
    "holidays",
    "httpx",
    "alembic",
}
FORBIDDEN_PROJECT = {"store", "web", "services", "channels", "cli", "config", "bootstrap", "clock"}
CLOCK_CALLS = re.compile(r"datetime\.now\(|utcnow\(|date\.today\(|time\.time\(|datetime\.today\(")


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_domain_imports_only_the_standard_library_and_itself() -> None:
    for path in (SRC / "domain").rglob("*.py"):
        for name in imports_of(path):
            top = name.split(".")[0]
            assert top not in FORBIDDEN_IN_DOMAIN, f"{path.name} imports {name}"
            if top == "promisedesk":
                assert name.split(".")[1] not in FORBIDDEN_PROJECT, f"{path.name} imports {name}"


def test_only_the_clock_module_reads_the_clock() -> None:
    offenders = [
        f"{p.relative_to(SRC)}:{n}"
        for p in SRC.rglob("*.py")
        if p.name != "clock.py"
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if CLOCK_CALLS.search(line)
    ]
    assert offenders == []


def test_import_linter_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], capture_output=True, text=True, cwd=SRC.parents[1])
    assert result.returncode == 0, result.stdout[-2000:]
    assert "0 broken" in result.stdout
