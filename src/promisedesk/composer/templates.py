"""Reply templates: declared placeholders, a sandboxed engine, times in the customer's zone.

A template is checked when it is loaded: it may use only the placeholders declared in
``PLACEHOLDERS`` (found with ``jinja2.meta.find_undeclared_variables``) and no attribute
access, indexing or calls, so an unknown placeholder is refused at load, never when a
message is sent. Rendering runs in ``jinja2.sandbox.SandboxedEnvironment`` with
``StrictUndefined`` and no autoescaping (the output is plain-text mail).

Times (placeholders ending in ``_at``) are given as aware datetimes and rendered with
Babel in the customer's zone and locale, relative to the ``now`` passed in: "10:00 GMT",
"tomorrow at 09:00 GMT", "Monday at 09:00 GMT", "morgen um 09:00 MEZ". Values are
inserted as data: text an agent types is never run through the template engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time, get_timezone_gmt, get_timezone_name
from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError, meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from promisedesk.domain.errors import ConfigError, InvalidInput

TEXT_PLACEHOLDERS: Mapping[str, str] = {
    "customer_name": "the customer's name as they sign",
    "ticket_ref": "the ticket reference, e.g. PD-4711",
    "subject": "the ticket's subject",
    "priority": "the priority, e.g. P2",
    "agent": "the agent's name",
    "team": "the team's name",
    "impact": "the impact in the customer's words, e.g. 'nobody on floor 3 can print'",
    "first_steps": "what will be tried first",
    "checked": "what has been checked so far",
    "next_steps": "what happens next",
    "done": "what was done before escalating",
    "reason": "why it is escalated",
    "escalated_to": "who it is escalated to",
    "what_happened": "what happened, in plain words",
    "root_cause": "the root cause",
    "fix": "what was done to fix it",
    "prevention": "what stops it happening again",
    "rating_link": "the link to rate the support",
}
TIME_PLACEHOLDERS: Mapping[str, str] = {
    "first_update_at": "when the first meaningful update is due",
    "next_update_at": "when the next update is due",
    "review_at": "when the next tier will review",
    "response_target_at": "the response target",
    "resolution_target_at": "the resolution target",
}
PLACEHOLDERS: frozenset[str] = frozenset(TEXT_PLACEHOLDERS) | frozenset(TIME_PLACEHOLDERS)
"""Every placeholder a template may use."""

ALLOWED_FILTERS = frozenset({"upper", "lower", "capitalize", "title", "trim"})

# Words around a time that Babel does not phrase for us, per language.
_TIME_WORDS: Mapping[str, tuple[str, str]] = {
    "en": ("tomorrow", "at"),
    "de": ("morgen", "um"),
}


@dataclass(frozen=True)
class Template:
    """A checked template: its name, language, source and the placeholders it uses."""

    name: str
    language: str
    source: str
    placeholders: frozenset[str]
    description: str = ""
    builtin: bool = False


def make_environment() -> SandboxedEnvironment:
    """The one engine templates run in: sandboxed, strict, unescaped plain text."""
    env = SandboxedEnvironment(
        autoescape=False,
        undefined=StrictUndefined,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters = {k: v for k, v in env.filters.items() if k in ALLOWED_FILTERS}
    env.globals.clear()
    return env


_ENV = make_environment()


def check_template(name: str, source: str, language: str = "en", description: str = "") -> Template:
    """Parse and check ``source``; refuse unknown placeholders, filters and any lookups."""
    try:
        tree = _ENV.parse(source)
    except TemplateSyntaxError as exc:
        raise ConfigError(
            f"Template {name!r} is not valid: {exc.message} (line {exc.lineno}).",
            {"template": name, "line": exc.lineno},
        ) from exc
    for f in tree.find_all(nodes.Filter):
        if f.name not in ALLOWED_FILTERS:
            raise ConfigError(
                f"Template {name!r} uses the filter {f.name!r}; allowed filters are "
                + ", ".join(sorted(ALLOWED_FILTERS))
                + ".",
                {"template": name, "filter": f.name},
            )
    try:
        used = meta.find_undeclared_variables(tree)
    except TemplateSyntaxError as exc:  # unknown tests fail when the tree is compiled
        raise ConfigError(
            f"Template {name!r} is not valid: {exc.message} (line {exc.lineno}).",
            {"template": name, "line": exc.lineno},
        ) from exc
    unknown = sorted(used - PLACEHOLDERS)
    if unknown:
        raise ConfigError(
            f"Template {name!r} uses the unknown placeholder {unknown[0]!r}"
            + (f" (and {', '.join(unknown[1:])})" if unknown[1:] else "")
            + "; declared placeholders are: "
            + ", ".join(sorted(PLACEHOLDERS))
            + ".",
            {"template": name, "placeholders": unknown},
        )
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Call)):
        raise ConfigError(
            f"Template {name!r} looks inside a value (line {node.lineno}); templates may "
            "only insert placeholders, optionally through a filter.",
            {"template": name, "line": node.lineno},
        )
    return Template(name, language, source, frozenset(used), description)


def format_when(when: datetime, *, now: datetime, tz_name: str, locale: str) -> str:
    """``when`` as the customer reads it: "10:00 GMT", "tomorrow at 09:00 GMT", ...

    The day is named relative to ``now`` in the customer's zone: nothing for today,
    "tomorrow", the weekday within a week, otherwise the weekday and date.
    """
    if when.tzinfo is None or now.tzinfo is None:
        raise InvalidInput("Times given to a template must be timezone-aware.")
    zone = _zone(tz_name)
    loc = _locale(locale)
    local = when.astimezone(zone)
    days = (local.date() - now.astimezone(zone).date()).days
    clock = f"{format_time(local, 'short', locale=loc)} {_zone_label(local, loc)}"
    tomorrow, at = _TIME_WORDS.get(loc.language, _TIME_WORDS["en"])
    if days == 0:
        return clock
    if days == 1:
        return f"{tomorrow} {at} {clock}"
    if 1 < days < 7:
        return f"{format_date(local.date(), 'EEEE', locale=loc)} {at} {clock}"
    return f"{format_date(local.date(), 'EEEE d MMMM', locale=loc)} {at} {clock}"


def _zone_label(local: datetime, loc: Locale) -> str:
    # Babel's short name when it is a real abbreviation in this locale ("CET", "MEZ"),
    # else the zone database's ("EST", "IST"), else an offset ("GMT+10:30").
    short = get_timezone_name(local, "short", locale=loc)
    if short.isalpha() and len(short) <= 5:
        return short
    tzname = local.tzname() or ""
    if tzname.isalpha():
        return tzname
    return get_timezone_gmt(local, "long", locale=loc)


def _zone(tz_name: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"Unknown time zone {tz_name!r}.", {"tz": tz_name}) from exc


def _locale(locale: str) -> Locale:
    try:
        return Locale.parse(locale)
    except (UnknownLocaleError, ValueError) as exc:
        raise InvalidInput(f"Unknown locale {locale!r}.", {"locale": locale}) from exc


class TemplateSet:
    """The templates on offer, by name and language, with English as the fallback."""

    def __init__(self, templates: Mapping[tuple[str, str], Template]) -> None:
        self._templates = dict(templates)

    def names(self) -> list[str]:
        """Every template name, sorted."""
        return sorted({name for name, _ in self._templates})

    def get(self, name: str, locale: str = "en_GB") -> Template:
        """The template ``name`` in the locale's language, or in English."""
        language = _locale(locale).language
        found = self._templates.get((name, language)) or self._templates.get((name, "en"))
        if found is None:
            raise InvalidInput(
                f"No template is called {name!r}; known templates: {', '.join(self.names())}.",
                {"template": name},
            )
        return found

    def render(
        self,
        name: str,
        values: Mapping[str, str | datetime],
        *,
        now: datetime,
        tz_name: str,
        locale: str = "en_GB",
    ) -> str:
        """Fill template ``name`` with ``values``; times are phrased for the customer."""
        template = self.get(name, locale)
        missing = sorted(template.placeholders - set(values))
        if missing:
            raise InvalidInput(
                f"Template {name!r} needs a value for {', '.join(missing)}.",
                {"template": name, "missing": missing},
            )
        context: dict[str, str] = {}
        for key in template.placeholders:
            value = values[key]
            if key in TIME_PLACEHOLDERS:
                if not isinstance(value, datetime):
                    raise InvalidInput(f"{key} must be a datetime.", {"placeholder": key})
                context[key] = format_when(value, now=now, tz_name=tz_name, locale=locale)
            else:
                context[key] = str(value)
        try:
            return _ENV.from_string(template.source).render(context).strip() + "\n"
        except (UndefinedError, SecurityError) as exc:  # checked at load; kept as a guard
            raise InvalidInput(f"Template {name!r} cannot render: {exc}.") from exc


