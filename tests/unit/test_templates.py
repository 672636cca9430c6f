"""Templates: exact output per built-in, in two locales and zones; refusals at load; the sandbox."""

# ruff: noqa: E501  (the expected mails are compared line for line, as sent)

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from jinja2.exceptions import SecurityError

from promisedesk.composer import PLACEHOLDERS, check_template, format_when, load_templates
from promisedesk.composer.templates import BUILTIN_KINDS, make_environment
from promisedesk.domain.errors import ConfigError, InvalidInput
from promisedesk.domain.lint import LintContext, lint
from promisedesk.domain.promises import extract_promises

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)

VALUES: dict[str, dict[str, str]] = {
    "en_GB": dict(
        customer_name="Priya",
        ticket_ref="PD-4711",
        subject="Shared drive unavailable",
        priority="P2",
        agent="Tom",
        team="Service Desk",
        impact="nobody in finance can open the shared drive",
        first_steps="check the permissions on the share",
        checked="the permissions and the file server",
        next_steps="test the storage behind the share",
        done="checked the permissions and restarted the file service",
        reason="the fault is in the storage system",
        escalated_to="the storage team",
        what_happened="the finance share was unavailable for two hours",
        root_cause="a maintenance change removed the finance group's access",
        fix="restored the group's access",
        prevention="maintenance changes now include an access check",
        rating_link="https://desk.example/r/abc",
    ),
    "de_DE": dict(
        customer_name="Frau Keller",
        ticket_ref="PD-4711",
        subject="Netzlaufwerk nicht erreichbar",
        priority="P2",
        agent="Jonas",
        team="Service Desk",
        impact="niemand in der Buchhaltung das Netzlaufwerk öffnen kann",
        first_steps="die Berechtigungen der Freigabe prüfen",
        checked="die Berechtigungen und den Dateiserver",
        next_steps="den Speicher hinter der Freigabe testen",
        done="die Berechtigungen geprüft und den Dateidienst neu gestartet",
        reason="der Fehler im Speichersystem liegt",
        escalated_to="das Speicher-Team",
        what_happened="das Laufwerk der Buchhaltung war zwei Stunden nicht erreichbar",
        root_cause="eine Wartungsänderung hat der Gruppe die Rechte entzogen",
        fix="die Rechte der Gruppe wiederhergestellt",
        prevention="Wartungsänderungen enthalten jetzt eine Rechteprüfung",
        rating_link="https://desk.example/r/abc",
    ),
}

TIMES = {
    "first_update_at": NOW + timedelta(minutes=60),
    "next_update_at": NOW + timedelta(days=1),
    "review_at": NOW + timedelta(hours=3),
}

