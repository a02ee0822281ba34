"""The ingest contract: frames in, durably stored with what they mean, in the caller's transaction.

The gateway calls ``ingest_frames`` with every frame of one turn of its event loop, commits, and only
then ACKs them all (group commit). Everything here is batch-shaped: one dedup query, one registry
check, one bulk insert of raw frames, one point-state query; registry lookups come from an in-process
cache (``regcache``). Nothing commits here.

Frames from addresses nobody registered are stored and alarmed like any other, on a UITD row created
as ``registered = False`` in the configured region: a fire alarm is never dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Final, cast

from sqlalchemy import BigInteger, Integer, Table, TextualSelect, bindparam, column, insert, text, update
from sqlalchemy.orm import Session

from citysafe.core.clock import Clock
from citysafe.core.db import UTCDateTime
from citysafe.firewatch import regcache
from citysafe.firewatch.alarms import Owner, PointReport, apply_reports
from citysafe.firewatch.config import FirewatchConfig, current_config
from citysafe.firewatch.models import Uitd
from citysafe.firewatch.observe import FrameFacts, Observation, device_utc, frame_facts
from citysafe.firewatch.presence import record_duty_replies, restore_online
from citysafe.firewatch.protocols.gb26875 import Frame, dedup_key
from citysafe.firewatch.records import RawFrame, Reading, table_of

# last_seen_at of a UITD is rewritten at most this often by one process; offline limits are minutes.
SEEN_WRITE_INTERVAL_S = 30.0


@dataclass(frozen=True)
class ReceivedFrame:
    raw: bytes              # the whole frame as received
    frame: Frame            # decoded by the codec (citysafe.firewatch.protocols.gb26875)
    peer: str               # "ip:port" of the TCP peer, or "mqtt:<topic>" / "http"
    received_at: datetime   # aware UTC, the platform's receive time


@dataclass(frozen=True)
class IngestOutcome:
    duplicate: bool                 # a retransmission already stored (same source, serial, ADU bytes)
    raw_frame_id: int | None        # the stored frame (for a duplicate: the one stored first)
    alarms_raised: list[int]        # ids of alarms opened or re-occurred by this frame
    alarms_cleared: list[int]


Key = tuple[int, int, int]


def _key(frame: Frame) -> Key:
    source, serial, digest = dedup_key(frame)
    return source, serial, int.from_bytes(digest, "big", signed=True)


def _stored(session: Session, keys: list[Key], since: datetime) -> dict[Key, int]:
    """Keys of ``keys`` already stored since ``since``: one indexed probe per key.

    Written as a join against a VALUES list (a CTE, as SQLite names VALUES columns only there) rather
    than ``(a, b, c) IN (…)`` with a time filter: given those, SQLite plans a scan (of the table, or of
    the whole time window, millions of rows at full load) instead of probing the dedup index. The time
    window is applied here instead.
    """
    found: dict[Key, int] = {}
    for start in range(0, len(keys), _DEDUP_SHAPES[-1]):
        chunk = keys[start:start + _DEDUP_SHAPES[-1]]
        size = next(n for n in _DEDUP_SHAPES if n >= len(chunk))
        params: dict[str, int] = {}
        for i, (src, ser, dig) in enumerate(chunk + [_NO_KEY] * (size - len(chunk))):
            params[f"s{i}"], params[f"r{i}"], params[f"d{i}"] = src, ser, dig
        for row in session.connection().execute(_dedup_statement(size), params):
            if row.received_at >= since:
                found.setdefault((row.source_address, row.serial, row.adu_hash), row.id)
    return found


# A few fixed statement shapes (the last chunk is padded with a key no frame has), so SQLAlchemy
# compiles each once: rendering a fresh VALUES list of hundreds of rows per batch costs more than the query.
_DEDUP_SHAPES: Final = (16, 128, 900)
_NO_KEY: Final = (-1, -1, 0)


@lru_cache(maxsize=len(_DEDUP_SHAPES))
def _dedup_statement(size: int) -> TextualSelect:
    # Text, not a Core VALUES construct: SQLAlchemy does not cache statements with a VALUES CTE, and
    # compiling ~2700 bound parameters per batch cost more than the query itself.
    rows = ", ".join(f"(:s{i}, :r{i}, :d{i})" for i in range(size))
    sql = (f"WITH wanted (src, ser, dig) AS (VALUES {rows}) "
           "SELECT r.id, r.source_address, r.serial, r.adu_hash, r.received_at "
           "FROM wanted JOIN fw_raw_frame AS r "
           "ON r.source_address = wanted.src AND r.serial = wanted.ser AND r.adu_hash = wanted.dig")
    binds = [bindparam(f"{p}{i}", type_=Integer if p == "r" else BigInteger) for i in range(size) for p in "srd"]
    return text(sql).bindparams(*binds).columns(
        column("id", BigInteger), column("source_address", BigInteger), column("serial", Integer),
        column("adu_hash", BigInteger), column("received_at", UTCDateTime()))


def _owners(session: Session, addresses: set[int], first_seen: dict[int, datetime], peers: dict[int, str],
            config: FirewatchConfig) -> dict[int, regcache.UitdInfo]:
    known = regcache.uitds(session, addresses)
    unknown = sorted(addresses - known.keys())
    if unknown:
        found = [Uitd(address=a, registered=False, region_code=config.unregistered_region,
                      description="未登记设备", first_seen_at=first_seen[a], last_seen_at=first_seen[a],
                      last_peer=peers[a][:80]) for a in unknown]
        session.add_all(found)
        session.flush()
        regcache.bump(session, cache_still_valid=True)  # other processes' caches must learn of the rows too
        for uitd in found:
            info = regcache.UitdInfo(uitd.id, uitd.address, False, None, None, uitd.region_code, "", None, None)
            regcache.remember_uitd(session, info)
            regcache.seen_written(session)[uitd.address] = first_seen[uitd.address].timestamp()
            known[uitd.address] = info
    return known


def _touch(session: Session, items: Sequence[ReceivedFrame], owners: dict[int, regcache.UitdInfo]) -> None:
    latest: dict[int, ReceivedFrame] = {}
    for item in items:
        latest[item.frame.source] = item
    written = regcache.seen_written(session)
    rows = []
    for address, item in latest.items():
        stamp = item.received_at.timestamp()
        if stamp - written.get(address, float("-inf")) >= SEEN_WRITE_INTERVAL_S:
            rows.append({"uitd_id": owners[address].uitd_id, "seen": item.received_at, "peer": item.peer[:80]})
            written[address] = stamp
    if rows:
        table = cast(Table, Uitd.__table__)
        session.connection().execute(
            update(table).where(table.c.id == bindparam("uitd_id"))
            .values(last_seen_at=bindparam("seen"), last_peer=bindparam("peer")), rows)


def _component_key(owner: regcache.UitdInfo, obs: Observation) -> regcache.ComponentKey | None:
    if obs.component_address is None or obs.system_type is None or obs.system_address is None:
        return None
    return owner.uitd_id, obs.system_type, obs.system_address, obs.component_address


def _owner(owner: regcache.UitdInfo) -> Owner:
    return Owner(owner.region_code, owner.unit_id, owner.organization_id, owner.unit_name, owner.lon, owner.lat,
                 unregistered=not owner.registered)


def _reports(index: int, item: ReceivedFrame, facts: FrameFacts, owner: regcache.UitdInfo, who: Owner,
             raw_frame_id: int, comps: dict[regcache.ComponentKey, regcache.ComponentInfo | None]) -> list[PointReport]:
    reports = []
    for obs in facts.observations:
        key = _component_key(owner, obs)
        comp = comps.get(key) if key is not None else None
        label = comp.label if comp else _component_label(obs.component_type, obs.component_address)
        reports.append(PointReport(
            index=index, obs=obs, received_at=item.received_at, source="gb26875",
            device_address=str(owner.address), owner=who, uitd_address=owner.address, raw_frame_id=raw_frame_id,
            component_id=comp.component_id if comp else None, component_label=label,
            zone_key=comp.zone_key if comp else None,
        ))
    return reports


def _component_label(component_type: int | None, component_address: int | None) -> str:
    if component_address is None:
        return ""
    from citysafe.firewatch.protocols.gb26875.tables import component_type_name

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
    cfg = config or current_config()
    regcache.validate(session)
    since = min(clock.now(), min(i.received_at for i in items)) - cfg.dedup_window
    keys = [_key(i.frame) for i in items]
    stored = _stored(session, list(dict.fromkeys(keys)), since)

    first_seen: dict[int, datetime] = {}
    peers: dict[int, str] = {}
    for item in items:
        first_seen.setdefault(item.frame.source, item.received_at)
        peers.setdefault(item.frame.source, item.peer)
    owners = _owners(session, set(first_seen), first_seen, peers, cfg)

    fresh: list[int] = []
    batch_seen: dict[Key, int] = {}
    for index, key in enumerate(keys):
        if key not in stored and key not in batch_seen:
            batch_seen[key] = index
            fresh.append(index)
    rows: list[dict[str, Any]] = []
    for index in fresh:
        item = items[index]
        frame = item.frame
        rows.append({
            "received_at": item.received_at, "source_address": frame.source,
            "destination_address": frame.destination, "serial": frame.serial, "command": frame.command,
            "adu_type": frame.adu.type if frame.adu is not None else None, "adu_hash": keys[index][2],
            "device_time": device_utc(frame.sent), "peer": item.peer[:80], "raw": item.raw,
        })
    frame_ids: dict[int, int] = {}
    if rows:
        # RETURNING without sort_by_parameter_order: SQLite has no sentinel to keep the order, and
        # asking for it makes SQLAlchemy insert row by row. The fresh keys are unique in the batch, so
        # the ids are matched back by key instead.
        raw = table_of(RawFrame)
        stmt = insert(raw).returning(raw.c.id, raw.c.source_address, raw.c.serial, raw.c.adu_hash)
        by_key = {(r.source_address, r.serial, r.adu_hash): r.id for r in session.connection().execute(stmt, rows)}
        frame_ids = {index: by_key[keys[index]] for index in fresh}

    _touch(session, items, owners)
    restore_online(session, [o for o in owners.values() if o.offline], at=max(i.received_at for i in items))

    all_facts = [(index, frame_facts(items[index].frame)) for index in fresh]
    comp_keys = {ck for index, facts in all_facts for obs in facts.observations
                 if (ck := _component_key(owners[items[index].frame.source], obs)) is not None}
    comps = regcache.components(session, comp_keys) if comp_keys else {}
    whos = {address: _owner(info) for address, info in owners.items()}
    reports: list[PointReport] = []
    readings: list[dict[str, Any]] = []
    for index, facts in all_facts:
        item = items[index]
        if facts.observations:
            source = item.frame.source
            reports.extend(_reports(index, item, facts, owners[source], whos[source], frame_ids[index], comps))
        for r in facts.readings:
            readings.append({"received_at": item.received_at, "device_time": r.device_time, "device_id": r.device_id,
                             "quantity": r.quantity[:40], "value": r.value, "unit": r.unit,
                             "raw_frame_id": frame_ids[index], "iot_message_id": None})
        if facts.duty_replies:
            record_duty_replies(session, address=item.frame.source, replies=facts.duty_replies,
                                received_at=item.received_at, raw_frame_id=frame_ids[index])
    if readings:
        session.connection().execute(insert(table_of(Reading)), readings)
    applied = apply_reports(session, reports, config=cfg)

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
