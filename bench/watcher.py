"""The watcher at scale: one sweep over 10k .. 1M open tickets, on SQLite and PostgreSQL.

For each size N and backend, a fresh database holds N open P1 tickets with 3N open
policy commitments (acknowledge, first_response, resolve). Most are bulk-inserted
exactly as the product writes them; the due batches are written by the product
itself (see ``watcher_seed.py`` for both). Then, at fixed instants:

* **empty**: ``sweep(now=T0)`` with nothing due, ``--empty-runs`` times (median, p95);
* **warn**: a sweep that finds 1,000 acknowledge warnings due;
* **breach**: a sweep that records 1,000 acknowledge breaches (notice only);
* **escalate**: a sweep that records 1,000 first_response breaches, each telling the
  lead and appending ``breach_escalated`` (which changes no ledger, so none is
  recomputed; the check after the sweeps recomputes a sample and compares).

Each due sweep is ``sweep(store, policy, now, limit=1000)``, timed around the call, and
must report exactly 1,000 of its kind. The sweep query's plan is recorded
(``EXPLAIN QUERY PLAN`` / ``EXPLAIN (ANALYZE, BUFFERS)``), and ``--profile`` runs one
more sweep of each kind under cProfile at the largest size. Results go to
``bench/results/watcher-<stamp>/`` (``results.json``, ``summary.md``, plans and
profiles).

PostgreSQL: the bench database (``--pg-database``) is dropped and re-created through
the admin URL (whose own database only receives CREATE/DROP DATABASE) and dropped after.

Usage (from the project root):

    .venv/bin/python bench/watcher.py [--sizes 10000,100000,1000000]
        [--backends sqlite,pg] [--repeats 3] [--empty-runs 50] [--profile]
        [--pg-admin-url postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).parent))

import watcher_seed as seed
from watcher_probe import Statements, explain, profiled, sweep_statement

from promisedesk.bootstrap import Desk, build
from promisedesk.config import Settings
from promisedesk.domain.commitments import compute_ledger
from promisedesk.services.ledger import SweepReport, sweep
from promisedesk.store import commitments as ledger_rows
from promisedesk.store.tables import commitments, outbox, tickets

RESULTS = Path(__file__).parent / "results"
EXPECT = {
    "warn": SweepReport(warned=1000),
    "breach": SweepReport(breached=1000),
    "escalate": SweepReport(breached=1000, escalated=1000),
}
FORBIDDEN_PG = ("test", "postgres", "template0", "template1")


@dataclass
class Run:
    """Everything measured for one size on one backend."""

    size: int
    backend: str
    background: int
    commitments: int = 0
    seed_bulk_s: float = 0.0
    seed_due_s: float = 0.0
    empty_ms: list[float] = field(default_factory=list)
    empty_after_ms: list[float] = field(default_factory=list)
    due_ms: dict[str, list[float]] = field(default_factory=dict)
    statements: dict[str, int] = field(default_factory=dict)
    driver_ms: dict[str, float] = field(default_factory=dict)
    by_kind: dict[str, dict[str, int]] = field(default_factory=dict)
    #: driver ms by statement kind, summed over the repeats of each sweep kind
    ms_by_kind: dict[str, dict[str, float]] = field(default_factory=dict)
    db_bytes: int = 0


# -- databases ---------------------------------------------------------------------


def _admin(admin_url: str) -> psycopg.Connection[Any]:
    u = make_url(admin_url)
    if u.host not in ("127.0.0.1", "localhost"):
        raise SystemExit(f"PostgreSQL must be on loopback, not {u.host!r}")
    dsn = f"host={u.host} port={u.port or 5432} user={u.username} dbname={u.database}"
    return psycopg.connect(dsn, autocommit=True)


def fresh_pg(admin_url: str, name: str) -> str:
    """Drop and create the bench database; its URL."""
    if name in FORBIDDEN_PG or name.startswith("promisedesk_test"):
        raise SystemExit(f"refusing to reset database {name!r}: pick a bench-only name")
    with _admin(admin_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_pg(admin_url: str, name: str) -> None:
    """Drop the bench database."""
    with _admin(admin_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fresh_sqlite(folder: Path) -> str:
    """An empty folder for one SQLite file; its URL."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return f"sqlite:///{folder / 'promisedesk.db'}"


# -- one size on one backend ----------------------------------------------------------


def _verify_layout(desk: Desk, slots: list[tuple[int, str]], size: int) -> int:
    """Every ticket stored, nothing due at T0, exactly one batch due per slot."""
    with desk.engine.connect() as conn:
        n_tickets = conn.execute(select(func.count()).select_from(tickets)).scalar_one()
        n_rows = conn.execute(select(func.count()).select_from(commitments)).scalar_one()
        at = commitments.c.sweep_at
        early = conn.execute(select(func.count()).where(at <= seed.T0)).scalar_one()
        per_slot = [
            conn.execute(
                select(func.count()).where(at > seed.slot_now(s - 1), at <= seed.slot_now(s))
            ).scalar_one()
            for s, _ in slots
        ]
    if n_tickets != size or early != 0 or any(n != seed.BATCH for n in per_slot):
        raise AssertionError(f"layout: {n_tickets} tickets, {early} due at T0, slots {per_slot}")
    return int(n_rows)


