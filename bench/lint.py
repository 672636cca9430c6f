"""Benchmark for issue 6: lint + promise extraction per reply, 200 characters to 4 KB.

Replies are built from the labelled corpus (customer-facing ones), joined until they
reach each size. Every message is made unique (a ticket reference and a shifted
``now``) so the extraction cache never answers for it: the figures are cold work.
One process; pin it to one core for the target figure. Target: p99 under 2 ms for a
2 KB reply. The machine's load average is printed with the results: on a shared
machine other processes' time slices land inside some timings, so read p99 beside it
(``p99 best`` takes each message's fastest of ``--repeats`` runs, which removes most of
those pauses but keeps the message's own cost).

    taskset -c 0 .venv/bin/python bench/lint.py          # ~30 s
    .venv/bin/python bench/lint.py --messages 500 --json
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from promisedesk.domain.lint import LintContext, clear_caches, lint

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "lint_corpus.jsonl"
SIZES = (200, 500, 1000, 2000, 4000)
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
TARGET_MS = {2000: 2.0}


def replies() -> list[str]:
    rows = [json.loads(line) for line in CORPUS.read_text().splitlines() if line.strip()]
    return [r["text"] for r in rows if r["kind"] != "internal_note"]


def build(texts: list[str], size: int, seed: int) -> str:
    """A reply of about ``size`` characters, joining corpus replies from ``seed`` on."""
    parts: list[str] = []
    i = seed
    while sum(len(p) + 2 for p in parts) < size:
        parts.append(texts[i % len(texts)])
        i += 7
    return "\n\n".join(parts)[:size]


def run(size: int, messages: int, texts: list[str], repeats: int) -> dict[str, float]:
    """Time ``messages`` replies of ``size`` characters; each is timed ``repeats`` times.

    ``p99_ms`` is over single runs as they happened. ``p99_best_ms`` takes each
    message's fastest run first, which removes pauses caused by other processes on a
    shared machine but keeps the message's own cost.
    """
    first: list[float] = []
    best: list[float] = []
    total_chars = 0
    for i in range(messages):
        text = f"PD-{100000 + i}: " + build(texts, size, i)
        context = LintContext(
            kind="update",
            now=NOW + timedelta(seconds=i),
            tz_name="Europe/London",
            cadence=timedelta(hours=2),
        )
        runs = []
        for _ in range(repeats):
            clear_caches()  # the extraction and sentence caches would answer a repeat
            start = time.perf_counter_ns()
            lint(text, context)
            runs.append((time.perf_counter_ns() - start) / 1e6)
        first.append(runs[0])
        best.append(min(runs))
        total_chars += len(text)
    first.sort()
    best.sort()
    return {
        "size": size,
        "messages": messages,
        "mean_chars": total_chars / messages,
        "p50_ms": statistics.median(first),
        "p99_ms": first[int(len(first) * 0.99) - 1],
        "max_ms": first[-1],
        "p50_best_ms": statistics.median(best),
        "p99_best_ms": best[int(len(best) * 0.99) - 1],
        "per_second": messages / (sum(first) / 1000),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000, help="messages per size")
    parser.add_argument("--repeats", type=int, default=3, help="runs per message")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    texts = replies()
    run(1000, 200, texts, 1)  # warm up regex compilation and zone loading
    # As a long-running server does after start-up: keep the start-up objects out of
    # every later collection, so pauses reflect the work of linting, not the heap.
    gc.collect()
    gc.freeze()
    load_before = os.getloadavg()
    results = [run(size, args.messages, texts, args.repeats) for size in SIZES]
    load_after = os.getloadavg()
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    failed = [r for r in results if r["p99_ms"] > TARGET_MS.get(int(r["size"]), float("inf"))]
    if args.json:
        report = {
            "python": platform.python_version(),
            "cpus": cpus,
            "load_average": {"before": load_before, "after": load_after},
            "target_met": not failed,
            "results": results,
        }
        print(json.dumps(report, indent=2))
    else:
        print(
            f"python {platform.python_version()} on {platform.machine()}, one process on "
            f"cpu(s) {cpus}; load average {_load(load_before)} before, "
            f"{_load(load_after)} after ({os.cpu_count()} cpus)"
        )
        print("| size | messages | p50 ms | p99 ms | max ms | p50 best | p99 best | messages/s |")
        print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for r in results:
            print(
                f"| {r['size']} | {r['messages']} | {r['p50_ms']:.3f} | {r['p99_ms']:.3f} "
                f"| {r['max_ms']:.3f} | {r['p50_best_ms']:.3f} | {r['p99_best_ms']:.3f} "
                f"| {r['per_second']:.0f} |"
            )
    for r in results:
        target = TARGET_MS.get(int(r["size"]))
        if target is None:
            continue
        verdict = "met" if r["p99_ms"] <= target else "MISSED"
        print(
            f"target {verdict}: p99 {r['p99_ms']:.3f} ms against {target} ms for "
            f"{r['size']} chars (best-of-{args.repeats} p99 {r['p99_best_ms']:.3f} ms)",
            file=sys.stderr if r in failed else sys.stdout,
        )
    return 1 if failed else 0


def _load(averages: tuple[float, float, float]) -> str:
    return "/".join(f"{a:.2f}" for a in averages)


if __name__ == "__main__":
    raise SystemExit(main())
