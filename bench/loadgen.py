"""wrk on loopback: one warm-up, then N bounded runs, parsed into plain dicts.

The same method as the peer harness (/work/shared/peers/lib/wrkrun.py): ``-t1 -c8
--latency --timeout 10s``, a 2 s warm-up whose requests are not counted, then 3 runs
of 10 s with a 2 s pause between them. The summary is the median over the runs.
Only 127.0.0.1 may be a target; every run is bounded by ``-d`` and a subprocess
timeout.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

LUA = Path(__file__).resolve().parent / "wrk_req.lua"


@dataclass(frozen=True)
class Load:
    """How hard and how long to push: the same knobs the peer harness has."""

    runs: int = 3
    duration_s: int = 10
    warmup_s: int = 2
    pause_s: float = 2.0
    conns: int = 8
    threads: int = 1


@dataclass(frozen=True)
class Request:
    """One kind of request; ``{rand}`` in path or body becomes 1..rand_max."""

    method: str
    path: str
    body: str | None = None
    rand_max: int = 1
    auth: str = ""


def _to_ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    if m is None:
        raise ValueError(f"unexpected wrk latency {text!r}")
    value, unit = float(m.group(1)), m.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(out: str) -> dict[str, Any]:
    """Requests/s, request count, p50..p99 (ms), non-2xx and socket errors."""
    r: dict[str, Any] = {}
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    r["rps"] = float(m.group(1)) if m else 0.0
    m = re.search(r"(\d+) requests in ([\d.]+\w+)", out)
    r["requests"] = int(m.group(1)) if m else 0
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+\w+)", out, re.M)
        r[f"p{pct}_ms"] = round(_to_ms(m.group(1)), 3) if m else None
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    r["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    r["sock_err"] = sum(int(x) for x in m.groups()) if m else 0
    return r


def _loadavg() -> float:
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def _cpu_ticks() -> tuple[int, int]:
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    return sum(values), values[7] if len(values) > 7 else 0


def _check_loopback(base_url: str) -> None:
    host = urlsplit(base_url).hostname
    if host != "127.0.0.1":
        raise ValueError(f"load targets must be 127.0.0.1, not {host!r}")


def run(label: str, base_url: str, req: Request, load: Load) -> dict[str, Any]:
    """Warm up, run wrk ``load.runs`` times, return per-run results and the medians."""
    _check_loopback(base_url)
    env = dict(
        os.environ,
        WRK_METHOD=req.method,
        WRK_PATH=req.path,
        WRK_RAND_MAX=str(req.rand_max),
        WRK_AUTH=req.auth,
    )
    if req.body is not None:
        env["WRK_BODY"] = req.body
    base = ["wrk", f"-t{load.threads}", f"-c{load.conns}", "--latency", "--timeout", "10s"]
    base += ["-s", str(LUA)]
    target = base_url.rstrip("/") + "/"
    if load.warmup_s > 0:
        subprocess.run(
            [*base, f"-d{load.warmup_s}s", target],
            env=env,
            capture_output=True,
            timeout=load.warmup_s + 60,
            check=False,
        )
    runs = []
    for i in range(load.runs):
        time.sleep(load.pause_s)
        load1 = _loadavg()
        t0, s0 = _cpu_ticks()
        cmd = [*base, f"-d{load.duration_s}s", target]
        p = subprocess.run(
            cmd, env=env, capture_output=True, text=True, timeout=load.duration_s + 120, check=False
        )
        t1, s1 = _cpu_ticks()
        r = parse_wrk(p.stdout)
        r.update(
            run=i + 1,
            load1_before=load1,
            steal_pct=round(100.0 * (s1 - s0) / max(1, t1 - t0), 2),
            cmd=" ".join(cmd[:-1]) + " " + base_url.rstrip("/") + req.path,
        )
        if p.returncode != 0:
            r["wrk_rc"] = p.returncode
            r["stderr"] = p.stderr[-500:]
        runs.append(r)
    return summarise(label, req, load, runs)


def summarise(label: str, req: Request, load: Load, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over the runs, plus totals of errors (a run with errors is suspect)."""
    rps = [r["rps"] for r in runs]
    med = statistics.median(rps)
    return {
        "label": label,
        "method": req.method,
        "path": req.path,
        "body": req.body,
        "conns": load.conns,
        "duration_s": load.duration_s,
        "runs": len(runs),
        "rps_median": round(med, 1),
        "rps_min": round(min(rps), 1),
        "rps_max": round(max(rps), 1),
        "spread_pct": round(100.0 * (max(rps) - min(rps)) / max(1e-9, med), 1),
        "p50_ms_median": statistics.median([r["p50_ms"] or 0.0 for r in runs]),
        "p99_ms_median": statistics.median([r["p99_ms"] or 0.0 for r in runs]),
        "p99_ms_max": max(r["p99_ms"] or 0.0 for r in runs),
        "requests_total": sum(r["requests"] for r in runs),
        "non2xx_total": sum(r["non2xx"] for r in runs),
        "sock_err_total": sum(r["sock_err"] for r in runs),
        "per_run": runs,
    }
