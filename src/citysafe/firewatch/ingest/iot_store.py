"""IoT messages (MQTT or HTTP) in: stored as received, normalised (``iot.parse_payload``), applied to
the same alarm engine as GB/T 26875.3 frames. A device nobody registered is created unregistered in
the configured region and its alarms raised all the same, like an unknown UITD's.

A message marked ``redelivered`` (MQTT: DUP or retained) may have been stored before, by a run that
committed but crashed before its PUBACK: it is stored only if no message with the same device id, source
(topic) and payload was stored within the de-duplication window. Only such messages are checked, as an
identical fresh payload (a heartbeat without ``ts``) is a new report, not a copy.

Telemetry writes no audit rows: messages and readings are bulk inserts (driver-level on SQLite), and a
device's ``last_seen_at`` is a Core update written at most every ``SEEN_WRITE_INTERVAL_S`` per device by
one process, as the gateway does for UITDs. A device that numbers its messages (``seq``) and skips
numbers has lost messages on the way: that raises a fault alarm on its point ``iot:<id>/loss``
(``sequence_gaps``).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, NamedTuple, cast

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from citysafe.core.clock import Clock
from citysafe.firewatch.alarms.presence import restore_iot_online
from citysafe.firewatch.alarms.store import Owner, PointReport, apply_reports, is_relevant, load_states
from citysafe.firewatch.bulk import insert_rows, insert_with_ids, table_of
from citysafe.firewatch.config import FirewatchConfig, config_of
from citysafe.firewatch.enums import IOT_KIND_NAMES_ZH, PointCondition
from citysafe.firewatch.ingest import iot
from citysafe.firewatch.ingest.models import IotMessage, Reading
from citysafe.firewatch.ingest.observe import Observation
from citysafe.firewatch.registry import cache as regcache
from citysafe.firewatch.registry.models import Building, FireUnit, IotDevice

# A device's last_seen_at is rewritten at most this often by one process: offline limits are minutes
# (config.offline_after), and it is the same interval as a UITD's (ingest.service.SEEN_WRITE_INTERVAL_S).
SEEN_WRITE_INTERVAL_S: Final = 30.0
_MESSAGES = table_of(IotMessage)
_MESSAGE_COLUMNS: Final = ("received_at", "device_id", "source", "device_time", "payload")
_DEVICES = table_of(IotDevice)
_TOUCH = update(_DEVICES).where(_DEVICES.c.device_id == bindparam("key")).values(last_seen_at=bindparam("seen"))


class ReceivedMessage(NamedTuple):
    """One message to ingest. A NamedTuple, as ``observe.Observation``: MQTT builds one for every message
    (thousands a second), and a frozen dataclass's ``__init__`` costs several times as much."""

    payload: Any                    # the decoded JSON
    source: str                     # "mqtt:<topic>" or "http" / "http:ctwing"
    received_at: datetime           # aware UTC
    device_id: str | None = None    # from the topic, when it names one
    kind: str | None = None         # from the topic, when it names one
    redelivered: bool = False       # may be a copy of one stored before (MQTT DUP or retained)
    text: str | None = None         # the JSON text ``payload`` was decoded from, when it came as text (MQTT)


class IotOutcome(NamedTuple):
    """What became of one message. A NamedTuple: MQTT builds one per message, and a dataclass with list
    defaults cost a tenth of PostgreSQL ingest's Python time."""

    device_id: str | None
    message_id: int | None
    error: str | None = None
    alarms_raised: tuple[int, ...] = ()
    alarms_cleared: tuple[int, ...] = ()
    duplicate: bool = False         # a redelivered copy: ``message_id`` is the one stored first


def topic_parts(topic: str) -> tuple[str | None, str | None]:
    """(kind, device id) of ``…/<kind>/<device id>``; kind None when that level is not a known kind."""
    levels = [p for p in topic.split("/") if p]
    if not levels:
        return None, None
    kind = levels[-2] if len(levels) >= 2 and levels[-2] in iot.KINDS else None
    return kind, levels[-1]


def _claimed_id(item: ReceivedMessage) -> str | None:
    payload = item.payload
    own = payload.get("device_id") if isinstance(payload, dict) else None
    return str(own) if own else item.device_id


def _label(device: IotDevice, building: Building | None) -> tuple[str, str | None]:
    place = " ".join(p for p in (building.name if building else "", device.floor, device.zone) if p)
    kind_name = next((name for kind, name in IOT_KIND_NAMES_ZH.items() if kind.value == device.kind), device.kind)
    label = " ".join(p for p in (place, kind_name, device.description or device.device_id) if p)
    where = f"b{device.building_id}" if device.building_id else f"i{device.id}"
    return label[:200], f"{where}/{device.floor}/{device.zone}" if device.zone else None


