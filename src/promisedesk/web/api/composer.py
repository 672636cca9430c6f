"""/api/lint and /api/templates: the composer's linter and templates over HTTP."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from promisedesk.services import access
from promisedesk.services import composer as svc
from promisedesk.web.api.tickets import ERRORS, DeskDep, PrincipalDep

router = APIRouter(tags=["composer"], responses=ERRORS)

Kind = Annotated[
    str, StringConstraints(pattern="^(first_reply|update|escalation|closure|internal_note)$")
]


class LintRequest(BaseModel):
    """A draft reply to check. Give a ticket, or the context explicitly."""

    model_config = ConfigDict(extra="forbid")
    text: Annotated[str, StringConstraints(max_length=20_000)]
    kind: Kind
    ticket: Annotated[str | None, StringConstraints(max_length=64)] = None
    now: AwareDatetime | None = None
    tz: Annotated[str | None, StringConstraints(max_length=64)] = None
    cadence_minutes: Annotated[int | None, Field(ge=1, le=100_000)] = None
    next_update_at: AwareDatetime | None = None


class FindingOut(BaseModel):
    """One lint finding, at ``text[start:end]``."""

    rule: str
    severity: str
    start: int
    end: int
    message: str
    suggestion: str


class PromiseOut(BaseModel):
    """A time the text commits to."""

    due: datetime
    text: str


class LintResponse(BaseModel):
    """Findings and promises of a draft reply."""

    findings: list[FindingOut]
    promises: list[PromiseOut]


@router.post("/api/lint", response_model=LintResponse, summary="Lint a draft reply")
def lint_reply(body: LintRequest, desk: DeskDep, p: PrincipalDep) -> LintResponse:
    """What the reply should not say, and the times it promises (agents)."""
    access.require_staff(p)
    from datetime import timedelta

    now = body.now or desk.clock.now()
    if body.ticket:
        access.access_ticket(desk.store, p, body.ticket)
        result = svc.check_reply_for_ticket(
            desk.store,
            desk.policy,
            body.ticket,
            body.text,
            kind=body.kind,
            now=now,
            tz_name=body.tz,
            next_update_at=body.next_update_at,
        )
    else:
        cadence = timedelta(minutes=body.cadence_minutes) if body.cadence_minutes else None
        result = svc.check_reply(
            body.text,
            kind=body.kind,
            now=now,
            tz_name=body.tz or desk.policy.desk.timezone,
            cadence=cadence,
            next_update_at=body.next_update_at,
        )
    return LintResponse(
        findings=[FindingOut(**f.__dict__) for f in result.findings],
        promises=[PromiseOut(due=p.due, text=p.sentence) for p in result.promises],
    )


class TemplateOut(BaseModel):
    """A template, with the placeholders it uses."""

    name: str
    language: str
    description: str
    placeholders: list[str]
    source: str


class RenderRequest(BaseModel):
    """Values for a template's placeholders; times as ISO 8601 with an offset."""

    model_config = ConfigDict(extra="forbid")
    values: dict[str, str | AwareDatetime] = Field(max_length=50)
    tz: Annotated[str | None, StringConstraints(max_length=64)] = None
    locale: Annotated[str | None, StringConstraints(max_length=20)] = None
    now: AwareDatetime | None = None


@router.get("/api/templates", response_model=list[TemplateOut], summary="Reply templates")
def list_templates(desk: DeskDep, p: PrincipalDep, locale: str | None = None) -> list[TemplateOut]:
    """Every template, in the locale's language where there is one (agents)."""
    access.require_staff(p)
    ts = svc.templates(desk.policy)
    loc = locale or desk.policy.desk.locale
    return [_out(ts.get(name, loc)) for name in ts.names()]


@router.get("/api/templates/{name}", response_model=TemplateOut, summary="One template")
def show_template(
    name: str, desk: DeskDep, p: PrincipalDep, locale: str | None = None
) -> TemplateOut:
    """The template's source and placeholders (agents)."""
    access.require_staff(p)
    return _out(svc.templates(desk.policy).get(name, locale or desk.policy.desk.locale))


@router.post("/api/templates/{name}/render", summary="Fill a template")
def render_template(
    name: str, body: RenderRequest, desk: DeskDep, p: PrincipalDep
) -> dict[str, str]:
    """The filled text; times are phrased in the customer's zone and language (agents)."""
    access.require_staff(p)
    text = svc.templates(desk.policy).render(
        name,
        body.values,
        now=body.now or desk.clock.now(),
        tz_name=body.tz or desk.policy.desk.timezone,
        locale=body.locale or desk.policy.desk.locale,
    )
    return {"text": text}


def _out(t: Any) -> TemplateOut:
    return TemplateOut(
        name=t.name,
        language=t.language,
        description=t.description,
        placeholders=sorted(t.placeholders),
        source=t.source,
    )
