"""The NATS JetStream side of ingest: stream names, the ingest worker, and the relay of live events.

At scale the gateway's ``JetStreamSink`` (``gateway.sinks``) publishes every frame to a file-backed
stream and waits for the stream's ack before the device's ACK; the subject carries a partition of the
UITD address so one worker keeps each device's order. ``run_worker`` (``citysafe gb26875 worker``)
pulls batches, ingests each batch in one transaction and acks the messages only after the commit: a
worker killed in between leaves them unacked, and the worker started after it resumes at the first
unacked frame in stream order (``_bind``), ingest's de-duplication dropping what was already stored. The
message id is the frame's dedup key, so JetStream itself also drops a device's retransmissions within
its window.

Two lanes per partition, each with its own consumer and fetch loop: the **urgent** lane carries the ADU
types in which the building's fire facility reports its states — system status (1), component status (2),
system operation (4) — and the UITD's own operations (24: manual alarm, 查岗 reply); the normal lane
carries the rest, mostly heartbeats (21) and patrol answers. So a fire never waits behind a partition's
heartbeats. Order still holds where state depends on it: every alarm point's observations travel in one
lane (a component's and a system's only in types 1, 2 and 4; the UITD's own status only in 21, whose
manual alarm in 24 is momentary and no later 21 clears a fire), and each lane is consumed in stream order.
What an urgent frame may overtake is another point's earlier frame, or the UITD's summary fire flag of
the same fire, which then finds the component's alarm open (``alarms.store``: one fire, one alarm).

An offline verdict of the gateway (a patrol unanswered, the connection closed; ``VERDICT_HEADER``)
travels in the device's urgent lane too — behind a backlog of heartbeats it would come minutes late — and
is recorded in the database (``alarms.presence.record_offline_verdicts``) in its place in that lane. The
heartbeats it overtakes were received before it and do not bring the device back
(``presence.restore_online``); a frame received after it does, and a verdict older than the device's
last frame stored is ignored.

A gateway's *seen summary* (``VERDICT_HEADER`` "seen", ``SeenSummary``: the UITDs whose keep-alives it ACKed
without publishing them, ``gateway.heartbeats``) travels in the normal lane; the worker sets their
``last_seen_at`` and brings offline ones back (``alarms.presence.record_seen``) in one transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Protocol

from citysafe.firewatch.ingest.service import ReceivedFrame
from citysafe.firewatch.live.hub import relay_events
from citysafe.firewatch.protocols.gb26875 import Frame, FrameError, decode_frame

__all__ = ["MSG_ID_HEADER", "PEER_HEADER", "RECEIVED_HEADER", "STREAM", "URGENT_TYPES", "VERDICT_HEADER",
           "FrameStore", "OfflineVerdict", "SeenSummary", "StreamNames", "ensure_stream", "is_urgent", "relay_events",
           "run_worker"]

log = logging.getLogger(__name__)

STREAM: Final = "CITYSAFE_GB26875"
SUBJECT_PREFIX: Final = "citysafe.gb26875.raw"
# Headers of each published frame (the gateway's JetStreamSink sets them, the worker reads them).
PEER_HEADER: Final = "Citysafe-Peer"
RECEIVED_HEADER: Final = "Citysafe-Received-At"
MSG_ID_HEADER: Final = "Nats-Msg-Id"
#: Marks a gateway's offline verdict ("offline", ``OfflineVerdict``) or seen summary ("seen", ``SeenSummary``)
#: among the frames: its body is not a frame.
VERDICT_HEADER: Final = "Citysafe-Verdict"
#: ADU types of the urgent lane (see the module's docstring for why these keep each point's order).
URGENT_TYPES: Final = frozenset((1, 2, 4, 24))


@dataclass(frozen=True)
class StreamNames:
    """Where the raw frames go; tests use their own names so runs never see each other's messages."""

    stream: str = STREAM
    subject_prefix: str = SUBJECT_PREFIX
    durable_prefix: str = "citysafe-gb26875-ingest"

    @classmethod
    def of(cls, stream: str) -> StreamNames:
        """Names derived from the stream's (settings.gb26875_nats_stream); the default gives the defaults."""
        base = stream.lower().replace("_", ".")
        return cls(stream=stream, subject_prefix=f"{base}.raw", durable_prefix=f"{base.replace('.', '-')}-ingest")

    def subject(self, partition: int, *, urgent: bool = False) -> str:
        return f"{self.subject_prefix}.{partition:03d}{'u' if urgent else ''}"

    def subject_for(self, address: int, partitions: int, *, urgent: bool = False) -> str:
        """Partitioned by UITD address: one consumer per partition and lane keeps each device's order."""
        return self.subject(address % partitions, urgent=urgent)

    def durable(self, partition: int, *, urgent: bool = False) -> str:
        return f"{self.durable_prefix}-{partition:03d}{'-urgent' if urgent else ''}"


