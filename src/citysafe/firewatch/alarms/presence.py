"""Online/offline bookkeeping of UITDs and IoT devices, and 查岗 (on-duty check) records."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session

from citysafe.core.events import publish
from citysafe.firewatch.alarms import patrol
from citysafe.firewatch.alarms.models import Alarm, AlarmOccurrence, DutyCheck
from citysafe.firewatch.alarms.store import Owner, PointReport, apply_reports, iso
from citysafe.firewatch.bulk import table_of
from citysafe.firewatch.config import FirewatchConfig
from citysafe.firewatch.enums import AlarmKind, AlarmState
from citysafe.firewatch.events import AlarmCleared, UnitOffline
from citysafe.firewatch.ingest.observe import DutyReply, Observation
from citysafe.firewatch.registry import cache as regcache
from citysafe.firewatch.registry.models import FireUnit, IotDevice, Uitd


def _close_offline(session: Session, point_keys: list[str], at: datetime) -> list[int]:
    alarms = session.execute(
        select(Alarm).where(Alarm.point_key.in_(point_keys), Alarm.kind == AlarmKind.OFFLINE.value,
                            Alarm.is_open.is_(True)).execution_options(skip_scope=True)
    ).scalars().all()
    for alarm in alarms:
        alarm.is_open, alarm.state = False, AlarmState.RESTORED.value
        alarm.cleared_at = alarm.closed_at = at
        session.add(AlarmOccurrence(alarm_id=alarm.id, change="clear", received_at=at, description="恢复在线"))
        publish(session, AlarmCleared(
            alarm_id=alarm.id, kind=alarm.kind, state=alarm.state, region_code=alarm.region_code,
            unit_organization_id=alarm.organization_id, unit_id=alarm.unit_id, lon=alarm.lon, lat=alarm.lat,
            device_address=alarm.device_address, received_at=at.isoformat(), closed=True))
    return [a.id for a in alarms]


def restore_online(session: Session, infos: Sequence[regcache.UitdInfo], *, at: datetime,
                   seen: Mapping[int, datetime] | None = None) -> list[int]:
    """UITDs that were offline sent something: clear the flag and close their offline alarms.

    With ``seen`` (address → when its frame was received) a frame received before the UITD was found offline
    brings nothing back: the gateway's verdict travels in the urgent lane and may be stored before the
    device's last heartbeats, which came from before it fell silent (``ingest.worker``)."""
    if seen is not None and infos:
        since = dict(session.execute(select(Uitd.id, Uitd.offline_since).where(
            Uitd.id.in_([i.uitd_id for i in infos])).execution_options(skip_scope=True)).tuples().all())
        infos = [i for i in infos if (when := since.get(i.uitd_id)) is None or seen[i.address] > when]
    if not infos:
        return []
    session.execute(update(Uitd).where(Uitd.id.in_([i.uitd_id for i in infos])).values(offline_since=None)
                    .execution_options(skip_scope=True, synchronize_session=False))
    for info in infos:
        regcache.remember_uitd(session, dataclasses.replace(info, offline=False))
    return _close_offline(session, [str(i.address) for i in infos], at)


def record_seen(session: Session, seen: Mapping[int, datetime]) -> list[int]:
    """UITDs a gateway saw by keep-alives only (address → when; ``gateway.heartbeats``): what storing those
    frames did besides the raw rows — ``last_seen_at`` moved (never back) and offline ones brought back as
    ``restore_online`` does for frames, a keep-alive received before the verdict bringing nothing back.
    Unknown addresses are skipped: a device's first frame on a connection always takes the full path.
    Returns the ids of the offline alarms closed."""
    regcache.validate(session)
    infos = regcache.uitds(session, seen.keys())
    if not infos:
        return []
    rows = [{"uitd_id": info.uitd_id, "seen": seen[address]}
            for address, info in sorted(infos.items(), key=lambda pair: pair[1].uitd_id)]
    session.connection().execute(_SEEN, rows)
    offline = [info for info in infos.values() if info.offline]
    if not offline:
        return []
    return restore_online(session, offline, at=max(seen[i.address] for i in offline), seen=seen)


_UITDS = table_of(Uitd)
# Only forward: a summary may reach the worker after a frame of the same device that was received later.
_SEEN = update(_UITDS).where(
    _UITDS.c.id == bindparam("uitd_id"),
    or_(_UITDS.c.last_seen_at.is_(None), _UITDS.c.last_seen_at < bindparam("seen")),
).values(last_seen_at=bindparam("seen"))


def restore_iot_online(session: Session, devices: Sequence[IotDevice], *, at: datetime) -> list[int]:
    for device in devices:
        device.offline_since = None
    return _close_offline(session, [f"iot:{d.device_id}" for d in devices], at) if devices else []


def mark_offline(session: Session, *, now: datetime, config: FirewatchConfig) -> list[int]:
    """Raise every silent UITD and IoT device as offline; returns the ids of the alarms opened."""
    horizon = now - config.offline_after
    rows = session.execute(
        select(Uitd, FireUnit).outerjoin(FireUnit, FireUnit.id == Uitd.unit_id)
        .where(Uitd.offline_since.is_(None), Uitd.last_seen_at.is_not(None),
               (Uitd.last_seen_at < horizon) | FireUnit.offline_minutes.is_not(None))
        .execution_options(skip_scope=True)
    ).all()
    silent: list[tuple[Uitd | IotDevice, FireUnit | None, str]] = []
    for uitd, unit in rows:
        limit = patrol.offline_limit(config.offline_after, unit.offline_minutes if unit else None)
        if patrol.is_offline(uitd.last_seen_at, now, limit):
            silent.append((uitd, unit, str(uitd.address)))
    devices = session.execute(
        select(IotDevice, FireUnit).outerjoin(FireUnit, FireUnit.id == IotDevice.unit_id)
        .where(IotDevice.offline_since.is_(None), IotDevice.last_seen_at < horizon)
        .execution_options(skip_scope=True)
    ).all()
    silent.extend((device, unit, f"iot:{device.device_id}") for device, unit in devices)
    return _raise_offline(session, silent, now=now, config=config)


