"""Rules about the times a reply promises: past, ambiguous, beyond the cadence, or not
the time set in the reply's next-update field."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta

from promisedesk.domain.lint.context import NOT_AWAITING_US, WHILE_OPEN, Finding, Kind, LintContext
from promisedesk.domain.lint.rule import BuiltinRule, local_time
from promisedesk.domain.promises import Promise

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


class PastPromise(BuiltinRule):
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


class AmbiguousTime(BuiltinRule):
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


class BeyondCadence(BuiltinRule):
    """A promised next update later than the priority's cadence allows."""

    id = "beyond-cadence"
    severity = "warning"
    message = "The next update promised is later than this priority's update cadence."
    suggestion = "Promise an update within the cadence, even if it will say 'still investigating'."
    kinds: frozenset[Kind] = WHILE_OPEN

    def check(self, text: str, context: LintContext) -> list[Finding]:
        """A finding on the next-update promise if it is due after now + cadence."""
        if context.cadence is None or context.status in NOT_AWAITING_US:
            return []
        nxt = _next_update_promise(context.extraction(text).promises)
        limit = context.now + context.cadence
        if nxt is None or nxt.due <= limit:
            return []
        return [
            self.finding(
                nxt.start,
                nxt.end,
                f"The next update is promised for {local_time(nxt.due, context.zone)}, but this "
                f"priority needs one by {local_time(limit, context.zone)}.",
            )
        ]


class NextUpdateMismatch(BuiltinRule):
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
                f"The text promises {local_time(nxt.due, context.zone)}; the next-update field "
                f"says {local_time(field_at, context.zone)}.",
            )
        ]
