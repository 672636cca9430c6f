"""The linter measured against a labelled corpus of replies written for this project.

Each line of ``tests/data/lint_corpus.jsonl`` is a reply with its kind and context and
the rule ids a careful reviewer says should fire. Precision and recall are counted per
rule and per message; every rule must reach 0.9 on both. Run with ``-s`` to see the table.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from promisedesk.domain.errors import InvalidInput
from promisedesk.domain.events import Status
from promisedesk.domain.lint import BUILTIN_RULES, LintContext, PhraseRule, lint

CORPUS = Path(__file__).parents[1] / "data" / "lint_corpus.jsonl"
DEFAULT_NOW = "2026-03-10T09:00:00+00:00"
TARGET = 0.9
MIN_POSITIVES = 8


def load() -> list[dict[str, Any]]:
    return [json.loads(line) for line in CORPUS.read_text().splitlines() if line.strip()]


def context_of(row: dict[str, Any]) -> LintContext:
    minutes = row.get("cadence_minutes")
    next_at = row.get("next_update_at")
    return LintContext(
        kind=row["kind"],
        now=datetime.fromisoformat(row.get("now", DEFAULT_NOW)),
        tz_name=row.get("tz", "Europe/London"),
        status=Status(row.get("status", "in_progress")),
        cadence=timedelta(minutes=minutes) if minutes else None,
        next_update_at=datetime.fromisoformat(next_at) if next_at else None,
    )


def measure() -> tuple[dict[str, tuple[int, int, int]], list[str]]:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    misses = []
    for row in load():
        fired = {f.rule for f in lint(row["text"], context_of(row))}
        expected = set(row["expect"])
        for rule in fired & expected:
            tp[rule] += 1
        for rule in fired - expected:
            fp[rule] += 1
            misses.append(f"{row['id']} false {rule}: {row['text'][:90]}")
        for rule in expected - fired:
            fn[rule] += 1
            misses.append(f"{row['id']} missed {rule}: {row['text'][:90]}")
    return {r.id: (tp[r.id], fp[r.id], fn[r.id]) for r in BUILTIN_RULES}, misses


def test_corpus_is_large_and_varied() -> None:
    rows = load()
    assert len(rows) >= 150
    assert len({r["id"] for r in rows}) == len(rows)
    assert {r["kind"] for r in rows} == {
        "first_reply",
        "update",
        "escalation",
        "closure",
        "internal_note",
    }
    known = {r.id for r in BUILTIN_RULES}
    positives = Counter(rule for r in rows for rule in r["expect"])
    assert set(positives) <= known
    assert all(positives[rule] >= MIN_POSITIVES for rule in known), positives


def test_precision_and_recall_per_rule(capsys: pytest.CaptureFixture[str]) -> None:
    counts, misses = measure()
    lines = [f"{'rule':<22} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>10} {'recall':>7}"]
    failing = []
    for rule, (tp, fp, fn) in counts.items():
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        lines.append(f"{rule:<22} {tp:>4} {fp:>4} {fn:>4} {precision:>10.2f} {recall:>7.2f}")
        if precision < TARGET or recall < TARGET:
            failing.append(rule)
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    assert not failing, "\n".join(misses)


def test_internal_notes_are_not_held_to_customer_facing_rules() -> None:
    for row in load():
        if row["kind"] == "internal_note":
            assert lint(row["text"], context_of(row)) == []


def test_custom_rules_register_like_builtins() -> None:
    rules = BUILTIN_RULES.copy()
    rules.register(
        PhraseRule(
            "weekend-promise",
            "info",
            "Weekend work needs a manager's approval.",
            "Promise Monday instead.",
            re.compile(r"\bon\s+(?:saturday|sunday)\b", re.I),
        )
    )
    ctx = LintContext(kind="update", now=datetime.fromisoformat(DEFAULT_NOW))
    text = "We'll finish it on Saturday. Next update by 10:00."
    assert [(f.rule, text[f.start : f.end]) for f in lint(text, ctx, rules.rules())] == [
        ("weekend-promise", "on Saturday")
    ]
    with pytest.raises(InvalidInput, match="already registered"):
        rules.register(BUILTIN_RULES.rules(["blame"])[0])
    with pytest.raises(InvalidInput, match="Unknown lint rule"):
        BUILTIN_RULES.rules(["nope"])


def test_findings_carry_spans_messages_and_suggestions() -> None:
    now = datetime.fromisoformat(DEFAULT_NOW)
    text = "Hi Amy, I can see the site is down for you. The MX record is wrong; fixed soon."
    findings = lint(text, LintContext(kind="update", now=now, tz_name="Europe/London"))
    by_rule = {f.rule: f for f in findings}
    assert text[by_rule["jargon"].start : by_rule["jargon"].end] == "MX record"
    assert "deliver your email" in by_rule["jargon"].suggestion
    assert text[by_rule["vague-time"].start : by_rule["vague-time"].end] == "soon"
    assert by_rule["no-next-update"].start == by_rule["no-next-update"].end == len(text)
    assert [f.start for f in findings] == sorted(f.start for f in findings)


def test_closure_incomplete_names_what_is_missing() -> None:
    ctx = LintContext(kind="closure", now=datetime.fromisoformat(DEFAULT_NOW))
    (finding,) = lint("All fixed now. Please confirm it works.", ctx)
    assert finding.message == "This closing reply is missing a root cause and a prevention step."


def test_glossary_is_configurable() -> None:
    ctx = LintContext(
        kind="update",
        now=datetime.fromisoformat(DEFAULT_NOW),
        glossary={"CAB": "the change approval board"},
    )
    findings = lint("The CAB meets today; DNS is fine. Next update by 10:00.", ctx)
    assert [f.suggestion for f in findings] == ["Say 'the change approval board' instead."]


def test_bad_context_is_refused() -> None:
    now = datetime.fromisoformat(DEFAULT_NOW)
    with pytest.raises(InvalidInput, match="Unknown reply kind"):
        LintContext(kind="memo", now=now)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="Unknown time zone"):
        LintContext(kind="update", now=now, tz_name="Nowhere/Town")