def record_offline_verdicts(session: Session, verdicts: Sequence[tuple[int, datetime]], *,
                            config: FirewatchConfig) -> list[int]:
    """The gateway found these UITDs offline (``(address, when)``: a patrol unanswered within its timeout,
    the connection closed): raise them at once, as ``mark_offline`` raises a silent one, instead of waiting
    for the offline limit. A UITD already offline, unknown, or seen after the verdict (it reconnected; the
    verdict reached the worker behind its new frames) is left alone. Returns the ids of the alarms opened."""
    latest: dict[int, datetime] = {}
    for address, at in verdicts:
        latest[address] = max(at, latest.get(address, at))
    if not latest:
        return []
    rows = session.execute(
        select(Uitd, FireUnit).outerjoin(FireUnit, FireUnit.id == Uitd.unit_id)
        .where(Uitd.address.in_(list(latest)), Uitd.offline_since.is_(None)).execution_options(skip_scope=True)
    ).all()
    silent: list[tuple[Uitd | IotDevice, FireUnit | None, str]] = [
        (uitd, unit, str(uitd.address)) for uitd, unit in rows
        if uitd.last_seen_at is None or uitd.last_seen_at <= latest[uitd.address]]
    return _raise_offline(session, silent, now=max(latest.values()), config=config)


def _raise_offline(session: Session, silent: list[tuple[Uitd | IotDevice, FireUnit | None, str]], *,
                   now: datetime, config: FirewatchConfig) -> list[int]:
    reports: list[PointReport] = []
    for index, (device, unit, key) in enumerate(silent):
        device.offline_since = now
        owner = Owner(device.region_code, device.unit_id if unit else None, device.organization_id,
                      unit.name if unit else "", unit.lon if unit else None, unit.lat if unit else None,
                      unregistered=not device.registered)
        is_uitd = isinstance(device, Uitd)
        address = str(device.address) if isinstance(device, Uitd) else device.device_id
        obs = Observation(key, frozenset({AlarmKind.OFFLINE.value}), True, None, ("离线",), None,
                          description="用户信息传输装置离线" if is_uitd else "物联网设备离线", cause="silent")
        reports.append(PointReport(index=index, obs=obs, received_at=now, source="patrol",
                                   device_address=address, owner=owner,
                                   uitd_address=device.address if isinstance(device, Uitd) else None,
                                   iot_device_id=None if isinstance(device, Uitd) else device.device_id))
    if not reports:
        return []
    regcache.bump(session)
    applied = apply_reports(session, reports, config=config)
    opened: list[int] = []
    for index, (device, unit, _key) in enumerate(silent):
        for alarm_id in applied.raised.get(index, []):
            opened.append(alarm_id)
            publish(session, UnitOffline(
                alarm_id=alarm_id, region_code=device.region_code, unit_organization_id=device.organization_id,
                unit_id=unit.id if unit else None, unit_name=unit.name if unit else "",
                device_address=reports[index].device_address, last_seen_at=iso(device.last_seen_at),
                lon=unit.lon if unit else None, lat=unit.lat if unit else None))
    return opened


def record_duty_check_sent(session: Session, *, address: int, sent_at: datetime, timeout_minutes: int,
                           serial: int | None = None) -> int:
    """The gateway sent a 查岗 (type 91) to ``address``; returns the check's id."""
    check = DutyCheck(uitd_address=address, serial=serial, sent_at=sent_at, timeout_minutes=timeout_minutes)
    session.add(check)
    session.flush()
    return check.id


def record_duty_replies(session: Session, *, address: int, replies: Sequence[DutyReply], received_at: datetime,
                        raw_frame_id: int | None) -> list[int]:
    """Match 查岗 replies (type 24, bit 5) to the checks they answer; returns the answered check ids."""
    checks = session.execute(
        select(DutyCheck).where(DutyCheck.uitd_address == address, DutyCheck.replied_at.is_(None),
                                DutyCheck.sent_at <= received_at).order_by(DutyCheck.sent_at.desc()).limit(20)
    ).scalars().all()
    sent = [patrol.SentCheck(c.id, c.sent_at, c.timeout_minutes) for c in checks]
    by_id = {c.id: c for c in checks}
    answered: list[int] = []
    for reply in replies:
        match = patrol.match_duty_reply(sent, received_at)
        if match is None:
            break
        check = by_id[match.check_id]
        check.replied_at, check.reply_device_time = received_at, reply.device_time
        check.reply_raw_frame_id, check.operator = raw_frame_id, reply.operator
        check.reply_seconds = (received_at - check.sent_at).total_seconds()
        check.late = patrol.reply_is_late(match, received_at)
        sent = [dataclasses.replace(s, answered=True) if s.check_id == match.check_id else s for s in sent]
        answered.append(check.id)
    return answered


def list_duty_checks(session: Session, *, address: int | None, limit: int) -> list[DutyCheck]:
    stmt = select(DutyCheck).order_by(DutyCheck.sent_at.desc(), DutyCheck.id.desc()).limit(limit)
    if address is not None:
        stmt = stmt.where(DutyCheck.uitd_address == address)
    return list(session.execute(stmt).scalars())
