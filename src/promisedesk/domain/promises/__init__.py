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

Modules: ``sentences`` (sentence and clause spans), ``zones`` (IANA zones and the
abbreviations table), ``grammar`` (the time-phrase patterns), ``readings`` (a phrase
as instants), ``clauses`` (whether a clause commits) and ``extraction``.
"""

from promisedesk.domain.promises.extraction import (
    PAST_WINDOW,
    ExtractionFinding,
    ExtractionResult,
    Promise,
    extract_promises,
)
from promisedesk.domain.promises.extraction import clear_caches as _clear_extractions
from promisedesk.domain.promises.readings import DAYTIME_HOURS, FindingCode
from promisedesk.domain.promises.sentences import clear_caches as _clear_sentences
from promisedesk.domain.promises.sentences import folded, sentence_at, sentence_of, sentence_spans
from promisedesk.domain.promises.zones import ZONE_ABBREVIATIONS, zone_named


def clear_caches() -> None:
    """Forget cached extractions and sentence spans (for benchmarks of cold work)."""
    _clear_extractions()
    _clear_sentences()


__all__ = [
    "DAYTIME_HOURS",
    "PAST_WINDOW",
    "ZONE_ABBREVIATIONS",
    "ExtractionFinding",
    "ExtractionResult",
    "FindingCode",
    "Promise",
    "clear_caches",
    "extract_promises",
    "folded",
    "sentence_at",
    "sentence_of",
    "sentence_spans",
    "zone_named",
]
