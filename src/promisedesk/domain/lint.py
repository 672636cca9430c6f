"""The reply linter: small rules that catch what a customer should never read.

Each rule is an object with an ``id``, a ``severity``, a ``message`` (what is wrong),
a ``suggestion`` (what to write instead), the reply ``kinds`` it applies to, and
``check(text, context)`` returning ``Finding``s with character spans. Findings are
data, never exceptions. Built-in rules are registered in ``BUILTIN_RULES`` exactly as
a custom rule would be::

    rules = BUILTIN_RULES.copy()
    rules.register(PhraseRule("no-weekend", "info", "...", "...", re.compile(r"weekend")))
    findings = lint(text, context, rules.rules())

Rules are tuned for precision: each one fires on a phrase in a context that makes it
wrong, not on every occurrence of a word. A finding about the whole message (no
next-update time, an incomplete closure) has an empty span at the end of the text,
where the missing sentence would go. Internal notes are held to none of the built-in
rules. See ``docs/composer.md`` for each rule and ``tests/data/lint_corpus.jsonl`` for
what it is measured against.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from functools import lru_cache
from types import MappingProxyType
from typing import Literal, Protocol, TypeVar, get_args

from promisedesk.domain.errors import InvalidInput
from promisedesk.domain.events import Status
from promisedesk.domain.priority import Priority
from promisedesk.domain.promises import (
    ExtractionResult,
    Promise,
    extract_promises,
    sentence_at,
    sentence_spans,
    zone_named,
)

Kind = Literal["first_reply", "update", "escalation", "closure", "internal_note"]
Severity = Literal["error", "warning", "info"]
KINDS: tuple[Kind, ...] = get_args(Kind)
CUSTOMER_FACING: frozenset[Kind] = frozenset(k for k in KINDS if k != "internal_note")
WHILE_OPEN: frozenset[Kind] = frozenset({"first_reply", "update", "escalation"})
_NOT_AWAITING_US = frozenset({Status.waiting_on_customer, Status.resolved, Status.closed})

DEFAULT_GLOSSARY: Mapping[str, str] = MappingProxyType(
    {
        "DNS": "the system that turns web addresses into server locations",
        "MX record": "the setting that tells other mail servers where to deliver your email",
        "TTL": "the time a change takes to reach everyone",
        "DHCP lease": "the network address your computer has been lent",
        "DHCP": "the service that gives each device its network address",
        "VLAN": "a separate section of the network",
        "SMTP relay": "the server that passes outgoing email on",
        "SMTP": "the email sending service",
        "RAID": "the set of disks that keeps copies of your data",
        "TLS handshake": "setting up the secure connection",
        "SPF record": "the setting that proves our email is genuine",
        "DKIM": "the signature that proves our email is genuine",
        "CNAME": "an alias for a web address",
        "LDAP": "the staff directory",
        "BGP": "the routes between internet providers",
        "MTU": "the size limit for network traffic",
        "ARP cache": "the network's record of which device is where",
        "subnet": "part of the network",
        "GPO": "a central Windows setting",
        "Kerberos ticket": "your sign-in pass",
        "hypervisor": "the host that runs the virtual servers",
        "LUN": "a storage volume",
        "SAN": "the shared storage system",
        "IMAP": "the way your mail app collects email",
        "NAT": "the address translation in the firewall",
        "OAuth token": "the saved sign-in for the app",
    }
)
"""Jargon and its plain-language replacement; the configuration can pass its own."""


@dataclass(frozen=True)
class Finding:
    """One thing wrong in a reply, at ``text[start:end]``."""

    rule: str
    severity: Severity
    start: int
    end: int
    message: str
    suggestion: str


@dataclass(frozen=True)
class LintContext:
    """What a rule may know about the reply besides its text.

    ``now`` is aware; ``tz_name`` is the customer's IANA zone, in which times in the
    text are read. ``status``, ``priority``, ``cadence`` and ``next_update_at`` (the
    reply's structured next-update field) are ``None`` when not known.
    """

    kind: Kind
    now: datetime
    tz_name: str = "UTC"
    status: Status | None = None
    priority: Priority | None = None
    cadence: timedelta | None = None
    next_update_at: datetime | None = None
    glossary: Mapping[str, str] = field(default_factory=lambda: DEFAULT_GLOSSARY)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InvalidInput(
                f"Unknown reply kind {self.kind!r}: use one of {', '.join(KINDS)}.",
                {"kind": self.kind},
            )
        if self.now.tzinfo is None or self.now.utcoffset() is None:
            raise InvalidInput("'now' must be timezone-aware.", {"now": self.now.isoformat()})
        zone_named(self.tz_name)

    @property
    def zone(self) -> tzinfo:
        """The customer's zone."""
        return zone_named(self.tz_name)

    def extraction(self, text: str) -> ExtractionResult:
        """The promises in ``text``; cached, so rules that need it share one pass."""
        return extract_promises(text, self.now, self.tz_name)


class Rule(Protocol):
    """What every lint rule, built-in or custom, provides."""

    @property
    def id(self) -> str:
        """Stable identifier, used by the API, the CLI and the pages."""
        ...

    @property
    def severity(self) -> Severity:
        """``error`` (do not send), ``warning`` or ``info``."""
        ...

    @property
    def message(self) -> str:
        """What is wrong, in general terms."""
        ...

    @property
    def suggestion(self) -> str:
        """What to write instead."""
        ...

    @property
    def kinds(self) -> frozenset[Kind]:
        """The kinds of reply the rule applies to."""
        ...

    def check(self, text: str, context: LintContext) -> list[Finding]:
        """The findings of this rule in ``text``."""
        ...


R = TypeVar("R", bound=Rule)


class RuleRegistry:
    """An ordered set of rules by id; built-in and custom rules register alike."""

    def __init__(self, rules: Iterable[Rule] = ()) -> None:
        self._rules: dict[str, Rule] = {}
        for rule in rules:
            self.register(rule)

    def register(self, rule: R) -> R:
        """Add ``rule``; an id may be registered once."""
        if rule.id in self._rules:
            raise InvalidInput(f"A lint rule with the id {rule.id!r} is already registered.")
        self._rules[rule.id] = rule
        return rule

    def rules(self, ids: Iterable[str] | None = None) -> tuple[Rule, ...]:
        """The registered rules, or those named in ``ids`` (unknown ids refused)."""
        if ids is None:
            return tuple(self._rules.values())
        wanted = list(ids)
        unknown = [i for i in wanted if i not in self._rules]
        if unknown:
            raise InvalidInput(f"Unknown lint rule(s): {', '.join(unknown)}.", {"rules": unknown})
        return tuple(self._rules[i] for i in wanted)

    def copy(self) -> RuleRegistry:
        """A registry with the same rules, to add custom rules to."""
        return RuleRegistry(self._rules.values())

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._rules.values())