def is_urgent(frame: Frame) -> bool:
    """Whether ``frame`` goes in its partition's urgent lane (``URGENT_TYPES``)."""
    return frame.adu is not None and frame.adu.type in URGENT_TYPES


@dataclass(frozen=True)
class OfflineVerdict:
    """The gateway closed ``address``'s connection at ``at``: it did not answer a patrol in time."""

    address: int
    at: datetime

    def encode(self) -> bytes:
        return json.dumps({"address": self.address, "at": self.at.isoformat()}).encode()

    @classmethod
    def decode(cls, data: bytes) -> OfflineVerdict:
        body = json.loads(data)
        return cls(int(body["address"]), datetime.fromisoformat(body["at"]))


@dataclass(frozen=True)
class SeenSummary:
    """UITDs a gateway saw only by keep-alives it ACKed itself (``gateway.heartbeats``): address → when."""

    seen: dict[int, datetime]

    def encode(self) -> bytes:
        return json.dumps([[a, round(t.timestamp(), 3)] for a, t in self.seen.items()], separators=(",", ":")).encode()

    @classmethod
    def decode(cls, data: bytes) -> SeenSummary:
        return cls({int(a): datetime.fromtimestamp(float(t), UTC) for a, t in json.loads(data)})


async def ensure_stream(js: Any, names: StreamNames) -> None:
    from nats.js.api import StorageType, StreamConfig
    from nats.js.errors import NotFoundError

    # A device retransmits within about 30 s (3 tries, ≤ 10 s apart); two minutes covers a reconnect too.
    config = StreamConfig(name=names.stream, subjects=[f"{names.subject_prefix}.*"], storage=StorageType.FILE,
                          duplicate_window=120.0, max_age=7 * 24 * 3600.0)
    try:
        await js.stream_info(names.stream)
    except NotFoundError:
        await js.add_stream(config)


def _received(msg: Any) -> ReceivedFrame | None:
    headers = msg.headers or {}
    try:
        frame = decode_frame(msg.data)
    except FrameError:
        log.error("dropping undecodable message %s: %s", msg.subject, bytes(msg.data).hex())
        return None
    raw_time = headers.get(RECEIVED_HEADER)
    received_at = datetime.fromisoformat(raw_time) if raw_time else datetime.now(UTC)
    return ReceivedFrame(raw=bytes(msg.data), frame=frame, peer=headers.get(PEER_HEADER, "nats"),
                         received_at=received_at)


class FrameStore(Protocol):
    """Where the worker's batches go: the gateway's ``DatabaseSink`` (one writer thread), or a test's."""

    async def store(self, items: Sequence[ReceivedFrame]) -> Sequence[bool]: ...

    async def record_offline(self, verdicts: Sequence[OfflineVerdict]) -> bool:
        """Record the verdicts in one transaction; False when it failed (the worker tries again)."""
        ...

    async def record_seen(self, seen: dict[int, datetime]) -> bool:
        """Record the summaries' seen times in one transaction; False when it failed (the worker tries again)."""
        ...


# A frame the database refuses while the rest of its batch is stored is poison (the database itself is up):
# after this many tries it is terminated with an error log, as the consumer's max_deliver of 20 did before.
POISON_TRIES: Final = 20
# Frames per transaction of the urgent lane: small, so a fire commits in one short transaction.
URGENT_BATCH: Final = 100
# UITDs per transaction of a seen summary: at 100,000 devices six gateways' summaries reach a worker together
# (~9,000 UITDs), seconds of one transaction that a fire on the same writer thread would wait behind.
SEEN_PER_TRANSACTION: Final = 500
# How long a pull request of a dead worker may still be waiting on the server (``_consume`` fetches with a
# 1 s timeout; twice that and a margin) before the partition is taken to be in use by another live worker.
STALE_PULL_SECONDS: Final = 5.0


