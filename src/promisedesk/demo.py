"""A realistic day at an IT service desk, as an event log ending at ``now``.

The day is generated, not stored, so its times are always today's; the same seed
gives the same day. It is applied through the replay service, the same path the
API and ``promisedesk replay`` use.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from promisedesk.domain.codec import to_utc_iso

AGENTS = [("amira", "service-desk"), ("ben", "service-desk"), ("chen", "network")]
L2 = [("dana", "network"), ("eli", "applications")]
CUSTOMERS = [
    "priya.shah@northwind.example",
    "tom.baker@northwind.example",
    "lena.fischer@contoso.example",
    "omar.haddad@contoso.example",
    "sara.lind@fabrikam.example",
    "jun.park@fabrikam.example",
]
# (subject, description, impact, urgency, needs escalation)
PROBLEMS = [
    (
        "VPN drops every few minutes",
        "Since this morning my VPN disconnects every 5-10 "
        "minutes and I lose my remote desktop session.",
        "medium",
        "high",
        False,
    ),
    (
        "Cannot send email to external addresses",
        "Messages to customers bounce back with 'relay access denied'. Internal mail works.",
        "high",
        "high",
        True,
    ),
    (
        "Payroll app shows error 500",
        "The payroll application fails with an error page when "
        "I open the monthly run. Payroll closes Friday.",
        "high",
        "critical",
        True,
    ),
    (
        "Printer on floor 3 jams",
        "The big printer near the kitchen jams on every double-sided job.",
        "low",
        "low",
        False,
    ),
    (
        "New starter needs a laptop",
        "Maria starts on Monday in Finance and needs a laptop and accounts.",
        "low",
        "medium",
        False,
    ),
    (
        "Shared drive is very slow",
        "Opening files on the S: drive takes over a minute for the whole design team.",
        "medium",
        "medium",
        True,
    ),
    (
        "Password reset for the CRM",
        "I am locked out of the CRM after my password expired.",
        "low",
        "high",
        False,
    ),
    (
        "Teams calls drop audio",
        "In Teams meetings other people cannot hear me after about ten minutes.",
        "medium",
        "medium",
        False,
    ),
    (
        "Wi-Fi down in meeting room B",
        "Nobody can join the Wi-Fi in meeting room B; the board meets there at 15:00.",
        "medium",
        "critical",
        False,
    ),
    (
        "Website contact form not sending",
        "Customers say the contact form on our site shows 'sent' but we receive nothing.",
        "high",
        "medium",
        True,
    ),
]


def day_of_tickets(now: datetime, *, seed: int = 7, count: int = 24) -> list[dict[str, Any]]:
    """Event-log lines for a working day of ``count`` tickets ending at ``now``."""
    rng = random.Random(seed)
    start = now - timedelta(hours=9)
    lines: list[dict[str, Any]] = []

    def add(at: datetime, ref: str, type_: str, by: str, **fields: Any) -> datetime:
        if at < now:
            lines.append({"at": to_utc_iso(at), "ticket": ref, "type": type_, "by": by, **fields})
        return at

    for n in range(1, count + 1):
        subject, description, impact, urgency, escalates = PROBLEMS[(n - 1) % len(PROBLEMS)]
        ref = f"PD-{n}"
        customer = rng.choice(CUSTOMERS)
        at = start + timedelta(minutes=rng.randint(0, 480))
        agent, team = rng.choice(AGENTS)
        add(
            at,
            ref,
            "opened",
            f"customer:{customer}",
            subject=subject,
            description=description,
            requester=customer,
            channel=rng.choice(["web", "email", "phone"]),
            impact=impact,
            urgency=urgency,
        )
        at = add(
            at + timedelta(seconds=rng.randint(5, 40)),
            ref,
            "acknowledged",
            "system",
            automatic=True,
            body="We have your request and will reply shortly.",
        )
        at = add(
            at + timedelta(minutes=rng.randint(2, 25)),
            ref,
            "assigned",
            f"agent:{agent}",
            agent=agent,
            team=team,
            tier="L1",
        )
        at += timedelta(minutes=rng.randint(1, 10))
        promise = at + timedelta(minutes=rng.choice([30, 45, 60, 90]))
        at = add(
            at,
            ref,
            "public_reply",
            f"agent:{agent}",
            body=f"I'm sorry this is getting in your way. I'm looking into '{subject}' "
            "now and will update you by the time below.",
            next_update_at=to_utc_iso(promise),
        )
        # Most agents keep their word: a short update before the promised time.
        for _ in range(rng.choice([0, 1, 1, 2])):
            at = add(
                promise - timedelta(minutes=rng.randint(3, 15)),
                ref,
                "public_reply",
                f"agent:{agent}",
                body="Still on it: I have ruled out your own device and am checking the "
                "service itself. Next update by the time below.",
                next_update_at=to_utc_iso(promise + timedelta(minutes=60)),
            )
            promise += timedelta(minutes=60)
        if escalates:
            to_agent, to_team = rng.choice(L2)
            at = add(
                at + timedelta(minutes=rng.randint(10, 40)),
                ref,
                "escalated",
                f"agent:{agent}",
                from_tier="L1",
                to_tier="L2",
                done="Checked the service status, restarted the client, reproduced it.",
                reason="Needs a server-side change that L1 cannot make.",
                review_by=to_utc_iso(at + timedelta(hours=2)),
                team=to_team,
            )
            at = add(
                at + timedelta(minutes=rng.randint(5, 30)),
                ref,
                "internal_note",
                f"agent:{to_agent}",
                body="Picked up; checking the server logs first.",
            )
        roll = rng.random()
        if roll < 0.15:
            at = add(
                at + timedelta(minutes=rng.randint(5, 30)),
                ref,
                "status_changed",
                f"agent:{agent}",
                status="waiting_on_customer",
                reason="Asked for a screenshot of the error.",
            )
            at = add(
                at + timedelta(minutes=rng.randint(10, 60)),
                ref,
                "customer_reply",
                f"customer:{customer}",
                body="Screenshot attached, thanks.",
            )
        if roll < 0.6:
            at = add(
                at + timedelta(minutes=rng.randint(20, 120)),
                ref,
                "resolved",
                f"agent:{agent}",
                summary=f"Fixed: {subject.lower()}.",
                root_cause="A configuration change earlier this week.",
                prevention="The change is now checked before rollout.",
            )
            if rng.random() < 0.5:
                at = add(
                    at + timedelta(minutes=rng.randint(5, 60)),
                    ref,
                    "resolution_confirmed",
                    f"customer:{customer}",
                    comment="Works now.",
                )
                at = add(at + timedelta(minutes=1), ref, "closed", f"agent:{agent}")
                add(
                    at + timedelta(minutes=rng.randint(1, 30)),
                    ref,
                    "rated",
                    f"customer:{customer}",
                    score=rng.choice([4, 5, 5, 3]),
                    comment="",
                )
    lines.sort(key=lambda line: line["at"])
    return lines