def lint(text: str, context: LintContext, rules: Iterable[Rule] | None = None) -> list[Finding]:
    """Every finding of ``rules`` (default: the built-ins) in ``text``, by position."""
    chosen = DEFAULT_RULES if rules is None else rules
    findings = [
        f for rule in chosen if context.kind in rule.kinds for f in rule.check(text, context)
    ]
    return sorted(findings, key=lambda f: (f.start, f.end, f.rule))


# --- shared helpers ----------------------------------------------------------------


class _Base:
    id: str
    severity: Severity
    message: str
    suggestion: str
    kinds: frozenset[Kind] = CUSTOMER_FACING

    def finding(self, start: int, end: int, message: str = "", suggestion: str = "") -> Finding:
        return Finding(
            self.id, self.severity, start, end, message or self.message,
            suggestion or self.suggestion,
        )  # fmt: skip


_FAR = 2**62  # sorts after any span end, for bisecting spans by start


def _end(text: str) -> int:
    return len(text.rstrip())


def _local(instant: datetime, zone: tzinfo) -> str:
    local = instant.astimezone(zone)
    return f"{local:%H:%M} {local.tzname()} on {local:%a %d %b}"


_UPDATE_CUE = re.compile(
    r"\b(?:updat\w*|hear\s+from|get\s+back|back\s+to\s+you|be\s+in\s+touch|let\s+you\s+know"
    r"|call\s+you|contact\s+you|next|check\s+in|write\s+again)\b",
    re.I,
)


