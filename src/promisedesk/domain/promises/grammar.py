"""The small English grammar of time phrases: clock times, days and durations.

The clock and duration patterns begin with a case-sensitive class of their trigger's
first letters and test the word boundary behind it, instead of a case-blind ``\\b``:
the regex engine then skips straight to candidate letters, which matters because the
linter runs on every pause in typing. The rest of each pattern is case-blind.
"""

from __future__ import annotations

import re

from promisedesk.domain.promises.sentences import folded
from promisedesk.domain.promises.zones import ZONE_PATTERN, ZONE_WORDS

MONTHS = {
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
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTH_WORDS = "|".join(sorted(MONTHS, key=len, reverse=True))
_PART = r"(?:morning|afternoon|evening|night)"
_DATE = (
    rf"(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)?(?:\s+of)?\s+(?:{MONTH_WORDS})\b"
    rf"|(?:{MONTH_WORDS})\s+\d{{1,2}}(?:st|nd|rd|th)?\b"
)
_DAY = (
    rf"(?:today|tonight|tomorrow(?:\s+{_PART})?|this\s+{_PART}"
    rf"|(?:(?:on|next|this)\s+)?(?:mon|tues|wednes|thurs|fri|satur|sun)day(?:\s+{_PART})?"
    rf"(?:,?\s+(?:{_DATE}))?"
    rf"|(?:on\s+)?(?:{_DATE}))"
)
_TIME = (
    r"(?P<h>\d{1,2})(?:[:.](?P<m>[0-5]\d))?(?!\d|[:./%]\d|/)"
    r"(?:\s?(?P<mer>[ap]\.m\.|[ap]\.?m\b))?(?P<oclock>\s?o'?clock)?"
    r"|(?P<named>noon|midday|midnight)"
)
# A trigger word then a time: "by 10:00", "no later than 4pm", "next update: 15:30".
# "(?<!\w.)" after the first letter is the word boundary before it.
CLOCK = re.compile(
    r"(?P<trigger>[bBaAnN](?<!\w.)(?i:(?<=n)(?:o\s+later\s+than|ot\s+later\s+than"
    r"|ext\s+update(?:\s+(?:is|will\s+be))?(?:\s*[:\-\u2013]\s*|\s+)(?:(?:at|by)\s+)?)"
    r"|(?<=b)(?:y|efore)|(?<=a)t))"
    rf"(?i:\s*(?:{_TIME})"
    rf"(?:\s?\(?(?P<zone>{ZONE_PATTERN})\)?(?![\w+]))?"
    rf"(?:\s*,?\s+(?P<post>{_DAY})\b)?)"
)
# A day phrase just before a clock phrase ("Monday by 9am"), matched backwards.
_PRE_DAY = re.compile(rf"(?=[tmwfsonjadTMWFSONJAD\d])\b(?P<pre>{_DAY})\s*,?\s+$", re.I)
# The words a day phrase can end with (besides a number).
_DAY_ENDINGS: tuple[str, ...] = (
    "day",
    "night",
    "tomorrow",
    "morning",
    "afternoon",
    "evening",
    "st",
    "nd",
    "rd",
    "th",
)
_DAY_ENDINGS += tuple(MONTHS)
DEADLINE_BEFORE = re.compile(r"\b(?:by|before|no\s+later\s+than)\s*$", re.I)
DAY_MONTH = re.compile(rf"(\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?\s+({MONTH_WORDS})\b")
MONTH_DAY = re.compile(rf"({MONTH_WORDS})\s+(\d{{1,2}})")
NUMBER_WORDS = {
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
# "in 45 minutes", "within the next hour", "in 2-3 hours". The first class includes
# the dotted and dotless capital I, which a case-blind "i" also matches.
RELATIVE = re.compile(
    r"(?P<trigger>[iIwW\u0130\u0131](?<!\w.)(?i:(?<=i)n|(?<=w)ithin))"
    r"(?i:\s+(?:the\s+next\s+)?"
    r"(?:(?P<whole>the\s+(?:next\s+)?hour)"
    r"|(?P<half>half\s+an\s+hour)"
    rf"|(?:about\s+|around\s+|roughly\s+|approximately\s+)?(?P<n>{_NUM})"
    rf"(?:\s*(?:-|\u2013|to|or)\s*(?P<n2>{_NUM}))?\s*"
    r"(?P<unit>minutes?|mins?|hours?|hrs?)\b))"
)
BARE_HOUR_FOLLOW = re.compile(
    rf"\s*(?:[.,;:!?)\n]|$|(?:today|tonight|tomorrow|this|on|next|at|and|or|latest|{ZONE_WORDS}"
    r"|mon|tue|wed|thu|fri|sat|sun)\b)",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d")


def day_before(text: str, start: int) -> re.Match[str] | None:
    """The day phrase ending just before ``text[start]`` ("Monday" in "Monday by 9am").

    The phrase must end in a day word, a month or a number, then spaces and perhaps a
    comma; checking that first spares the full pattern almost every time.
    """
    window = max(0, start - 60)
    head = text[window:start]
    if not head[-1:].isspace():
        return None
    head = head.rstrip()
    if head.endswith(","):
        head = head[:-1].rstrip()
    if not head or not (head[-1].isdigit() or folded(head[-10:]).endswith(_DAY_ENDINGS)):
        return None
    return _PRE_DAY.search(text, window, start)


def may_hold_clock_time(text: str, folded: str) -> bool:
    """False only if ``CLOCK`` cannot match: it needs a digit or a named time."""
    return bool(_DIGIT.search(text)) or any(w in folded for w in ("noon", "midday", "midnight"))


def may_hold_duration(folded: str) -> bool:
    """False only if ``RELATIVE`` cannot match: it needs a unit of time."""
    return "min" in folded or "hour" in folded or "hr" in folded
