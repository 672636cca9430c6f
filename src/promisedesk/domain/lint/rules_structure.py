"""Rules about the message as a whole: no next-update time, the cause before the impact,
an incomplete closure."""

from __future__ import annotations

import re

from promisedesk.domain.lint.context import NOT_AWAITING_US, WHILE_OPEN, Finding, Kind, LintContext
from promisedesk.domain.lint.rule import BuiltinRule, text_end
from promisedesk.domain.promises import sentence_spans


class NoNextUpdate(BuiltinRule):
    """A public reply on an open ticket that gives no concrete next-update time."""

    id = "no-next-update"
    severity = "error"
    message = "This reply leaves the ticket open without saying when the customer hears next."
    suggestion = "End with a concrete time: 'Next update by 15:00, even if nothing has changed.'"
    kinds: frozenset[Kind] = WHILE_OPEN

    def check(self, text: str, context: LintContext) -> list[Finding]:
        """A finding unless the text names a time (promised, past or ambiguous)."""
        if context.status in NOT_AWAITING_US:
            return []
        extraction = context.extraction(text)
        if extraction.promises or extraction.findings:
            return []
        return [self.finding(text_end(text), text_end(text))]


_TECH = (
    r"(?:server|database|switch|router|firewall|certificate|cert|DNS|disk|drive|cluster"
    r"|controller|gateway|proxy|load\s+balancer|replication|sync|backup|patch|update|driver"
    r"|node|storage|array|hypervisor|relay|queue|VPN|licen[cs]e\s+server|domain\s+controller"
    r"|SAN|RAID|DHCP|LDAP|SMTP|API|job|service|config\w*|Kerberos|ticket|token|password"
    r"|account|licen[cs]e|mailbox|client|firmware|link|line|port|connection|cable)"
)


class CauseBeforeImpact(BuiltinRule):
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


class ClosureIncomplete(BuiltinRule):
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
        return [
            self.finding(text_end(text), text_end(text), f"This closing reply is missing {listed}.")
        ]
