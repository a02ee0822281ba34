"""The live alarm feed: bus events → asyncio queues → server-sent events on every operator console.

Alarm events are delivered by the bus after their transaction commits, on whatever thread committed
(the gateway's writer thread, a request's worker thread). ``LiveHub.publish`` only hands them to the
event loop with ``call_soon_threadsafe``; the loop fans each one out to the subscribed streams whose
scope covers it (region subtree, and for an enterprise user its own organisation). A stream that
falls ``queue_size`` events behind is told to ``resync`` (reload the list) instead of holding memory.

In a multi-process deployment (docs/deploy.md) the ingest workers and the other web processes commit
alarm events too: every process forwards the events it commits over NATS
(``citysafe.events.firewatch.<name>``, ``relay_events``) and the hub of every web process subscribes to
them, skipping its own (the ``Citysafe-Origin`` header), which it already got from its own bus.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import json
import logging
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from typing import Any, Final

from sqlalchemy.orm import Session

from citysafe.auth.enums import Role
from citysafe.auth.schemas import Principal
from citysafe.core.context import AppContext
from citysafe.core.events import EventBus
from citysafe.core.scope import Scope

__all__ = ["EXTRAS_KEY", "LIVE_EVENTS", "NATS_SUBJECT", "ORIGIN_HEADER", "LiveHub", "Subscription", "broadcaster",
           "principal_scope", "register", "relay_events", "running"]

log = logging.getLogger(__name__)

# What an operator console shows live (names from citysafe.firewatch.events).
LIVE_EVENTS: Final = ("AlarmRaised", "AlarmUpdated", "AlarmCleared", "FireConfirmed", "UnitOffline",
                      "AlarmEscalated")
NATS_SUBJECT: Final = "citysafe.events.firewatch"
EXTRAS_KEY: Final = "firewatch_live"
# Which process committed a relayed event: a web hub skips its own, already delivered by its bus.
ORIGIN_HEADER: Final = "Citysafe-Origin"


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


def broadcaster(ctx: AppContext) -> Callable[[str, dict[str, Any]], None]:
    """Hand a live event to the hub of ``ctx``'s application while it runs (from any thread; the ingest
    writer's relay of the events its child process committed)."""
    def broadcast(name: str, payload: dict[str, Any]) -> None:
        hub = ctx.extras.get(EXTRAS_KEY)
        if isinstance(hub, LiveHub):
            hub.publish(name, payload)

    return broadcast


def register(event_bus: EventBus, hub: LiveHub) -> Callable[[], None]:
    """Feed ``hub`` the live events ``event_bus`` delivers; returns what undoes it."""
    def handler(_session: Session, payload: dict[str, Any], *, name: str) -> None:
        hub.publish(name, payload)

    handlers = {name: functools.partial(handler, name=name) for name in LIVE_EVENTS}
    for name, each in handlers.items():
        event_bus.subscribe_name(name, each)

    def unregister() -> None:
        for name, each in handlers.items():
            event_bus.unsubscribe_name(name, each)

    return unregister


def principal_scope(principal: Principal) -> Scope:
    """The same scope ``auth.service.act_as`` binds to the principal's database session."""
    org = principal.organization_id if principal.role == Role.ENTERPRISE else None
    return Scope(region_code=principal.region_code, organization_id=org)


def relay_events(event_bus: EventBus, nc: Any, loop: asyncio.AbstractEventLoop,
                 origin: str = "") -> Callable[[], None]:
    """Forward this process's live alarm events to NATS, where every web process's live hub listens.

    Bus handlers run on the committing (writer) thread; the publish is handed to the loop. The returned
    ``detach()`` unsubscribes them; a delivery already under way when it runs does nothing (nor once the
    loop is closed): a handler that raised would roll back the other handlers' work.
    """
    active = [True]
    pending: set[asyncio.Task[None]] = set()  # the loop keeps only weak references to tasks
    headers = {ORIGIN_HEADER: origin} if origin else None

    def start(subject: str, data: bytes) -> None:
        task = loop.create_task(nc.publish(subject, data, headers=headers))
        pending.add(task)
        task.add_done_callback(pending.discard)

    def forwarder(name: str) -> Callable[[Session, dict[str, Any]], None]:
        subject = f"{NATS_SUBJECT}.{name}"

        def handler(_session: Session, payload: dict[str, Any]) -> None:
            if not active[0] or loop.is_closed():
                return
            data = json.dumps(payload, ensure_ascii=False).encode()
            with suppress(RuntimeError):  # the loop closed in between
                loop.call_soon_threadsafe(start, subject, data)

        return handler

    handlers = {name: forwarder(name) for name in LIVE_EVENTS}
    for name, handler in handlers.items():
        event_bus.subscribe_name(name, handler)

    def detach() -> None:
        active[0] = False
        for name, handler in handlers.items():
            event_bus.unsubscribe_name(name, handler)

    return detach


async def _relay_from_nats(hub: LiveHub, url: str, origin: str = "") -> Any:
    import nats

    nc = await nats.connect(url, name="citysafe-live", max_reconnect_attempts=-1)

    async def on_message(msg: Any) -> None:
        if origin and (msg.headers or {}).get(ORIGIN_HEADER) == origin:
            return  # committed here: the hub has it from this process's bus
        name = msg.subject.rsplit(".", 1)[-1]
        with suppress(ValueError):
            hub.publish(name, json.loads(msg.data))

    await nc.subscribe(f"{NATS_SUBJECT}.*", cb=on_message)
    return nc


@asynccontextmanager
async def running(app: Any, ctx: AppContext) -> AsyncIterator[None]:
    hub = LiveHub(asyncio.get_running_loop())
    unregister = register(ctx.bus, hub)
    ctx.extras[EXTRAS_KEY] = hub
    nc = None
    detach: Callable[[], None] | None = None
    if ctx.settings.nats_url:
        # This process's own commits (an operator's confirmation, a timer's escalation) go to the other
        # web processes' consoles too.
        origin = f"{ctx.settings.instance or 'web'}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            nc = await _relay_from_nats(hub, ctx.settings.nats_url, origin)
            detach = relay_events(ctx.bus, nc, asyncio.get_running_loop(), origin)
        except Exception:  # the console still shows this process's own alarms
            log.exception("live feed: cannot subscribe to NATS at %s", ctx.settings.nats_url)
    try:
        yield
    finally:
        if detach is not None:
            detach()
        unregister()
        ctx.extras.pop(EXTRAS_KEY, None)
        if nc is not None:
            await nc.drain()