BUILTIN_DESCRIPTIONS: Mapping[str, str] = {
    "acknowledgement": "sent automatically when a ticket arrives (lint kind: first_reply)",
    "first_contact": "the first reply by a person (lint kind: first_reply)",
    "update": "a mid-investigation update (lint kind: update)",
    "escalation": "handing the ticket to another team (lint kind: escalation)",
    "closure": "resolution and closure (lint kind: closure)",
    "holding_update": (
        "the watcher's holding update before a next update is due (lint kind: update)"
    ),
}
BUILTIN_KINDS: Mapping[str, str] = {
    "acknowledgement": "first_reply",
    "first_contact": "first_reply",
    "update": "update",
    "escalation": "escalation",
    "closure": "closure",
    "holding_update": "update",
}
"""The lint kind a reply drafted from each built-in template is checked as."""

BUILTIN_SOURCES: Mapping[tuple[str, str], str] = {
    ("acknowledgement", "en"): """\
Hello {{ customer_name }},

We have your request "{{ subject }}" and have logged it as {{ ticket_ref }}, priority \
{{ priority }}.

{{ team }} will send you a first update by {{ first_update_at }}: either a fix, or what \
we have found and when you will hear from us next. If anything changes before then, for \
example more people are affected, reply to this message and it will be added to the ticket.

{{ team }}
""",
    ("first_contact", "en"): """\
Hello {{ customer_name }},

Thank you for reporting this. I can see that {{ impact }}, and I know that gets in the way \
of your work. I am handling {{ ticket_ref }} myself.

I have set it as priority {{ priority }}. If more people are affected than you described, \
reply and I will review the priority.

First I will {{ first_steps }}. You will hear from me by {{ next_update_at }}, with either \
a fix or what I have found and what comes next.

{{ agent }}, {{ team }}
""",
    ("update", "en"): """\
Hello {{ customer_name }},

An update on {{ ticket_ref }}: we are still working on it. So far we have checked \
{{ checked }}.

Next we will {{ next_steps }}. You will hear from us again by {{ next_update_at }}, even if \
there is nothing new to report.

{{ agent }}, {{ team }}
""",
    ("escalation", "en"): """\
Hello {{ customer_name }},

We have passed {{ ticket_ref }} to {{ escalated_to }}. So far we have {{ done }}. We are \
escalating because {{ reason }}.

They will review it by {{ review_at }}. You will hear from us by {{ next_update_at }}, \
whether or not the review is finished.

{{ agent }}, {{ team }}
""",
    ("closure", "en"): """\
Hello {{ customer_name }},

We believe {{ ticket_ref }} ("{{ subject }}") is resolved.

What happened: {{ what_happened }}
Root cause: {{ root_cause }}
What we did: {{ fix }}
Prevention: {{ prevention }}

Please confirm that everything works for you now. If it does not, reply to this message \
and we will pick it up again straight away.

When you have a moment, please rate how we handled it: {{ rating_link }}

{{ agent }}, {{ team }}
""",
    ("holding_update", "en"): """\
Hello {{ customer_name }},

A short note on {{ ticket_ref }} ("{{ subject }}"): it is still open and still being \
worked on. There is nothing new to report yet, and we did not want you to wait without \
news.

You will hear from us again by {{ next_update_at }}, with what we have found by then. \
If anything has changed on your side, reply to this message.

{{ team }}
""",
    ("acknowledgement", "de"): """\
Hallo {{ customer_name }},

wir haben Ihre Anfrage „{{ subject }}“ erhalten und als {{ ticket_ref }} mit Priorität \
{{ priority }} erfasst.

{{ team }} meldet sich bis {{ first_update_at }} mit einem ersten Stand: entweder mit einer \
Lösung oder mit dem, was wir herausgefunden haben, und wann Sie wieder von uns hören. \
Falls sich vorher etwas ändert, etwa weil mehr Personen betroffen sind, antworten Sie \
einfach auf diese Nachricht.

{{ team }}
""",
    ("first_contact", "de"): """\
Hallo {{ customer_name }},

danke für Ihre Meldung. Ich sehe, dass {{ impact }}, und ich weiß, dass Sie das bei der \
Arbeit aufhält. Ich kümmere mich selbst um {{ ticket_ref }}.

Ich habe die Priorität {{ priority }} vergeben. Wenn mehr Personen betroffen sind als \
beschrieben, antworten Sie bitte, dann prüfe ich die Priorität erneut.

Zuerst werde ich {{ first_steps }}. Sie hören bis {{ next_update_at }} von mir, mit einer \
Lösung oder mit dem, was ich herausgefunden habe und wie es weitergeht.

{{ agent }}, {{ team }}
""",
    ("update", "de"): """\
Hallo {{ customer_name }},

ein Zwischenstand zu {{ ticket_ref }}: Wir arbeiten weiter daran. Bisher haben wir \
{{ checked }} geprüft.

Als Nächstes werden wir {{ next_steps }}. Sie hören bis {{ next_update_at }} wieder von \
uns, auch wenn es nichts Neues gibt.

{{ agent }}, {{ team }}
""",
    ("escalation", "de"): """\
Hallo {{ customer_name }},

wir haben {{ ticket_ref }} an {{ escalated_to }} übergeben. Bisher haben wir {{ done }}. \
Wir eskalieren, weil {{ reason }}.

Dort wird es bis {{ review_at }} geprüft. Sie hören bis {{ next_update_at }} von uns, \
ob die Prüfung dann abgeschlossen ist oder nicht.

{{ agent }}, {{ team }}
""",
    ("closure", "de"): """\
Hallo {{ customer_name }},

wir gehen davon aus, dass {{ ticket_ref }} („{{ subject }}“) gelöst ist.

Was passiert ist: {{ what_happened }}
Ursache: {{ root_cause }}
Was wir getan haben: {{ fix }}
Vorbeugung: {{ prevention }}

Bitte bestätigen Sie uns, dass nun alles funktioniert. Falls nicht, antworten Sie auf \
diese Nachricht, dann nehmen wir es sofort wieder auf.

Wenn Sie einen Moment Zeit haben, bewerten Sie bitte unsere Unterstützung: {{ rating_link }}

{{ agent }}, {{ team }}
""",
    ("holding_update", "de"): """\
Hallo {{ customer_name }},

eine kurze Nachricht zu {{ ticket_ref }} („{{ subject }}“): Die Anfrage ist weiter offen \
und in Arbeit. Es gibt noch nichts Neues, und wir wollten Sie nicht ohne Nachricht \
warten lassen.

Sie hören bis {{ next_update_at }} wieder von uns, mit dem, was wir bis dahin \
herausgefunden haben. Falls sich bei Ihnen etwas geändert hat, antworten Sie einfach auf \
diese Nachricht.

{{ team }}
""",
}
"""The built-in templates in the product's own wording, by (name, language)."""


