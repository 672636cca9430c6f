"""The people the API tests act as, and the headers that authenticate each.

Agents authenticate with API tokens; customers with a session cookie (started
through a sign-in link, the passwordless path) and its CSRF token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select

from promisedesk.bootstrap import Desk
from promisedesk.domain.accounts import Role
from promisedesk.services import accounts as svc
from promisedesk.store.tables import outbox

AGENTS: dict[str, dict[str, object]] = {
    "admin": {"email": "root@desk.test", "handle": "admin", "role": Role.admin},
    "lead": {"email": "lena@desk.test", "handle": "lena", "role": Role.lead, "team": "desk"},
    "agent_desk": {"email": "bo@desk.test", "handle": "bo", "team": "desk", "tier": "L1"},
    "agent_net": {"email": "nico@desk.test", "handle": "nico", "team": "net", "tier": "L2"},
}
CUSTOMERS: dict[str, dict[str, object]] = {
    "customer_a": {"email": "ann@example.com", "organisation": "Acme"},
    "customer_b": {"email": "bea@example.com", "organisation": "Acme"},
    "customer_other": {"email": "cy@other.example", "organisation": "Other"},
}
ANONYMOUS: dict[str, str] = {}


def last_link_token(desk: Desk, email: str) -> str:
    """The token of the newest one-time link mailed to ``email`` (from the outbox)."""
    with desk.store.reading() as tx:
        body = tx.conn.execute(
            select(outbox.c.body)
            .where(outbox.c.recipient == email)
            .order_by(outbox.c.id.desc())
            .limit(1)
        ).scalar_one()
    match = re.search(r"#token=([A-Za-z0-9_-]+)", body)
    assert match, body
    return match.group(1)


def customer_session(desk: Desk, email: str) -> dict[str, str]:
    """Headers of a fresh customer session, started from a sign-in link."""
    now = desk.clock.now()
    svc.do_request_link(
        desk.store,
        desk.settings,
        email=email,
        purpose="sign_in",
        client=f"setup-{email}",
        desk_name="test",
        now=now,
    )
    started = svc.do_redeem_sign_in_link(
        desk.store, desk.settings, last_link_token(desk, email), now
    )
    return {"Cookie": f"pd_session={started.token}", "X-CSRF-Token": started.csrf_token}


@dataclass
class Actors:
    """Users made on a desk, with the headers each authenticates with."""

    desk: Desk
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def make(self) -> Actors:
        now = self.desk.clock.now()
        for name, spec in AGENTS.items():
            extra = {k: v for k, v in spec.items() if k != "email"}
            svc.do_add_user(
                self.desk.store, kind="agent", email=str(spec["email"]), now=now, **extra
            )  # type: ignore[arg-type]
            token, _ = svc.do_create_token(self.desk.store, str(spec["handle"]), "tests", now)
            self.headers[name] = {"Authorization": f"Bearer {token}"}
        for name, spec in CUSTOMERS.items():
            svc.do_add_user(
                self.desk.store,
                kind="customer",
                email=str(spec["email"]),
                organisation=str(spec["organisation"]),
                now=now,
            )
            self.headers[name] = customer_session(self.desk, str(spec["email"]))
        self.headers["anonymous"] = ANONYMOUS
        return self

    def __getitem__(self, name: str) -> dict[str, str]:
        return self.headers[name]
