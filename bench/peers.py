"""The peer and the ceiling, measured the way /work/shared/peers measures them.

- django-helpdesk: only the "create ticket" step of ``peer_django_helpdesk.sh``
  (migrate, bootstrap user/token/queue, gunicorn -w 2 sync workers, wrk POST), with
  the peer's own Django project copied from ``peer_dh/`` into a temp folder. On
  PostgreSQL it uses the same server as our run (a settings module that overrides
  only DATABASES), not the harness's throwaway cluster on :55432.
- the ceiling: ``limits/fastapi_app.py`` under uvicorn with 2 workers, POST /echo
  (no DB) and POST /tickets (one SQLite WAL insert on the event loop), as in
  ``limits_http.sh``.

Both venvs are the harness's (``/tmp/peerbench/dh`` and ``/tmp/peerbench/lim``) and
are built from PyPI the same way when missing. Nothing under /work/shared is written.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import loadgen
import servers
from databases import Postgres

SHARED = Path("/work/shared/peers")
TOKEN = "0123456789abcdef0123456789abcdef01234567"
PEER_BODY = (
    '{"queue":1,"title":"Printer down {rand}","description":"The printer on floor 3 is down.",'
    '"submitter_email":"user{rand}@example.invalid","priority":3}'
)
LIMIT_BODY = (
    '{"title":"Printer down {rand}","description":"The printer on floor 3 is down.",'
    '"priority":3,"submitter_email":"user{rand}@example.invalid"}'
)
PEER_PG_DB = "promisedesk_bench_peer"

SETTINGS_OVERRIDE = '''"""The harness's peer settings, with DATABASES on our PostgreSQL."""
import os

from settings import *  # noqa: F403

if os.environ.get("DH_DB") == "pg":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ["DH_PG_NAME"],
            "USER": os.environ["DH_PG_USER"],
            "HOST": os.environ["DH_PG_HOST"],
            "PORT": os.environ["DH_PG_PORT"],
            "CONN_MAX_AGE": 600,
        }
    }
