"""Turn a run's measurements into ratios, target checks and a markdown report.

Targets (issue 2, "Foundation"):
- create throughput >= 10x django-helpdesk's, same backend, 2 workers each;
- create throughput >= 0.40x the bare FastAPI + one SQLite insert ceiling (2 workers);
- create p99 < 50 ms;
- GET /api/tickets/PD-n p99 < 10 ms with 100,000 tickets stored.
"""

from __future__ import annotations

from typing import Any

PEER_TARGET = 10.0
CEILING_TARGET = 0.40
CREATE_P99_MS = 50.0
GET_P99_MS = 10.0
LIKE_FOR_LIKE_WORKERS = 2  # the peer (gunicorn -w 2) and the ceiling (uvicorn --workers 2)


def _ok(flag: bool | None) -> str:
    return "n/a" if flag is None else ("**yes**" if flag else "**NO**")


def _row(what: str, backend: str, workers: object, r: dict[str, Any]) -> str:
    errors = r["non2xx_total"] + r["sock_err_total"]
    return (
        f"| {what} | {backend} | {workers} | **{r['rps_median']:,.0f}** "
        f"({r['rps_min']:,.0f}-{r['rps_max']:,.0f}) | {r['p50_ms_median']:.2f} | "
        f"{r['p99_ms_median']:.2f} | {r['requests_total']:,} | {errors} |"
    )


def checks(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Every ratio and threshold the issue names, with its value and verdict."""
    out: list[dict[str, Any]] = []
    ours = results.get("create", {})
    peer = results.get("peer", {})
    ceiling = results.get("ceiling", {}).get("insert_sqlite")
    for backend, by_workers in ours.items():
        for workers, r in by_workers.items():
            like = int(workers) == LIKE_FOR_LIKE_WORKERS
            out.append(
                {
                    "check": f"create p99 < {CREATE_P99_MS:g} ms",
                    "backend": backend,
                    "workers": int(workers),
                    "value": round(r["p99_ms_median"], 2),
                    "target": CREATE_P99_MS,
                    "ok": r["p99_ms_median"] < CREATE_P99_MS,
                }
            )
            if backend in peer:
                ratio = r["rps_median"] / max(1e-9, peer[backend]["rps_median"])
                out.append(
                    {
                        "check": "ours / django-helpdesk create req/s",
                        "backend": backend,
                        "workers": int(workers),
                        "value": round(ratio, 2),
                        "target": PEER_TARGET,
                        "ok": ratio >= PEER_TARGET if like else None,
                    }
                )
            if ceiling is not None:
                ratio = r["rps_median"] / max(1e-9, ceiling["rps_median"])
                counts = like and backend == "sqlite"
                out.append(
                    {
                        "check": "ours / FastAPI+SQLite-insert ceiling req/s",
                        "backend": backend,
                        "workers": int(workers),
                        "value": round(ratio, 3),
                        "target": CEILING_TARGET,
                        "ok": ratio >= CEILING_TARGET if counts else None,
                    }
                )
    for backend, by_workers in results.get("get_100k", {}).items():
        for workers, r in by_workers.items():
            out.append(
                {
                    "check": f"GET p99 < {GET_P99_MS:g} ms at {results['seed_tickets']:,} tickets",
                    "backend": backend,
                    "workers": int(workers),
                    "value": round(r["p99_ms_median"], 2),
                    "target": GET_P99_MS,
                    "ok": r["p99_ms_median"] < GET_P99_MS,
                }
            )
    return out


def markdown(results: dict[str, Any]) -> str:
    """The report: one table of measurements, one of replays, one of checks."""
    lines = [
        f"# promisedesk intake benchmark, {results['started_at']}",
        "",
        f"wrk `-t1 -c{results['load']['conns']} --latency`, {results['load']['warmup_s']} s "
        f"warm-up, {results['load']['runs']} x {results['load']['duration_s']} s; "
        "medians over the runs (min-max req/s in brackets). "
        f"Machine: {results['machine']['nproc']} CPUs, load {results['machine']['load1']}.",
        "",
        "| what | backend | workers | req/s | p50 ms | p99 ms | requests | errors |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for backend, by_workers in results.get("create", {}).items():
        for workers, r in by_workers.items():
            lines.append(_row("promisedesk: POST /api/tickets", backend, workers, r))
    for backend, by_workers in results.get("get_100k", {}).items():
        for workers, r in by_workers.items():
            what = f"promisedesk: GET /api/tickets/PD-n, {results['seed_tickets']:,} tickets"
            lines.append(_row(what, backend, workers, r))
    for backend, by_workers in results.get("get_100k_c1", {}).items():
        for workers, r in by_workers.items():
            what = (
                f"promisedesk: GET /api/tickets/PD-n, {results['seed_tickets']:,} tickets, "
                "**1 connection** (not judged)"
            )
            lines.append(_row(what, backend, workers, r))
    for backend, r in results.get("peer", {}).items():
        lines.append(_row("django-helpdesk: POST /helpdesk/api/tickets/", backend, 2, r))
    for name, r in results.get("ceiling", {}).items():
        what = {
            "echo_no_db": "ceiling: FastAPI+uvicorn POST, no DB",
            "insert_sqlite": "ceiling: FastAPI+uvicorn POST + 1 SQLite insert",
        }[name]
        lines.append(_row(what, "sqlite" if "sqlite" in name else "-", 2, r))
    if results.get("replay"):
        lines += [
            "",
            "| seeding by `promisedesk replay` | backend | lines | tickets | seconds | events/s |",
            "|---|---|---|---|---|---|",
        ]
        for backend, r in results["replay"].items():
            lines.append(
                f"| one transaction | {backend} | {r['lines']:,} | {r['tickets']:,} | "
                f"**{r['seconds']:.1f}** | {r['lines'] / r['seconds']:,.0f} |"
            )
    lines += ["", "| check | backend | workers | value | target | met |"]
    lines += ["|---|---|---|---|---|---|"]
    for c in results.get("checks", []):
        op = ">=" if "/" in c["check"] else "<"
        lines.append(
            f"| {c['check']} | {c['backend']} | {c['workers']} | {c['value']} | "
            f"{op} {c['target']:g} | {_ok(c['ok'])} |"
        )
    lines += [
        "",
        f"Ratios are judged at {LIKE_FOR_LIKE_WORKERS} workers (the peer and the ceiling run "
        "2 workers); the ceiling is SQLite-only, so its ratio is judged on SQLite. "
        "`n/a` rows are shown for information.",
    ]
    return "\n".join(lines) + "\n"
