"""The incident room's live timeline: ``TimelineAppended`` events → asyncio queues → server-sent events.

The bus delivers the event after its transaction commits, on the committing thread; ``TimelineHub.publish``
hands it to the event loop, which puts it on the queue of every stream open on that incident. One hub per
application (``ctx.extras``), started and stopped with the app (``running``, listed in api.SERVICE_MODULES).
A stream that falls ``queue_size`` entries behind is told to ``resync`` (the page reloads its timeline).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from typing import Any, Final

from citysafe.core.context import AppContext

__all__ = ["EVENT", "EXTRAS_KEY", "TimelineHub", "running"]

EVENT: Final = "TimelineAppended"
EXTRAS_KEY: Final = "emergency_timeline_live"


class Listener:
    def __init__(self, incident_id: int, size: int) -> None:
        self.incident_id = incident_id
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(size)
        self.overflowed = False


class TimelineHub:
    def __init__(self, loop: asyncio.AbstractEventLoop, *, queue_size: int = 500) -> None:
        self._loop = loop
        self._size = queue_size
        self._listeners: set[Listener] = set()

    @property
    def listeners(self) -> int:
        return len(self._listeners)

    def publish(self, payload: dict[str, Any]) -> None:
        """Thread-safe: hand an appended entry to the loop."""
        if self._loop.is_closed():
            return
        with suppress(RuntimeError):  # the loop closed in between
            self._loop.call_soon_threadsafe(self._fan_out, payload)

    def _fan_out(self, payload: dict[str, Any]) -> None:
        for listener in list(self._listeners):
            if listener.incident_id != payload.get("incident_id") or listener.overflowed:
                continue
            try:
                listener.queue.put_nowait(payload)
            except asyncio.QueueFull:
                listener.overflowed = True

    @contextmanager
    def listen(self, incident_id: int) -> Iterator[Listener]:
        """On the loop only (the set is the loop's)."""
        listener = Listener(incident_id, self._size)
        self._listeners.add(listener)
        try:
            yield listener
        finally:
            self._listeners.discard(listener)


@asynccontextmanager
async def running(app: Any, ctx: AppContext) -> AsyncIterator[None]:
    hub = TimelineHub(asyncio.get_running_loop())

    # Observed as the transaction commits, not delivered as a handler: no outbox bookkeeping per entry.
    def observer(name: str, payload: dict[str, Any]) -> None:
        if name == EVENT:
            hub.publish(payload)

    ctx.bus.observe_commits(observer)
    ctx.extras[EXTRAS_KEY] = hub
    try:
        yield
    finally:
        ctx.bus.unobserve_commits(observer)
        ctx.extras.pop(EXTRAS_KEY, None)