'''


@dataclass(frozen=True)
class Venvs:
    """Where the peer's and the ceiling's virtualenvs live (built when missing)."""

    peer: Path = Path("/tmp/peerbench/dh")
    ceiling: Path = Path("/tmp/peerbench/lim")


def _ensure_venv(venv: Path, probe: str, packages: list[str], log: Path) -> None:
    if (venv / "bin" / probe).exists():
        return
    with open(log, "ab") as out:
        subprocess.run(["python3", "-m", "venv", str(venv)], check=True, stdout=out, stderr=out)
        pip = [str(venv / "bin" / "pip"), "install", "-q"]
        subprocess.run([*pip, "--upgrade", "pip"], check=True, stdout=out, stderr=out, timeout=900)
        subprocess.run([*pip, *packages], check=True, stdout=out, stderr=out, timeout=1800)


def _freeze(venv: Path, names: tuple[str, ...]) -> dict[str, str]:
    p = subprocess.run(
        [str(venv / "bin" / "pip"), "freeze"], capture_output=True, text=True, timeout=120
    )
    pins = dict(line.split("==", 1) for line in p.stdout.splitlines() if "==" in line)
    return {k: v for k, v in pins.items() if k.lower() in names}


def peer_create(
    backend: str, work: Path, load: loadgen.Load, venvs: Venvs, pg: Postgres | None
) -> dict[str, Any]:
    """django-helpdesk's create-ticket throughput on ``backend`` (sqlite or pg)."""
    _ensure_venv(
        venvs.peer,
        "gunicorn",
        ["django-helpdesk", "gunicorn", "psycopg[binary]"],
        work / "venv-build.log",
    )
    proj = work / f"peer-{backend}" / "proj"
    data = work / f"peer-{backend}" / "data"
    shutil.rmtree(proj.parent, ignore_errors=True)
    proj.mkdir(parents=True)
    data.mkdir()
    for src in (SHARED / "peer_dh").glob("*.py"):
        shutil.copy(src, proj / src.name)
    (proj / "settings_pdbench.py").write_text(SETTINGS_OVERRIDE)
    env = dict(
        os.environ,
        PYTHONDONTWRITEBYTECODE="1",
        DJANGO_SETTINGS_MODULE="settings_pdbench",
        DH_DB=backend,
        DH_DATA=str(data),
    )
    if backend == "pg":
        assert pg is not None
        from sqlalchemy.engine import make_url

        u = make_url(pg.fresh(PEER_PG_DB))
        env.update(
            DH_PG_NAME=PEER_PG_DB,
            DH_PG_USER=u.username or "postgres",
            DH_PG_HOST=u.host or "127.0.0.1",
            DH_PG_PORT=str(u.port or 5432),
        )
    py = str(venvs.peer / "bin" / "python")
    log = work / f"peer-{backend}.log"
    with open(log, "ab") as out:
        for step in (["manage.py", "migrate", "-v0"], ["bootstrap.py"]):
            subprocess.run(
                [py, *step], cwd=proj, env=env, check=True, stdout=out, stderr=out, timeout=900
            )
    port = servers.free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = [str(venvs.peer / "bin" / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}"]
    gunicorn += ["--log-level", "warning", "wsgi:application"]
    try:
        with servers.running(
            gunicorn,
            ready_url=f"{base}/helpdesk/api/followups/?page_size=1",
            ready={"headers": {"Authorization": f"Token {TOKEN}"}},
            log=log,
            cwd=proj,
            env=env,
        ):
            req = loadgen.Request(
                "POST", "/helpdesk/api/tickets/", PEER_BODY, 100_000, f"Token {TOKEN}"
            )
            result = loadgen.run(f"peer:{backend}:create", base, req, load)
        counts = subprocess.run(
            [py, "dbcount.py"],
            cwd=proj,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        ).stdout
        result["rows_after"] = json.loads(counts.strip().splitlines()[-1])
    finally:
        if backend == "pg" and pg is not None:
            pg.drop(PEER_PG_DB)
    result["versions"] = _freeze(
        venvs.peer, ("django-helpdesk", "django", "djangorestframework", "gunicorn", "psycopg")
    )
    return result


def ceiling(work: Path, load: loadgen.Load, venvs: Venvs) -> dict[str, dict[str, Any]]:
    """Bare FastAPI + uvicorn (2 workers): POST with no DB, and with one SQLite insert."""
    _ensure_venv(
        venvs.ceiling,
        "uvicorn",
        ["fastapi", "uvicorn[standard]", "litestar", "granian"],
        work / "venv-build.log",
    )
    data = work / "ceiling"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir()
    env = dict(
        os.environ,
        PYTHONDONTWRITEBYTECODE="1",
        LIM_DB=str(data / "app.sqlite3"),
        PYTHONPATH=str(SHARED / "limits"),
    )
    py = str(venvs.ceiling / "bin" / "python")
    subprocess.run(
        [py, "-c", "import common_db as d; d.init_db()"], env=env, check=True, timeout=60, cwd=data
    )
    port = servers.free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [
        str(venvs.ceiling / "bin" / "uvicorn"),
        "fastapi_app:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "2",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    out: dict[str, dict[str, Any]] = {}
    with servers.running(
        cmd,
        ready_url=f"{base}/echo",
        ready={
            "method": "POST",
            "body": b'{"title":"x","description":"y"}',
            "headers": {"Content-Type": "application/json"},
        },
        expect=201,
        log=work / "ceiling.log",
        cwd=SHARED / "limits",
        env=env,
    ):
        for name, path in (("echo_no_db", "/echo"), ("insert_sqlite", "/tickets")):
            req = loadgen.Request("POST", path, LIMIT_BODY, 100_000)
            out[name] = loadgen.run(f"ceiling:fastapi+uvicorn:{name}", base, req, load)
    versions = _freeze(venvs.ceiling, ("fastapi", "starlette", "pydantic", "uvicorn", "uvloop"))
    for r in out.values():
        r["versions"] = versions
    return out