EXPECTED = {
    ("acknowledgement", "en_GB", "Europe/London"): """\
Hello Priya,

We have your request "Shared drive unavailable" and have logged it as PD-4711, priority P2.

Service Desk will send you a first update by 10:00 GMT: either a fix, or what we have found and when you will hear from us next. If anything changes before then, for example more people are affected, reply to this message and it will be added to the ticket.

Service Desk
""",
    ("closure", "en_GB", "Europe/London"): """\
Hello Priya,

We believe PD-4711 ("Shared drive unavailable") is resolved.

What happened: the finance share was unavailable for two hours
Root cause: a maintenance change removed the finance group's access
What we did: restored the group's access
Prevention: maintenance changes now include an access check

Please confirm that everything works for you now. If it does not, reply to this message and we will pick it up again straight away.

When you have a moment, please rate how we handled it: https://desk.example/r/abc

Tom, Service Desk
""",
    ("escalation", "en_GB", "Europe/London"): """\
Hello Priya,

We have passed PD-4711 to the storage team. So far we have checked the permissions and restarted the file service. We are escalating because the fault is in the storage system.

They will review it by 12:00 GMT. You will hear from us by tomorrow at 09:00 GMT, whether or not the review is finished.

Tom, Service Desk
""",
    ("first_contact", "en_GB", "Europe/London"): """\
Hello Priya,

Thank you for reporting this. I can see that nobody in finance can open the shared drive, and I know that gets in the way of your work. I am handling PD-4711 myself.

I have set it as priority P2. If more people are affected than you described, reply and I will review the priority.

First I will check the permissions on the share. You will hear from me by tomorrow at 09:00 GMT, with either a fix or what I have found and what comes next.

Tom, Service Desk
""",
    ("update", "en_GB", "Europe/London"): """\
Hello Priya,

An update on PD-4711: we are still working on it. So far we have checked the permissions and the file server.

Next we will test the storage behind the share. You will hear from us again by tomorrow at 09:00 GMT, even if there is nothing new to report.

Tom, Service Desk
""",
    ("acknowledgement", "de_DE", "Europe/Berlin"): """\
Hallo Frau Keller,

wir haben Ihre Anfrage „Netzlaufwerk nicht erreichbar“ erhalten und als PD-4711 mit Priorität P2 erfasst.

Service Desk meldet sich bis 11:00 MEZ mit einem ersten Stand: entweder mit einer Lösung oder mit dem, was wir herausgefunden haben, und wann Sie wieder von uns hören. Falls sich vorher etwas ändert, etwa weil mehr Personen betroffen sind, antworten Sie einfach auf diese Nachricht.

Service Desk
""",
    ("closure", "de_DE", "Europe/Berlin"): """\
Hallo Frau Keller,

wir gehen davon aus, dass PD-4711 („Netzlaufwerk nicht erreichbar“) gelöst ist.

Was passiert ist: das Laufwerk der Buchhaltung war zwei Stunden nicht erreichbar
Ursache: eine Wartungsänderung hat der Gruppe die Rechte entzogen
Was wir getan haben: die Rechte der Gruppe wiederhergestellt
Vorbeugung: Wartungsänderungen enthalten jetzt eine Rechteprüfung

Bitte bestätigen Sie uns, dass nun alles funktioniert. Falls nicht, antworten Sie auf diese Nachricht, dann nehmen wir es sofort wieder auf.

Wenn Sie einen Moment Zeit haben, bewerten Sie bitte unsere Unterstützung: https://desk.example/r/abc

Jonas, Service Desk
""",
    ("escalation", "de_DE", "Europe/Berlin"): """\
Hallo Frau Keller,

wir haben PD-4711 an das Speicher-Team übergeben. Bisher haben wir die Berechtigungen geprüft und den Dateidienst neu gestartet. Wir eskalieren, weil der Fehler im Speichersystem liegt.

Dort wird es bis 13:00 MEZ geprüft. Sie hören bis morgen um 10:00 MEZ von uns, ob die Prüfung dann abgeschlossen ist oder nicht.

Jonas, Service Desk
""",
    ("first_contact", "de_DE", "Europe/Berlin"): """\
Hallo Frau Keller,

danke für Ihre Meldung. Ich sehe, dass niemand in der Buchhaltung das Netzlaufwerk öffnen kann, und ich weiß, dass Sie das bei der Arbeit aufhält. Ich kümmere mich selbst um PD-4711.

Ich habe die Priorität P2 vergeben. Wenn mehr Personen betroffen sind als beschrieben, antworten Sie bitte, dann prüfe ich die Priorität erneut.

Zuerst werde ich die Berechtigungen der Freigabe prüfen. Sie hören bis morgen um 10:00 MEZ von mir, mit einer Lösung oder mit dem, was ich herausgefunden habe und wie es weitergeht.

Jonas, Service Desk
""",
    ("holding_update", "en_GB", "Europe/London"): """\
Hello Priya,

A short note on PD-4711 ("Shared drive unavailable"): it is still open and still being worked on. There is nothing new to report yet, and we did not want you to wait without news.

You will hear from us again by tomorrow at 09:00 GMT, with what we have found by then. If anything has changed on your side, reply to this message.

Service Desk
""",
    ("holding_update", "de_DE", "Europe/Berlin"): """\
Hallo Frau Keller,

eine kurze Nachricht zu PD-4711 („Netzlaufwerk nicht erreichbar“): Die Anfrage ist weiter offen und in Arbeit. Es gibt noch nichts Neues, und wir wollten Sie nicht ohne Nachricht warten lassen.

Sie hören bis morgen um 10:00 MEZ wieder von uns, mit dem, was wir bis dahin herausgefunden haben. Falls sich bei Ihnen etwas geändert hat, antworten Sie einfach auf diese Nachricht.

Service Desk
""",
    ("update", "de_DE", "Europe/Berlin"): """\
Hallo Frau Keller,

ein Zwischenstand zu PD-4711: Wir arbeiten weiter daran. Bisher haben wir die Berechtigungen und den Dateiserver geprüft.

Als Nächstes werden wir den Speicher hinter der Freigabe testen. Sie hören bis morgen um 10:00 MEZ wieder von uns, auch wenn es nichts Neues gibt.

Jonas, Service Desk
""",
}


@pytest.mark.parametrize(("name", "locale", "tz"), list(EXPECTED))
def test_builtin_template_renders_exactly(name: str, locale: str, tz: str) -> None:
    templates = load_templates({})
    out = templates.render(name, {**VALUES[locale], **TIMES}, now=NOW, tz_name=tz, locale=locale)
    assert out == EXPECTED[(name, locale, tz)]


@pytest.mark.parametrize("name", sorted(BUILTIN_KINDS))
def test_english_builtins_pass_their_own_linter(name: str) -> None:
    templates = load_templates({})
    out = templates.render(name, {**VALUES["en_GB"], **TIMES}, now=NOW, tz_name="Europe/London")
    context = LintContext(kind=BUILTIN_KINDS[name], now=NOW, tz_name="Europe/London")  # type: ignore[arg-type]
    assert lint(out, context) == []


def test_rendered_times_read_back_as_the_same_promises() -> None:
    templates = load_templates({})
    for tz in ("Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"):
        out = templates.render("update", {**VALUES["en_GB"], **TIMES}, now=NOW, tz_name=tz)
        promises = extract_promises(out, NOW, tz).promises
        assert [p.due for p in promises] == [TIMES["next_update_at"]], (tz, out)


