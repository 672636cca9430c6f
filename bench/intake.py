"""Benchmark for issue 2 ("Foundation"): ticket intake and reads, beside a peer and a ceiling.

In one run, on loopback, with wrk as the load generator (see docs/benchmarks.md):

1. ``POST /api/tickets`` against ``promisedesk serve`` on a fresh SQLite file and a
   fresh PostgreSQL database, with 1 and 2 workers;
2. ``GET /api/tickets/PD-n`` (random n) with 100,000 tickets seeded by
   ``promisedesk replay`` (the replay is timed too);
3. django-helpdesk's create-ticket and the bare FastAPI + one SQLite insert ceiling,
   measured as /work/shared/peers measures them;

then ratios and target checks: a markdown table on stdout, JSON under
``bench/results/<timestamp>/``.

    .venv/bin/python bench/intake.py                      # everything (~25 min)
    .venv/bin/python bench/intake.py --no-peer --backends sqlite --duration 5 --runs 1
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import databases
import eventlog
import loadgen
import peers
import report
import servers

from promisedesk.clock import SystemClock

ROOT = Path(__file__).resolve().parent.parent
PROMISEDESK = ROOT / ".venv" / "bin" / "promisedesk"
CREATE_BODY = (
    '{"subject":"Printer down {rand}","description":"The printer on floor 3 is down.",'
    '"requester":"user{rand}@example.invalid","impact":"medium","urgency":"high"}'
)


def _say(msg: str) -> None:
    print(f"[intake {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def admin_token(url: str, config: Path, work: Path, email: str) -> str:
    """``promisedesk init`` a fresh database with admin ``email``; that admin's API token."""
    base = ["--database-url", url]
    subprocess.run(
        [str(PROMISEDESK), "init", *base, "--config", str(config), "--admin-email", email],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=work,
        check=True,
    )
    made = subprocess.run(
        [str(PROMISEDESK), "tokens", "create", email, *base],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=work,
        check=True,
    )
    return made.stdout.strip().splitlines()[-1]


class Bench:
    """One run: where its files go, which databases it uses, how hard it pushes."""

    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args = args
        self.work = work
        self.load = loadgen.Load(args.runs, args.duration, args.warmup, args.pause, args.conns)
        self.pg = databases.Postgres(args.pg_admin_url) if "pg" in args.backends else None
        self.config = work / "policy-defaults.toml"  # init writes the default policy here
        self.tokens: dict[str, str] = {}
        # Intake rate limits protect a desk from floods; a load test is one on purpose.
        os.environ["PROMISEDESK_INTAKE_LIMIT_PER_CLIENT"] = "0"
        os.environ["PROMISEDESK_INTAKE_LIMIT_PER_REQUESTER"] = "0"

    def fresh_db(self, backend: str, name: str) -> str:
        """A new, empty database for one measurement; its URL."""
        if backend == "sqlite":
            return databases.fresh_sqlite(self.work / name)
        assert self.pg is not None
        return self.pg.fresh(self.args.pg_database)

    def count(self, backend: str, url: str, table: str) -> int:
        sql = f"SELECT count(*) FROM {table}"
        if backend == "sqlite":
            return int(databases.sqlite_scalar(url, sql))
        assert self.pg is not None
        return int(self.pg.scalar(self.args.pg_database, sql))

    def token(self, url: str) -> str:
        """An admin's API token on a fresh database (the API needs authentication)."""
        return admin_token(url, self.config, self.work, "bench@example.invalid")

    def serve(self, url: str, workers: int, log_name: str) -> tuple[Any, str]:
        port = servers.free_port()
        cmd = [str(PROMISEDESK), "serve", "--database-url", url, "--config", str(self.config)]
        cmd += ["--port", str(port), "--workers", str(workers)]
        base = f"http://127.0.0.1:{port}"
        ctx = servers.running(
            cmd, ready_url=f"{base}/healthz", log=self.work / log_name, cwd=self.work
        )
        return ctx, base

    def create(self, backend: str, workers: int) -> dict[str, Any]:
        """Ticket creation over HTTP on a fresh database."""
        url = self.fresh_db(backend, f"create-{backend}-w{workers}")
        auth = f"Bearer {self.token(url)}"
        ctx, base = self.serve(url, workers, f"serve-create-{backend}-w{workers}.log")
        with ctx:
            req = loadgen.Request("POST", "/api/tickets", CREATE_BODY, 100_000, auth)
            r = loadgen.run(f"promisedesk:{backend}:w{workers}:create", base, req, self.load)
        r["tickets_after"] = self.count(backend, url, "tickets")
        r["rows_ok"] = r["tickets_after"] >= r["requests_total"]
        return r

    def seed(self, backend: str, log: Path, lines: int) -> tuple[str, dict[str, Any]]:
        """A fresh database with the seed log replayed into it; the replay's timing."""
        url = self.fresh_db(backend, f"get-{backend}")
        self.tokens[url] = f"Bearer {self.token(url)}"
        cmd = [
            str(PROMISEDESK),
            "replay",
            str(log),
            "--database-url",
            url,
            "--config",
            str(self.config),
        ]
        t0 = time.perf_counter()
        p = subprocess.run(
            cmd, capture_output=True, text=True, timeout=3600, cwd=self.work, check=False
        )
        seconds = time.perf_counter() - t0
        if p.returncode != 0:
            raise RuntimeError(f"replay failed: {p.stderr[-2000:]}")
        timing = {
            "command": " ".join(cmd),
            "seconds": round(seconds, 2),
            "lines": lines,
            "tickets": self.count(backend, url, "tickets"),
            "events": self.count(backend, url, "events"),
            "note": "wall time of the whole `promisedesk replay` process, migrations included",
        }
        return url, timing

    def get_100k(self, backend: str, url: str, workers: int, conns: int) -> dict[str, Any]:
        """Random-ticket GETs against the seeded database, over ``conns`` connections."""
        ctx, base = self.serve(url, workers, f"serve-get-{backend}-w{workers}-c{conns}.log")
        load = replace(self.load, conns=conns)
        with ctx:
            req = loadgen.Request(
                "GET", "/api/tickets/PD-{rand}", None, self.args.seed_tickets, self.tokens[url]
            )
            return loadgen.run(f"promisedesk:{backend}:w{workers}:c{conns}:get", base, req, load)


