"""The outbox sender over a real SMTP conversation (aiosmtpd on loopback).

Recipients are resolved and checked when a message is *sent*: someone disabled, or
not entitled to the ticket, since it was queued gets nothing, and the message says
why it was withheld. Delivery is at least once with a stable Message-ID.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from promisedesk.bootstrap import Desk
from promisedesk.channels.smtp import SmtpTransport
from promisedesk.clock import FakeClock
from promisedesk.services import accounts
from promisedesk.services import commands as c
from promisedesk.services.ledger import sweep
from promisedesk.services.outbox import LEASE, OutgoingMail, deliver, message_id
from promisedesk.services.tickets import do_open
from promisedesk.store.commitments import enqueue_many
from promisedesk.store.tables import outbox
from tests.api.actors import Actors
from tests.integration.test_watcher import open_p1

SENDER = "IT Service Desk <desk@desk.test>"


@dataclass
class Inbox:
    """What the SMTP server accepted: one entry per envelope."""

    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append((list(envelope.rcpt_tos), msg))  # type: ignore[arg-type]
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpt, m in self.received if address in rcpt]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, SmtpTransport]]:
    inbox = Inbox()
    port = free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        yield inbox, SmtpTransport("127.0.0.1", port, SENDER, timeout=10)
    finally:
        server.stop()


def rows(desk: Desk) -> list[Any]:
    with desk.store.reading() as tx:
        return list(tx.conn.execute(select(outbox).order_by(outbox.c.id)))


def breached_p1(desk: Desk, clock: FakeClock) -> str:
    """A P1 of ann's, assigned to bo of desk, whose first response was missed."""
    ref = open_p1(desk, clock)
    clock.advance(minutes=35)
    report = sweep(desk.store, desk.policy, clock.now())
    assert report.breached == 2 and report.escalated == 1
    return ref


def test_notices_reach_who_may_receive_them_now(
    desk: Desk, clock: FakeClock, smtp: tuple[Inbox, SmtpTransport]
) -> None:
    inbox, transport = smtp
    Actors(desk).make()  # sign-in link mail for each customer is in the outbox too
    ref = breached_p1(desk, clock)
    # Bo leaves after the breach notices were queued, before they are sent.
    accounts.do_disable_user(desk.store, "bo", clock.now())

    report = deliver(desk.store, transport, clock.now(), domain="desk.test")

    by_kind = {(r.kind, r.recipient): r for r in rows(desk)}
    for recipient in ("agent:bo",):
        withheld = by_kind[("breach", recipient)]
        assert withheld.sent_at is not None and withheld.delivered_to is None
        assert withheld.withheld == "no active user is 'agent:bo' now"
    lead = by_kind[("escalation", "lead:desk")]
    assert lead.delivered_to == "lena@desk.test" and lead.withheld is None
    assert inbox.to("bo@desk.test") == []
    (mail,) = inbox.to("lena@desk.test")
    assert mail["Subject"] == lead.subject
    assert mail["From"] == SENDER
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["X-Promisedesk-Ticket"] == ref
    assert mail["Message-ID"] == message_id(lead, "desk.test")
    assert re.fullmatch(r"<pd\.\d+\.[0-9a-f]{12}@desk\.test>", mail["Message-ID"])
    # Account mail (the customers' sign-in links) goes to the address alone.
    assert len(inbox.to("ann@example.com")) == 1
    assert report.sent == 1 + 3 and report.withheld == 2 and report.failed == 0
    # Nothing is sent twice.
    again = deliver(desk.store, transport, clock.now() + LEASE * 2, domain="desk.test")
    assert (again.sent, again.withheld, again.failed) == (0, 0, 0)
    assert len(inbox.received) == 4


def test_ticket_news_goes_only_to_people_entitled_to_the_ticket(
    desk: Desk, clock: FakeClock, smtp: tuple[Inbox, SmtpTransport]
) -> None:
    inbox, transport = smtp
    Actors(desk).make()
    ref = breached_p1(desk, clock)
    deliver(desk.store, transport, clock.now())
    before = len(inbox.received)

    def notice(kind: str, recipient: str, key: str) -> dict[str, Any]:
        return {
            "dedupe_key": key,
            "kind": kind,
            "ticket_ref": ref,
            "commitment_id": None,
            "recipient": recipient,
            "subject": f"[{ref}] news",
            "body": "An update on your ticket.",
            "created_at": clock.now(),
            "sent_at": None,
        }

    with desk.store.writing() as tx:
        enqueue_many(
            tx.conn,
            [
                notice("reply", "customer:ann@example.com", "t:1"),  # the requester
                notice("reply", "customer:bea@example.com", "t:2"),  # a colleague at Acme
                notice("reply", "customer:cy@other.example", "t:3"),  # another organisation
                notice("breach", "customer:ann@example.com", "t:4"),  # internal, to a customer
                notice("warning", "agent:nico", "t:5"),  # an agent of another team
                notice("warning", "team:desk", "t:6"),  # the ticket's team
            ],
        )
    report = deliver(desk.store, transport, clock.now())
    got = {r.dedupe_key: r for r in rows(desk)}
    assert got["t:1"].delivered_to == "ann@example.com"
    assert got["t:2"].delivered_to == "bea@example.com"
    for key in ("t:3", "t:4", "t:5"):
        assert got[key].delivered_to is None
        assert "may not receive news of" in got[key].withheld
    assert got["t:6"].delivered_to == "bo@desk.test, lena@desk.test"
    assert (report.sent, report.withheld) == (3, 3)
    assert len(inbox.received) == before + 4
    news = [m for m in inbox.to("cy@other.example") + inbox.to("nico@desk.test")]
    assert [m["X-Promisedesk-Ticket"] for m in news] == [None]  # only cy's sign-in link