def _next_update_promise(promises: Iterable[Promise]) -> Promise | None:
    """The promise that is the next update: the earliest one that talks of an update."""
    ordered = sorted(promises, key=lambda p: p.due)
    return next((p for p in ordered if _UPDATE_CUE.search(p.clause)), None) or next(
        iter(ordered), None
    )


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


BUILTIN_RULES = RuleRegistry()
"""The built-in rules, in the order they are documented."""


# --- phrase rules ------------------------------------------------------------------


_AS_BEFORE = re.compile(r"\bas\s$", re.I)


class VagueTime(_Base):
    """A time commitment with no time in it: "soon", "ASAP", "in a bit"."""

    id = "vague-time"
    severity = "warning"
    message = "This promises a time without giving one."
    suggestion = "Give a clock time or a duration: 'I will update you by 14:30'."
    pattern = re.compile(
        r"(?=[sabimlew])(?:\bsoon(?:ish)?\b(?!\s+as\b)|\bshortly\b|\b(?i:asap)\b|\bA\.S\.A\.P\b"
        r"|\bas\s+(?:soon|quickly)\s+as\s+(?:possible|(?:we|I)\s+(?:can|are\s+able))\b"
        r"|\bin\s+a\s+(?:bit|while|little\s+while|few)\b(?!\s+(?:minutes|hours))"
        r"|\bat\s+some\s+(?:point|stage)\b|\bin\s+due\s+course\b"
        r"|\bin\s+the\s+(?:near|not\s+too\s+distant)\s+future\b|\bin\s+the\s+coming\s+days\b"
        r"|\bbefore\s+long\b|\bany\s+(?:minute|moment|time)\s+now\b|\bmomentarily\b"
        r"|\bsometime\s+(?:today|tomorrow|soon|later|this\s+week|next\s+week)\b"
        r"|\blater\s+(?:today|on|this\s+week)\b|\beventually\b"
        r"|\bwhen\s+(?:we|I)\s+(?:get|have|find)\s+a\s+(?:chance|moment|minute)\b)",
        re.I,
    )
    excused = re.compile(r"\b(?:get\s+well|speak|talk|see\s+you|chat)\s+soon\b", re.I)

    def check(self, text: str, context: LintContext) -> list[Finding]:
        """Vague phrases, unless the same sentence also gives a concrete time."""
        extraction = context.extraction(text)
        timed = sorted(
            [p.start for p in extraction.promises] + [f.start for f in extraction.findings]
        )
        out = []
        for m in self.pattern.finditer(text):
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


