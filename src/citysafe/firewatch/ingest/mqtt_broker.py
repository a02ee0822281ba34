"""What citysafe needs of its MQTT broker, checked at start-up, and the broker's own count of the messages
it dropped, watched while running (docs/operations.md, "MQTT").

Mosquitto drops a QoS-1 message silently — for the publisher as for the subscriber — when a client's
queue is full (``max_queued_messages``, 1000 by default; ``max_queued_bytes``). A burst of 50,000 lost
two thirds that way with the stock settings. Two defences:

* ``check_config`` reads the broker's configuration file, when this machine can (the broker runs here,
  or its file is mounted: ``firewatch_mqtt_broker_config``), and names each setting below what the
  expected backlog needs. The subscriber logs them as warnings when it starts.
* ``BrokerLoss`` follows ``$SYS/broker/publish/messages/dropped``, the broker's count of messages it
  dropped since it started (all clients: Mosquitto counts no further). Every increase raises a fault
  alarm on the point ``mqtt:<host:port>/dropped`` and is logged; the count is stored as a reading of
  device ``mqtt:<host:port>``, so a restarted citysafe compares with the last count it saw and a loss
  while it was down is raised too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Final

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from citysafe.firewatch.alarms.store import Owner, PointReport, apply_reports
from citysafe.firewatch.bulk import table_of
from citysafe.firewatch.config import FirewatchConfig
from citysafe.firewatch.enums import PointCondition
from citysafe.firewatch.ingest.models import Reading
from citysafe.firewatch.ingest.observe import Observation

log = logging.getLogger(__name__)

#: The broker's cumulative count of dropped PUBLISHes (Mosquitto ≥ 1.6; retained, every ``sys_interval``).
DROPPED_TOPIC: Final = "$SYS/broker/publish/messages/dropped"
DROPPED_QUANTITY: Final = "broker_dropped"
# Mosquitto's defaults (mosquitto.conf(5) of 2.0): what a setting is when the file does not name it.
_DEFAULTS: Final = {"max_queued_messages": "1000", "max_queued_bytes": "0", "max_inflight_messages": "20",
                    "persistence": "false", "sys_interval": "10"}


def _lines(path: Path, depth: int = 0) -> Iterator[tuple[str, str]]:
    """(option, value) of a mosquitto.conf and the files its ``include_dir`` names, in order."""
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        words = line.split(None, 1)
        if not words or words[0].startswith("#"):
            continue
        option, value = words[0], (words[1].strip() if len(words) > 1 else "")
        if option == "include_dir" and depth < 2:
            for included in sorted(Path(value).glob("*.conf")):
                yield from _lines(included, depth + 1)
        else:
            yield option, value


def read_config(path: Path) -> dict[str, str]:
    """The options of the broker's configuration, defaults filled in; OSError when it cannot be read."""
    found = dict(_DEFAULTS)
    found.update(_lines(path))
    return found


def check_config(options: dict[str, str], *, backlog: int, batch: int) -> list[str]:
    """Each setting that would lose messages or hold back the rate, as one line naming the fix.

    ``backlog``: messages the broker must queue for citysafe (the longest outage to ride out × the rate);
    ``batch``: the subscriber's batch, which needs that many unacknowledged messages in flight.
    """
    problems = []

    def number(name: str) -> int:
        try:
            return int(options[name])
        except ValueError:
            return 0

    queued = number("max_queued_messages")
    if queued and queued < backlog:
        problems.append(f"max_queued_messages {queued} < the expected backlog {backlog}: messages beyond it are "
                        f"dropped while citysafe is slow or down; set max_queued_messages {backlog} (or 0)")
    queued_bytes = number("max_queued_bytes")
    if queued_bytes:
        problems.append(f"max_queued_bytes {queued_bytes} bounds the queue by size and drops beyond it; "
                        "set it to 0 and bound the queue with max_queued_messages")
    inflight = number("max_inflight_messages")
    if inflight and inflight < batch:
        problems.append(f"max_inflight_messages {inflight} < the subscriber's batch {batch}: every commit then "
                        f"carries at most {inflight} messages; set max_inflight_messages {batch} or more")
    if options["persistence"].lower() != "true":
        problems.append("persistence is off: a broker restart loses every queued message; set persistence true")
    if number("sys_interval") <= 0:
        problems.append("sys_interval 0 turns $SYS off: dropped messages cannot be detected; set sys_interval 10")
    if options.get("persistent_client_expiration"):
        problems.append(f"persistent_client_expiration {options['persistent_client_expiration']} ends citysafe's "
                        "session (and drops its queue) after an outage that long; leave it unset")
    return problems


def broker_device(host: str, port: int) -> str:
    return f"mqtt:{host}:{port}"[:64]


def last_count(session: Session, device: str) -> int | None:
    """The broker's dropped count citysafe last stored, if any."""
    readings = table_of(Reading)
    value = session.connection().execute(
        select(readings.c.value).where(readings.c.device_id == device, readings.c.quantity == DROPPED_QUANTITY,
                                       # the partial index's condition (ix_fw_reading_unlinked_device)
                                       readings.c.raw_frame_id.is_(None), readings.c.iot_message_id.is_(None))
        .order_by(readings.c.id.desc()).limit(1)).scalar()
    return None if value is None else int(value)


def record_count(session: Session, *, device: str, count: int, lost: int, at: datetime,
                 config: FirewatchConfig) -> list[int]:
    """Store the broker's dropped ``count``; when ``lost`` > 0, raise (or add an occurrence to) the fault
    alarm of the broker's point. Returns the ids of the alarms raised."""
    session.connection().execute(insert(table_of(Reading)), [{
        "received_at": at, "device_time": None, "device_id": device, "quantity": DROPPED_QUANTITY,
        "value": float(count), "unit": "", "raw_frame_id": None, "iot_message_id": None}])
    if lost <= 0:
        return []
    text = f"MQTT 代理丢弃了 {lost} 条消息（代理累计 {count} 条），请检查其队列设置"
    obs = Observation(f"{device}/dropped", frozenset({PointCondition.FAULT}), True, None, ("消息丢失",), None,
                      description=text, cause="broker_dropped")
    report = PointReport(index=0, obs=obs, received_at=at, source="iot", device_address=device,
                         owner=Owner(config.unregistered_region), component_label=f"MQTT 代理 {device[5:]} 消息丢失")
    return apply_reports(session, [report], config=config).raised.get(0, [])


class BrokerLoss:
    """The dropped-count baseline of one broker; ``seen(count)`` says how many were lost since the last."""

    def __init__(self, device: str) -> None:
        self.device = device
        self.baseline: int | None = None
        self.lost = 0          # messages the broker dropped while this process watched (or since the last run)

    def seen(self, count: int, stored: int | None) -> int:
        """Messages dropped since the last count (``stored``: the count stored before, read on the first)."""
        if self.baseline is None:
            self.baseline = stored if stored is not None else 0
        # A count below the last one: the broker restarted and counts again from zero.
        lost = count - self.baseline if count >= self.baseline else count
        self.baseline = count
        self.lost += lost
        return lost