def test_a_line_break_in_a_subject_cannot_add_a_header(
    desk: Desk, clock: FakeClock, smtp: tuple[Inbox, SmtpTransport]
) -> None:
    inbox, transport = smtp
    accounts.do_add_user(
        desk.store, kind="agent", email="bo@desk.test", handle="bo", team="desk", now=clock.now()
    )
    cmd = c.OpenTicket(subject="x", requester="ann@example.com")
    ref = do_open(desk.store, desk.policy, cmd, by="agent:bo", now=clock.now()).ref
    hostile = "Printer down\r\nBcc: evil@attacker.example\r\n\r\n<script>alert(1)</script>"
    with desk.store.writing() as tx:
        enqueue_many(
            tx.conn,
            [
                {
                    "dedupe_key": "x:1",
                    "kind": "warning",
                    "ticket_ref": ref,
                    "commitment_id": None,
                    "recipient": "agent:bo",
                    "subject": hostile,
                    "body": hostile,
                    "created_at": clock.now(),
                    "sent_at": None,
                }
            ],
        )
    assert deliver(desk.store, transport, clock.now()).sent == 1
    ((rcpt, mail),) = inbox.received
    assert rcpt == ["bo@desk.test"]
    assert mail["Bcc"] is None
    assert mail["Subject"] == "Printer down Bcc: evil@attacker.example <script>alert(1)</script>"
    assert mail.get_content_type() == "text/plain"  # no HTML part for the script to run in
    assert "<script>" in mail.get_content()


def test_a_failed_send_is_retried_later_under_the_same_message_id(
    desk: Desk, clock: FakeClock, smtp: tuple[Inbox, SmtpTransport]
) -> None:
    inbox, transport = smtp
    Actors(desk).make()
    down = SmtpTransport("127.0.0.1", free_port(), SENDER, timeout=2)
    first = deliver(desk.store, down, clock.now())
    assert first.failed == 3 and first.sent == 0
    pending = [r for r in rows(desk) if r.sent_at is None]
    assert len(pending) == 3
    assert all(r.attempts == 1 and "refused or failed" in r.last_error for r in pending)
    assert all(r.next_attempt_at == clock.now() + timedelta(minutes=1) for r in pending)
    assert deliver(desk.store, transport, clock.now() + timedelta(seconds=30)).sent == 0
    later = deliver(desk.store, transport, clock.now() + timedelta(minutes=1))
    assert later.sent == 3
    ids = sorted(m["Message-ID"] for _, m in inbox.received)
    assert len(set(ids)) == 3


class Crash(Exception):
    """The sender process dying in the middle of a batch."""


def test_a_sender_that_dies_mid_batch_sends_the_rest_after_its_lease(
    desk: Desk, clock: FakeClock, smtp: tuple[Inbox, SmtpTransport]
) -> None:
    inbox, transport = smtp
    Actors(desk).make()
    sent: list[str] = []

    class DiesRightAfterSending:
        """The server accepted the message; the sender died before recording it."""

        def send(self, mail: OutgoingMail) -> None:
            transport.send(mail)
            sent.append(mail.message_id)
            raise Crash

    with pytest.raises(Crash):
        deliver(desk.store, DiesRightAfterSending(), clock.now())
    assert len(inbox.received) == 1
    assert all(r.sent_at is None for r in rows(desk))  # nothing was recorded as sent
    # Another sender right away finds the batch leased, not free.
    assert deliver(desk.store, transport, clock.now() + timedelta(minutes=1)).sent == 0
    after = deliver(desk.store, transport, clock.now() + LEASE)
    # At least once: the message that went out before the crash goes again, same id.
    assert after.sent == 3
    ids = [m["Message-ID"] for _, m in inbox.received]
    assert ids.count(sent[0]) == 2 and len(set(ids)) == 3


def test_the_watcher_loop_delivers_when_a_server_is_configured(
    db_url: str, tmp_path: Any, clock: FakeClock, smtp: tuple[Inbox, SmtpTransport]
) -> None:
    import threading

    from promisedesk.bootstrap import build
    from promisedesk.config import Settings
    from promisedesk.worker import run_watcher

    inbox, transport = smtp
    settings = Settings(
        database_url=db_url,
        config_path=tmp_path / "none.toml",
        smtp_host=transport.host,
        smtp_port=transport.port,
        mail_from=SENDER,
    )
    desk = build(settings, clock=clock)
    try:
        Actors(desk).make()
        run_watcher(desk, threading.Event(), once=True)
        assert len(inbox.received) == 3
        assert all(m["Message-ID"].endswith("@desk.test>") for _, m in inbox.received)
    finally:
        desk.close()