def _verify_ledgers(desk: Desk, now: Any) -> None:
    """Settled tickets' stored rows agree with their recomputed ledger; nothing left due."""
    with desk.store.reading() as tx:
        due = tx.conn.execute(
            select(func.count()).where(commitments.c.sweep_at <= now)
        ).scalar_one()
        if due:
            raise AssertionError(f"{due} rows still due after the sweeps")
        refs = tx.conn.execute(
            select(outbox.c.ticket_ref).where(outbox.c.kind == "escalation").limit(50)
        ).scalars()
        for ref in list(refs):
            ticket_id, evs = tx.events_of(ref)
            want = compute_ledger(ref, evs, desk.policy.sla, now)
            got = ledger_rows.read_ledger(tx.conn, ticket_id)
            pairs = zip(want, got, strict=True)
            if any(
                (w.id, w.outcome.value, w.due_at) != (g.id, g.outcome, g.due_at) for w, g in pairs
            ):
                raise AssertionError(f"{ref}: stored ledger differs from the recomputed one")


def _timed_sweep(desk: Desk, now: Any, probe: Statements) -> tuple[float, SweepReport]:
    with probe.counting():
        t = time.perf_counter()
        report = sweep(desk.store, desk.policy, now, limit=1000)
        return (time.perf_counter() - t) * 1000, report


def measure(args: argparse.Namespace, size: int, backend: str, out: Path) -> Run:
    """Seed one database of ``size`` open tickets and time the sweeps on it."""
    profile = args.profile and size == max(args.size_list)  # the largest size only
    slots = seed.plan(args.repeats, extra=1 if profile else 0)
    background = size - len(slots) * seed.BATCH
    if background < 0:
        raise SystemExit(f"size {size} is smaller than its {len(slots)} due batches")
    run = Run(size, backend, background)
    if backend == "sqlite":
        folder = Path(args.sqlite_dir) / f"n{size}"
        url, stamp = fresh_sqlite(folder), seed.sqlite_stamp
    else:
        url, stamp = fresh_pg(args.pg_admin_url, args.pg_database), seed.pg_stamp
    settings = Settings(database_url=url, config_path=Path("/nonexistent/promisedesk.toml"))
    desk = build(settings)
    probe = Statements()
    probe.attach(desk.engine)
    label = f"{backend} n={size:,}"
    try:
        checked = seed.check_background(desk.policy, desk.engine, background, stamp)
        print(f"[{label}] fast rows match the product's on {checked} sampled tickets", flush=True)
        t = time.perf_counter()
        rows = seed.background_rows(seed.template(desk.policy), 1, background, stamp)
        if backend == "sqlite":
            seed.bulk_sqlite(str(make_url(url).database), rows)
        else:
            seed.bulk_pg(url, rows)
        run.seed_bulk_s = time.perf_counter() - t
        print(f"[{label}] bulk {background:,} tickets in {run.seed_bulk_s:.1f} s", flush=True)
        t = time.perf_counter()
        seed.seed_due(desk.store, desk.policy, slots)
        run.seed_due_s = time.perf_counter() - t
        run.commitments = _verify_layout(desk, slots, size)
        print(f"[{label}] {len(slots)} due batches in {run.seed_due_s:.1f} s; "
              f"{run.commitments:,} commitments", flush=True)  # fmt: skip
        if backend == "pg":  # autovacuum would have analysed the new rows by now
            with desk.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
                conn.commit()

        statement, params = sweep_statement(desk.store, desk.policy, seed.T0, probe)
        plans = [f"-- {label}\n-- {statement}\n"]
        for name, at in (("nothing due", seed.T0), ("1,000 due", seed.slot_now(1))):
            now = stamp(seed._us(at)) if backend == "sqlite" else at
            plans.append(
                f"-- {name} (now = {at.isoformat()})\n"
                + explain(desk.engine, statement, params, now)
            )
        (out / f"plan-{backend}-{size}.txt").write_text("\n\n".join(plans) + "\n")

        for _ in range(args.empty_runs):
            ms, report = _timed_sweep(desk, seed.T0, probe)
            assert report == SweepReport(), report
            run.empty_ms.append(ms)
        run.statements["empty"], run.driver_ms["empty"] = probe.count, probe.seconds * 1000

        measured = slots[: len(slots) - (len(seed.SCENARIOS) if profile else 0)]
        for s, scenario in measured:
            ms, report = _timed_sweep(desk, seed.slot_now(s), probe)
            if report != EXPECT[scenario]:
                raise AssertionError(f"{scenario} sweep at slot {s}: {report}")
            run.due_ms.setdefault(scenario, []).append(ms)
            run.statements[scenario], run.driver_ms[scenario] = probe.count, probe.seconds * 1000
            run.by_kind[scenario] = dict(probe.by_kind)
            spent = run.ms_by_kind.setdefault(scenario, {})
            for k, v in probe.ms_by_kind.items():
                spent[k] = round(spent.get(k, 0.0) + v / args.repeats, 2)
        for s, scenario in slots[len(measured) :]:
            report, text = profiled(lambda s=s: sweep(desk.store, desk.policy, seed.slot_now(s)))
            assert report == EXPECT[scenario], report
            (out / f"profile-{backend}-{size}-{scenario}.txt").write_text(text)

        last = seed.slot_now(slots[-1][0])
        for _ in range(args.empty_runs):
            ms, report = _timed_sweep(desk, last, probe)
            assert report == SweepReport(), report
            run.empty_after_ms.append(ms)
        _verify_ledgers(desk, last)
        run.db_bytes = _size(desk, url)
    finally:
        desk.close()
        if backend == "pg" and not args.keep:
            drop_pg(args.pg_admin_url, args.pg_database)
        elif backend == "sqlite" and not args.keep:
            shutil.rmtree(Path(args.sqlite_dir) / f"n{size}", ignore_errors=True)
    return run


