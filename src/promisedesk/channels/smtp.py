"""Sending mail over SMTP (smtplib): the outbox's transport.

Messages are built with the standard library's ``email`` package (policy ``default``):
plain text in UTF-8, a stable Message-ID from the outbox row, and
``Auto-Submitted: auto-generated`` (RFC 3834) so that well-behaved systems do not
answer a notification with an automatic reply. Header values are folded to one line
before they are set, so text from a ticket (a subject with a line break in it) can
never add a header of its own.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formataddr, formatdate

from promisedesk.services.outbox import DeliveryFailed, OutgoingMail


def one_line(text: str) -> str:
    """Every run of whitespace, line breaks included, as one space."""
    return " ".join(text.split())


def build_message(mail: OutgoingMail, sender: str) -> EmailMessage:
    """The RFC 5322 message for ``mail``."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = formataddr((one_line(mail.to_name), mail.to))
    msg["Subject"] = one_line(mail.subject)
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = mail.message_id
    msg["Auto-Submitted"] = "auto-generated"
    if mail.ticket_ref:
        msg["X-Promisedesk-Ticket"] = one_line(mail.ticket_ref)
    msg.set_content(mail.body, charset="utf-8")
    return msg


class SmtpTransport:
    """Hands messages to an SMTP server (a relay or a smart host)."""

    def __init__(self, host: str, port: int, sender: str, *, timeout: float = 30.0) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.timeout = timeout

    def send(self, mail: OutgoingMail) -> None:
        """Send one message; ``DeliveryFailed`` says why it did not go."""
        msg = build_message(mail, self.sender)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                smtp.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryFailed(f"SMTP {self.host}:{self.port} refused or failed: {exc}") from exc
