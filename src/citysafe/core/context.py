"""What a running process holds: settings, engine, session factory, token signer, clock, event bus and
the way out for messages (``outbound``). Two contexts in one process share none of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from citysafe.core.clock import Clock, SystemClock
from citysafe.core.config import Settings
from citysafe.core.db import create_db_engine, make_read_session_factory, make_session_factory
from citysafe.core.events import BUS_INFO_KEY, EventBus
from citysafe.core.outbound import LogAdapter, Outbound, build_outbound
from citysafe.core.security import TokenSigner


@dataclass
class AppContext:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    signer: TokenSigner
    clock: Clock = field(default_factory=SystemClock)
    # This context's event bus: sessions of ``session_factory`` hand their committed events to it.
    bus: EventBus = field(default_factory=EventBus)
    # Every message that leaves the platform goes through it (docs/outbound.md); the log only by default.
    outbound: Outbound = field(default_factory=lambda: Outbound([LogAdapter()]))
    # Long-lived services a domain starts (alarm hub, gateways, firewatch's 119 link); keyed by domain name.
    extras: dict[str, Any] = field(default_factory=dict)
    _read_factory: sessionmaker[Session] | None = None

    def __post_init__(self) -> None:
        # What a session of this context commits is announced on this context's bus (core.events).
        self.session_factory.configure(info={BUS_INFO_KEY: self.bus})

    @property
    def read_session_factory(self) -> sessionmaker[Session]:
        """Deferred-begin sessions for HTTP requests (see ``core.db.make_read_session_factory``)."""
        if self._read_factory is None:
            self._read_factory = make_read_session_factory(self.engine)
            self._read_factory.configure(info={BUS_INFO_KEY: self.bus})
        return self._read_factory

    @classmethod
    def from_settings(cls, settings: Settings, *, clock: Clock | None = None, bus: EventBus | None = None,
                      outbound: Outbound | None = None) -> AppContext:
        """The context the settings describe; ``build_outbound`` refuses bad ``CITYSAFE_OUTBOUND_*`` here,
        at start-up (ValueError)."""
        engine = create_db_engine(settings.resolved_database_url())
        return cls(
            settings=settings, engine=engine, session_factory=make_session_factory(engine),
            signer=TokenSigner(settings.resolved_secret_key(), settings.token_ttl_seconds),
            clock=clock or SystemClock(), bus=bus or EventBus(),
            outbound=outbound or build_outbound(settings, clock=clock),
        )
