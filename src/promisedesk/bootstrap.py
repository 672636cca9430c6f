"""Wires settings, store, clock and policy into the services the edges call."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine

from promisedesk.clock import Clock, SystemClock
from promisedesk.config import Policy, Settings, load_policy
from promisedesk.store.engine import make_engine
from promisedesk.store.migrate import upgrade
from promisedesk.store.tickets import TicketStore


@dataclass
class Desk:
    """Everything a request handler or a command needs, built once."""

    settings: Settings
    engine: Engine
    store: TicketStore
    policy: Policy
    clock: Clock = field(default_factory=SystemClock)

    def close(self) -> None:
        """Release database connections."""
        self.engine.dispose()


def build(
    settings: Settings,
    *,
    clock: Clock | None = None,
    policy: Policy | None = None,
    migrate: bool = True,
) -> Desk:
    """Make the engine (migrated to the current schema), the store and the policy."""
    engine = make_engine(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    if migrate:
        try:
            upgrade(engine)
        except BaseException:
            engine.dispose()
            raise
    return Desk(
        settings=settings,
        engine=engine,
        store=TicketStore(engine),
        policy=policy or load_policy(settings.config_path),
        clock=clock or SystemClock(),
    )
