"""People: agents (with a role, a team and a tier) and customers (with an organisation).

A ``Principal`` is who a request or a command acts as. Its ``actor`` string is what
events record in ``by``: ``agent:<handle>`` or ``customer:<email>``, so the timeline
of a ticket stays readable without a join.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from promisedesk.domain.errors import InvalidInput
from promisedesk.domain.events import TIERS, Tier

Kind = Literal["agent", "customer"]
KINDS: tuple[Kind, ...] = ("agent", "customer")

#: Shortest password accepted; long passphrases beat composition rules.
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024

_EMAIL = re.compile(r"^[^@\s<>\"']{1,64}@[^@\s<>\"']{1,255}$")
_HANDLE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


class Role(StrEnum):
    """What an agent may do beyond their own team's work."""

    agent = "agent"
    lead = "lead"
    admin = "admin"


@dataclass(frozen=True)
class User:
    """A person who can sign in: an agent or a customer."""

    id: int
    kind: Kind
    email: str
    handle: str
    name: str
    active: bool
    role: Role | None = None
    team: str | None = None
    tier: Tier | None = None
    organisation: str | None = None

    @property
    def actor(self) -> str:
        """The ``by`` string of events this user records."""
        return f"{self.kind}:{self.handle}"


@dataclass(frozen=True)
class Principal:
    """Who a request acts as: anonymous, a customer, or an agent with a role."""

    kind: Literal["anonymous", "agent", "customer"]
    handle: str = ""
    user_id: int | None = None
    role: Role | None = None
    team: str | None = None
    organisation: str | None = None

    @property
    def actor(self) -> str:
        """The ``by`` string of events this principal records."""
        return f"{self.kind}:{self.handle}"

    @property
    def is_staff(self) -> bool:
        """Agents of any role."""
        return self.kind == "agent"

    @property
    def sees_every_team(self) -> bool:
        """Leads and admins see every team's tickets; agents see their own team's."""
        return self.role in (Role.lead, Role.admin)

    @classmethod
    def of(cls, user: User) -> Principal:
        """The principal a signed-in user acts as."""
        return cls(
            kind=user.kind,
            handle=user.handle,
            user_id=user.id,
            role=user.role,
            team=user.team,
            organisation=user.organisation,
        )


ANONYMOUS = Principal(kind="anonymous")


def normalise_email(email: str) -> str:
    """Addresses compare case-insensitively; surrounding spaces are dropped."""
    return email.strip().lower()


def check_email(email: str) -> str:
    """The normalised address, or ``InvalidInput`` naming it."""
    value = normalise_email(email)
    if not _EMAIL.match(value):
        raise InvalidInput(
            f"{email!r} is not an email address; give one like ann@example.com.",
            {"field": "email"},
        )
    return value


def check_handle(handle: str) -> str:
    """An agent's handle: lower case letters, digits, ``.``, ``_`` and ``-``."""
    if not _HANDLE.match(handle):
        raise InvalidInput(
            f"{handle!r} is not a usable handle; use lower-case letters, digits, '.', '_' "
            "or '-', starting with a letter or digit (like 'amira').",
            {"field": "handle"},
        )
    return handle


def check_tier(tier: str | None) -> Tier | None:
    """A tier name, or ``InvalidInput`` listing the tiers."""
    if tier is None:
        return None
    for t in TIERS:
        if t == tier:
            return t
    raise InvalidInput(f"{tier!r} is not a tier; use one of {', '.join(TIERS)}.", {"field": "tier"})


def check_password(password: str) -> None:
    """Passwords are long enough to resist guessing; nothing else is imposed."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"The password has {len(password)} characters; use at least "
            f"{MIN_PASSWORD_LENGTH} (a few unrelated words make a good one).",
            {"field": "password"},
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            f"The password is longer than {MAX_PASSWORD_LENGTH} characters.",
            {"field": "password"},
        )
