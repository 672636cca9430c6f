"""Where a request's time goes: py-spy samples ``promisedesk serve`` under wrk load.

    .venv/bin/python bench/profile_server.py create --backend sqlite --workers 1
    .venv/bin/python bench/profile_server.py get --backend sqlite --seed-tickets 100000

py-spy is not a project dependency; pass ``--py-spy`` (default /tmp/pyspy/bin/py-spy,
made with ``python3 -m venv /tmp/pyspy && /tmp/pyspy/bin/pip install py-spy``).
Prints the functions with the largest share of samples (inclusive and self), grouped
by where they live, and writes the raw collapsed stacks next to the table. By default
only samples of the thread holding the GIL count (``--gil``): one worker process
runs Python on one core at a time, so that is where its CPU goes.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import databases
import eventlog
import loadgen
import servers
from intake import CREATE_BODY, PROMISEDESK, admin_token

from promisedesk.clock import SystemClock


def _token(url: str, config: Path, work: Path) -> str:
    """An admin's API token on the fresh database: every API route needs one."""
    return "Bearer " + admin_token(url, config, work, "profile@example.invalid")


FRAME = re.compile(r"^(?P<func>.+?) \((?P<file>[^:]+):(?P<line>\d+)\)$")


def _where(path: str) -> str:
    if "/promisedesk/" in path:
        return "promisedesk/" + path.split("/promisedesk/", 1)[1]
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1]
    return path.rsplit("/", 1)[-1]


def summarise(raw: Path, top: int) -> str:
    """Inclusive and self sample shares per function from py-spy's raw (collapsed) output."""
    incl: collections.Counter[str] = collections.Counter()
    self_: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        n = int(count_text)
        total += n
        names = []
        for frame in stack.split(";"):
            m = FRAME.match(frame)
            names.append(f"{m['func']} ({_where(m['file'])})" if m else frame)
        for name in set(names):
            incl[name] += n
        self_[names[-1]] += n
    out = [f"{total} samples", "", "| inclusive % | function |", "|---|---|"]
    for name, n in incl.most_common(top):
        out.append(f"| {100 * n / total:.1f} | {name} |")
    out += ["", "| self % | function |", "|---|---|"]
    for name, n in self_.most_common(top):
        out.append(f"| {100 * n / total:.1f} | {name} |")
    return "\n".join(out) + "\n"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("what", choices=["create", "get"])
    p.add_argument("--backend", choices=["sqlite", "pg"], default="sqlite")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--seconds", type=int, default=15)
    p.add_argument("--seed-tickets", type=int, default=100_000)
    p.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/test")
    p.add_argument("--py-spy", default="/tmp/pyspy/bin/py-spy")
    p.add_argument("--idle", action="store_true", help="count waiting threads too")
    p.add_argument(
        "--all-threads",
        action="store_true",
        help="sample threads that do not hold the GIL too (default: --gil only)",
    )
    p.add_argument(
        "--nonblocking",
        action="store_true",
        help="sample without pausing the server: less slowdown, but stacks read mid-update "
        "can put samples on the wrong line",
    )
    p.add_argument("--top", type=int, default=40)
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results")
    a = p.parse_args()
    if not 1 <= a.seconds <= 120:
        p.error("keep --seconds within 1..120")

    work = Path(tempfile.mkdtemp(prefix="pdprof-"))
    pg = databases.Postgres(a.pg_admin_url) if a.backend == "pg" else None
    name = "promisedesk_profile"
    url = databases.fresh_sqlite(work / "db") if pg is None else pg.fresh(name)
    config = work / "absent.toml"
    # A load test is a flood on purpose; the intake limits would answer 429.
    os.environ["PROMISEDESK_INTAKE_LIMIT_PER_CLIENT"] = "0"
    os.environ["PROMISEDESK_INTAKE_LIMIT_PER_REQUESTER"] = "0"
    try:
        auth = _token(url, config, work)
        if a.what == "get":
            log = work / "seed.jsonl"
            eventlog.write(log, a.seed_tickets, SystemClock().now())
            subprocess.run(
                [
                    str(PROMISEDESK),
                    "replay",
                    str(log),
                    "--database-url",
                    url,
                    "--config",
                    str(config),
                ],
                check=True,
                capture_output=True,
                timeout=3600,
            )
            req = loadgen.Request("GET", "/api/tickets/PD-{rand}", None, a.seed_tickets, auth)
        else:
            req = loadgen.Request("POST", "/api/tickets", CREATE_BODY, 100_000, auth)
        port = servers.free_port()
        cmd = [
            str(PROMISEDESK),
            "serve",
            "--database-url",
            url,
            "--config",
            str(config),
            "--port",
            str(port),
            "--workers",
            str(a.workers),
        ]
        stamp = SystemClock().now().strftime("%Y%m%dT%H%M%SZ")
        out_dir = a.out / f"profile-{stamp}-{a.what}-{a.backend}-w{a.workers}"
        out_dir.mkdir(parents=True, exist_ok=True)
        raw = out_dir / "pyspy.collapsed.txt"
        load = loadgen.Load(runs=1, duration_s=a.seconds + 4, warmup_s=2, pause_s=0)
        with servers.running(
            cmd, ready_url=f"http://127.0.0.1:{port}/healthz", log=out_dir / "server.log"
        ) as proc:
            spy = [
                a.py_spy,
                "record",
                "-p",
                str(proc.pid),
                "-d",
                str(a.seconds),
                "-r",
                "200",
                "--format",
                "raw",
                "-o",
                str(raw),
                "--subprocesses",
            ]
            if a.nonblocking:
                spy.append("--nonblocking")
            if a.idle:
                spy.append("--idle")
            if not a.all_threads:
                spy.append("--gil")
            # wrk warms up for 2 s, then runs seconds+4; py-spy samples in the middle.
            with open(out_dir / "py-spy.log", "wb") as spy_log:
                sampler = subprocess.Popen(
                    ["sh", "-c", 'sleep 4; exec "$@"', "sh", *spy],
                    stdout=spy_log,
                    stderr=spy_log,
                )
                r = loadgen.run(f"profile:{a.what}", f"http://127.0.0.1:{port}", req, load)
                sampler.wait(timeout=a.seconds + 60)
        table = summarise(raw, a.top)
        head = (
            f"# profile: {a.what}, {a.backend}, {a.workers} worker(s) under wrk -c8\n\n"
            f"{r['rps_median']:.0f} req/s, p50 {r['p50_ms_median']} ms, "
            f"p99 {r['p99_ms_median']:.2f} ms (while sampled)\n\n"
        )
        (out_dir / "profile.md").write_text(head + table)
        print(head + table)
        print(f"raw stacks: {raw}", file=sys.stderr)
    finally:
        if pg is not None:
            pg.drop(name)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
