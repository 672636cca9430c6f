"""Promises read from a reply's text: the times it commits to, as instants.

``extract_promises(text, now, tz_name)`` finds phrases such as "by 10:00", "at 2pm
tomorrow", "in 45 minutes", "within 2 hours", "no later than 16:30", "Monday by 9am"
and "at 14:00 CET", and turns each into an aware UTC instant with the sentence it came
from. It never guesses silently: a time that could mean two instants ("by 10" written
at 11:00) or that has already passed is returned as a finding, not as a promise.

The grammar is English and deliberately small (see ``docs/composer.md``):

* A clock time needs a trigger word in front of it (``by``, ``at``, ``before``,
  ``no later than``, ``next update:``); a bare "10:00 meeting" is never a promise.
* A time is only a promise in a clause that looks forward: past tense ("we restarted
  it at 10:00", "yesterday"), conditions ("if it is not back by 14:00"), questions
  and requests to the customer ("please send the logs by 15:00") are skipped. A time
  after ``at`` also needs a forward-looking word in its sentence ("will", "next
  update", "call you").
* Without a day, a time means today; if it passed within ``PAST_WINDOW`` it is
  reported as past, otherwise it rolls to tomorrow ("by 9am" written at 17:30).
  With "today"/"this afternoon" a passed time is always past.
* An hour with no am/pm and no minutes ("by 10"), or a one-digit hour with minutes
  ("by 5:30"), is read as its daytime reading (08:00-19:59: 10 -> 10:00,
  5:30 -> 17:30). Without a day, if that reading has passed it is ambiguous: later
  today at the other reading, or tomorrow?
* Explicit zone abbreviations come from ``ZONE_ABBREVIATIONS``, a fixed table: each
  means its fixed offset ("14:00 CET" is 13:00 UTC even in July), and ``ET``/``PT``
  mean the region's civil time. ``GMT+5:30``/``UTC-04:00`` are read as offsets.
* Local times are converted with ``zoneinfo``. A time that does not exist (the hour
  skipped when clocks go forward) is moved forward by the gap, as a clock would be;
  a time that occurs twice (clocks go back) means the first occurrence, the earlier
  and stricter promise. Both are reported as ``dst-gap``/``dst-overlap`` findings.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from promisedesk.domain.errors import InvalidInput

FindingCode = Literal["ambiguous", "past", "dst-gap", "dst-overlap"]

_FAR = 2**62  # sorts after any span end, for bisecting spans by start

PAST_WINDOW = timedelta(hours=6)
"""A day-less time that passed less than this long ago is past, not tomorrow."""

DAYTIME_HOURS = range(8, 20)
"""Hours an hour without am/pm is taken to mean (08:00-19:59)."""


def _fixed(hours: float, name: str) -> tzinfo:
    return timezone(timedelta(hours=hours), name)


ZONE_ABBREVIATIONS: dict[str, tzinfo] = {
    "UTC": UTC,
    "GMT": _fixed(0, "GMT"),
    "WET": _fixed(0, "WET"),
    "BST": _fixed(1, "BST"),
    "WEST": _fixed(1, "WEST"),
    "CET": _fixed(1, "CET"),
    "CEST": _fixed(2, "CEST"),
    "EET": _fixed(2, "EET"),
    "EEST": _fixed(3, "EEST"),
    "IST": _fixed(5.5, "IST"),  # India; Irish and Israel Standard Time are not read
    "SGT": _fixed(8, "SGT"),
    "AWST": _fixed(8, "AWST"),
    "JST": _fixed(9, "JST"),
    "ACST": _fixed(9.5, "ACST"),
    "AEST": _fixed(10, "AEST"),
    "AEDT": _fixed(11, "AEDT"),
    "NZST": _fixed(12, "NZST"),
    "NZDT": _fixed(13, "NZDT"),
    "EST": _fixed(-5, "EST"),
    "EDT": _fixed(-4, "EDT"),
    "CST": _fixed(-6, "CST"),  # US Central, not China
    "CDT": _fixed(-5, "CDT"),
    "MST": _fixed(-7, "MST"),
    "MDT": _fixed(-6, "MDT"),
    "PST": _fixed(-8, "PST"),
    "PDT": _fixed(-7, "PDT"),
    "ET": ZoneInfo("America/New_York"),
    "CT": ZoneInfo("America/Chicago"),
    "MT": ZoneInfo("America/Denver"),
    "PT": ZoneInfo("America/Los_Angeles"),
}
"""Zone abbreviations read after a time; fixed offsets except the US generic ones."""


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


# --- the grammar -------------------------------------------------------------------

_MONTHS = {
    name: i + 1
    for i, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        )
    )
    for name in names
}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_PART = r"(?:morning|afternoon|evening|night)"
_DATE = (
    rf"(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)?(?:\s+of)?\s+(?:{_MONTH_RE})\b"
    rf"|(?:{_MONTH_RE})\s+\d{{1,2}}(?:st|nd|rd|th)?\b"
)
_DAY = (
    rf"(?:today|tonight|tomorrow(?:\s+{_PART})?|this\s+{_PART}"
    rf"|(?:(?:on|next|this)\s+)?(?:mon|tues|wednes|thurs|fri|satur|sun)day(?:\s+{_PART})?"
    rf"(?:,?\s+(?:{_DATE}))?"
    rf"|(?:on\s+)?(?:{_DATE}))"
)
_ZONE_NAMES = "|".join(sorted(ZONE_ABBREVIATIONS, key=len, reverse=True))
_ZONE = rf"(?:UTC|GMT)\s?[+\-\u2212]\s?\d{{1,2}}(?::?\d{{2}})?|(?:{_ZONE_NAMES})"
_TIME = (
    r"(?P<h>\d{1,2})(?:[:.](?P<m>[0-5]\d))?(?!\d|[:./%]\d|/)"
    r"(?:\s?(?P<mer>[ap]\.m\.|[ap]\.?m\b))?(?P<oclock>\s?o'?clock)?"
    r"|(?P<named>noon|midday|midnight)"
)
# The clock pattern starts at its trigger word, found through a cheap first-letter
# lookahead; a day phrase before the trigger is matched backwards by _PRE_DAY.
_CLOCK = re.compile(
    r"(?=[bBaAnN])\b(?P<trigger>no\s+later\s+than|not\s+later\s+than|by|at|before"
    r"|next\s+update(?:\s+(?:is|will\s+be))?(?:\s*[:\-\u2013]\s*|\s+)(?:(?:at|by)\s+)?)"
    rf"\s*(?:{_TIME})"
    rf"(?:\s?\(?(?P<zone>{_ZONE})\)?(?![\w+]))?"
    rf"(?:\s*,?\s+(?P<post>{_DAY})\b)?",
    re.IGNORECASE,
)
_PRE_DAY = re.compile(rf"(?=[tmwfsonjadTMWFSONJAD\d])\b(?P<pre>{_DAY})\s*,?\s+$", re.I)
_DEADLINE_BEFORE = re.compile(r"\b(?:by|before|no\s+later\s+than)\s*$", re.I)
_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "ten": 10,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty-five": 45,
    "ninety": 90,
}
_NUM = r"\d+(?:\.\d+)?|an?|one|two|three|four|five|six|ten|fifteen|twenty|thirty|forty-five|ninety"
_RELATIVE = re.compile(
    r"\b(?P<trigger>in|within)\s+(?:the\s+next\s+)?"
    r"(?:(?P<whole>the\s+(?:next\s+)?hour)"
    r"|(?P<half>half\s+an\s+hour)"
    rf"|(?:about\s+|around\s+|roughly\s+|approximately\s+)?(?P<n>{_NUM})"
    rf"(?:\s*(?:-|\u2013|to|or)\s*(?P<n2>{_NUM}))?\s*"
    r"(?P<unit>minutes?|mins?|hours?|hrs?)\b)",
    re.IGNORECASE,
)
_BARE_HOUR_FOLLOW = re.compile(
    rf"\s*(?:[.,;:!?)\n]|$|(?:today|tonight|tomorrow|this|on|next|at|and|or|latest|{_ZONE_NAMES}"
    r"|mon|tue|wed|thu|fri|sat|sun)\b)",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*(?=\s)|\n")
_SENTENCE_START = re.compile(r"\s*[\"'(\[]?[A-Z0-9]")
_CLAUSE_BREAK = re.compile(
    r"(?=[;,:\u2014\s\-abstw])(?:[;,:\u2014]\s|\s\u2013\s|\s-\s|\b(?:and|but|so|then|while)\s)",
    re.I,
)
_FUTURE_MODAL = re.compile(
    r"(?=[wsg'\u2019])(?:\b(?:will|shall|going\s+to|won't)\b|'ll\b|\u2019ll\b)", re.I
)
_FORWARD_CUE = re.compile(
    r"(?=[wsgeapnuchbfrdt'])(?:\b(?:will|shall|going\s+to|expect\w*|aim\w*|plan\w*|scheduled|next|update\w*|call"
    r"|hear|back\s+to\s+you|follow\s+up|promise|review|due|target|should|check\s+in)\b|'ll\b)",
    re.I,
)
_PAST_WORD = re.compile(
    r"(?=[ylaewhdcsbtgrf])\b(?:yesterday|last\s+(?:night|week|month)|ago|earlier\s+today|was|were|had|did"
    r"|happened|went|came|saw|began|took|got|sent|spoke|rang|broke|fell|ran)\b",
    re.I,
)
_ED_WORD = re.compile(r"\b([a-z]{3,}ed)\b", re.I)
# Words ending in -ed that describe a plan or a state rather than a past action.
_NOT_PAST_ED = frozenset(
    {
        "scheduled", "expected", "planned", "booked", "needed", "required", "based",
        "related", "detailed", "dedicated", "limited", "interested", "concerned",
        "supported", "automated", "affected", "allocated", "assigned", "agreed", "intended",
    }
)  # fmt: skip
_BE_WORDS = frozenset({"be", "been", "being", "is", "are", "am", "'re", "'s", "get", "gets"})
_CONDITION = re.compile(r"\W*(?:if|unless|once|when|whenever)\b", re.I)
_REQUEST = re.compile(
    r"(?=[pcwlisy])\b(?:please|could\s+you|can\s+you|would\s+you"
    r"|let\s+(?:us|me)\s+know|if\s+you|send\s+(?:us|me)|you\s+(?:need|must)\s+to)\b",
    re.I,
)
_INFINITIVE = re.compile(r"\bto\s+[a-z]+", re.I)


def sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    """The (start, end) of each sentence or line of ``text``, without the gaps between."""
    return _sentence_spans(text)


@lru_cache(maxsize=256)
def _sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        # A full stop ends a sentence only before a capital or a digit ("a.m. today"
        # does not); a line break always does.
        if m.group() != "\n" and not _SENTENCE_START.match(text, m.end()):
            continue
        end = m.start() if m.group() == "\n" else m.end()
        if text[start:end].strip():
            lead = len(text[start:end]) - len(text[start:end].lstrip())
            spans.append((start + lead, end))
        start = end
    if text[start:].strip():
        lead = len(text[start:]) - len(text[start:].lstrip())
        spans.append((start + lead, len(text.rstrip())))
    return tuple(spans)


def _sentence_of(spans: tuple[tuple[int, int], ...], pos: int) -> tuple[int, int]:
    i = bisect_right(spans, (pos, _FAR)) - 1
    if i >= 0 and spans[i][0] <= pos < spans[i][1]:
        return spans[i]
    return pos, pos


def sentence_at(text: str, pos: int) -> tuple[int, int]:
    """The (start, end) of the sentence holding ``text[pos]``, or (pos, pos) if none."""
    return _sentence_of(_sentence_spans(text), pos)


def _clause_of(text: str, sentence: tuple[int, int], start: int, end: int) -> tuple[str, str]:
    """The words before and after ``text[start:end]`` within its clause."""
    s_start, s_end = sentence
    before = text[s_start:start]
    cut = 0
    for m in _CLAUSE_BREAK.finditer(before):
        cut = m.end()
    after = text[end:s_end]
    stop = _CLAUSE_BREAK.search(after)
    return before[cut:], after[: stop.start()] if stop else after


def _looks_past(clause_before: str) -> bool:
    """Past tense in the words before the time, unless an infinitive follows it."""
    last: re.Match[str] | None = None
    for m in _PAST_WORD.finditer(clause_before):
        last = m
    for m in _ED_WORD.finditer(clause_before):
        word = m.group(1).lower()
        if word in _NOT_PAST_ED:
            continue
        prev = clause_before[: m.start()].split()
        if prev and prev[-1].lower() in _BE_WORDS:
            continue
        if last is None or m.start() > last.start():
            last = m
    return last is not None and not _INFINITIVE.search(clause_before[last.end() :])


def _is_commitment(text: str, sentence: tuple[int, int], start: int, end: int, at: bool) -> bool:
    s_text = text[sentence[0] : sentence[1]]
    if s_text.rstrip().endswith("?"):
        return False
    before, after = _clause_of(text, sentence, start, end)
    clause = before + text[start:end] + after
    if _CONDITION.match(clause) or _REQUEST.search(clause):
        return False
    if not _FUTURE_MODAL.search(clause) and _looks_past(before):
        return False
    return not at or bool(_FORWARD_CUE.search(s_text))


# --- turning a phrase into instants ------------------------------------------------


@dataclass(frozen=True)
class _Day:
    """A day phrase: ``None`` date means "no day given"; ``explicit`` forbids rolling."""

    on: date | None
    meridiem: Literal["am", "pm"] | None = None
    today_words: bool = False


def _parse_day(phrase: str | None, today: date) -> _Day:
    if not phrase:
        return _Day(None)
    p = " ".join(phrase.lower().split())
    mer: Literal["am", "pm"] | None = None
    if "morning" in p:
        mer = "am"
    elif any(w in p for w in ("afternoon", "evening", "night", "tonight")):
        mer = "pm"
    if p.startswith(("today", "tonight", "this morning", "this afternoon", "this evening")):
        return _Day(today, mer, today_words=True)
    if p.startswith("this night"):
        return _Day(today, mer, today_words=True)
    if p.startswith("tomorrow"):
        return _Day(today + timedelta(days=1), mer)
    dm = re.search(rf"(\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?\s+({_MONTH_RE})\b", p) or re.search(
        rf"({_MONTH_RE})\s+(\d{{1,2}})", p
    )
    if dm:
        a, b = dm.groups()
        day_s, month_s = (a, b) if a.isdigit() else (b, a)
        on = _nearest_date(today, _MONTHS[month_s], int(day_s))
        return _Day(on, mer, today_words=True) if on else _Day(None)
    for i, name in enumerate(_WEEKDAYS):
        if name in p:
            ahead = (i - today.weekday()) % 7
            if ahead == 0 and p.startswith("next"):
                ahead = 7
            return _Day(today + timedelta(days=ahead), mer, today_words=ahead == 0)
    return _Day(None)


def _nearest_date(today: date, month: int, day: int) -> date | None:
    options = []
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            options.append(date(year, month, day))
        except ValueError:
            continue
    return min(options, key=lambda d: abs((d - today).days)) if options else None


def _local_instant(on: date, at: time, zone: tzinfo) -> tuple[datetime, FindingCode | None]:
    """``on`` at ``at`` in ``zone`` as UTC, with the DST case it fell into, if any."""
    naive = datetime.combine(on, at)
    first = naive.replace(tzinfo=zone, fold=0)
    if first.replace(fold=1).utcoffset() != first.utcoffset():
        back = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        if back != naive:
            # In a gap fold=0 reads the time with the offset before the change, which
            # lands after the gap: the instant a clock set forward would show.
            return first.astimezone(UTC), "dst-gap"
        return first.astimezone(UTC), "dst-overlap"
    return first.astimezone(UTC), None


def _zone_of(token: str | None, default: tzinfo) -> tzinfo:
    if not token:
        return default
    m = re.fullmatch(r"(?:UTC|GMT)\s?([+\-\u2212])\s?(\d{1,2})(?::?(\d{2}))?", token, re.I)
    if m:
        sign = -1 if m.group(1) in "-\u2212" else 1
        offset = timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0))
        if offset < timedelta(hours=15):
            return timezone(sign * offset)
        return default
    return ZONE_ABBREVIATIONS.get(token.upper(), default)


def _readings(m: re.Match[str]) -> tuple[list[time], bool] | None:
    """The readings a time phrase allows, likeliest first, and whether it is a bare hour."""
    named = m.group("named")
    if named:
        n = named.lower()
        return ([time(0, 0)] if n == "midnight" else [time(12, 0)]), False
    h, minutes = int(m.group("h")), int(m.group("m") or 0)
    mer = (m.group("mer") or "").lower().replace(".", "")
    if mer:
        if not 1 <= h <= 12:
            return None
        return [time(h % 12 + (12 if mer == "pm" else 0), minutes)], False
    if h > 23:
        return None
    twelve_hour = 1 <= h <= 12 and (m.group("m") is None or len(m.group("h")) == 1)
    if not twelve_hour:
        return [time(h, minutes)], False
    other = (h + 12) % 24
    daytime, night = (h, other) if h in DAYTIME_HOURS else (other, h)
    # "by 5:30" is read as 17:30 unless a day word says morning; only a bare hour
    # ("by 10") stays open to both readings, ambiguous if its daytime one has passed.
    return [time(daytime, minutes), time(night, minutes)], m.group("m") is None


def _bare_hour_ok(m: re.Match[str], text: str) -> bool:
    if m.group("named") or m.group("m") or m.group("mer") or m.group("oclock") or m.group("zone"):
        return True
    return bool(_BARE_HOUR_FOLLOW.match(text, m.end("h")))


def _fmt(instant: datetime, zone: tzinfo) -> str:
    local = instant.astimezone(zone)
    return local.strftime("%a %d %b %H:%M ") + (local.tzname() or "")


@lru_cache(maxsize=256)
def _extract(text: str, now: datetime, tz_name: str) -> ExtractionResult:
    customer = zone_named(tz_name)
    spans = _sentence_spans(text)
    promises: list[Promise] = []
    findings: list[ExtractionFinding] = []

    def finding(
        code: FindingCode, start: int, end: int, sentence: str, msg: str, *c: datetime
    ) -> None:
        findings.append(ExtractionFinding(code, start, end, text[start:end], sentence, msg, c))

    def _clause(sent: tuple[int, int], start: int, end: int) -> str:
        before, after = _clause_of(text, sent, start, end)
        return before + text[start:end] + after

    for m in _CLOCK.finditer(text):
        if not _bare_hour_ok(m, text):
            continue
        readings = _readings(m)
        if readings is None:
            continue
        times, twelve_hour = readings
        start, end = m.start(), m.end()
        pre = _PRE_DAY.search(text, max(0, start - 60), start)
        if pre:
            start = pre.start()
        sent = _sentence_of(spans, start)
        trigger = m.group("trigger").lower()
        at = trigger == "at" and not _DEADLINE_BEFORE.search(text, max(0, start - 20), start)
        if not _is_commitment(text, sent, start, end, at):
            continue
        sentence = text[sent[0] : sent[1]]
        zone = _zone_of(m.group("zone"), customer)
        today = now.astimezone(zone).date()
        day = _parse_day(pre.group("pre") if pre else m.group("post"), today)
        if len(times) > 1 and day.meridiem:
            times = [t for t in times if (t.hour < 12) == (day.meridiem == "am")] or times
        twelve_hour = twelve_hour and len(times) > 1
        chosen = times[0]
        if (m.group("named") or "").lower() == "midnight" and day.on is None:
            # "by midnight" is the end of today, not the start of it.
            on = today + timedelta(days=1)
        else:
            on = day.on or today
        due, dst = _local_instant(on, chosen, zone)
        if due <= now and day.on is None:
            if twelve_hour:
                other, _ = _local_instant(today, times[1], zone)
                if other <= now:
                    other, _ = _local_instant(today + timedelta(days=1), times[1], zone)
                tomorrow, _ = _local_instant(today + timedelta(days=1), chosen, zone)
                opts = tuple(sorted((other, tomorrow)))
                finding(
                    "ambiguous",
                    start,
                    end,
                    sentence,
                    f"'{text[start:end]}' could mean "
                    + " or ".join(_fmt(i, zone) for i in opts)
                    + "; write the time with am/pm or a day.",
                    *opts,
                )
                continue
            if now - due > PAST_WINDOW:
                due, dst = _local_instant(today + timedelta(days=1), chosen, zone)
        if due <= now:
            finding(
                "past",
                start,
                end,
                sentence,
                f"'{text[start:end]}' is {_fmt(due, zone)}, which has already passed.",
                due,
            )
            continue
        if dst == "dst-gap":
            finding(
                "dst-gap",
                start,
                end,
                sentence,
                f"{chosen:%H:%M} does not exist on {on:%d %b} (clocks go forward); "
                f"read as {_fmt(due, zone)}.",
                due,
            )
        elif dst == "dst-overlap":
            finding(
                "dst-overlap",
                start,
                end,
                sentence,
                f"{chosen:%H:%M} happens twice on {on:%d %b} (clocks go back); "
                f"read as the first, {_fmt(due, zone)}.",
                due,
            )
        promises.append(
            Promise(due, start, end, text[start:end], sentence, _clause(sent, start, end))
        )

    for m in _RELATIVE.finditer(text):
        start, end = m.start(), m.end()
        sent = _sentence_of(spans, start)
        if not _is_commitment(text, sent, start, end, at=False):
            continue
        due = now + _duration(m)
        promises.append(
            Promise(
                due, start, end, text[start:end], text[sent[0] : sent[1]], _clause(sent, start, end)
            )
        )

    promises.sort(key=lambda p: p.start)
    findings.sort(key=lambda f: f.start)
    return ExtractionResult(tuple(promises), tuple(findings))


def _duration(m: re.Match[str]) -> timedelta:
    if m.group("whole"):
        return timedelta(hours=1)
    if m.group("half"):
        return timedelta(minutes=30)
    # A range ("2-3 hours") commits to its far end.
    raw = (m.group("n2") or m.group("n")).lower()
    amount = float(_NUMBER_WORDS.get(raw, 0) or raw)
    unit = m.group("unit").lower()
    return timedelta(hours=amount) if unit.startswith("h") else timedelta(minutes=amount)


def zone_named(tz_name: str) -> ZoneInfo:
    """The IANA zone called ``tz_name``, or ``InvalidInput`` naming it."""
    try:
        return _zone_cached(tz_name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(
            f"Unknown time zone {tz_name!r}: use an IANA name such as 'Europe/London'.",
            {"tz": tz_name},
        ) from exc


@lru_cache(maxsize=64)
def _zone_cached(tz_name: str) -> ZoneInfo:
    return ZoneInfo(tz_name)


def extract_promises(text: str, now: datetime, tz_name: str) -> ExtractionResult:
    """Find the times ``text`` commits to, read in the customer's zone ``tz_name``.

    ``now`` must be aware. Promises are due strictly after ``now``; ambiguous and
    already-past times are findings instead. Results are cached per (text, now, zone),
    so the linter's rules can share one extraction.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise InvalidInput("'now' must be timezone-aware.", {"now": now.isoformat()})
    return _extract(text, now.astimezone(UTC), tz_name)
