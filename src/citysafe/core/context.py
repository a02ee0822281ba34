"""What a running application holds: settings, engine, session factories, event bus, clock, the way out
for messages (``outbound``), and the per-application objects of the domains (caches, configs, hubs).

No module keeps mutable state at module level (DESIGN.md §3): two contexts in one process share nothing.

How a service reaches what its application holds — one pattern, used everywhere:

- Every session factory of a context stamps its sessions with the context (``session.info[CONTEXT]``),
  and its outbox hooks deliver committed events to that context's bus (``core.events.install_outbox``).
- A domain declares a ``Slot`` at module level — an immutable name and a factory, no state — and
  reads its object for the session's application with ``SLOT.of(session)`` (or ``SLOT.get(ctx)`` where
  it holds the context: start-up code, background loops). The object is made on first use by
  ``factory(ctx)`` and kept in ``ctx.extras`` under the slot's name; ``SLOT.set(ctx, value)`` replaces it.
- Handlers and services that need the settings or the clock of their application use
  ``context_of(session).settings`` / ``.clock``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Final, Generic, TypeVar, cast

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from citysafe.core.clock import Clock, SystemClock
from citysafe.core.config import Settings
from citysafe.core.db import create_db_engine, make_read_session_factory, make_session_factory
from citysafe.core.events import DomainEvent, EventBus, install_outbox
from citysafe.core.outbound import LogAdapter, Outbound, build_outbound
from citysafe.core.security import TokenSigner

T = TypeVar("T")

_MISSING: Final = object()  # what ``extras`` answers for a slot not made yet (None may be a slot's value)
CONTEXT: Final = "citysafe.context"  # the key of the owning AppContext in every session's ``info``


@dataclass(eq=False)
class AppContext:
    settings: Settings
    engine: Engine
    signer: TokenSigner
    clock: Clock = field(default_factory=SystemClock)
    # The domains' event types, by which typed handlers get their events back (``citysafe.registry``).
    event_types: Iterable[type[DomainEvent]] = ()
    # Made from the engine, never shared: another context on the same engine has factories of its own.
    session_factory: sessionmaker[Session] = field(init=False)
    bus: EventBus = field(init=False)
    # Every message that leaves the platform goes through it (docs/outbound.md); the log only by default.
    outbound: Outbound = field(default_factory=lambda: Outbound([LogAdapter()]))
    # Long-lived services a domain starts (alarm hub, gateways) and the objects of ``Slot``s; by name.
    extras: dict[str, Any] = field(default_factory=dict)
    _read_factory: sessionmaker[Session] | None = field(default=None, init=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, init=False, repr=False)

    def __post_init__(self) -> None:
        self.bus = EventBus(self.event_types)
        self.session_factory = make_session_factory(self.engine)
        self._adopt(self.session_factory)
        self.bus.bind(self.session_factory)

    def _adopt(self, factory: sessionmaker[Session]) -> None:
        factory.configure(info={**factory.kw.get("info", {}), CONTEXT: self})
        install_outbox(factory, self.bus)

    @property
    def read_session_factory(self) -> sessionmaker[Session]:
        """Deferred-begin sessions for HTTP requests (see ``core.db.make_read_session_factory``)."""
        with self._lock:
            if self._read_factory is None:
                factory = make_read_session_factory(self.engine)
                self._adopt(factory)
                self._read_factory = factory
            return self._read_factory

    @classmethod
    def from_settings(cls, settings: Settings, *, clock: Clock | None = None, engine: Engine | None = None,
                      event_types: Iterable[type[DomainEvent]] = (),
                      outbound: Outbound | None = None) -> AppContext:
        """The context the settings describe; ``build_outbound`` refuses bad ``CITYSAFE_OUTBOUND_*`` here,
        at start-up (ValueError)."""
        return cls(
            settings=settings, engine=engine or create_db_engine(settings.resolved_database_url()),
            signer=TokenSigner(settings.resolved_secret_key(), settings.token_ttl_seconds),
            clock=clock or SystemClock(), event_types=event_types,
            outbound=outbound or build_outbound(settings, clock=clock),
        )

    def slot_value(self, slot: Slot[T]) -> T:
        # The ingest path asks for its slots on every batch: a made object is read without the lock (a dict
        # read is atomic); only the first use takes it, so two threads never make two objects.
        found = self.extras.get(slot.name, _MISSING)
        if found is not _MISSING:
            return cast(T, found)
        with self._lock:
            if slot.name not in self.extras:
                self.extras[slot.name] = slot.make(self)
            return cast(T, self.extras[slot.name])


def context_of(session: Session) -> AppContext:
    """The application whose session factory made ``session``."""
    ctx = session.info.get(CONTEXT)
    if ctx is None:
        raise LookupError("this session was not made by an AppContext's session factory")
    return cast(AppContext, ctx)


class Slot(Generic[T]):
    """A per-application object of a domain (a cache, a config), made on first use. Holds no state."""

    __slots__ = ("make", "name")

    def __init__(self, name: str, make: Callable[[AppContext], T]) -> None:
        self.name = name
        self.make = make

    def get(self, ctx: AppContext) -> T:
        return ctx.slot_value(self)

    def of(self, session: Session) -> T:
        return context_of(session).slot_value(self)

    def set(self, ctx: AppContext, value: T) -> None:
        with ctx._lock:
            ctx.extras[self.name] = value