class NoIdea(_Base):
    """Admitting ignorance with no next step: "I have no idea"."""

    id = "no-idea"
    severity = "warning"
    message = "This says you do not know, without saying what happens next."
    suggestion = "Say what you will do and when: 'I don't know yet; I'll update you by 14:00.'"
    pattern = re.compile(
        r"(?=[iwny])(?:\b(?:(?:I|we)\s+(?:have|'ve\s+got|have\s+got|had)\s+)?no\s+(?:idea|clue)\b"
        r"|\bnot\s+a\s+clue\b|\bwho\s+knows\b|\byour\s+guess\s+is\s+as\s+good\s+as\s+(?:mine|ours)\b"
        r"|\b(?:I|we)\s+(?:really\s+)?(?:don'?t|do\s+not|honestly\s+don'?t)\s+know\b"
        r"(?!\s+(?:if|whether)\s+you\b))",
        re.I,
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
        spans = sentence_spans(text)
        promises = context.extraction(text).promises
        out = []
        for m in self.pattern.finditer(text):
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
        r"(?=[sariu])(?:\b(?:sorry|apologi[sz]e|apologies|regret)\s+(?:that\s+)?(?:if|you\s+feel|you\s+felt"
        r"|you\s+were\s+(?:upset|unhappy|offended)|you(?:'re|\s+are)\s+(?:upset|unhappy)"
        r"|that\s+you\s+feel|for\s+any\s+(?:inconvenience|trouble|confusion)"
        r"|any\s+(?:inconvenience|trouble|confusion)|for\s+the\s+inconvenience\s+this\s+may)\b"
        r"|\b(?:inconvenience|upset)\s+(?:this|that|it)\s+may\s+have\s+caused\b)",
        re.I,
    ),
)
BLAME = PhraseRule(
    "blame",
    "error",
    "This blames or talks down to the customer.",
    "Describe what happened and what will help, without judging who got it wrong.",
    re.compile(
        r"(?=[yuoalifprnb])(?:\byou\s+should(?:\s+have|'ve|\s+of)\s+(?!received|got\b|gotten|been|access|an?\b"
        r"|the\b|now\b|full\b|no\b|seen\b|it\b|your\b|a\s)\w+"
        r"|\b(?:user|operator)\s+error\b"
        r"|\b(?:as|like)\s+I\s+(?:already\s+|previously\s+|have\s+already\s+)?"
        r"(?:said|told\s+you|explained|stated|mentioned)\s*(?:before|earlier|previously|twice|already)"
        r"|\bas\s+I\s+(?:already|previously|have\s+already)\s+(?:said|told\s+you|explained|stated)"
        r"|\blike\s+I\s+(?:said|told\s+you)\b|\bas\s+(?:already|previously)\s+(?:stated|explained)"
        r"|\bas\s+per\s+my\s+(?:last|previous)\s+(?:email|message|reply)\b"
        r"|\bif\s+you\s+had\s+(?:read|followed|listened)\b|\bfor\s+the\s+(?:third|fourth|last)\s+time"
        r"|\byou\s+(?:clearly|obviously)\s+(?:didn'?t|did\s+not|haven'?t|have\s+not)\b"
        r"|\b(?-i:PEBKAC|PICNIC|ID10T)\b|\byour\s+(?:own\s+)?fault\b|\bit'?s\s+(?:really\s+)?"
        r"(?:not\s+that\s+(?:hard|difficult)|very\s+simple|quite\s+simple|basic\s+stuff)"
        r"|\bread\s+the\s+(?:manual|instructions)\b|\byou\s+were\s+(?:told|warned)\b"
        r"|\bnot\s+our\s+(?:problem|fault)\b|\bbetween\s+the\s+chair\s+and\b)",
        re.I,
    ),
)
PLACEHOLDER = PhraseRule(
    "placeholder",
    "error",
    "This is an unfilled placeholder.",
    "Replace it with the real value before sending.",
    re.compile(
        r"(?=[\[{<XxHh?TF])(?:\[(?:[A-Za-z][A-Za-z _/-]{1,30})\](?!\()"
        r"|\{\{?\s*[A-Za-z_][A-Za-z0-9_. ]{0,30}\}?\}"
        r"|<(?!(?:b|i|p|br|hr|em|strong|div|span|li|ul|ol|a|u)\b)[a-z][a-z_ ]{1,20}>"
        r"|\b(?:XX|xx|HH|hh|\?\?):(?:XX|xx|MM|mm|\?\?)\b"
        r"|\b(?-i:TBD|TBC|TODO|FIXME)\b)",
    ),
)


class Jargon(_Base):
    """Terms from the glossary, each with its plain-language replacement."""

    id = "jargon"
    severity = "info"
    message = "This is jargon the customer may not know."
    suggestion = "Say what it means in plain words."

    def check(self, text: str, context: LintContext) -> list[Finding]:
        """Each glossary term not followed by an explanation in brackets."""
        pattern, terms = _glossary_pattern(tuple(context.glossary))
        out = []
        for m in pattern.finditer(text):
            if text.startswith("(", m.end()) or text.startswith(" (", m.end()):
                continue
            term = _glossary_term(m.group(), terms)
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