def _stored_copies(session: Session, items: Sequence[ReceivedMessage], since: datetime) -> dict[int, int]:
    """Index of each redelivered item → id of the same message stored since ``since``.

    Compared in Python on the few rows of the devices concerned: payloads are JSON, which the two
    databases compare differently (or not at all), and redeliveries are rare.
    """
    wanted = {index: item for index, item in enumerate(items) if item.redelivered}
    ids = {i for i in (_claimed_id(item) for item in wanted.values()) if i}
    if not ids:
        return {}
    rows = session.execute(
        select(IotMessage.id, IotMessage.device_id, IotMessage.source, IotMessage.payload)
        .where(IotMessage.device_id.in_(ids), IotMessage.received_at >= since).order_by(IotMessage.id)
    ).all()
    found: dict[int, int] = {}
    for index, item in wanted.items():
        key = (_claimed_id(item), item.source[:200], item.payload)
        first = next((row.id for row in rows if (row.device_id, row.source, row.payload) == key), None)
        if first is not None:
            found[index] = first
    return found


class Prepared(NamedTuple):
    """A batch's messages parsed before its write transaction (``prepare_messages``)."""

    token: int | None                   # the registry's version they were parsed against
    parses: list[iot.IotFacts | str]    # per item: its facts, or why it cannot be stored


def prepare_messages(session: Session, items: Sequence[ReceivedMessage], config: FirewatchConfig) -> Prepared:
    """Parse ``items`` in a read transaction, before the batch's write transaction opens.

    On SQLite the write transaction holds the database's one write lock from its first statement: parsed
    here, the messages of one MQTT writer are parsed while another writer holds the lock
    (``mqtt_sinks.PartitionedWriter``) instead of inside it. ``ingest_messages`` uses the parses only if
    the registry has not changed since (the cache's token); otherwise it parses again.
    """
    regcache.validate(session)
    devices = _devices(session, {i for i in (_claimed_id(item) for item in items) if i})
    return Prepared(regcache.token(session), [_parse(item, devices, config) for item in items])


def _parse(item: ReceivedMessage, devices: Devices, cfg: FirewatchConfig) -> iot.IotFacts | str:
    """``item``'s facts as its device (if known) reads them, or why the payload cannot be stored."""
    known = devices.get(_claimed_id(item) or "")
    try:
        return iot.parse_payload(item.payload, device_id=item.device_id, kind=known.kind if known else item.kind,
                                 limits=cfg.thresholds, overrides=known.thresholds if known else None)
    except iot.IotPayloadError as exc:
        return str(exc)


