"""Where the MQTT subscriber's batches are written: a child process (the default), or a thread.

``ProcessWriter`` is the gateway's design (``gateway.sinks.ProcessSink``, ``ingest.writer``) for MQTT:
receiving (the MQTT client, in the subscriber's event loop) and storing (one group commit per
transaction, ``ingest.mqtt_batch.BatchWriter``, in ``citysafe firewatch mqtt-writer``) are each about one
core's work at full rate, and in one process they would share one GIL. Batches go down the child's
stdin; the child answers one code per message, in order, once the transaction holding it committed;
live alarm events come back up as they commit. Several batches may be in flight: the child writes
those that queued up while its last transaction ran in one transaction (``serve_pipe``).

If the child dies or stops answering, every batch in flight is answered ``WITHHELD`` (the subscriber
drops its connection, the broker delivers them again, de-duplication drops what had committed after
all), and so is every later batch of that connection; the next connection's first batch starts a new child.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any, Final, Protocol

from citysafe.core.config import Settings
from citysafe.firewatch.ingest.mqtt_batch import BatchWriter, Row
from citysafe.firewatch.ingest.writer_child import CHILD_FAILURES, WriterChild

log = logging.getLogger(__name__)

WRITER_COMMAND: Final = (sys.executable, "-m", "citysafe", "firewatch", "mqtt-writer")


class MessageSink(Protocol):
    async def start(self) -> None: ...

    async def store(self, rows: list[Row]) -> bytes:
        """One ``mqtt_batch.Code`` per row, once the rows are committed (or withheld)."""
        ...

    def health(self) -> dict[str, Any]: ...

    async def aclose(self) -> None: ...


class ThreadWriter:
    """The batches written by a thread of this process, one at a time (tests; ``firewatch_mqtt_writer = "thread"``)."""

    def __init__(self, writer: BatchWriter) -> None:
        self.writer = writer
        self._turn = asyncio.Lock()  # in order of receipt, one transaction at a time

    async def start(self) -> None:
        return None

    async def store(self, rows: list[Row]) -> bytes:
        async with self._turn:
            return await asyncio.to_thread(self.writer.write, rows)

    def health(self) -> dict[str, Any]:
        return {"ok": True, "mode": "thread"}

    async def aclose(self) -> None:
        return None


class ProcessWriter:
    """The batches written by a child process (``citysafe firewatch mqtt-writer``), several in flight."""

    def __init__(self, settings: Settings, *, command: Sequence[str] = WRITER_COMMAND, reply_timeout: float = 60.0,
                 on_events: Callable[[str, dict[str, Any]], None]) -> None:
        self._child = WriterChild(settings, command=command, name="MQTT writer", reply_timeout=reply_timeout,
                                  on_events=on_events)
        # As the child's own fence (``BatchWriter.withheld_through``), which a child that died took with it.
        self._withheld_through = 0

    @property
    def restarts(self) -> int:
        return self._child.restarts

    @property
    def pid(self) -> int | None:
        return self._child.pid

    async def start(self) -> None:
        await self._child.start()

    def health(self) -> dict[str, Any]:
        return {"ok": self.pid is not None, "mode": "process", "pid": self.pid, "restarts": self.restarts}

    async def store(self, rows: list[Row]) -> bytes:
        if not rows:
            return b""
        if rows[0][4] <= self._withheld_through:
            return bytes(len(rows))  # behind a withheld batch of its connection
        try:
            reply: bytes = await self._child.send(rows)
        except CHILD_FAILURES as exc:
            log.error("MQTT writer failed on a batch of %d messages (%s); withholding their PUBACKs", len(rows), exc)
            self._withheld_through = max(self._withheld_through, rows[0][4])
            return bytes(len(rows))
        return reply

    async def aclose(self) -> None:
        await self._child.stop(kill=False)