def load_templates(custom: Mapping[str, Mapping[str, object]] | None = None) -> TemplateSet:
    """The built-in templates plus ``custom`` ones (the ``[templates.*]`` tables).

    Each custom table has ``body`` and optionally ``language`` (default ``en``) and
    ``description``; a custom template replaces a built-in one of the same name and
    language. Raises ``ConfigError`` naming the template and the offending placeholder.
    """
    templates = {
        (name, lang): _builtin(check_template(name, source, lang, BUILTIN_DESCRIPTIONS[name]))
        for (name, lang), source in BUILTIN_SOURCES.items()
    }
    for name, table in (custom or {}).items():
        extra = sorted(set(table) - {"body", "language", "description"})
        if extra:
            raise ConfigError(
                f"Template {name!r} has unknown keys: {', '.join(extra)}; "
                "use body, language and description.",
                {"template": name, "keys": extra},
            )
        body, language = table.get("body"), table.get("language", "en")
        description = table.get("description", "")
        if not isinstance(body, str) or not body.strip():
            raise ConfigError(f"Template {name!r} needs a non-empty 'body'.", {"template": name})
        if not isinstance(language, str) or not isinstance(description, str):
            raise ConfigError(
                f"Template {name!r}: 'language' and 'description' must be text.",
                {"template": name},
            )
        templates[(name, language)] = check_template(name, body, language, description)
    return TemplateSet(templates)


def _builtin(template: Template) -> Template:
    return replace(template, builtin=True)