async def _held(msgs: list[Any], tries: int, stop: asyncio.Event) -> bool:
    """Hold ``msgs`` (failed ``tries`` times) before the next try: ``in_progress`` keeps the server from
    redelivering them, then a back-off up to 5 s. False once stopping: they stay unacked and a worker started
    later gets them again, in order (``_bind``)."""
    for msg in msgs:
        await msg.in_progress()
    if stop.is_set():
        return False
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), min(5.0, 0.2 * 2 ** min(tries, 5)))
    return True


async def _store_in_order(sink: FrameStore, pairs: list[tuple[Any, ReceivedFrame]], stop: asyncio.Event) -> None:
    """Store a fetched batch, acking each message after its commit, before the partition fetches more.

    Failures are retried here, holding the partition, instead of being nak'ed: a nak'ed message comes
    back after newer ones and would break the device's order. While the database is down every frame
    fails and the partition waits (backing off up to 5 s); ``in_progress`` keeps the server from
    redelivering the held messages meanwhile.
    """
    tries = 0
    while pairs:
        stored = list(await sink.store([item for _, item in pairs]))
        left = []
        for (msg, item), ok in zip(pairs, stored, strict=True):
            if ok:
                await msg.ack()
            else:
                left.append((msg, item))
        if not left:
            return
        tries += 1
        if len(left) < len(pairs) and tries >= POISON_TRIES:
            for msg, item in left:
                log.error("dropping a frame the database refused %d times: %s", tries, item.raw.hex())
                await msg.term()
            return
        pairs = left
        if not await _held([msg for msg, _ in pairs], tries, stop):
            return


async def _record_verdicts(sink: FrameStore, kind: str, msgs: list[Any], stop: asyncio.Event) -> None:
    """Record a run of offline verdicts or seen summaries (``kind``), acking them after the commit; retried in
    place as frames are."""
    verdicts: list[tuple[Any, OfflineVerdict]] = []
    seen: dict[int, datetime] = {}
    held: list[Any] = []
    for msg in msgs:
        try:
            if kind == "offline":
                verdicts.append((msg, OfflineVerdict.decode(msg.data)))
            else:
                for address, at in SeenSummary.decode(msg.data).seen.items():
                    seen[address] = max(at, seen.get(address, at))
            held.append(msg)
        except (ValueError, KeyError, TypeError):
            log.error("dropping an unreadable %s message on %s: %r", kind, msg.subject, bytes(msg.data)[:200])
            await msg.term()

    pending = list(seen.items())

    async def record() -> bool:
        if kind == "offline":
            return await sink.record_offline([v for _, v in verdicts])
        # Short transactions: the urgent lane's batches queue on the same writer thread and go between them.
        while pending:
            if not await sink.record_seen(dict(pending[:SEEN_PER_TRANSACTION])):
                return False
            del pending[:SEEN_PER_TRANSACTION]
        return True

    tries = 0
    while held and not await record():
        tries += 1
        if not await _held(held, tries, stop):
            return
    for msg in held:
        await msg.ack()


def _runs(msgs: list[Any]) -> list[tuple[str, list[Any]]]:
    """``msgs`` cut into consecutive runs of frames (""), offline verdicts ("offline") and seen summaries
    ("seen"), in order."""
    runs: list[tuple[str, list[Any]]] = []
    for msg in msgs:
        kind = (msg.headers or {}).get(VERDICT_HEADER) or ""
        if runs and runs[-1][0] == kind:
            runs[-1][1].append(msg)
        else:
            runs.append((kind, [msg]))
    return runs


