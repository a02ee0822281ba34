"""The live alarm feed: bus events → asyncio queues → server-sent events on every operator console.

Alarm events are delivered by the bus after their transaction commits, on whatever thread committed
(the gateway's writer thread, a request's worker thread). ``LiveHub.publish`` only hands them to the
event loop with ``call_soon_threadsafe``; the loop fans each one out to the subscribed streams whose
scope covers it (region subtree, and for an enterprise user its own organisation). A stream that
falls ``queue_size`` events behind is told to ``resync`` (reload the list) instead of holding memory.

In a multi-process deployment the ingest workers are other processes: they forward the same events
over NATS (``citysafe.events.firewatch.<name>``) and the hub of every web process subscribes to them.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from typing import Any, Final

from sqlalchemy.orm import Session

from citysafe.auth.enums import Role
from citysafe.auth.schemas import Principal
from citysafe.core.context import AppContext
from citysafe.core.events import EventBus
from citysafe.core.scope import Scope

__all__ = ["EXTRAS_KEY", "LIVE_EVENTS", "NATS_SUBJECT", "LiveHub", "Subscription", "broadcast",
           "principal_scope", "register", "running"]

log = logging.getLogger(__name__)

# What an operator console shows live (names from citysafe.firewatch.events).
LIVE_EVENTS: Final = ("AlarmRaised", "AlarmUpdated", "AlarmCleared", "FireConfirmed", "UnitOffline",
                      "AlarmEscalated")
NATS_SUBJECT: Final = "citysafe.events.firewatch"
EXTRAS_KEY: Final = "firewatch_live"


class Subscription:
    """One stream's queue and scope."""

    def __init__(self, scope: Scope | None, kinds: frozenset[str] | None, size: int) -> None:
        self.scope = scope
        self.kinds = kinds
        self.queue: asyncio.Queue[tuple[int, str, dict[str, Any]]] = asyncio.Queue(size)
        self.overflowed = False

    def wants(self, payload: dict[str, Any]) -> bool:
        if self.kinds is not None and payload.get("kind") not in self.kinds:
            return False
        scope = self.scope
        if scope is None:
            return True
        # An escalated alarm is also visible in the region it was escalated to.
        covered = scope.covers(payload.get("region_code")) or scope.covers(payload.get("escalated_region_code"))
        if not covered:
            return False
        return scope.organization_id is None or payload.get("unit_organization_id") == scope.organization_id

    async def get(self) -> tuple[int, str, dict[str, Any]]:
        return await self.queue.get()


class LiveHub:
    def __init__(self, loop: asyncio.AbstractEventLoop, *, queue_size: int = 1000) -> None:
        self._loop = loop
        self._queue_size = queue_size
        self._subscriptions: set[Subscription] = set()
        self._ids = itertools.count(1)
        self._listeners: list[Callable[[str, dict[str, Any]], None]] = []
        self.published = 0

    @property
    def subscribers(self) -> int:
        return len(self._subscriptions)

    def publish(self, name: str, payload: dict[str, Any]) -> None:
        """Thread-safe: hand an event to the loop (from the bus, on the committing thread)."""
        if self._loop.is_closed():
            return
        with suppress(RuntimeError):  # the loop closed in between: nobody is listening any more
            self._loop.call_soon_threadsafe(self._fan_out, name, payload)

    def listen(self, listener: Callable[[str, dict[str, Any]], None]) -> None:
        """Call ``listener(name, payload)`` on the loop for every event (tests, NATS relay)."""
        self._listeners.append(listener)

    def _fan_out(self, name: str, payload: dict[str, Any]) -> None:
        self.published += 1
        event_id = next(self._ids)
        for sub in self._subscriptions:
            if sub.overflowed or not sub.wants(payload):
                continue
            try:
                sub.queue.put_nowait((event_id, name, payload))
            except asyncio.QueueFull:
                sub.overflowed = True  # the stream sends "resync" and the console reloads
        for listener in self._listeners:
            listener(name, payload)

    @contextmanager
    def subscribe(self, scope: Scope | None, kinds: frozenset[str] | None = None) -> Iterator[Subscription]:
        sub = Subscription(scope, kinds, self._queue_size)
        self._subscriptions.add(sub)
        try:
            yield sub
        finally:
            self._subscriptions.discard(sub)


# The bus is process-wide and its handlers cannot be removed, so one handler per event name is
# registered (idempotently) and dispatches to whichever hubs are running.
_HUBS: set[LiveHub] = set()


def broadcast(name: str, payload: dict[str, Any]) -> None:
    """Hand a live event to every hub of this process (from any thread; also the ingest writer's relay)."""
    for hub in list(_HUBS):
        hub.publish(name, payload)


def _dispatcher(name: str) -> Callable[[Session, dict[str, Any]], None]:
    def handler(_session: Session, payload: dict[str, Any]) -> None:
        broadcast(name, payload)

    handler.__name__ = f"live_{name}"
    return handler


_HANDLERS: Final = {name: _dispatcher(name) for name in LIVE_EVENTS}


def register(event_bus: EventBus) -> None:
    for name, handler in _HANDLERS.items():
        event_bus.subscribe_name(name, handler)


def principal_scope(principal: Principal) -> Scope:
    """The same scope ``auth.service.act_as`` binds to the principal's database session."""
    org = principal.organization_id if principal.role == Role.ENTERPRISE else None
    return Scope(region_code=principal.region_code, organization_id=org)


async def _relay_from_nats(hub: LiveHub, url: str) -> Any:
    import nats

    nc = await nats.connect(url, name="citysafe-live", max_reconnect_attempts=-1)

    async def on_message(msg: Any) -> None:
        name = msg.subject.rsplit(".", 1)[-1]
        with suppress(ValueError):
            hub.publish(name, json.loads(msg.data))

    await nc.subscribe(f"{NATS_SUBJECT}.*", cb=on_message)
    return nc


@asynccontextmanager
async def running(app: Any, ctx: AppContext) -> AsyncIterator[None]:
    hub = LiveHub(asyncio.get_running_loop())
    register(ctx.bus)  # what this application's sessions commit
    _HUBS.add(hub)
    ctx.extras[EXTRAS_KEY] = hub
    nc = None
    if ctx.settings.nats_url:
        try:
            nc = await _relay_from_nats(hub, ctx.settings.nats_url)
        except Exception:  # the console still shows this process's own alarms
            log.exception("live feed: cannot subscribe to NATS at %s", ctx.settings.nats_url)
    try:
        yield
    finally:
        _HUBS.discard(hub)
        ctx.extras.pop(EXTRAS_KEY, None)
        if nc is not None:
            await nc.drain()
