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
import zlib
from collections.abc import Callable, Sequence
from typing import Any, Final, Protocol

from citysafe.core.config import Settings
from citysafe.firewatch.ingest.mqtt_batch import BatchWriter, Row, device_key
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


class PartitionedWriter:
    """Several writers, each storing its share of the devices (``mqtt_batch.device_key``, a device always to
    the same one): a batch is split, its parts stored at once, the codes put back in the batch's order.

    One writer waits for its database about half the time on PostgreSQL (COPY, commit); two keep the
    server and a core busy. A device's messages stay in order (each writer takes its parts in the order the
    batches came); alarms that need to see another device's (two fires of one zone) take their turns in
    the database (``core.db.one_at_a_time``). SQLite's writes are one at a time anyway: one writer there.
    """

    def __init__(self, writers: Sequence[MessageSink]) -> None:
        assert len(writers) >= 2, "one writer needs no partitions"
        self.writers = tuple(writers)

    async def start(self) -> None:
        await asyncio.gather(*(writer.start() for writer in self.writers))

    def health(self) -> dict[str, Any]:
        parts = [writer.health() for writer in self.writers]
        return {"ok": all(part["ok"] for part in parts), "mode": "partitioned", "writers": parts}

    async def store(self, rows: list[Row]) -> bytes:
        count = len(self.writers)
        shares: list[list[int]] = [[] for _ in range(count)]
        for position, row in enumerate(rows):
            shares[zlib.crc32(device_key(row[0], row[1]).encode()) % count].append(position)
        answers = await asyncio.gather(*(writer.store([rows[p] for p in share])
                                         for writer, share in zip(self.writers, shares, strict=True)))
        codes = bytearray(len(rows))
        for share, answer in zip(shares, answers, strict=True):
            for position, code in zip(share, answer, strict=True):
                codes[position] = code
        return bytes(codes)

    async def aclose(self) -> None:
        await asyncio.gather(*(writer.aclose() for writer in self.writers))
