"""The rule registry, the built-in rules in documented order, and ``lint`` itself."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

from promisedesk.domain.errors import InvalidInput
from promisedesk.domain.lint.context import Finding, LintContext
from promisedesk.domain.lint.rule import Rule
from promisedesk.domain.lint.rules_phrases import (
    BLAME,
    NON_APOLOGY,
    PLACEHOLDER,
    Jargon,
    NoIdea,
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


BUILTIN_RULES = RuleRegistry()
"""The built-in rules, in the order they are documented."""

for _rule in (
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
):
    BUILTIN_RULES.register(_rule)

DEFAULT_RULES: tuple[Rule, ...] = BUILTIN_RULES.rules()
"""The built-in rules; ``lint`` uses them when given no others."""


def lint(text: str, context: LintContext, rules: Iterable[Rule] | None = None) -> list[Finding]:
    """Every finding of ``rules`` (default: the built-ins) in ``text``, by position."""
    chosen = DEFAULT_RULES if rules is None else rules
    findings = [
        f for rule in chosen if context.kind in rule.kinds for f in rule.check(text, context)
    ]
    return sorted(findings, key=lambda f: (f.start, f.end, f.rule))
