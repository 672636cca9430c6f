"""The ``promisedesk`` command: set up, serve, replay, export and look at tickets.

Each command parses its options, calls one service and formats the result. Errors
are one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from promisedesk.bootstrap import Desk, build
from promisedesk.config import DEFAULT_POLICY_TEXT, Settings
from promisedesk.domain.errors import PromisedeskError
from promisedesk.services import replay as replay_svc
from promisedesk.services import tickets as ticket_svc
from promisedesk.store.tickets import TicketFilter

app = typer.Typer(
    help="Promisedesk: a service desk that keeps track of every promise made to a customer.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
tickets_app = typer.Typer(help="Look at tickets.", no_args_is_help=True)
app.add_typer(tickets_app, name="tickets")

out = Console()
err = Console(stderr=True)


class Format(StrEnum):
    """Output formats of the listing commands."""

    table = "table"
    json = "json"


class ListFormat(StrEnum):
    """Output formats of ``tickets list``: a table, JSON, or CSV for spreadsheets."""

    table = "table"
    json = "json"
    csv = "csv"


DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="PROMISEDESK_DATABASE_URL",
        help="SQLAlchemy URL. Default: sqlite:///promisedesk.db in the working directory.",
        show_default=False,
    ),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        envvar="PROMISEDESK_CONFIG_PATH",
        help="The policy file. Default: promisedesk.toml in the working directory.",
        show_default=False,
    ),
]


def _settings(database_url: str | None, config: Path | None, **more: Any) -> Settings:
    values: dict[str, Any] = {k: v for k, v in more.items() if v is not None}
    if database_url:
        values["database_url"] = database_url
    if config:
        values["config_path"] = config
    return Settings(**values)


def _desk(database_url: str | None, config: Path | None, **more: Any) -> Desk:
    return build(_settings(database_url, config, **more))


@app.command()
def init(
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing policy file.")] = False,
    admin_email: Annotated[
        str, typer.Option(help="Email of the first admin, created if there is none.")
    ] = "admin@localhost",
) -> None:
    """Write a commented policy file, create the database and the first admin."""
    settings = _settings(database_url, config)
    path = settings.config_path
    if path.exists() and not force:
        err.print(f"[yellow]{path} exists; keeping it (pass --force to overwrite).[/]")
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(DEFAULT_POLICY_TEXT, encoding="utf-8")
        out.print(f"Wrote the policy file {path}")
    from promisedesk.cli_accounts import create_first_admin

    desk = build(settings)
    try:
        admin = create_first_admin(desk, admin_email)
    finally:
        desk.close()
    out.print(f"Database ready at {settings.database_url}")
    out.print(admin, highlight=False, markup=False)
    out.print("Next: [bold]promisedesk serve[/], then open http://127.0.0.1:8000/docs")


@app.command()
def serve(
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    workers: Annotated[int | None, typer.Option(help="Web worker processes.")] = None,
    watcher: Annotated[
        bool, typer.Option("--watcher/--no-watcher", help="Run the ledger watcher too.")
    ] = True,
) -> None:
    """Serve the API and run the ledger watcher, in one process."""
    settings = _settings(database_url, config, host=host, port=port, workers=workers)
    # Migrate once here, so workers never race each other over the schema.
    desk = build(settings)
    if watcher:
        from promisedesk.worker import start_in_thread

        start_in_thread(desk)
    _run_server(settings)


def _run_server(settings: Settings) -> None:
    import uvicorn

    os.environ["PROMISEDESK_DATABASE_URL"] = settings.database_url
    os.environ["PROMISEDESK_CONFIG_PATH"] = str(settings.config_path.resolve())
    os.environ["PROMISEDESK_MAX_BODY_BYTES"] = str(settings.max_body_bytes)
    os.environ["PROMISEDESK_SQLITE_SYNCHRONOUS"] = settings.sqlite_synchronous
    from promisedesk.web import workers

    options: dict[str, Any] = {
        "app": "promisedesk.web.app:app_from_environment",
        "factory": True,
        "log_level": "warning",
        "access_log": False,
        "server_header": False,  # say nothing about the software behind the desk
    }
    err.print(f"Promisedesk listening on http://{settings.host}:{settings.port}  (Ctrl-C stops)")
    if settings.workers > 1 and workers.supported():
        try:
            workers.run(settings.host, settings.port, settings.workers, options)
        except OSError as e:
            err.print(f"error: cannot listen on {settings.host}:{settings.port}: {e.strerror or e}")
            raise SystemExit(1) from None
        except RuntimeError as e:
            err.print(f"error: {e}", markup=False)
            raise SystemExit(1) from None
        return
    uvicorn.run(host=settings.host, port=settings.port, workers=settings.workers, **options)


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Port to serve the demo on.")] = 8000,
    folder: Annotated[
        Path | None, typer.Option(help="Where to put the demo (default: a new temp folder).")
    ] = None,
    serve_it: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve after loading (default) or stop.")
    ] = True,
) -> None:
    """Set up a demo desk with a realistic day of tickets, and serve it."""
    from promisedesk.demo import day_of_tickets

    where = folder or Path(tempfile.mkdtemp(prefix="promisedesk-demo-"))
    where.mkdir(parents=True, exist_ok=True)
    settings = Settings(
        database_url=f"sqlite:///{where / 'promisedesk.db'}",
        config_path=where / "promisedesk.toml",
        port=port,
    )
    settings.config_path.write_text(DEFAULT_POLICY_TEXT, encoding="utf-8")
    desk = build(settings)
    now = desk.clock.now()
    lines = [json.dumps(line) for line in day_of_tickets(now)]
    report = replay_svc.do_replay(desk.store, desk.policy, lines, now=now)
    from promisedesk.cli_accounts import demo_accounts

    people = demo_accounts(desk)
    desk.close()
    out.print(f"Demo desk in {where}: {report.tickets_opened} tickets, {report.applied} events.")
    out.print("Sign in as (passwords and API tokens are shown only now):")
    for line in people:
        out.print(f"  {line}", highlight=False, markup=False)
    out.print(f"Address: http://{settings.host}:{port}/docs  (API at /api/tickets)")
    if serve_it:
        _run_server(settings)


@app.command()
def worker(
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
    interval: Annotated[float, typer.Option(min=0.1, help="Seconds between sweeps.")] = 5.0,
    once: Annotated[bool, typer.Option(help="Sweep once and exit.")] = False,
) -> None:
    """Run the ledger watcher alone: warnings before due, breaches, escalation."""
    import threading

    from promisedesk.worker import run_watcher

    desk = _desk(database_url, config)
    stop = threading.Event()

    def show(report: Any) -> None:
        if report.warned or report.breached or once:
            err.print(
                f"swept: {report.warned} warned, {report.breached} breached, "
                f"{report.escalated} escalated"
            )

    try:
        run_watcher(desk, stop, interval=interval, once=once, on_sweep=show)
    except KeyboardInterrupt:
        stop.set()
    finally:
        desk.close()


@app.command()
def commitments(
    ticket: Annotated[str, typer.Option("--ticket", help="The ticket's reference.")],
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
    fmt: Annotated[Format, typer.Option("--format", help="table or json.")] = Format.table,
) -> None:
    """Print a ticket's promise ledger."""
    from promisedesk.services.ledger import get_ledger
    from promisedesk.web.api.schemas import CommitmentOut

    desk = _desk(database_url, config)
    items = [CommitmentOut.of(r) for r in get_ledger(desk.store, ticket)]
    desk.close()
    if fmt == Format.json:
        out.print_json(json.dumps([i.model_dump(mode="json") for i in items]))
        return
    table = Table("id", "kind", "source", "made (UTC)", "due (UTC)", "outcome", "settled")
    for i in items:
        table.add_row(
            i.id,
            i.kind,
            i.source,
            _hm(i.made_at),
            _hm(i.due_at) if i.due_at else "paused",
            i.outcome,
            _hm(i.settled_at) if i.settled_at else "-",
        )
    out.print(table)