@lru_cache(maxsize=16)
def _glossary_pattern(terms: tuple[str, ...]) -> tuple[re.Pattern[str], dict[str, str]]:
    """One case-blind pattern for every term, and the terms by their folded spelling."""
    alternatives = sorted((r"\s+".join(map(re.escape, t.split())) for t in terms), key=len)
    firsts = "".join(sorted({c for t in terms for c in (t[:1].lower(), t[:1].upper())}))
    # The first-letter lookahead lets the regex engine skip most positions quickly.
    body = "|".join(reversed(alternatives)) or r"(?!)"
    pattern = re.compile(rf"(?=[{re.escape(firsts)}])\b(?:{body})(?:s|es)?\b", re.I)
    return pattern, {" ".join(t.lower().split()): t for t in terms}


def _glossary_term(found: str, terms: Mapping[str, str]) -> str | None:
    """The glossary term ``found`` spells, if its acronyms are in capitals."""
    folded = " ".join(found.lower().split())
    for key in (folded, folded[:-1], folded[:-2]):
        term = terms.get(key)
        if term is not None:
            # Acronyms count only in capitals, so "raid" or "nat" in prose stay quiet.
            words = found.split()
            if all(
                not w.isupper() or f.startswith(w)
                for w, f in zip(term.split(), words, strict=False)
            ):
                return term
    return None


# --- message-level rules -----------------------------------------------------------


class NoNextUpdate(_Base):
    """A public reply on an open ticket that gives no concrete next-update time."""

    id = "no-next-update"
    severity = "error"
    message = "This reply leaves the ticket open without saying when the customer hears next."
    suggestion = "End with a concrete time: 'Next update by 15:00, even if nothing has changed.'"
    kinds: frozenset[Kind] = WHILE_OPEN

    def check(self, text: str, context: LintContext) -> list[Finding]:
        """A finding unless the text names a time (promised, past or ambiguous)."""
        if context.status in _NOT_AWAITING_US:
            return []
        extraction = context.extraction(text)
        if extraction.promises or extraction.findings:
            return []
        return [self.finding(_end(text), _end(text))]


_TECH = (
    r"(?:server|database|switch|router|firewall|certificate|cert|DNS|disk|drive|cluster"
    r"|controller|gateway|proxy|load\s+balancer|replication|sync|backup|patch|update|driver"
    r"|node|storage|array|hypervisor|relay|queue|VPN|licen[cs]e\s+server|domain\s+controller"
    r"|SAN|RAID|DHCP|LDAP|SMTP|API|job|service|config\w*|Kerberos|ticket|token|password"
    r"|account|licen[cs]e|mailbox|client|firmware|link|line|port|connection|cable)"
)


class CauseBeforeImpact(_Base):
    """A first reply that opens with the technical cause before the customer's impact."""

    id = "cause-before-impact"
    severity = "warning"
    message = "This opens with the technical cause before acknowledging the impact on the customer."
    suggestion = "Start with what it means for them: 'I can see nobody on your floor can print.'"
    kinds: frozenset[Kind] = frozenset({"first_reply"})
    ack = re.compile(
        r"\b(?:I|we)\s+(?:can\s+see|understand|know|realise|realize|appreciate|recognise|recognize"
        r"|hear)\b|\bsorry\s+(?:for|about|to\s+hear)\b|\bapolog(?:ies|i[sz]e)\s+for\b"
        r"|\b(?:disrupt\w*|frustrat\w*|blocking|blocked|stopping\s+you|can(?:no|')t\s+(?:work|log|get"
        r"|print|send|access|open|join|connect)|unable\s+to|not\s+able\s+to|stuck|annoying"
        r"|stressful|holding\s+(?:you|your)|in\s+the\s+way|impact\w*|affect(?:s|ing)\s+(?:you|your))\b"
        r"|\bthat\s+(?:sounds|must\s+be)\b",
        re.I,
    )
    cause = re.compile(
        r"\b(?:root\s+cause|caused\s+by|due\s+to|because\s+(?:of\s+)?(?:a|an|the|our)\b"
        r"|the\s+(?:cause|culprit)\s+(?:is|was)|(?:it'?s|this\s+is|that'?s)\s+down\s+to)"
        rf"|\b{_TECH}s?\b(?:\s+\S+){{0,4}}?\s+(?:has\s+|have\s+|had\s+|is\s+|was\s+|were\s+)?"
        r"(?:failed|crashed|expired|went\s+down|ran\s+out|lost|locked"
        r"|down|stopped|corrupt\w*|misconfigur\w*|filled\s+up|full|overloaded|timing\s+out"
        r"|timed\s+out|rejecting|dropp\w+|broken|faulty|hung|unresponsive|out\s+of\s+(?:memory"
        r"|disk|space)|rolled\s+back|fell\s+over|hit\s+(?:a|its)\b)"
        rf"|\b(?:faulty|failed|failing|broken|expired|corrupt(?:ed)?)\s+(?:\w+\s+){{0,2}}?{_TECH}",
        re.I,
    )

    def check(self, text: str, context: LintContext) -> list[Finding]:
        """A finding on the first sentence that gives a cause before any acknowledgement."""
        for s, e in sentence_spans(text):
            ack = self.ack.search(text, s, e)
            cause = self.cause.search(text, s, e)
            if cause and (ack is None or cause.start() < ack.start()):
                return [self.finding(s, e)]
            if ack:
                return []
        return []


