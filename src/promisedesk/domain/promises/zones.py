"""Time zones: the customer's IANA zone and the abbreviations a reply may write."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from promisedesk.domain.errors import InvalidInput


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


class ZoneAbbreviations(Mapping[str, tzinfo]):
    """Abbreviations and their zones; IANA zones are loaded on first use, not at import."""

    def __init__(self, fixed: Mapping[str, tzinfo], regional: Mapping[str, str]) -> None:
        self._fixed = dict(fixed)
        self._regional = dict(regional)

    def __getitem__(self, name: str) -> tzinfo:
        fixed = self._fixed.get(name)
        if fixed is not None:
            return fixed
        return zone_named(self._regional[name])

    def __iter__(self) -> Iterator[str]:
        yield from self._fixed
        yield from self._regional

    def __len__(self) -> int:
        return len(self._fixed) + len(self._regional)


def _fixed(hours: float, name: str) -> tzinfo:
    return timezone(timedelta(hours=hours), name)


ZONE_ABBREVIATIONS: Mapping[str, tzinfo] = ZoneAbbreviations(
    {
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
    },
    {
        "ET": "America/New_York",
        "CT": "America/Chicago",
        "MT": "America/Denver",
        "PT": "America/Los_Angeles",
    },
)
"""Zone abbreviations read after a time; fixed offsets except the US generic ones."""

_ZONE_NAMES = "|".join(sorted(ZONE_ABBREVIATIONS, key=len, reverse=True))
ZONE_PATTERN = rf"(?:UTC|GMT)\s?[+\-\u2212]\s?\d{{1,2}}(?::?\d{{2}})?|(?:{_ZONE_NAMES})"
"""A zone written after a time: an abbreviation or an offset from UTC/GMT."""
ZONE_WORDS = _ZONE_NAMES
_OFFSET = re.compile(r"(?:UTC|GMT)\s?([+\-\u2212])\s?(\d{1,2})(?::?(\d{2}))?", re.I)


def zone_of(token: str | None, default: tzinfo) -> tzinfo:
    """The zone ``token`` names ("CET", "GMT+5:30"), or ``default`` if none or unknown."""
    if not token:
        return default
    m = _OFFSET.fullmatch(token)
    if m:
        sign = -1 if m.group(1) in "-\u2212" else 1
        offset = timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0))
        if offset < timedelta(hours=15):
            return timezone(sign * offset)
        return default
    return ZONE_ABBREVIATIONS.get(token.upper(), default)
