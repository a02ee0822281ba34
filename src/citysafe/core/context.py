"""What a running process holds: settings, engine, session factory, token signer, clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from citysafe.core.clock import Clock, SystemClock
from citysafe.core.config import Settings
from citysafe.core.db import create_db_engine, make_read_session_factory, make_session_factory
from citysafe.core.security import TokenSigner


@dataclass
class AppContext:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    signer: TokenSigner
    clock: Clock = field(default_factory=SystemClock)
    # Long-lived services a domain starts (alarm hub, gateways); keyed by domain name.
    extras: dict[str, Any] = field(default_factory=dict)
    _read_factory: sessionmaker[Session] | None = None

    @property
    def read_session_factory(self) -> sessionmaker[Session]:
        """Deferred-begin sessions for HTTP requests (see ``core.db.make_read_session_factory``)."""
        if self._read_factory is None:
            self._read_factory = make_read_session_factory(self.engine)
        return self._read_factory

    @classmethod
    def from_settings(cls, settings: Settings, *, clock: Clock | None = None) -> AppContext:
        engine = create_db_engine(settings.resolved_database_url())
        return cls(
            settings=settings, engine=engine, session_factory=make_session_factory(engine),
            signer=TokenSigner(settings.resolved_secret_key(), settings.token_ttl_seconds),
            clock=clock or SystemClock(),
        )