class ClosureIncomplete(_Base):
    """A closing reply missing a confirmation request, a root cause or a prevention step."""

    id = "closure-incomplete"
    severity = "warning"
    message = "This closing reply is incomplete."
    suggestion = "Add what caused it, what stops it happening again, and ask them to confirm."
    kinds: frozenset[Kind] = frozenset({"closure"})
    parts = (
        (
            "a request to confirm it is fixed",
            re.compile(
                r"\b(?:confirm|verify)\b|\blet\s+(?:us|me)\s+know\s+(?:if|whether|that|how)\b"
                r"|\b(?:could|can|would)\s+you\s+(?:please\s+)?(?:check|test|try|make\s+sure)\b"
                r"|\b(?:does|do|is|are)\s+(?:everything|it|this|all|things|they)\s+(?:\w+\s+)?"
                r"(?:look|work|seem|sound|feel|run|working|ok|okay|fine|back)\b|\bif\s+(?:anything|it|this|the\s+\w+"
                r"|you)\s+(?:is\s+)?(?:still|isn'?t|is\s+not|doesn'?t|does\s+not|are\s+still)\b",
                re.I,
            ),
        ),
        (
            "a root cause",
            re.compile(
                r"\b(?:root\s+cause|the\s+cause\s+(?:was|is)|caused\s+by|(?:was|were)\s+due\s+to"
                r"|(?:happened|occurred|failed|stopped|broke|went\s+down)\s+because"
                r"|(?:this|it)\s+was\s+because|the\s+(?:problem|issue|fault)\s+was"
                r"|what\s+happened\s*:|(?:was|were)\s+triggered\s+by|came\s+down\s+to"
                r"|turned\s+out\s+(?:to\s+be|that)|cause\s*:|which\s+caused"
                r"|caused\s+(?:the|your|this|these|those)\b"
                r"|\b(?:it|this)\s+was\s+(?:a|an)\s+(?:bad|faulty|failed|broken|corrupt\w*|expired"
                r"|misconfigured|known|buggy))",
                re.I,
            ),
        ),
        (
            "a prevention step",
            re.compile(
                r"\bprevent\w*|\b(?:happen(?:ing)?|recur\w*)\s+again\b|\bgoing\s+forward\b"
                r"|\bfrom\s+now\s+on\b|\bin\s+(?:the\s+)?future\b|\bto\s+avoid\s+(?:this|a\s+repeat)"
                r"|\brecurrence\b|\b(?:can(?:no|')t|won'?t|will\s+not|does\s*n[o']t)\s+recur\b"
                r"|\bso\s+(?:it|this|that)\s+(?:can(?:no|')t|won'?t|will\s+not)\b|\b(?:added|set\s+up|configured|put\s+in\s+place|introduced"
                r"|enabled|turned\s+on|switched\s+on|installed|scheduled|automated)\s+(?:\w+\s+){0,3}?(?:monitoring|alert\w*|check\w*"
                r"|reminder\w*|safeguard\w*|renewal\w*|warning\w*)",
                re.I,
            ),
        ),
    )

    def check(self, text: str, context: LintContext) -> list[Finding]:
        """One finding naming every missing part, or none."""
        missing = [name for name, pattern in self.parts if not pattern.search(text)]
        if not missing:
            return []
        listed = (
            missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " and " + missing[-1]
        )
        return [self.finding(_end(text), _end(text), f"This closing reply is missing {listed}.")]