def _versions(pg: databases.Postgres | None) -> dict[str, str]:
    from importlib.metadata import version

    out = {
        name: version(name)
        for name in (
            "promisedesk",
            "fastapi",
            "starlette",
            "pydantic",
            "uvicorn",
            "uvloop",
            "httptools",
            "sqlalchemy",
            "psycopg",
            "orjson",
        )
    }
    out["python"] = platform.python_version()
    import sqlite3

    out["sqlite"] = sqlite3.sqlite_version
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    out["wrk"] = (wrk.stdout or wrk.stderr).splitlines()[0] if (wrk.stdout or wrk.stderr) else "?"
    if pg is not None:
        out["postgresql"] = pg.version()
    return out


def _machine() -> dict[str, Any]:
    with open("/proc/loadavg") as f:
        load1 = float(f.read().split()[0])
    git = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return {
        "nproc": os.cpu_count(),
        "load1": load1,
        "kernel": platform.release(),
        "git_head": git,
        "src_uncommitted_files": len(dirty.splitlines()),
    }


def run(args: argparse.Namespace, work: Path, out_dir: Path) -> dict[str, Any]:
    """Every phase the flags ask for, in order; results as one dict."""
    bench = Bench(args, work)
    clock = SystemClock()
    results: dict[str, Any] = {
        "started_at": clock.now().isoformat(timespec="seconds"),
        "argv": sys.argv[1:],
        "load": bench.load.__dict__,
        "machine": _machine(),
        "versions": _versions(bench.pg),
        "seed_tickets": args.seed_tickets,
    }
    save = lambda: (out_dir / "results.json").write_text(json.dumps(results, indent=2))  # noqa: E731
    try:
        for backend in args.backends:
            for workers in args.workers:
                _say(f"create: {backend}, {workers} worker(s)")
                r = bench.create(backend, workers)
                results.setdefault("create", {}).setdefault(backend, {})[str(workers)] = r
                _say(f"  {r['rps_median']:.0f} req/s, p99 {r['p99_ms_median']:.2f} ms")
                save()
        if args.get:
            log = work / f"seed-{args.seed_tickets}.jsonl"
            lines = eventlog.write(log, args.seed_tickets, clock.now())
            for backend in args.backends:
                _say(f"replay {lines:,} lines ({args.seed_tickets:,} tickets) into {backend}")
                url, timing = bench.seed(backend, log, lines)
                results.setdefault("replay", {})[backend] = timing
                _say(f"  {timing['seconds']} s")
                for workers in args.workers:
                    _say(f"GET at {args.seed_tickets:,}: {backend}, {workers} worker(s)")
                    r = bench.get_100k(backend, url, workers, args.conns)
                    results.setdefault("get_100k", {}).setdefault(backend, {})[str(workers)] = r
                    _say(f"  {r['rps_median']:.0f} req/s, p99 {r['p99_ms_median']:.2f} ms")
                if args.get_c1:
                    # One connection: the service time without queueing behind 7 others.
                    workers = args.workers[0]
                    _say(f"GET at {args.seed_tickets:,}, 1 connection: {backend}, w{workers}")
                    r = bench.get_100k(backend, url, workers, 1)
                    results.setdefault("get_100k_c1", {}).setdefault(backend, {})[str(workers)] = r
                    _say(f"  {r['rps_median']:.0f} req/s, p99 {r['p99_ms_median']:.2f} ms")
                save()
        if args.peer:
            for backend in args.backends:
                _say(f"peer django-helpdesk create: {backend}")
                r = peers.peer_create(backend, work, bench.load, peers.Venvs(), bench.pg)
                results.setdefault("peer", {})[backend] = r
                _say(f"  {r['rps_median']:.0f} req/s, p99 {r['p99_ms_median']:.2f} ms")
                save()
        if args.ceiling:
            _say("ceiling: FastAPI + uvicorn, no DB and + 1 SQLite insert")
            results["ceiling"] = peers.ceiling(work, bench.load, peers.Venvs())
            save()
    finally:
        if bench.pg is not None:
            bench.pg.drop(args.pg_database)
        results["finished_at"] = clock.now().isoformat(timespec="seconds")
        results["checks"] = report.checks(results)
        save()
    return results


