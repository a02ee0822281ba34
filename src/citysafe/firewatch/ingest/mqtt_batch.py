"""One batch of MQTT messages stored in one transaction: what ``ingest.mqtt``'s subscriber hands to its
writer (a child process by default, ``citysafe firewatch mqtt-writer``; or a thread of its own process).

A batch is a list of ``Row``: (topic, payload bytes, receive time, possibly a copy, the subscriber's
connection number). The answer is one ``Code`` per row, in order; the subscriber acknowledges a message
(PUBACK) only for an answer other than ``WITHHELD``, so nothing is acknowledged before it has committed.

Once a batch is withheld, so is every later batch of the same connection or an earlier one (the fence,
``withheld_through``): the subscriber leaves that connection and the broker sends them all again, in
order. Writing the batches behind a withheld one would store a device's later messages before its
earlier ones (and take the jump in its ``seq`` for a loss).

A payload that cannot be stored however often it is sent (not JSON, a broken GB/T 26875.3 frame, off the
schema) is logged and answered ``REJECTED``: redelivery would not help. So is one on which ingest itself
raises (a "poison" message): a batch whose transaction fails with anything but ``DATABASE_TROUBLE`` is
halved until the culprit is alone, as the gateway's ``ingest.writer.write_batch`` does, the rest is
stored and the culprit set aside (``SET_ASIDE``, logged with its topic and the start of its payload);
otherwise it would come back first on every connection and hold up everything queued behind it. The
database's own failures (down, locked, a schema that does not match the code) say nothing about the
messages: the whole batch is ``WITHHELD``.

A payload that is a GB/T 26875.3 frame (starts with ``@@``: a UITD bridged onto MQTT) goes through
``ingest_frames`` like one from the TCP gateway, with peer ``mqtt:<topic>``.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from enum import IntEnum
from typing import Final, cast

import msgspec
from sqlalchemy.exc import InterfaceError, InternalError, OperationalError, ProgrammingError

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.wal import write_turn
from citysafe.firewatch.config import FirewatchConfig
from citysafe.firewatch.ingest.iot_store import ReceivedMessage, ingest_messages, prepare_messages, topic_parts
from citysafe.firewatch.ingest.service import ReceivedFrame, ingest_frames
from citysafe.firewatch.protocols.gb26875 import FrameError, decode_frame

log = logging.getLogger(__name__)
# Failures of the database itself, not of a message: down or locked (Operational), the driver's link
# (Interface), or a schema the code does not match (Programming, e.g. after a migration went wrong).
# A batch that meets one is not split, and nothing is acknowledged: setting every message aside as
# "poison" would lose them all.
DATABASE_TROUBLE = (OperationalError, InterfaceError, InternalError, ProgrammingError)
EXCERPT: Final = 300  # characters of a set-aside payload in the log
TOPICS_KEPT: Final = 100_000  # topics whose parts are kept decoded (one per device: a city's fleet)
Item = ReceivedMessage | ReceivedFrame
#: One message as the subscriber hands it over: topic, payload, receive time (aware UTC), whether it may be
#: a copy of one stored before (DUP flag, or retained), and the number of the connection it came on.
Row = tuple[str, bytes, datetime, bool, int]


class Code(IntEnum):
    """What became of one message; every code but ``WITHHELD`` lets the subscriber acknowledge it."""

    WITHHELD = 0    # not committed: no PUBACK, the broker delivers it again
    STORED = 1
    COPY = 2        # a redelivered copy of a message stored before
    REJECTED = 3    # can never be stored (logged)
    SET_ASIDE = 4   # ingest raised on it alone (logged)


class BatchWriter:
    """Stores batches of ``Row`` on the application context's database."""

    def __init__(self, ctx: AppContext, config: FirewatchConfig) -> None:
        self.ctx = ctx
        self.config = config
        self.withheld_through = 0  # rows of this connection number or an earlier one are withheld
        self._topics: dict[str, tuple[str | None, str | None, str]] = {}

    def write(self, rows: list[Row]) -> bytes:
        """Store ``rows`` in one transaction (halved around a poison message); one ``Code`` per row."""
        codes = bytearray(len(rows))
        items: list[Item] = []
        positions: list[int] = []
        fence = self.withheld_through
        for position, row in enumerate(rows):
            if row[4] <= fence:
                continue  # behind a withheld batch: WITHHELD (0) as well
            decoded = self.decode(row)
            if isinstance(decoded, str):
                log.warning("MQTT mqtt:%s: %s", row[0], decoded)
                codes[position] = Code.REJECTED
            else:
                items.append(decoded)
                positions.append(position)
        try:
            stored = self.store(items)
        except DATABASE_TROUBLE:
            log.exception("MQTT batch of %d messages could not be stored", len(items))
            self.withheld_through = max(row[4] for row in rows)
            return bytes(len(rows))  # all WITHHELD: the subscriber leaves, the broker delivers them again
        for position, code in zip(positions, stored, strict=True):
            codes[position] = code
        return bytes(codes)

    def decode(self, row: Row) -> Item | str:
        """The message to ingest, or why it cannot be (logged and counted once it is acknowledged)."""
        topic, raw, received_at, maybe_copy, _ = row
        if raw.startswith(b"@@"):
            # A UITD bridged onto MQTT publishes its GB/T 26875.3 frames as they are.
            try:
                frame = decode_frame(raw)
            except FrameError as exc:
                return f"broken GB/T 26875.3 frame: {exc}"
            return ReceivedFrame(raw=raw, frame=frame, peer=f"mqtt:{topic}"[:80], received_at=received_at)
        try:
            text = raw.decode()  # JSON exchanged between systems is UTF-8 (RFC 8259 §8.1)
            # msgspec, not json.loads: a third of the time (bench/mqtt.py). Stricter than json.loads only on
            # what RFC 8259 does not allow and the JSON column could not store alike on both databases
            # (NaN, Infinity, 1e400, a lone surrogate \ud800): rejected as not JSON.
            payload = msgspec.json.decode(raw)
        except (UnicodeDecodeError, msgspec.DecodeError):
            return "payload is not JSON"
        kind, device_id, source = self._topic(topic)
        return ReceivedMessage(payload, source, received_at, device_id, kind, maybe_copy, text)

    def _topic(self, topic: str) -> tuple[str | None, str | None, str]:
        """(kind, device id, source) of a topic, kept: a fleet's devices publish on the same topics."""
        found = self._topics.get(topic)
        if found is None:
            if len(self._topics) >= TOPICS_KEPT:
                self._topics.clear()
            found = self._topics[topic] = (*topic_parts(topic), f"mqtt:{topic}")
        return found

    def ingest(self, items: list[Item]) -> list[Code]:
        """Store one batch in one transaction; one code per item."""
        frames = [(i, item) for i, item in enumerate(items) if isinstance(item, ReceivedFrame)]
        messages = ([(i, item) for i, item in enumerate(items) if isinstance(item, ReceivedMessage)] if frames
                    else cast(list[tuple[int, ReceivedMessage]], list(enumerate(items))))  # nearly always JSON alone
        json_items = [m for _, m in messages]
        # Parsed before the write transaction: on SQLite another writer may hold the write lock meanwhile.
        prepared = None
        if json_items:  # a batch of bridged GB/T 26875.3 frames alone has nothing to parse early
            with unit_of_work(self.ctx.read_session_factory, actor="system:mqtt") as session:
                prepared = prepare_messages(session, json_items, self.config)
        with write_turn(self.ctx.engine), unit_of_work(self.ctx.session_factory, actor="system:mqtt") as session:
            frame_outcomes = ingest_frames(session, items=[f for _, f in frames], clock=self.ctx.clock,
                                           config=self.config)
            outcomes = ingest_messages(session, items=json_items, clock=self.ctx.clock, config=self.config,
                                       prepared=prepared)
        codes = [Code.STORED] * len(items)
        for (i, _), frame_outcome in zip(frames, frame_outcomes, strict=True):
            codes[i] = Code.COPY if frame_outcome.duplicate else Code.STORED
        for (i, message), outcome in zip(messages, outcomes, strict=True):
            if outcome.error:
                log.warning("MQTT %s: %s", message.source, outcome.error)
                codes[i] = Code.REJECTED
            elif outcome.duplicate:
                codes[i] = Code.COPY
        return codes

    def store(self, items: list[Item]) -> list[Code]:
        """``ingest`` the batch, halving it on a failure until the message that fails is alone.

        A ``DATABASE_TROUBLE`` error propagates (whatever halves committed before it come again as copies).
        Any other failure is taken to be the messages': k bad ones cost about 2·k·log2(n) transactions.
        """
        if not items:
            return []
        try:
            return self.ingest(items)
        except DATABASE_TROUBLE:
            raise
        except Exception:
            if len(items) == 1:
                log.exception("MQTT %s: ingest failed on this message; set aside (acknowledged, not stored): %s",
                              _source(items[0]), excerpt(items[0]))
                return [Code.SET_ASIDE]
        # Split outside the handler, so that the culprit's traceback is not chained to its batch's.
        half = len(items) // 2
        return self.store(items[:half]) + self.store(items[half:])


def device_key(topic: str, payload: bytes) -> str:
    """The device a message will be stored under, as ingest decides (``iot_store``): the payload's own
    ``device_id`` when it has one, else the topic's last level; a bridged GB/T 26875.3 frame's, its topic.
    What ``mqtt_sinks.PartitionedWriter`` shares the devices out by, so one device's messages always go
    to the same writer, in order."""
    if b'"device_id"' in payload and not payload.startswith(b"@@"):
        try:
            own = msgspec.json.decode(payload)
        except msgspec.DecodeError:
            own = None  # rejected by its writer all the same
        if isinstance(own, dict) and own.get("device_id"):
            return str(own["device_id"])
    return topic_parts(topic)[1] or topic


def _source(item: Item) -> str:
    return item.source if isinstance(item, ReceivedMessage) else item.peer


def excerpt(item: Item) -> str:
    if isinstance(item, ReceivedMessage):
        text = json.dumps(item.payload, ensure_ascii=False, default=str)
    else:
        text = item.raw.hex()
    return text if len(text) <= EXCERPT else text[:EXCERPT] + f"… ({len(text)} characters)"