def ingest_messages(session: Session, *, items: Sequence[ReceivedMessage], clock: Clock,
                    config: FirewatchConfig | None = None, prepared: Prepared | None = None) -> list[IotOutcome]:
    """Store and apply one batch of IoT messages; one outcome per item (an ``error`` for a bad payload,
    which is then not stored: there is nothing in it to alarm on). ``prepared``: ``prepare_messages`` of
    the same ``items``."""
    if not items:
        return []
    cfg = config or config_of(session)
    regcache.validate(session)
    devices = _devices(session, {i for i in (_claimed_id(item) for item in items) if i})
    parsed: list[tuple[int, ReceivedMessage, iot.IotFacts]] = []
    outcomes: list[IotOutcome | None] = [None] * len(items)
    copies = _stored_copies(session, items, min(clock.now(), min(i.received_at for i in items)) - cfg.dedup_window)
    # Parsed before the transaction (``prepare_messages``) against the registry as it still is, or here.
    new_devices: dict[str, IotDevice] = {}
    early = prepared.parses if prepared is not None and prepared.token == regcache.token(session) else None
    for index, item in enumerate(items):
        if index in copies:
            outcomes[index] = IotOutcome(_claimed_id(item), copies[index], duplicate=True)
            continue
        facts = early[index] if early is not None else _parse(item, devices, cfg)
        if isinstance(facts, str):
            outcomes[index] = IotOutcome(_claimed_id(item), None, error=facts)
            continue
        if facts.device_id not in devices and facts.device_id not in new_devices:
            new_devices[facts.device_id] = IotDevice(
                device_id=facts.device_id, kind=facts.kind, registered=False, region_code=cfg.unregistered_region,
                description="未登记设备", thresholds={})
        parsed.append((index, item, facts))
    if new_devices:  # one flush for all: a fleet's first batch after a fresh start meets hundreds at once
        session.add_all(new_devices.values())
        session.flush()
        for key, device in new_devices.items():
            devices[key] = _remember(session, _info(device, None, None))
    if not parsed:
        return [o or IotOutcome(None, None, error="not processed") for o in outcomes]
    reports: list[PointReport] = sequence_gaps(session, parsed, devices)  # before the batch is stored
    message_ids = _insert_messages(session, parsed)
    readings: list[tuple[Any, ...]] = []
    back_online: set[str] = set()
    _touch(session, parsed, devices)
    states = load_states(session, {obs.point_key for _, _, facts in parsed for obs in facts.observations})
    stored: dict[int, tuple[str, int]] = {}
    for (index, item, facts), message_id in zip(parsed, message_ids, strict=True):
        info = devices[facts.device_id]
        if info.offline:
            back_online.add(info.device_id)
        stored[index] = (facts.device_id, message_id)
        if facts.readings:
            received_at, when, key = item.received_at, facts.device_time, facts.device_id
            readings += [(received_at, when, key, r.quantity, r.value, r.unit, message_id) for r in facts.readings]
        # As the gateway does (ingest.service): a normal report of a point with no stored state changes
        # nothing, and nearly all telemetry is that; no report is built for it.
        for obs in facts.observations:
            if is_relevant(obs, states):
                reports.append(PointReport(
                    index=index, obs=obs, received_at=item.received_at, source="iot", device_address=info.device_id,
                    owner=info.owner, iot_device_id=info.device_id, iot_message_id=message_id,
                    component_label=info.label, value=facts.readings[0].value if facts.readings else None,
                    zone_key=info.zone_key if not obs.point_key.endswith("/fault") else None))
    _insert_readings(session, readings)
    if back_online:
        offline = list(session.scalars(select(IotDevice).where(IotDevice.device_id.in_(back_online))
                                       .execution_options(skip_scope=True)))
        restore_iot_online(session, offline, at=max(i.received_at for _, i, _ in parsed))
        for key in back_online:
            _remember(session, dataclasses.replace(devices[key], offline=False))
    applied = apply_reports(session, reports, config=cfg, states=states)
    raised, cleared = applied.raised, applied.cleared
    # One outcome per message, built once here.
    if not raised and not cleared:  # nearly every batch of telemetry
        return [outcome if outcome is not None else IotOutcome(*stored[index])
                for index, outcome in enumerate(outcomes)]
    return [outcome if outcome is not None else IotOutcome(*stored[index], None, tuple(raised.get(index, ())),
                                                            tuple(cleared.get(index, ())))
            for index, outcome in enumerate(outcomes)]


@dataclass(frozen=True, slots=True)
class IotInfo:
    """What ingest needs of a device, kept in the registry cache (one query per device, not per batch)."""

    device_id: str
    kind: str
    thresholds: dict[str, Any]
    owner: Owner
    label: str
    zone_key: str | None
    offline: bool
    last_seen: float | None     # epoch seconds of last_seen_at when it was read


Parsed = Sequence[tuple[int, ReceivedMessage, iot.IotFacts]]
Devices = dict[str, IotInfo]


def _info(device: IotDevice, unit: FireUnit | None, building: Building | None) -> IotInfo:
    label, zone_key = _label(device, building)
    return IotInfo(device.device_id, device.kind, dict(device.thresholds or {}), _owner(device, unit), label,
                   zone_key, device.offline_since is not None,
                   device.last_seen_at.timestamp() if device.last_seen_at is not None else None)


def _remember(session: Session, info: IotInfo) -> IotInfo:
    regcache.iot_devices(session)[info.device_id] = info
    return info


def _devices(session: Session, ids: set[str]) -> Devices:
    """The known devices among ``ids``: from the registry cache, the missing ones in one query."""
    cached = regcache.iot_devices(session)
    missing = ids - cached.keys()
    if missing:
        for device, unit, building in session.execute(
                select(IotDevice, FireUnit, Building).outerjoin(FireUnit, FireUnit.id == IotDevice.unit_id)
                .outerjoin(Building, Building.id == IotDevice.building_id)
                .where(IotDevice.device_id.in_(missing)).execution_options(skip_scope=True)):
            cached[device.device_id] = _info(device, unit, building)
    return {key: cast(IotInfo, cached[key]) for key in ids if key in cached}


