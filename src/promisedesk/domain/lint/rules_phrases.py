"""Rules that fire on a phrase: vague times, "no idea", non-apologies, blame, jargon and
unfilled placeholders.

The built-in patterns start with a case-sensitive class of the letters their phrases
begin with, test the word boundary behind that letter (``(?<!\\w.)``), then pick the
phrases for the letter with a lookbehind (``(?<=s)``) and match the rest case-blindly.
That reads the same as a case-blind ``\\b(?:soon|...)`` but lets the regex engine skip
straight to candidate letters instead of trying every phrase at every position. The
classes include the other letters a case-blind "i", "s" and "k" match (U+0130, U+0131,
U+017F, U+212A).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from promisedesk.domain.lint.context import CUSTOMER_FACING, Finding, Kind, LintContext, Severity
from promisedesk.domain.lint.glossary import compile_glossary, glossary_term
from promisedesk.domain.lint.rule import BuiltinRule
from promisedesk.domain.promises import folded, sentence_at, sentence_spans

_FAR = 2**62  # sorts after any span end, for bisecting spans by start
_AS_BEFORE = re.compile(r"\bas\s$", re.I)
_TO_CUSTOMER = re.compile(
    r"(?=[pcwli])\b(?:please|could\s+you|can\s+you|would\s+you|let\s+(?:us|me)\s+know|if\s+you)\b",
    re.I,
)


@dataclass(frozen=True)
class PhraseRule:
    """A rule that fires on each match of ``pattern``, except in sentences ``unless`` matches.

    The built-in ``non-apology``, ``blame`` and ``placeholder`` rules are phrase rules;
    a configuration can add its own the same way.
    """

    id: str
    severity: Severity
    message: str
    suggestion: str
    pattern: re.Pattern[str]
    unless: re.Pattern[str] | None = None
    kinds: frozenset[Kind] = CUSTOMER_FACING

    def check(self, text: str, context: LintContext) -> list[Finding]:
        """A finding per match of the pattern outside excused sentences."""
        out = []
        for m in self.pattern.finditer(text):
            if self.unless is not None:
                s, e = sentence_at(text, m.start())
                if self.unless.search(text, s, e):
                    continue
            out.append(
                Finding(self.id, self.severity, m.start(), m.end(), self.message, self.suggestion)
            )
        return out


class VagueTime(BuiltinRule):
    """A time commitment with no time in it: "soon", "ASAP", "in a bit"."""

    id = "vague-time"
    severity = "warning"
    message = "This promises a time without giving one."
    suggestion = "Give a clock time or a duration: 'I will update you by 14:30'."
    pattern = re.compile(
        r"[sSaAbBiImMlLeEwW\u017f\u0130\u0131](?<!\w.)(?i:"
        r"(?<=s)(?:oon(?:ish)?\b(?!\s+as\b)|hortly\b"
        r"|ometime\s+(?:today|tomorrow|soon|later|this\s+week|next\s+week)\b)"
        r"|(?<=a)(?:sap\b|\.S\.A\.P\b"
        r"|s\s+(?:soon|quickly)\s+as\s+(?:possible|(?:we|I)\s+(?:can|are\s+able))\b"
        r"|t\s+some\s+(?:point|stage)\b|ny\s+(?:minute|moment|time)\s+now\b)"
        r"|(?<=i)n\s+(?:a\s+(?:bit|while|little\s+while|few)\b(?!\s+(?:minutes|hours))"
        r"|due\s+course\b|the\s+(?:near|not\s+too\s+distant)\s+future\b|the\s+coming\s+days\b)"
        r"|(?<=b)efore\s+long\b|(?<=m)omentarily\b|(?<=l)ater\s+(?:today|on|this\s+week)\b"
        r"|(?<=e)ventually\b"
        r"|(?<=w)hen\s+(?:we|I)\s+(?:get|have|find)\s+a\s+(?:chance|moment|minute)\b)"
    )
    excused = re.compile(r"\b(?:get\s+well|speak|talk|see\s+you|chat)\s+soon\b", re.I)

    def check(self, text: str, context: LintContext) -> list[Finding]:
        """Vague phrases, unless the same sentence also gives a concrete time."""
        matches = list(self.pattern.finditer(text))
        if not matches:
            return []
        extraction = context.extraction(text)
        timed = sorted(
            [p.start for p in extraction.promises] + [f.start for f in extraction.findings]
        )
        out = []
        for m in matches:
            if _AS_BEFORE.search(text, max(0, m.start() - 3), m.start()):
                continue  # "as soon as the vendor replies" is a condition, not an estimate
            s, e = sentence_at(text, m.start())
            sentence = text[s:e]
            if self.excused.search(sentence) or _TO_CUSTOMER.search(sentence):
                continue
            i = bisect_left(timed, s)
            if i < len(timed) and timed[i] < e:
                continue
            out.append(self.finding(m.start(), m.end()))
        return out


class NoIdea(BuiltinRule):
    """Admitting ignorance with no next step: "I have no idea"."""

    id = "no-idea"
    severity = "warning"
    message = "This says you do not know, without saying what happens next."
    suggestion = "Say what you will do and when: 'I don't know yet; I'll update you by 14:00.'"
    pattern = re.compile(
        r"[iIwWnNyY\u0130\u0131](?<!\w.)(?i:"
        r"(?<=i)\s+(?:have|'ve\s+got|have\s+got|had)\s+no\s+(?:idea|clue)\b"
        r"|(?<=w)e\s+(?:have|'ve\s+got|have\s+got|had)\s+no\s+(?:idea|clue)\b"
        r"|(?<=n)(?:o\s+(?:idea|clue)\b|ot\s+a\s+clue\b)"
        r"|(?<=w)ho\s+knows\b|(?<=y)our\s+guess\s+is\s+as\s+good\s+as\s+(?:mine|ours)\b"
        r"|(?:(?<=i)|(?<=w)e)\s+(?:really\s+)?(?:don'?t|do\s+not|honestly\s+don'?t)\s+know\b"
        r"(?!\s+(?:if|whether)\s+you\b))"
    )
    next_step = re.compile(
        r"\b(?:I|we)(?:'ll|\s+will|\s+am|'m|\s+are|'re)\s+(?:\w+\s+){0,3}?"
        r"(?:find\w*\s+out|check\w*|investigat\w*|look\w*\s+into|ask\w*|escalat\w*|updat\w*"
        r"|confirm\w*|test\w*|contact\w*|call\w*|chas\w*|get\w*\s+back|working|trac\w*)\b"
        r"|\blet\s+me\s+(?:find\s+out|check|look|ask)\b|\bnext\s+update\b",
        re.I,
    )

    def check(self, text: str, context: LintContext) -> list[Finding]:
        """Ignorance with no promise or next step in its sentence or the next one."""
        matches = list(self.pattern.finditer(text))
        if not matches:
            return []
        spans = sentence_spans(text)
        promises = context.extraction(text).promises
        out = []
        for m in matches:
            idx = bisect_right(spans, (m.start(), _FAR)) - 1
            if idx < 0 or not spans[idx][0] <= m.start() < spans[idx][1]:
                continue
            s, e = spans[idx][0], spans[min(idx + 1, len(spans) - 1)][1]
            if self.next_step.search(text, s, e) or any(s <= p.start < e for p in promises):
                continue
            out.append(self.finding(m.start(), m.end()))
        return out


NON_APOLOGY = PhraseRule(
    "non-apology",
    "warning",
    "This apology doubts the customer's experience instead of owning it.",
    "Name the disruption: 'Sorry for the disruption to your morning.'",
    re.compile(
        r"[sSaArRiIuU\u017f\u0130\u0131](?<!\w.)(?i:"
        r"(?:(?<=s)orry|(?<=a)pologi[sz]e|(?<=a)pologies|(?<=r)egret)\s+(?:that\s+)?"
        r"(?:if|you\s+feel|you\s+felt|you\s+were\s+(?:upset|unhappy|offended)"
        r"|you(?:'re|\s+are)\s+(?:upset|unhappy)|that\s+you\s+feel"
        r"|for\s+any\s+(?:inconvenience|trouble|confusion)|any\s+(?:inconvenience|trouble|confusion)"
        r"|for\s+the\s+inconvenience\s+this\s+may)\b"
        r"|(?:(?<=i)nconvenience|(?<=u)pset)\s+(?:this|that|it)\s+may\s+have\s+caused\b)"
    ),
)
BLAME = PhraseRule(
    "blame",
    "error",
    "This blames or talks down to the customer.",
    "Describe what happened and what will help, without judging who got it wrong.",
    re.compile(
        r"[yYuUoOaAlLiIfFpPrRnNbB\u0130\u0131](?<!\w.)(?:(?i:"
        r"(?<=y)(?:ou\s+should(?:\s+have|'ve|\s+of)\s+(?!received|got\b|gotten|been|access|an?\b"
        r"|the\b|now\b|full\b|no\b|seen\b|it\b|your\b|a\s)\w+"
        r"|ou\s+(?:clearly|obviously)\s+(?:didn'?t|did\s+not|haven'?t|have\s+not)\b"
        r"|our\s+(?:own\s+)?fault\b|ou\s+were\s+(?:told|warned)\b)"
        r"|(?<=u)ser\s+error\b|(?<=o)perator\s+error\b"
        r"|(?<=a)s(?:\s+I\s+(?:already\s+|previously\s+|have\s+already\s+)?"
        r"(?:said|told\s+you|explained|stated|mentioned)\s*(?:before|earlier|previously|twice|already)"
        r"|\s+I\s+(?:already|previously|have\s+already)\s+(?:said|told\s+you|explained|stated)"
        r"|\s+(?:already|previously)\s+(?:stated|explained)"
        r"|\s+per\s+my\s+(?:last|previous)\s+(?:email|message|reply)\b)"
        r"|(?<=l)ike\s+I\s+(?:(?:already\s+|previously\s+|have\s+already\s+)?"
        r"(?:said|told\s+you|explained|stated|mentioned)\s*(?:before|earlier|previously|twice|already)"
        r"|(?:said|told\s+you)\b)"
        r"|(?<=i)(?:f\s+you\s+had\s+(?:read|followed|listened)\b|t'?s\s+(?:really\s+)?"
        r"(?:not\s+that\s+(?:hard|difficult)|very\s+simple|quite\s+simple|basic\s+stuff))"
        r"|(?<=f)or\s+the\s+(?:third|fourth|last)\s+time|(?<=r)ead\s+the\s+(?:manual|instructions)\b"
        r"|(?<=n)ot\s+our\s+(?:problem|fault)\b|(?<=b)etween\s+the\s+chair\s+and\b)"
        r"|(?:(?<=P)EBKAC|(?<=P)ICNIC|(?<=I)D10T)\b)"
    ),
)
PLACEHOLDER = PhraseRule(
    "placeholder",
    "error",
    "This is an unfilled placeholder.",
    "Replace it with the real value before sending.",
    re.compile(
        r"[\[{<XxHh?TF](?:(?<=\[)(?:[A-Za-z][A-Za-z _/-]{1,30})\](?!\()"
        r"|(?<=\{)\{?\s*[A-Za-z_][A-Za-z0-9_. ]{0,30}\}?\}"
        r"|(?<=<)(?!(?:b|i|p|br|hr|em|strong|div|span|li|ul|ol|a|u)\b)[a-z][a-z_ ]{1,20}>"
        r"|(?:(?<!\w.)(?:(?<=X)X|(?<=x)x|(?<=H)H|(?<=h)h)|(?<=\w\?)\?):(?:XX|xx|MM|mm|\?\?)\b"
        r"|(?<!\w.)(?:(?<=T)BD|(?<=T)BC|(?<=T)ODO|(?<=F)IXME)\b)"
    ),
)


class Jargon(BuiltinRule):
    """Terms from the glossary, each with its plain-language replacement."""

    id = "jargon"
    severity = "info"
    message = "This is jargon the customer may not know."
    suggestion = "Say what it means in plain words."

    def check(self, text: str, context: LintContext) -> list[Finding]:
        """Each glossary term not followed by an explanation in brackets."""
        glossary = compile_glossary(tuple(context.glossary))
        if not glossary.may_match(folded(text)):
            return []
        out = []
        for m in glossary.pattern.finditer(text):
            if text.startswith("(", m.end()) or text.startswith(" (", m.end()):
                continue
            term = glossary_term(m.group(), glossary.terms)
            if term is None:
                continue
            out.append(
                self.finding(
                    m.start(),
                    m.end(),
                    f"'{m.group()}' is jargon the customer may not know.",
                    f"Say '{context.glossary[term]}' instead.",
                )
            )
        return out