def _hm(at: Any) -> str:
    return str(at.strftime("%m-%d %H:%M"))


@app.command()
def report(
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
    fmt: Annotated[Format, typer.Option("--format", help="table or json.")] = Format.table,
) -> None:
    """Print the ledger KPIs: update compliance, missed updates, SLA rates."""
    from promisedesk.services.reports import kpi_report

    desk = _desk(database_url, config)
    data = kpi_report(desk.store, desk.clock.now())
    desk.close()
    if fmt == Format.json:
        out.print_json(json.dumps(data))
        return
    table = Table("figure", "value")
    for key, value in data.items():
        shown = "-" if value is None else f"{value:.1%}" if isinstance(value, float) else value
        table.add_row(key.replace("_", " "), str(shown))
    out.print(table)


@app.command()
def replay(
    file: Annotated[Path, typer.Argument(help="An event log, one JSON object per line.")],
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
    skip_invalid: Annotated[
        bool, typer.Option(help="Skip bad lines (reported) instead of stopping.")
    ] = False,
) -> None:
    """Apply an event log through the same code the API uses (docs/event-log.md)."""
    if not file.is_file():
        raise typer.BadParameter(f"{file} is not a file", param_hint="FILE")
    desk = _desk(database_url, config)
    size = file.stat().st_size
    progress = Progress(
        TextColumn("replaying"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )
    with progress, file.open("rb") as fh:
        task = progress.add_task("replay", total=size)
        report = replay_svc.do_replay(
            desk.store,
            desk.policy,
            fh,
            now=desk.clock.now(),
            skip_invalid=skip_invalid,
            progress=lambda n: progress.advance(task, n),
        )
    desk.close()
    for bad in report.skipped[:20]:
        err.print(f"skipped line {bad.number}: {bad.reason}", markup=False, highlight=False)
    if len(report.skipped) > 20:
        err.print(f"... and {len(report.skipped) - 20} more skipped lines")
    out.print(
        f"Applied {report.applied} events ({report.tickets_opened} tickets opened); "
        f"skipped {len(report.skipped)} invalid lines."
    )


@app.command()
def export(
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Write every event as an event log (the format replay reads)."""
    desk = _desk(database_url, config)
    sink = output.open("wb") if output else sys.stdout.buffer
    try:
        for line in replay_svc.export_lines(desk.store):
            sink.write(line + b"\n")
    finally:
        if output:
            sink.close()
        else:
            sink.flush()
        desk.close()


@tickets_app.command("list")
def tickets_list(
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
    status: Annotated[list[str] | None, typer.Option(help="Only this status (repeatable).")] = None,
    priority: Annotated[list[str] | None, typer.Option(help="Only this priority.")] = None,
    assignee: Annotated[str | None, typer.Option(help="Only this agent's.")] = None,
    team: Annotated[str | None, typer.Option(help="Only this team's.")] = None,
    requester: Annotated[str | None, typer.Option(help="Only this requester's.")] = None,
    text: Annotated[str | None, typer.Option(help="Text in subject or description.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1_000_000)] = 50,
    fmt: Annotated[
        ListFormat, typer.Option("--format", help="table, json, or csv (spreadsheet-safe).")
    ] = ListFormat.table,
) -> None:
    """List tickets, newest first."""
    from promisedesk.services.exports import TICKET_COLUMNS, csv_text
    from promisedesk.web.api.schemas import TicketOut

    desk = _desk(database_url, config)
    f = TicketFilter(status, priority, assignee, team, requester, text)
    with desk.store.reading() as tx:
        found = tx.list(f, after_id=None, limit=limit)
    desk.close()
    if fmt == ListFormat.csv:
        m = [r._mapping for r in found]
        for chunk in csv_text(TICKET_COLUMNS, ([r[c] for c in TICKET_COLUMNS] for r in m)):
            sys.stdout.write(chunk)
        return
    rows = [TicketOut.of(r) for r in found]
    if fmt == ListFormat.json:
        out.print_json(json.dumps([r.model_dump(mode="json") for r in rows]))
        return
    table = Table("ref", "priority", "status", "subject", "requester", "assignee", "updated")
    for r in rows:
        table.add_row(
            r.ref,
            r.priority,
            r.status,
            r.subject,
            r.requester,
            r.assignee or "-",
            r.updated_at.strftime("%Y-%m-%d %H:%M UTC"),
        )
    out.print(table)


@tickets_app.command("show")
def tickets_show(
    ref: Annotated[str, typer.Argument(help="The ticket's reference, e.g. PD-12.")],
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
    fmt: Annotated[Format, typer.Option("--format", help="table or json.")] = Format.table,
) -> None:
    """Show one ticket and its timeline."""
    from promisedesk.web.api.schemas import TicketDetailOut, TimelineEntry

    desk = _desk(database_url, config)
    view = ticket_svc.get_ticket(desk.store, ref)
    desk.close()
    ticket = TicketDetailOut.of(view.ticket)
    timeline = [TimelineEntry.of(s) for s in view.timeline]
    if fmt == Format.json:
        data = {
            "ticket": ticket.model_dump(mode="json"),
            "timeline": [e.model_dump(mode="json") for e in timeline],
        }
        out.print_json(json.dumps(data))
        return
    out.print(f"[bold]{ticket.ref}[/] {ticket.subject}", highlight=False)
    out.print(
        f"{ticket.priority} · {ticket.status} · tier {ticket.tier} · "
        f"requester {ticket.requester} · assignee {ticket.assignee or '-'}",
        highlight=False,
    )
    table = Table("#", "at (UTC)", "by", "event", "details")
    for e in timeline:
        details = "; ".join(f"{k}={v}" for k, v in e.data.items() if v not in ("", None, {}))
        table.add_row(str(e.seq), e.at.strftime("%Y-%m-%d %H:%M:%S"), e.by, e.type, details)
    out.print(table)


templates_app = typer.Typer(help="Reply templates: list, show, render.", no_args_is_help=True)
app.add_typer(templates_app, name="templates")


class LintKind(StrEnum):
    """Kinds of reply the linter knows."""

    first_reply = "first_reply"
    update = "update"
    escalation = "escalation"
    closure = "closure"
    internal_note = "internal_note"


def _instant(label: str, text: str) -> Any:
    from datetime import datetime

    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not ISO 8601", param_hint=label) from None
    if at.tzinfo is None:
        raise typer.BadParameter(
            f"{text!r} has no UTC offset; write it like 2026-12-03T09:00:00+00:00",
            param_hint=label,
        )
    return at


@app.command("lint")
def lint_command(
    kind: Annotated[LintKind, typer.Option(help="What the reply is.")],
    now: Annotated[str | None, typer.Option(help="When it is sent (ISO 8601 with offset).")] = None,
    tz: Annotated[str | None, typer.Option(help="The customer's IANA time zone.")] = None,
    cadence_minutes: Annotated[
        int | None, typer.Option(min=1, help="Longest allowed gap to the next update.")
    ] = None,
    next_update: Annotated[
        str | None, typer.Option(help="The reply's structured next-update time.")
    ] = None,
    config: ConfigOpt = None,
    fmt: Annotated[Format, typer.Option("--format", help="table or json.")] = Format.table,
) -> None:
    """Lint a reply read from standard input; list findings and promised times."""
    from datetime import timedelta

    from promisedesk.clock import SystemClock
    from promisedesk.config import load_policy
    from promisedesk.services.composer import check_reply

    policy = load_policy(_settings(None, config).config_path)
    text = sys.stdin.read()
    result = check_reply(
        text,
        kind=kind.value,
        now=_instant("--now", now) if now else SystemClock().now(),
        tz_name=tz or policy.desk.timezone,
        cadence=timedelta(minutes=cadence_minutes) if cadence_minutes else None,
        next_update_at=_instant("--next-update", next_update) if next_update else None,
    )
    data = {
        "findings": [
            {
                "rule": f.rule,
                "severity": f.severity,
                "start": f.start,
                "end": f.end,
                "message": f.message,
                "suggestion": f.suggestion,
            }
            for f in result.findings
        ],
        "promises": [{"due": p.due.isoformat(), "text": p.sentence} for p in result.promises],
    }
    if fmt == Format.json:
        sys.stdout.write(json.dumps(data) + "\n")
        return
    for f in result.findings:
        out.print(f"[bold]{f.rule}[/] ({f.severity}) at {f.start}-{f.end}: {f.message}")
        out.print(f"  instead: {f.suggestion}", highlight=False)
    for p in result.promises:
        out.print(f"promise: {p.due.isoformat()}  \u2190 {p.sentence}", highlight=False)
    if not result.findings:
        out.print("No findings.")


@templates_app.command("list")
def templates_list(config: ConfigOpt = None) -> None:
    """List the templates and the placeholders each uses."""
    from promisedesk.config import load_policy
    from promisedesk.services.composer import templates

    policy = load_policy(_settings(None, config).config_path)
    ts = templates(policy)
    table = Table("name", "language", "placeholders")
    for name in ts.names():
        t = ts.get(name, policy.desk.locale)
        table.add_row(name, t.language, ", ".join(sorted(t.placeholders)))
    out.print(table)


@templates_app.command("show")
def templates_show(
    name: str,
    config: ConfigOpt = None,
    locale: Annotated[str | None, typer.Option(help="e.g. en_GB, de_DE")] = None,
) -> None:
    """Print a template's source."""
    from promisedesk.config import load_policy
    from promisedesk.services.composer import templates

    policy = load_policy(_settings(None, config).config_path)
    sys.stdout.write(templates(policy).get(name, locale or policy.desk.locale).source)


@templates_app.command("render")
def templates_render(
    name: str,
    values: Annotated[
        list[str] | None, typer.Option("--set", help="placeholder=value (repeatable).")
    ] = None,
    now: Annotated[str | None, typer.Option(help="ISO 8601 with offset.")] = None,
    tz: Annotated[str | None, typer.Option(help="The customer's IANA time zone.")] = None,
    locale: Annotated[str | None, typer.Option(help="e.g. en_GB, de_DE")] = None,
    config: ConfigOpt = None,
) -> None:
    """Fill a template; values ending in _at are ISO 8601 instants."""
    from promisedesk.clock import SystemClock
    from promisedesk.config import load_policy
    from promisedesk.services.composer import templates

    policy = load_policy(_settings(None, config).config_path)
    filled: dict[str, Any] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise typer.BadParameter(f"{item!r}: write placeholder=value", param_hint="--set")
        filled[key] = _instant(f"--set {key}", value) if key.endswith("_at") else value
    text = templates(policy).render(
        name,
        filled,
        now=_instant("--now", now) if now else SystemClock().now(),
        tz_name=tz or policy.desk.timezone,
        locale=locale or policy.desk.locale,
    )
    sys.stdout.write(text)


def sla_show(
    config: ConfigOpt = None,
    fmt: Annotated[Format, typer.Option("--format", help="table or json.")] = Format.table,
) -> None:
    """Show the published SLA: channels, hours and each priority's targets in words."""
    from promisedesk.config import load_policy
    from promisedesk.services.sla import published_sla

    policy = load_policy(_settings(None, config).config_path)
    data = published_sla(
        policy.sla,
        policy.published.intro,
        policy.published.channels,
        policy.raw.get("calendars", {}),
    )
    if fmt == Format.json:
        out.print_json(json.dumps(data))
        return
    if data["intro"]:
        out.print(data["intro"], highlight=False)
    if data["channels"]:
        out.print("Reach us: " + "; ".join(data["channels"]), highlight=False)
    for name, text in data["hours"].items():
        out.print(f"Hours ({name}): {text}", highlight=False)
    for p in data["policies"]:
        scope = ", ".join(p["services"] + p["customer_groups"]) or "all tickets"
        out.print(f"\n[bold]Policy {p['name']}[/] ({scope})")
        for priority, rows in p["priorities"].items():
            out.print(f"  [bold]{priority}[/]")
            for row in rows:
                out.print(f"    {row['words']}", highlight=False)


def _mount_sla() -> None:
    from promisedesk.cli_accounts import tokens_app, users_app
    from promisedesk.cli_sla import sla_app

    sla_app.command("show")(sla_show)
    app.add_typer(sla_app, name="sla")
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")


_mount_sla()


def main() -> None:
    """Entry point: run the command, turning known errors into one line."""
    try:
        app()
    except PromisedeskError as exc:
        err.print(f"error: {exc.message}", markup=False, highlight=False)
        for problem in exc.details.get("problems", [])[1:]:
            err.print(f"error: {problem}", markup=False, highlight=False)
        raise SystemExit(1) from None
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).splitlines()[0]
        err.print(f"error: the database refused the operation: {reason}", markup=False)
        raise SystemExit(1) from None
    except OSError as exc:
        err.print(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
