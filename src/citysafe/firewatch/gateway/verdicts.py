"""Where the downlink's offline verdicts go: the platform's record of device online state, not only a closed
socket (issue #16: offline within the patrol period + 60 s, on the board and in the database).

With JetStream as the sink the verdict is published in the device's urgent lane and the ingest worker
records it (``ingest.worker``); with the database as the sink it is written here, in a thread — the
device's frames were ACKed, so committed, before its patrol went unanswered. Either way
``alarms.presence.record_offline_verdicts`` sets ``offline_since``, raises the offline alarm and publishes
``UnitOffline`` for the live board.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.orm import Session, sessionmaker

from citysafe.firewatch.gateway.sinks import FrameSink, JetStreamSink
from citysafe.firewatch.ingest.worker import OfflineVerdict
from citysafe.firewatch.ingest.writer import write_offline

__all__ = ["OfflineRecorder"]

log = logging.getLogger(__name__)


class OfflineRecorder:
    """A ``Downlink.on_offline`` listener: each sweep's verdicts to JetStream, or to the database."""

    def __init__(self, sink: FrameSink, session_factory: sessionmaker[Session] | None = None) -> None:
        self._sink = sink
        self._factory = session_factory
        self._pending: set[asyncio.Task[None]] = set()  # the loop keeps only weak references to tasks
        self.recorded = 0

    def __call__(self, verdicts: list[OfflineVerdict]) -> None:
        task = asyncio.get_running_loop().create_task(self._record(verdicts))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _record(self, verdicts: list[OfflineVerdict]) -> None:
        if isinstance(self._sink, JetStreamSink):
            done = await asyncio.gather(*(self._sink.publish_offline(v) for v in verdicts))
            self.recorded += sum(done)
        elif self._factory is None:
            log.warning("%d offline verdicts not recorded: no JetStream and no database here", len(verdicts))
        elif await asyncio.to_thread(write_offline, self._factory, [(v.address, v.at) for v in verdicts]):
            self.recorded += len(verdicts)

    async def aclose(self) -> None:
        """Wait for the verdicts on their way (before the sink closes)."""
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
