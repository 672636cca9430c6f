"""``extract_promises``: the times a reply commits to, as instants, and what is unclear."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache

from promisedesk.domain.errors import InvalidInput
from promisedesk.domain.promises.clauses import commitment_clause
from promisedesk.domain.promises.grammar import (
    CLOCK,
    DEADLINE_BEFORE,
    RELATIVE,
    day_before,
    may_hold_clock_time,
    may_hold_duration,
)
from promisedesk.domain.promises.readings import (
    FindingCode,
    bare_hour_ok,
    describe,
    duration,
    local_instant,
    parse_day,
    readings,
)
from promisedesk.domain.promises.sentences import folded, sentence_of, sentence_spans
from promisedesk.domain.promises.zones import zone_named, zone_of

PAST_WINDOW = timedelta(hours=6)
"""A day-less time that passed less than this long ago is past, not tomorrow."""


@dataclass(frozen=True)
class Promise:
    """A time the text commits to: ``due`` (aware, UTC) and where it was said."""

    due: datetime
    start: int
    end: int
    phrase: str
    sentence: str
    clause: str = ""


@dataclass(frozen=True)
class ExtractionFinding:
    """A time phrase that is not a clean promise: ambiguous, past, or on a DST change.

    ``candidates`` are the UTC instants it could mean (for ``past``, the one it means).
    """

    code: FindingCode
    start: int
    end: int
    phrase: str
    sentence: str
    message: str
    candidates: tuple[datetime, ...]


@dataclass(frozen=True)
class ExtractionResult:
    """What ``extract_promises`` found, each in order of position in the text."""

    promises: tuple[Promise, ...]
    findings: tuple[ExtractionFinding, ...]


def extract_promises(text: str, now: datetime, tz_name: str) -> ExtractionResult:
    """Find the times ``text`` commits to, read in the customer's zone ``tz_name``.

    ``now`` must be aware. Promises are due strictly after ``now``; ambiguous and
    already-past times are findings instead. Results are cached per (text, now, zone),
    so the linter's rules can share one extraction.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise InvalidInput("'now' must be timezone-aware.", {"now": now.isoformat()})
    return _extract(text, now.astimezone(UTC), tz_name)


def clear_caches() -> None:
    """Forget cached extractions (for benchmarks that time cold work)."""
    _extract.cache_clear()


@lru_cache(maxsize=256)
def _extract(text: str, now: datetime, tz_name: str) -> ExtractionResult:
    customer = zone_named(tz_name)
    low = folded(text)
    promises: list[Promise] = []
    findings: list[ExtractionFinding] = []
    if may_hold_clock_time(text, low):
        _clock_times(text, now, customer, promises, findings)
    if may_hold_duration(low):
        spans = sentence_spans(text)
        for m in RELATIVE.finditer(text):
            start, end = m.start(), m.end()
            sent = sentence_of(spans, start)
            clause = commitment_clause(text, sent, start, end, at=False)
            if clause is None:
                continue
            sentence = text[sent[0] : sent[1]]
            promises.append(
                Promise(now + duration(m), start, end, text[start:end], sentence, clause)
            )
    promises.sort(key=lambda p: p.start)
    findings.sort(key=lambda f: f.start)
    return ExtractionResult(tuple(promises), tuple(findings))


def _clock_times(
    text: str,
    now: datetime,
    customer: tzinfo,
    promises: list[Promise],
    findings: list[ExtractionFinding],
) -> None:
    """Add the promises and findings of every clock phrase ("by 10:00") in ``text``."""
    spans = sentence_spans(text)
    for m in CLOCK.finditer(text):
        if not bare_hour_ok(m, text):
            continue
        options = readings(m)
        if options is None:
            continue
        times, twelve_hour = options
        start, end = m.start(), m.end()
        pre = day_before(text, start)
        if pre:
            start = pre.start()
        sent = sentence_of(spans, start)
        at = m.group("trigger").lower() == "at" and not DEADLINE_BEFORE.search(
            text, max(0, start - 20), start
        )
        clause = commitment_clause(text, sent, start, end, at)
        if clause is None:
            continue
        phrase, sentence = text[start:end], text[sent[0] : sent[1]]
        zone = zone_of(m.group("zone"), customer)
        today = now.astimezone(zone).date()
        day = parse_day(pre.group("pre") if pre else m.group("post"), today)
        if len(times) > 1 and day.meridiem:
            times = [t for t in times if (t.hour < 12) == (day.meridiem == "am")] or times
        twelve_hour = twelve_hour and len(times) > 1
        chosen = times[0]
        if (m.group("named") or "").lower() == "midnight" and day.on is None:
            # "by midnight" is the end of today, not the start of it.
            on = today + timedelta(days=1)
        else:
            on = day.on or today
        due, dst = local_instant(on, chosen, zone)
        if due <= now and day.on is None:
            if twelve_hour:
                findings.append(_ambiguous(phrase, start, end, sentence, now, today, times, zone))
                continue
            if now - due > PAST_WINDOW:
                due, dst = local_instant(today + timedelta(days=1), chosen, zone)
        if due <= now:
            message = f"'{phrase}' is {describe(due, zone)}, which has already passed."
            findings.append(
                ExtractionFinding("past", start, end, phrase, sentence, message, (due,))
            )
            continue
        if dst == "dst-gap":
            message = (
                f"{chosen:%H:%M} does not exist on {on:%d %b} (clocks go forward); "
                f"read as {describe(due, zone)}."
            )
            findings.append(ExtractionFinding(dst, start, end, phrase, sentence, message, (due,)))
        elif dst == "dst-overlap":
            message = (
                f"{chosen:%H:%M} happens twice on {on:%d %b} (clocks go back); "
                f"read as the first, {describe(due, zone)}."
            )
            findings.append(ExtractionFinding(dst, start, end, phrase, sentence, message, (due,)))
        promises.append(Promise(due, start, end, phrase, sentence, clause))


def _ambiguous(
    phrase: str,
    start: int,
    end: int,
    sentence: str,
    now: datetime,
    today: date,
    times: list[time],
    zone: tzinfo,
) -> ExtractionFinding:
    """The finding for a bare hour whose daytime reading has passed ("by 10" at 11:00)."""
    other, _ = local_instant(today, times[1], zone)
    if other <= now:
        other, _ = local_instant(today + timedelta(days=1), times[1], zone)
    tomorrow, _ = local_instant(today + timedelta(days=1), times[0], zone)
    opts = tuple(sorted((other, tomorrow)))
    message = (
        f"'{phrase}' could mean "
        + " or ".join(describe(i, zone) for i in opts)
        + "; write the time with am/pm or a day."
    )
    return ExtractionFinding("ambiguous", start, end, phrase, sentence, message, opts)