def _insert_messages(session: Session, parsed: Parsed) -> list[int]:
    """Insert the messages (one executemany by the driver on SQLite, one COPY on PostgreSQL); their ids, in order."""
    connection = session.connection()
    # The payload as the JSON column would serialise it (json.dumps, SQLAlchemy's default serializer), or
    # the JSON text it came as: the same value, read back alike, without encoding it again.
    rows = [(item.received_at, facts.device_id, item.source[:200], facts.device_time,
             _json_text(item)) for _, item, facts in parsed]
    return insert_with_ids(connection, _MESSAGES, _MESSAGE_COLUMNS, rows, converted=("payload",))


def _json_text(item: ReceivedMessage) -> str:
    if not isinstance(item.payload, dict):
        return "{}"
    return item.text if item.text is not None else json.dumps(item.payload)


_READING_COLUMNS: Final = ("received_at", "device_time", "device_id", "quantity", "value", "unit", "iot_message_id")


def _insert_readings(session: Session, rows: list[tuple[Any, ...]]) -> None:
    """Insert the readings (one executemany by the driver on SQLite, one COPY on PostgreSQL)."""
    if not rows:
        return
    insert_rows(session.connection(), table_of(Reading), _READING_COLUMNS, rows)


def _touch(session: Session, parsed: Parsed, devices: Devices) -> None:
    """Write each device's last_seen_at, at most every SEEN_WRITE_INTERVAL_S (a Core update: no audit row
    for what is telemetry, not a change anyone made)."""
    written = regcache.iot_seen_written(session)
    latest = {facts.device_id: item.received_at for _, item, facts in parsed}
    rows = []
    for key, seen in latest.items():
        last = written.get(key, devices[key].last_seen)
        if last is None or seen.timestamp() - last >= SEEN_WRITE_INTERVAL_S:
            rows.append({"key": key, "seen": seen})
            written[key] = seen.timestamp()
    if rows:
        session.connection().execute(_TOUCH, rows)


def _sequence(payload: Any) -> int | None:
    value = payload.get("seq") if isinstance(payload, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _last_sequences(session: Session, keys: set[str]) -> dict[str, int]:
    """The ``seq`` of each device's latest stored message, for devices this process has not seen yet."""
    if not keys:
        return {}
    latest = select(func.max(_MESSAGES.c.id)).where(_MESSAGES.c.device_id.in_(keys)).group_by(_MESSAGES.c.device_id)
    rows = session.connection().execute(select(_MESSAGES.c.device_id, _MESSAGES.c.payload)
                                        .where(_MESSAGES.c.id.in_(latest.scalar_subquery())))
    return {row.device_id: seq for row in rows if (seq := _sequence(row.payload)) is not None}


def sequence_gaps(session: Session, parsed: Parsed, devices: Devices) -> list[PointReport]:
    """A fault report for each message whose ``seq`` skipped numbers since the device's previous one.

    Read before this batch's messages are inserted (a device's baseline is its latest stored message).
    A number lower than the last one is a device that restarted its count (a reboot, a wrap-around):
    the new baseline, not a loss. The same number again is a copy the device sent twice: nothing lost.
    """
    numbered = [(index, item, facts, seq) for index, item, facts in parsed
                if (seq := _sequence(item.payload)) is not None]
    if not numbered:
        return []
    known = regcache.iot_sequences(session)
    known.update(_last_sequences(session, {facts.device_id for _, _, facts, _ in numbered} - known.keys()))
    reports = []
    for index, item, facts, seq in numbered:
        last = known.get(facts.device_id)
        known[facts.device_id] = seq
        if last is None or seq <= last + 1:
            continue
        info = devices[facts.device_id]
        text = f"消息序号从 {last} 跳到 {seq}，丢失 {seq - last - 1} 条消息"
        obs = Observation(f"iot:{facts.device_id}/loss", frozenset({PointCondition.FAULT}), True, None, ("消息丢失",),
                          facts.device_time, description=text, cause="message_loss")
        reports.append(PointReport(
            index=index, obs=obs, received_at=item.received_at, source="iot", device_address=info.device_id,
            owner=info.owner, iot_device_id=info.device_id, component_label=f"{info.label} 消息丢失"[:200],
        ))
    return reports


def _owner(device: IotDevice, unit: FireUnit | None) -> Owner:
    return Owner(device.region_code, device.unit_id, device.organization_id, unit.name if unit else "",
                 device.lon if device.lon is not None else (unit.lon if unit else None),
                 device.lat if device.lat is not None else (unit.lat if unit else None),
                 unregistered=not device.registered)