def _csv(kind: type) -> Any:
    return lambda text: [kind(x) for x in text.split(",") if x]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--backends",
        type=_csv(str),
        default=["sqlite", "pg"],
        help="comma-separated: sqlite,pg (default both)",
    )
    p.add_argument("--workers", type=_csv(int), default=[1, 2], help="default 1,2")
    p.add_argument(
        "--peer",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="measure django-helpdesk's create-ticket (default on)",
    )
    p.add_argument(
        "--ceiling",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="measure the bare FastAPI ceiling (default on)",
    )
    p.add_argument(
        "--get",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="seed and measure GETs at --seed-tickets (default on)",
    )
    p.add_argument(
        "--get-c1",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also GET over 1 connection (service time, not judged; default on)",
    )
    p.add_argument("--seed-tickets", type=int, default=100_000)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--pause", type=float, default=2.0)
    p.add_argument("--conns", type=int, default=8)
    p.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/test")
    p.add_argument("--pg-database", default="promisedesk_bench")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    p.add_argument("--keep", action="store_true", help="keep the temp folder (DBs, logs)")
    args = p.parse_args(argv)
    unknown = set(args.backends) - {"sqlite", "pg"}
    if unknown:
        p.error(f"unknown backend(s) {sorted(unknown)}; use sqlite and/or pg")
    if not (1 <= args.duration <= 120 and 1 <= args.runs <= 10 and 1 <= args.conns <= 64):
        p.error("keep --duration 1..120, --runs 1..10, --conns 1..64")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install -y wrk", file=sys.stderr)
        return 2
    stamp = SystemClock().now().strftime("%Y%m%dT%H%M%SZ")
    out_dir = args.out / stamp
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="pdbench-"))
    _say(f"results -> {out_dir}; scratch {work}")
    try:
        results = run(args, work, out_dir)
    finally:
        if args.keep:
            _say(f"kept {work}")
        else:
            for log in work.glob("*.log"):
                shutil.copy(log, out_dir / log.name)
            shutil.rmtree(work, ignore_errors=True)
    text = report.markdown(results)
    (out_dir / "summary.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