# --- promise rules -----------------------------------------------------------------


class PastPromise(_Base):
    """A promised time that has already passed."""

    id = "past-promise"
    severity = "error"
    message = "This promises a time that has already passed."
    suggestion = "Give a time in the future, or say 'tomorrow' if that is what you mean."

    def check(self, text: str, context: LintContext) -> list[Finding]:
        """A finding per past time the extraction reports."""
        return [
            self.finding(f.start, f.end, f.message)
            for f in context.extraction(text).findings
            if f.code == "past"
        ]


class AmbiguousTime(_Base):
    """A time that could mean two instants ("by 10" written at 11:00)."""

    id = "ambiguous-time"
    severity = "warning"
    message = "This time could be read two ways."
    suggestion = "Add am/pm or the day: 'by 10:00 tomorrow'."

    def check(self, text: str, context: LintContext) -> list[Finding]:
        """A finding per ambiguous time the extraction reports."""
        return [
            self.finding(f.start, f.end, f.message)
            for f in context.extraction(text).findings
            if f.code == "ambiguous"
        ]


class BeyondCadence(_Base):
    """A promised next update later than the priority's cadence allows."""

    id = "beyond-cadence"
    severity = "warning"
    message = "The next update promised is later than this priority's update cadence."
    suggestion = "Promise an update within the cadence, even if it will say 'still investigating'."
    kinds: frozenset[Kind] = WHILE_OPEN

    def check(self, text: str, context: LintContext) -> list[Finding]:
        """A finding on the next-update promise if it is due after now + cadence."""
        if context.cadence is None or context.status in _NOT_AWAITING_US:
            return []
        nxt = _next_update_promise(context.extraction(text).promises)
        limit = context.now + context.cadence
        if nxt is None or nxt.due <= limit:
            return []
        return [
            self.finding(
                nxt.start,
                nxt.end,
                f"The next update is promised for {_local(nxt.due, context.zone)}, but this "
                f"priority needs one by {_local(limit, context.zone)}.",
            )
        ]


class NextUpdateMismatch(_Base):
    """The text promises a next update at a different time from the structured field."""

    id = "next-update-mismatch"
    severity = "warning"
    message = "The time in the text differs from the next-update time set on the reply."
    suggestion = "Make the text and the next-update field say the same time."
    kinds: frozenset[Kind] = WHILE_OPEN
    tolerance = timedelta(minutes=1)

    def check(self, text: str, context: LintContext) -> list[Finding]:
        """A finding when no promise in the text matches ``context.next_update_at``."""
        field_at = context.next_update_at
        promises = context.extraction(text).promises
        if field_at is None or not promises:
            return []
        if any(abs(p.due - field_at) <= self.tolerance for p in promises):
            return []
        nxt = _next_update_promise(promises)
        assert nxt is not None
        return [
            self.finding(
                nxt.start,
                nxt.end,
                f"The text promises {_local(nxt.due, context.zone)}; the next-update field says "
                f"{_local(field_at, context.zone)}.",
            )
        ]


_BUILTINS: tuple[Rule, ...] = (
    VagueTime(),
    NoIdea(),
    NON_APOLOGY,
    BLAME,
    Jargon(),
    NoNextUpdate(),
    CauseBeforeImpact(),
    ClosureIncomplete(),
    PLACEHOLDER,
    PastPromise(),
    BeyondCadence(),
    AmbiguousTime(),
    NextUpdateMismatch(),
)
for _rule in _BUILTINS:
    BUILTIN_RULES.register(_rule)

DEFAULT_RULES: tuple[Rule, ...] = BUILTIN_RULES.rules()
"""The built-in rules; ``lint`` uses them when given no others."""