async def _consume(sub: Any, sink: FrameStore, stop: asyncio.Event, batch: int,
                   on_batch: Callable[[int], None] | None) -> None:
    while not stop.is_set():
        try:
            msgs = await sub.fetch(batch, timeout=1.0)
        except TimeoutError:  # nats' own TimeoutError subclasses it; nothing arrived
            continue
        stored = 0
        for kind, run in _runs(msgs):
            if stop.is_set():
                break  # the rest stays unacked and comes again, in order (``_bind``)
            if kind:
                await _record_verdicts(sink, kind, run, stop)
                continue
            pairs = []
            for msg in run:
                item = _received(msg)
                if item is None:
                    await msg.term()  # not a frame: redelivery cannot help
                else:
                    pairs.append((msg, item))
            await _store_in_order(sink, pairs, stop)
            stored += len(pairs)
        if on_batch is not None:
            on_batch(stored)


async def _bind(js: Any, names: StreamNames, partition: int, *, urgent: bool = False) -> Any:
    """The pull subscription of ``partition``'s durable consumer of one lane, resuming at its first unacked
    frame.

    A worker killed with frames fetched but not acked leaves them pending on the consumer; JetStream would
    redeliver them only after ``ack_wait``, behind the newer frames a restarted worker fetches at once,
    and those devices' frames would be stored out of order. So when frames are pending, the consumer is
    made again starting at its ack floor + 1, in stream order: frames acked past the floor come again
    and ingest's de-duplication drops them. The stream keeps every message (limits retention, 7 days)
    whatever its consumers do. One worker per partition: a partition whose consumer still has a live
    puller is refused rather than rewound under it.
    """
    from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
    from nats.js.errors import NotFoundError

    durable = names.durable(partition, urgent=urgent)
    config = ConsumerConfig(durable_name=durable, filter_subject=names.subject(partition, urgent=urgent),
                            ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL,
                            max_deliver=-1, ack_wait=30.0, max_ack_pending=20_000)
    try:
        info = await js.consumer_info(names.stream, durable)
    except NotFoundError:
        info = None
    waited = 0.0
    while info is not None and info.num_waiting and waited < STALE_PULL_SECONDS:
        await asyncio.sleep(0.25)
        waited += 0.25
        info = await js.consumer_info(names.stream, durable)
    if info is not None and info.num_waiting:
        raise RuntimeError(f"partition {partition} is being consumed by another worker ({durable})")
    if info is None or info.num_ack_pending or info.config.max_deliver != -1:
        if info is not None:
            start = info.ack_floor.stream_seq + 1
            log.info("partition %d: %d frames were fetched and not acked; resuming at stream sequence %d",
                     partition, info.num_ack_pending, start)
            await js.delete_consumer(names.stream, durable)
            config.deliver_policy, config.opt_start_seq = DeliverPolicy.BY_START_SEQUENCE, start
        await js.add_consumer(names.stream, config)
    return await js.pull_subscribe_bind(durable=durable, stream=names.stream)


async def run_worker(
    sink: FrameStore,
    *,
    url: str,
    partitions: Sequence[int],
    partition_count: int,
    stop: asyncio.Event,
    batch: int = 1000,
    names: StreamNames | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> None:
    """Ingest the given partitions until ``stop`` is set.

    One durable consumer and one fetch loop per partition and lane, so each point's frames stay in order;
    the loops share the sink's single writer thread, which serialises their transactions.
    """
    import nats

    chosen = [p for p in partitions if 0 <= p < partition_count]
    if not chosen:
        raise ValueError(f"no partition in 0..{partition_count - 1} to consume")
    nc = await nats.connect(url, name="citysafe-gb26875-worker", max_reconnect_attempts=-1)
    try:
        js = nc.jetstream()
        names = names or StreamNames()
        await ensure_stream(js, names)
        # The urgent lanes first: their fetches and batches queue ahead on the sink's writer thread.
        urgent = [await _bind(js, names, p, urgent=True) for p in chosen]
        subs = [*urgent, *[await _bind(js, names, p) for p in chosen]]
        try:
            await asyncio.gather(*(_consume(sub, sink, stop, min(batch, URGENT_BATCH), on_batch) for sub in urgent),
                                 *(_consume(sub, sink, stop, batch, on_batch) for sub in subs[len(urgent):]))
        finally:
            for sub in subs:  # a pull subscription left open makes drain() wait out its whole timeout
                await sub.unsubscribe()
    finally:
        await nc.drain()
