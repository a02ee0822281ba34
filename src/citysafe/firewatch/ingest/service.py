"""The ingest contract: frames in, durably stored with what they mean, in the caller's transaction.

The gateway calls ``ingest_frames`` with every frame of one turn of its event loop, commits, and only
then ACKs them all (group commit). Everything here is batch-shaped: one dedup query, one registry
check, one bulk insert of raw frames, one point-state query; registry lookups come from an in-process
cache (``registry.cache``). Nothing commits here.

Frames from addresses nobody registered are stored and alarmed like any other, on a UITD row created
as ``registered = False`` in the configured region: a fire alarm is never dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import lru_cache
from itertools import chain
from typing import Any, Final, NamedTuple, cast

from sqlalchemy import Table, bindparam, update
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import Session

from citysafe.core.clock import Clock
from citysafe.core.db import UTCDateTime
from citysafe.firewatch.alarms.presence import record_duty_replies, restore_online
from citysafe.firewatch.alarms.store import Owner, PointReport, apply_reports, is_relevant, load_states
from citysafe.firewatch.bulk import insert_rows, insert_with_ids, table_of
from citysafe.firewatch.config import FirewatchConfig, config_of
from citysafe.firewatch.ingest.models import RawFrame, Reading
from citysafe.firewatch.ingest.observe import NOTHING, Observation, device_utc, frame_facts
from citysafe.firewatch.protocols.gb26875 import Frame, dedup_key
from citysafe.firewatch.protocols.gb26875.tables import component_type_name
from citysafe.firewatch.registry import cache as regcache
from citysafe.firewatch.registry.models import Uitd

# last_seen_at of a UITD is rewritten at most this often by one process; offline limits are minutes.
SEEN_WRITE_INTERVAL_S = 30.0


class ReceivedFrame(NamedTuple):
    """One frame as the gateway (or MQTT, HTTP) received it; a NamedTuple, as one is built per frame."""

    raw: bytes              # the whole frame as received
    frame: Frame            # decoded by the codec (citysafe.firewatch.protocols.gb26875)
    peer: str               # "ip:port" of the TCP peer, or "mqtt:<topic>" / "http"
    received_at: datetime   # aware UTC, the platform's receive time


class IngestOutcome(NamedTuple):
    """What became of one frame (a NamedTuple: one is built per frame, and a frozen dataclass costs 4x)."""

    duplicate: bool                 # a retransmission already stored (same source, serial, ADU bytes)
    raw_frame_id: int | None        # the stored frame (for a duplicate: the one stored first)
    alarms_raised: list[int]        # ids of alarms opened or re-occurred by this frame
    alarms_cleared: list[int]


Key = tuple[int, int, int]


def _key(frame: Frame) -> Key:
    source, serial, digest = dedup_key(frame)
    return source, serial, int.from_bytes(digest, "big", signed=True)


def _stored(connection: Connection, keys: list[Key], since: datetime) -> dict[Key, int]:
    """Keys of ``keys`` already stored since ``since``: one indexed probe per key.

    Written as a join against a VALUES list (a CTE, as SQLite names VALUES columns only there) rather
    than ``(a, b, c) IN (…)`` with a time filter: given those, SQLite plans a scan (of the table, or of
    the whole time window, millions of rows at full load) instead of probing the dedup index. The time
    window is applied here instead, on the few rows found.
    """
    found: dict[Key, int] = {}
    dialect = connection.dialect
    received_at = _time_result(dialect)
    for start in range(0, len(keys), _DEDUP_SHAPES[-1]):
        chunk = keys[start:start + _DEDUP_SHAPES[-1]]
        size = next(n for n in _DEDUP_SHAPES if n >= len(chunk))
        params = tuple(chain.from_iterable(chunk)) + _NO_KEY * (size - len(chunk))
        for row_id, source, serial, digest, at in connection.exec_driver_sql(
                dedup_sql(size, dialect.paramstyle), params):
            if (stored_at := received_at(at)) is not None and stored_at >= since:
                found.setdefault((source, serial, digest), row_id)
    return found


# A few fixed statement shapes (the last chunk is padded with a key no frame has), so the driver
# prepares each once: rendering a fresh VALUES list of hundreds of rows per batch costs more than the query.
_DEDUP_SHAPES: Final = (16, 64, 256, 512, 900)
_NO_KEY: Final = (-1, -1, 0)


@lru_cache(maxsize=2 * len(_DEDUP_SHAPES))
def dedup_sql(size: int, paramstyle: str) -> str:
    # Driver SQL with positional parameters, not a SQLAlchemy construct: building and processing a dict
    # of ~2700 bound parameters per batch cost more than the query itself.
    mark = {"qmark": "?", "format": "%s", "pyformat": "%s"}[paramstyle]
    rows = ", ".join([f"({mark}, {mark}, {mark})"] * size)
    return (f"WITH wanted (src, ser, dig) AS (VALUES {rows}) "
            "SELECT r.id, r.source_address, r.serial, r.adu_hash, r.received_at "
            "FROM wanted JOIN fw_raw_frame AS r "
            "ON r.source_address = wanted.src AND r.serial = wanted.ser AND r.adu_hash = wanted.dig")


@lru_cache(maxsize=8)
def _time_result(dialect: Dialect) -> Callable[[Any], datetime | None]:
    """What SQLAlchemy would make of a UTCDateTime column the driver returned (text on SQLite)."""
    process = UTCDateTime().dialect_impl(dialect).result_processor(dialect, None)
    assert process is not None
    return process


# Reading columns in the order of the rows ingest_frames builds (a frame's readings link no IoT message).
_READING_COLUMNS: Final = ("received_at", "device_time", "device_id", "quantity", "value", "unit", "raw_frame_id")
# Raw-frame columns in the order of the rows _frame_row builds.
_FRAME_COLUMNS: Final = ("received_at", "source_address", "destination_address", "serial", "command", "adu_type",
                         "adu_hash", "device_time", "peer", "raw")


def _frame_row(item: ReceivedFrame, key: Key) -> tuple[Any, ...]:
    frame = item.frame
    return (item.received_at, frame.source, frame.destination, frame.serial, frame.command,
            frame.adu.type if frame.adu is not None else None, key[2], device_utc(frame.sent), item.peer[:80],
            item.raw)


def _store(connection: Connection, rows: list[tuple[Any, ...]]) -> list[int]:
    """Insert the fresh raw frames; returns their ids in the order of ``rows``."""
    return insert_with_ids(connection, table_of(RawFrame), _FRAME_COLUMNS, rows)


def _owners(session: Session, first: dict[int, ReceivedFrame], config: FirewatchConfig) -> dict[int, regcache.UitdInfo]:
    """The UITD of every source address (``first``: its first frame in the batch), created if unknown."""
    known = regcache.uitds(session, first.keys())
    unknown = sorted(first.keys() - known.keys())
    if unknown:
        found = [Uitd(address=a, registered=False, region_code=config.unregistered_region,
                      description="未登记设备", first_seen_at=first[a].received_at, last_seen_at=first[a].received_at,
                      last_peer=first[a].peer[:80]) for a in unknown]
        session.add_all(found)
        session.flush()
        regcache.bump(session, cache_still_valid=True)  # other processes' caches must learn of the rows too
        for uitd in found:
            info = regcache.UitdInfo(uitd.id, uitd.address, False, None, None, uitd.region_code, "", None, None)
            regcache.remember_uitd(session, info)
            regcache.seen_written(session)[uitd.address] = first[uitd.address].received_at.timestamp()
            known[uitd.address] = info
    return known


def _touch(session: Session, latest: dict[int, ReceivedFrame], owners: dict[int, regcache.UitdInfo]) -> None:
    """Write last_seen_at / last_peer of each source (``latest``: its last frame), at most every 30 s."""
    written = regcache.seen_written(session)
    rows = []
    for address, item in latest.items():
        stamp = item.received_at.timestamp()
        if stamp - written.get(address, float("-inf")) >= SEEN_WRITE_INTERVAL_S:
            rows.append({"uitd_id": owners[address].uitd_id, "seen": item.received_at, "peer": item.peer[:80]})
            written[address] = stamp
    if rows:
        session.connection().execute(_TOUCH, rows)


_UITDS = cast(Table, Uitd.__table__)
_TOUCH = update(_UITDS).where(_UITDS.c.id == bindparam("uitd_id")).values(
    last_seen_at=bindparam("seen"), last_peer=bindparam("peer"))


def _component_key(owner: regcache.UitdInfo, obs: Observation) -> regcache.ComponentKey | None:
    if obs.component_address is None or obs.system_type is None or obs.system_address is None:
        return None
    return owner.uitd_id, obs.system_type, obs.system_address, obs.component_address


def _owner(owner: regcache.UitdInfo) -> Owner:
    return Owner(owner.region_code, owner.unit_id, owner.organization_id, owner.unit_name, owner.lon, owner.lat,
                 unregistered=not owner.registered)


def _reports(session: Session, items: Sequence[ReceivedFrame], observations: list[tuple[int, Observation]],
             owners: dict[int, regcache.UitdInfo], frame_ids: dict[int, int]) -> list[PointReport]:
    """Point reports of ``observations`` (item index, observation), with owner and registered component."""
    comp_keys = {ck for index, obs in observations
                 if (ck := _component_key(owners[items[index].frame.source], obs)) is not None}
    comps = regcache.components(session, comp_keys) if comp_keys else {}
    whos: dict[int, Owner] = {}
    reports = []
    for index, obs in observations:
        item = items[index]
        owner = owners[item.frame.source]
        who = whos.get(owner.address) or whos.setdefault(owner.address, _owner(owner))
        key = _component_key(owner, obs)
        comp = comps.get(key) if key is not None else None
        label = comp.label if comp else _component_label(obs.component_type, obs.component_address)
        reports.append(PointReport(
            index=index, obs=obs, received_at=item.received_at, source="gb26875",
            device_address=str(owner.address), owner=who, uitd_address=owner.address,
            raw_frame_id=frame_ids[index], component_id=comp.component_id if comp else None,
            component_label=label, zone_key=comp.zone_key if comp else None,
        ))
    return reports


def _component_label(component_type: int | None, component_address: int | None) -> str:
    if component_address is None:
        return ""
    loop, point = component_address >> 16, component_address & 0xFFFF
    return f"{component_type_name(component_type or 0)} {component_address} (回路{loop}点{point})"


def ingest_frames(session: Session, *, items: Sequence[ReceivedFrame], clock: Clock,
                  config: FirewatchConfig | None = None) -> list[IngestOutcome]:
    """Store ``items`` (one batch, in arrival order) and apply them to the alarm engine.

    Returns one outcome per item, in order. Raises only on database errors, in which case the caller
    rolls back and must not ACK the batch.
    """
    if not items:
        return []
    cfg = config or config_of(session)
    regcache.validate(session)
    since = min(clock.now(), min(i.received_at for i in items)) - cfg.dedup_window
    keys = [_key(i.frame) for i in items]
    connection = session.connection()
    stored = _stored(connection, list(dict.fromkeys(keys)), since)

    first = {item.frame.source: item for item in reversed(items)}
    owners = _owners(session, first, cfg)

    fresh: list[int] = []
    batch_seen: dict[Key, int] = {}
    for index, key in enumerate(keys):
        if key not in stored and key not in batch_seen:
            batch_seen[key] = index
            fresh.append(index)
    frame_ids = dict(zip(fresh, _store(connection, [_frame_row(items[i], keys[i]) for i in fresh]), strict=True))

    latest = {item.frame.source: item for item in items}
    _touch(session, latest, owners)
    if offline := [o for o in owners.values() if o.offline]:
        restore_online(session, offline, at=max(i.received_at for i in items),
                       seen={source: item.received_at for source, item in latest.items()})

    all_facts = [(index, facts) for index in fresh if (facts := frame_facts(items[index].frame)) is not NOTHING]
    # Most observations are normal statuses of points with no stored state: the engine would skip
    # them, so no report is built for them at all (the state query decides which those are).
    states = load_states(session, {obs.point_key for _, facts in all_facts for obs in facts.observations})
    relevant = [(index, obs) for index, facts in all_facts for obs in facts.observations if is_relevant(obs, states)]
    reports = _reports(session, items, relevant, owners, frame_ids)
    readings: list[tuple[Any, ...]] = []
    for index, facts in all_facts:
        if not facts.readings and not facts.duty_replies:
            continue
        item = items[index]
        readings += [(item.received_at, r.device_time, r.device_id, r.quantity[:40], r.value, r.unit,
                      frame_ids[index]) for r in facts.readings]
        if facts.duty_replies:
            record_duty_replies(session, address=item.frame.source, replies=facts.duty_replies,
                                received_at=item.received_at, raw_frame_id=frame_ids[index])
    insert_rows(connection, table_of(Reading), _READING_COLUMNS, readings)
    applied = apply_reports(session, reports, config=cfg, states=states)

    outcomes: list[IngestOutcome] = []
    for index, key in enumerate(keys):
        if index in frame_ids:
            outcomes.append(IngestOutcome(False, frame_ids[index], applied.raised.get(index, []),
                                          applied.cleared.get(index, [])))
        else:
            original = stored.get(key)
            outcomes.append(IngestOutcome(True, original if original is not None else frame_ids.get(batch_seen[key]),
                                          [], []))
    return outcomes