def _size(desk: Desk, url: str) -> int:
    if desk.engine.dialect.name == "sqlite":
        path = Path(str(make_url(url).database))
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    with desk.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar_one())


# -- report ----------------------------------------------------------------------------


def _median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def _p95(xs: list[float]) -> float:
    return sorted(xs)[max(0, round(0.95 * len(xs)) - 1)] if xs else float("nan")


def summary(runs: list[Run], meta: dict[str, Any]) -> str:
    """The markdown table: one row per size and backend."""
    lines = [
        f"Watcher sweep, {meta['when']} — {meta['machine']}",
        "",
        "| open tickets | backend | commitments | empty sweep ms (median / p95) "
        "| 1,000 warnings ms | 1,000 breaches ms | 1,000 escalating breaches ms "
        "| statements (empty / warn / breach / escalate) |",
        "|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in runs:
        due = {k: f"{_median(v):.0f} ({min(v):.0f}–{max(v):.0f})" for k, v in r.due_ms.items()}
        st = " / ".join(str(r.statements.get(k, "?")) for k in ("empty", *seed.SCENARIOS))
        lines.append(
            f"| {r.size:,} | {r.backend} | {r.commitments:,} "
            f"| {_median(r.empty_ms):.2f} / {_p95(r.empty_ms):.2f} "
            f"| {due.get('warn', '-')} | {due.get('breach', '-')} | {due.get('escalate', '-')} "
            f"| {st} |"
        )
    lines += [
        "",
        "Due sweeps: median (min–max) of the repeats, each one `sweep(limit=1000)` call.",
        "Targets: 1,000 due < 100 ms; nothing due < 5 ms; flat in open tickets.",
        "Statements are those SQLAlchemy ran: SQLite's batched writes (marks, notices,"
        " events) go on the driver's own cursor and are not counted.",
        "",
        "Time in the driver by statement, mean ms per sweep (on PostgreSQL the writes go"
        " in one pipeline, so theirs is the time to send; the server's work is waited for"
        " at its end, with the rest of the sweep):",
        "",
    ]
    for r in runs:
        for kind, spent in r.ms_by_kind.items():
            parts = ", ".join(f"{k} {v:.1f}" for k, v in spent.items())
            lines.append(f"- {r.backend} {r.size:,} {kind}: {parts}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--backends", default="sqlite,pg")
    parser.add_argument("--repeats", type=int, default=3, help="due sweeps of each kind")
    parser.add_argument("--empty-runs", type=int, default=50)
    parser.add_argument(
        "--profile", action="store_true", help="one more sweep of each kind, at the largest size"
    )
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--pg-database", default="promisedesk_bench_watcher")
    parser.add_argument("--sqlite-dir", default="/tmp/promisedesk-bench-watcher")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    args = parser.parse_args()
    sizes = args.size_list = [int(s.replace("_", "")) for s in args.sizes.split(",")]
    backends = args.backends.split(",")
    if set(backends) - {"sqlite", "pg"}:
        parser.error("--backends takes sqlite and/or pg")

    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    out = RESULTS / f"watcher-{stamp}"
    out.mkdir(parents=True)
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((ln.split(":", 1)[1].strip() for ln in cpuinfo if ln.startswith("model name")), "?")
    cpus = sum(ln.startswith("processor") for ln in cpuinfo)
    meta = {"when": stamp, "machine": f"{cpu}, {cpus} CPUs", "argv": sys.argv,
            "python": sys.version.split()[0]}  # fmt: skip
    runs: list[Run] = []
    for size in sizes:
        for backend in backends:
            runs.append(measure(args, size, backend, out))
            (out / "results.json").write_text(
                json.dumps({"meta": meta, "runs": [asdict(r) for r in runs]}, indent=1)
            )
            print(summary(runs[-1:], meta).splitlines()[4], flush=True)
    text = summary(runs, meta)
    (out / "summary.md").write_text(text)
    print(text)
    print(f"results in {out}")


if __name__ == "__main__":
    main()