@pytest.mark.parametrize(
    ("when", "tz", "locale", "expected"),
    [
        (NOW + timedelta(hours=1), "Europe/London", "en_GB", "10:00 GMT"),
        (NOW + timedelta(days=1), "Europe/London", "en_GB", "tomorrow at 09:00 GMT"),
        (NOW + timedelta(days=6), "Europe/London", "en_GB", "Monday at 09:00 GMT"),
        (NOW + timedelta(days=8), "Europe/London", "en_GB", "Wednesday 18 March at 09:00 GMT"),
        (
            datetime(2026, 4, 1, 9, tzinfo=UTC),
            "Europe/London",
            "en_GB",
            "Wednesday 1 April at 10:00 BST",
        ),
        (NOW + timedelta(hours=7, minutes=30), "Europe/Paris", "en_GB", "17:30 CET"),
        (NOW + timedelta(hours=7, minutes=30), "Europe/Paris", "de_DE", "17:30 MEZ"),
        (NOW + timedelta(days=1), "Europe/Berlin", "de_DE", "morgen um 10:00 MEZ"),
        (NOW + timedelta(hours=1), "Europe/London", "de_DE", "10:00 GMT"),
        (NOW + timedelta(hours=1), "America/New_York", "en_GB", "06:00 EDT"),
        (NOW + timedelta(hours=1), "America/New_York", "en_US", "6:00\u202fAM EDT"),
        (NOW + timedelta(hours=1), "Asia/Kolkata", "en_GB", "15:30 IST"),
        (NOW + timedelta(hours=1), "Australia/Lord_Howe", "en_GB", "21:00 GMT+11:00"),
        (NOW - timedelta(days=1), "Europe/London", "en_GB", "Monday 9 March at 09:00 GMT"),
    ],
)
def test_times_are_phrased_in_the_customers_zone_and_locale(
    when: datetime, tz: str, locale: str, expected: str
) -> None:
    assert format_when(when, now=NOW, tz_name=tz, locale=locale) == expected


def test_unknown_placeholder_is_refused_at_load_naming_template_and_placeholder() -> None:
    with pytest.raises(ConfigError) as caught:
        load_templates({"vip": {"body": "Hello {{ customer_name }}, ref {{ ticket_number }}."}})
    assert "'vip'" in caught.value.message
    assert "'ticket_number'" in caught.value.message
    assert caught.value.details == {"template": "vip", "placeholders": ["ticket_number"]}


@pytest.mark.parametrize(
    "body",
    [
        "{{ customer_name.__class__ }}",
        "{{ customer_name['x'] }}",
        "{{ customer_name.upper() }}",
        "{{ customer_name | attr('__class__') }}",
        "{{ cycler }}",
        "{% for x in ticket_ref %}{{ x }}",
    ],
)
def test_unsafe_or_broken_templates_are_refused_at_load(body: str) -> None:
    with pytest.raises(ConfigError):
        check_template("bad", body)


def test_the_sandbox_blocks_attribute_tricks_even_without_the_load_check() -> None:
    env = make_environment()
    with pytest.raises(SecurityError):
        env.from_string("{{ x.__class__.__mro__[1].__subclasses__() }}").render(x="")
    with pytest.raises(SecurityError):
        env.from_string("{{ x.format.__globals__ }}").render(x="")


def test_agent_text_is_data_never_template_source() -> None:
    templates = load_templates({})
    values = {**VALUES["en_GB"], **TIMES, "checked": "{{ 7 * 7 }} and {% raw %}"}
    out = templates.render("update", values, now=NOW, tz_name="Europe/London")
    assert "checked {{ 7 * 7 }} and {% raw %}." in out


def test_custom_template_replaces_builtin_and_reports_its_placeholders() -> None:
    templates = load_templates(
        {
            "update": {
                "body": "Hi {{ customer_name }}, next update by {{ next_update_at }}.",
                "description": "short",
            }
        }
    )
    template = templates.get("update")
    assert template.placeholders == {"customer_name", "next_update_at"}
    assert not template.builtin
    out = templates.render("update", {"customer_name": "Sam", **TIMES}, now=NOW, tz_name="UTC")
    assert out == "Hi Sam, next update by tomorrow at 09:00 UTC.\n"
    assert templates.get("update", "de_DE").language == "de"


def test_missing_value_and_bad_tables_are_clear_errors() -> None:
    templates = load_templates({})
    partial = {k: v for k, v in {**VALUES["en_GB"], **TIMES}.items() if k != "checked"}
    with pytest.raises(InvalidInput, match="needs a value for checked"):
        templates.render("update", partial, now=NOW, tz_name="UTC")
    with pytest.raises(ConfigError, match="unknown keys: subject"):
        load_templates({"x": {"body": "hi", "subject": "s"}})
    with pytest.raises(ConfigError, match="non-empty 'body'"):
        load_templates({"x": {"body": " "}})
    with pytest.raises(InvalidInput, match="No template is called 'nope'"):
        templates.get("nope")
    assert set(PLACEHOLDERS) >= {"customer_name", "ticket_ref", "next_update_at", "agent", "team"}
