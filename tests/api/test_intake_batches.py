"""Concurrent ticket creations over HTTP share commits and each get their own ticket."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import httpx
from sqlalchemy import event

from promisedesk.bootstrap import Desk
from promisedesk.web.app import create_app
from tests.api.actors import Actors
from tests.integration.test_group_commit import _cmd, _rows


def test_concurrent_requests_each_get_their_own_committed_ticket(
    desk: Desk, actors: Actors
) -> None:
    # Intake limits protect a desk from floods; this burst is one on purpose.
    unlimited = {"intake_limit_per_client": 0, "intake_limit_per_requester": 0}
    app = create_app(replace(desk, settings=desk.settings.model_copy(update=unlimited)))

    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://desk", headers=actors["admin"]
        ) as client:
            body = _cmd(0).model_dump(mode="json", exclude_none=True)
            posts = [
                client.post("/api/tickets", json={**body, "subject": f"Printer {n} jams"})
                for n in range(24)
            ]
            bad = client.post("/api/tickets", json={**body, "impact": "enormous"})
            return await asyncio.gather(*posts, bad)

    commits: list[int] = []
    listen = ("commit", lambda _conn: commits.append(1))
    event.listen(desk.store.engine, *listen)
    try:
        *answers, refused = asyncio.run(run())
    finally:
        event.remove(desk.store.engine, *listen)
    # They shared commits (one per batch), not one each; auth reads commit nothing.
    assert 1 <= len(commits) < 24
    app.state.group_commit.close()
    assert refused.status_code == 422
    assert [r.status_code for r in answers] == [201] * 24
    refs = [r.json()["ref"] for r in answers]
    assert len(set(refs)) == 24
    for n, r in enumerate(answers):
        assert r.json()["subject"] == f"Printer {n} jams"
    with desk.store.reading() as tx:
        assert tx.count() == 24
        for ref in refs:
            assert tx.load(ref)[1].subject == answers[refs.index(ref)].json()["subject"]
    ledgers = {ref: len(_rows(desk, ref)["ledger"]) for ref in refs}
    assert min(ledgers.values()) >= 3
