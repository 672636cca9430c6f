"""Whether a time in a clause is a commitment: forward-looking, not a condition,
not past tense, not a question or a request to the customer."""

from __future__ import annotations

import re

from promisedesk.domain.promises.sentences import clause_around

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


def commitment_clause(
    text: str, sentence: tuple[int, int], start: int, end: int, at: bool
) -> str | None:
    """The clause around ``text[start:end]`` if it commits to the time, else ``None``.

    ``at`` says the phrase was "at <time>", which also needs a forward-looking word in
    its sentence ("will", "next update", "call you").
    """
    s_text = text[sentence[0] : sentence[1]]
    if s_text.rstrip().endswith("?"):
        return None
    before, after = clause_around(text, sentence, start, end)
    clause = before + text[start:end] + after
    if _CONDITION.match(clause) or _REQUEST.search(clause):
        return None
    if not _FUTURE_MODAL.search(clause) and _looks_past(before):
        return None
    if at and not _FORWARD_CUE.search(s_text):
        return None
    return clause
