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

Modules: ``context`` (``LintContext``, ``Finding``, the reply kinds), ``rule`` (the
``Rule`` protocol), ``glossary``, ``rules_phrases``, ``rules_structure``,
``rules_promises`` and ``registry`` (``BUILTIN_RULES`` and ``lint``).
"""

from promisedesk.domain.lint.context import (
    CUSTOMER_FACING,
    KINDS,
    WHILE_OPEN,
    Finding,
    Kind,
    LintContext,
    Severity,
)
from promisedesk.domain.lint.glossary import DEFAULT_GLOSSARY
from promisedesk.domain.lint.registry import BUILTIN_RULES, DEFAULT_RULES, RuleRegistry, lint
from promisedesk.domain.lint.rule import BuiltinRule, Rule
from promisedesk.domain.lint.rules_phrases import (
    BLAME,
    NON_APOLOGY,
    PLACEHOLDER,
    Jargon,
    NoIdea,
    PhraseRule,
    VagueTime,
)
from promisedesk.domain.lint.rules_promises import (
    AmbiguousTime,
    BeyondCadence,
    NextUpdateMismatch,
    PastPromise,
)
from promisedesk.domain.lint.rules_structure import (
    CauseBeforeImpact,
    ClosureIncomplete,
    NoNextUpdate,
)
from promisedesk.domain.promises import clear_caches

__all__ = [
    "BLAME",
    "BUILTIN_RULES",
    "CUSTOMER_FACING",
    "DEFAULT_GLOSSARY",
    "DEFAULT_RULES",
    "KINDS",
    "NON_APOLOGY",
    "PLACEHOLDER",
    "WHILE_OPEN",
    "AmbiguousTime",
    "BeyondCadence",
    "BuiltinRule",
    "CauseBeforeImpact",
    "ClosureIncomplete",
    "Finding",
    "Jargon",
    "Kind",
    "LintContext",
    "NextUpdateMismatch",
    "NoIdea",
    "NoNextUpdate",
    "PastPromise",
    "PhraseRule",
    "Rule",
    "RuleRegistry",
    "Severity",
    "VagueTime",
    "clear_caches",
    "lint",
]
