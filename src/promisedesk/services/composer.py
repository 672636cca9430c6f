"""Composer use cases: lint a reply (with its ticket's context), list and fill templates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from promisedesk.composer import TemplateSet, load_templates
from promisedesk.config import Policy
from promisedesk.domain.calendars import add_business_time
from promisedesk.domain.lint import Finding, LintContext, lint
from promisedesk.domain.promises import Promise
from promisedesk.domain.sla import TargetKind
from promisedesk.store.tickets import TicketStore


@dataclass(frozen=True)
class LintResult:
    """What the linter found, and the times the text promises."""

    findings: list[Finding]
    promises: list[Promise]


def check_reply(
    text: str,
    *,
    kind: str,
    now: datetime,
    tz_name: str,
    cadence: timedelta | None = None,
    next_update_at: datetime | None = None,
    status: str | None = None,
    priority: str | None = None,
) -> LintResult:
    """Lint ``text`` as a reply of ``kind`` written at ``now`` to a customer in ``tz_name``."""
    from promisedesk.domain.events import Status
    from promisedesk.domain.priority import Priority

    context = LintContext(
        kind=kind,  # type: ignore[arg-type]  # LintContext refuses unknown kinds itself
        now=now,
        tz_name=tz_name,
        status=Status(status) if status else None,
        priority=Priority(priority) if priority else None,
        cadence=cadence,
        next_update_at=next_update_at,
    )
    return LintResult(lint(text, context), list(context.extraction(text).promises))


def cadence_for(policy: Policy, priority: str, now: datetime) -> timedelta | None:
    """How far ahead an update may be promised now: the cadence, in business time."""
    from promisedesk.domain.priority import Priority

    sla = policy.sla.policy_for(Priority(priority))
    target = sla.targets.get(Priority(priority), {}).get(TargetKind.update_cadence) if sla else None
    if target is None:
        return None
    due = add_business_time(policy.sla.calendars[target.calendar], now, target.seconds)
    return due - now


def check_reply_for_ticket(
    store: TicketStore,
    policy: Policy,
    ref: str,
    text: str,
    *,
    kind: str,
    now: datetime,
    tz_name: str | None = None,
    next_update_at: datetime | None = None,
) -> LintResult:
    """Lint ``text`` as a reply on ticket ``ref``: its status, priority and cadence apply."""
    with store.reading() as tx:
        _, ticket = tx.load(ref)
    return check_reply(
        text,
        kind=kind,
        now=now,
        tz_name=tz_name or policy.desk.timezone,
        cadence=cadence_for(policy, ticket.priority.value, now),
        next_update_at=next_update_at,
        status=ticket.status.value,
        priority=ticket.priority.value,
    )


_LOADED: dict[int, tuple[Policy, TemplateSet]] = {}


def templates(policy: Policy) -> TemplateSet:
    """The built-in templates plus the policy file's ``[templates.*]``, checked once."""
    cached = _LOADED.get(id(policy))
    if cached is None or cached[0] is not policy:
        cached = (policy, load_templates(policy.raw.get("templates", {})))
        _LOADED[id(policy)] = cached
    return cached[1]
