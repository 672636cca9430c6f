"""Sentences and clauses of a reply: the spans time phrases and lint rules are read in.

Every pattern here starts with a character class rather than a lookahead or ``\\b``,
so the regex engine can skip to candidate characters without trying a match at every
position of the text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache

_FAR = 2**62  # sorts after any span end, for bisecting spans by start

# A full stop, "!" or "?" (and closing quotes or brackets) before whitespace, or a
# line break. A full stop ends a sentence only before a capital or a digit ("a.m. today"
# does not); a line break always does.
_SENTENCE_END = re.compile(r"[.!?\n](?:(?<=\n)|[\"')\]]*(?=\s)(?=\s*[\"'(\[]?[A-Z0-9]))")
# Punctuation, a dash or a conjunction between clauses.
_CLAUSE_BREAK = re.compile(
    r"[;,:\u2014\saAbBsStTwW\u017f](?:(?<=[;,:\u2014])\s|(?<=\s)\u2013\s|(?<=\s)-\s"
    r"|(?<!\w.)(?i:(?<=a)nd|(?<=b)ut|(?<=s)o|(?<=t)hen|(?<=w)hile)\s)"
)
# The characters that match an ASCII letter case-blindly but do not lower-case to it.
_CASE_EXTRAS = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


def sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    """The (start, end) of each sentence or line of ``text``, without the gaps between."""
    return _sentence_spans(text)


@lru_cache(maxsize=256)
def _sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        end = m.start() if text[m.start()] == "\n" else m.end()
        piece = text[start:end]
        if not piece.isspace() and piece:
            spans.append((end - len(piece.lstrip()), end))
        start = end
    rest = text[start:]
    if rest and not rest.isspace():
        spans.append((len(text) - len(rest.lstrip()), len(text.rstrip())))
    return tuple(spans)


def sentence_of(spans: tuple[tuple[int, int], ...], pos: int) -> tuple[int, int]:
    """The span in ``spans`` holding ``pos``, or (pos, pos) if none does."""
    i = bisect_right(spans, (pos, _FAR)) - 1
    if i >= 0 and spans[i][0] <= pos < spans[i][1]:
        return spans[i]
    return pos, pos


def sentence_at(text: str, pos: int) -> tuple[int, int]:
    """The (start, end) of the sentence holding ``text[pos]``, or (pos, pos) if none."""
    return sentence_of(_sentence_spans(text), pos)


def clause_around(text: str, sentence: tuple[int, int], start: int, end: int) -> tuple[str, str]:
    """The words before and after ``text[start:end]`` within its clause."""
    s_start, s_end = sentence
    before = text[s_start:start]
    cut = 0
    for m in _CLAUSE_BREAK.finditer(before):
        cut = m.end()
    after = text[end:s_end]
    stop = _CLAUSE_BREAK.search(after)
    return before[cut:], after[: stop.start()] if stop else after


def folded(text: str) -> str:
    """``text`` lower-cased so that ``word in folded(text)`` holds wherever a case-blind
    pattern could match the ASCII ``word``: a cheap test before running the pattern."""
    return text.lower() if text.isascii() else text.translate(_CASE_EXTRAS).lower()


def clear_caches() -> None:
    """Forget cached sentence spans (for benchmarks that time cold work)."""
    _sentence_spans.cache_clear()
