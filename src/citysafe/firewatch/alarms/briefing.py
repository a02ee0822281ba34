"""What an operator needs beside an alarm to act on it (the board's panel): where exactly it is, the
unit's address and contact (all its numbers come with the alarm's detail, ``unit_phones``), which units
are close enough to send someone or ask about smoke, and how often this unit cried wolf.

Everything is read through the session's scope, so a neighbour outside the operator's area stays unseen.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.core.geo import haversine_m
from citysafe.firewatch.alarms.models import Alarm, AlarmAction
from citysafe.firewatch.alarms.schemas import (
    AlarmBriefing,
    AlarmPlace,
    BriefingUnit,
    FalseAlarmHistory,
    FalseAlarmItem,
    NearbyUnit,
)
from citysafe.firewatch.alarms.workflow import get_alarm
from citysafe.firewatch.enums import DECISION_KINDS, IOT_KIND_NAMES_ZH, AlarmState
from citysafe.firewatch.protocols.gb26875.tables import component_type_name
from citysafe.firewatch.registry.models import Building, Component, FireUnit, IotDevice

# Close enough to send a neighbour's staff over or to ask whether they see smoke (a few minutes on foot).
NEARBY_RADIUS_M: Final = 500
NEARBY_LIMIT: Final = 8
RECENT_FALSE_ALARMS: Final = 5
METRES_PER_DEGREE_LAT: Final = 111_320.0


def alarm_briefing(session: Session, *, alarm_id: int, now: datetime) -> AlarmBriefing:
    alarm = get_alarm(session, alarm_id=alarm_id)
    unit = session.get(FireUnit, alarm.unit_id) if alarm.unit_id else None
    lon, lat = (unit.lon, unit.lat) if unit is not None and unit.lon is not None else (alarm.lon, alarm.lat)
    return AlarmBriefing(
        alarm_id=alarm.id,
        unit=BriefingUnit(id=unit.id, name=unit.name, address=unit.address, contact_name=unit.contact_name,
                          contact_phone=unit.contact_phone) if unit is not None else None,
        place=_place(session, alarm),
        nearby_radius_m=NEARBY_RADIUS_M,
        nearby=_nearby(session, lon=lon, lat=lat, exclude=alarm.unit_id),
        false_alarms=_false_alarms(session, unit_id=alarm.unit_id, now=now),
    )


def _place(session: Session, alarm: Alarm) -> AlarmPlace:
    """Building, floor, zone and point from the registry; an unregistered point keeps only its label."""
    building_id: int | None = None
    place = AlarmPlace(label=alarm.component)
    if alarm.component_id is not None:
        component = session.get(Component, alarm.component_id)
        if component is not None:
            building_id = component.building_id
            place = AlarmPlace(label=alarm.component, floor=component.floor, zone=component.zone,
                               point=component.description,
                               device_type=component_type_name(component.component_type))
    elif alarm.iot_device_id:
        device = session.scalars(select(IotDevice).where(IotDevice.device_id == alarm.iot_device_id)).first()
        if device is not None:
            building_id = device.building_id
            kind = {k.value: v for k, v in IOT_KIND_NAMES_ZH.items()}.get(device.kind, device.kind)
            place = AlarmPlace(label=alarm.component, floor=device.floor, zone=device.zone,
                               point=device.description, device_type=kind)
    building = session.get(Building, building_id) if building_id is not None else None
    if building is not None:
        place.building = building.name
    return place


def _nearby(session: Session, *, lon: float | None, lat: float | None, exclude: int | None) -> list[NearbyUnit]:
    """Units within the radius, nearest first, each with what is open there now (a second unit alarming
    next door is the strongest sign of a real fire)."""
    if lon is None or lat is None:
        return []
    dlat = NEARBY_RADIUS_M / METRES_PER_DEGREE_LAT
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    stmt = select(FireUnit).where(FireUnit.lon.between(lon - dlon, lon + dlon),
                                  FireUnit.lat.between(lat - dlat, lat + dlat), FireUnit.active.is_(True))
    if exclude is not None:
        stmt = stmt.where(FireUnit.id != exclude)
    found = []
    for unit in session.scalars(stmt):
        if unit.lon is None or unit.lat is None:
            continue
        distance = haversine_m(lon, lat, unit.lon, unit.lat)
        if distance <= NEARBY_RADIUS_M:
            found.append((distance, unit))
    found.sort(key=lambda pair: (pair[0], pair[1].id))
    found = found[:NEARBY_LIMIT]
    open_kinds: dict[int, set[str]] = {}
    if found:
        rows = session.execute(select(Alarm.unit_id, Alarm.kind).where(
            Alarm.is_open.is_(True), Alarm.unit_id.in_([u.id for _, u in found]))).all()
        for unit_id, kind in rows:
            open_kinds.setdefault(int(unit_id), set()).add(str(kind))
    return [NearbyUnit(id=u.id, name=u.name, address=u.address, distance_m=round(d),
                       contact_name=u.contact_name, contact_phone=u.contact_phone,
                       open_kinds=sorted(open_kinds.get(u.id, set()))) for d, u in found]


def _false_alarms(session: Session, *, unit_id: int | None, now: datetime) -> FalseAlarmHistory:
    """The unit's decided fire-type alarms of the last 90 days: how many were false, and the latest ones
    with the operator's note, so a habitual false alarmer is recognised without trusting it blindly."""
    if unit_id is None:
        return FalseAlarmHistory()
    since_90, since_30 = now - timedelta(days=90), now - timedelta(days=30)
    decided = session.execute(
        select(Alarm.id, Alarm.state, Alarm.decided_at, Alarm.component, Alarm.kind)
        .where(Alarm.unit_id == unit_id, Alarm.kind.in_(sorted(DECISION_KINDS)), Alarm.decided_at >= since_90)
        .order_by(Alarm.decided_at.desc(), Alarm.id.desc())
    ).all()
    false = [r for r in decided if r.state == AlarmState.FALSE_ALARM.value]
    recent = false[:RECENT_FALSE_ALARMS]
    notes = dict(session.execute(
        select(AlarmAction.alarm_id, AlarmAction.note).where(
            AlarmAction.alarm_id.in_([r.id for r in recent]), AlarmAction.action == "false_alarm")
    ).tuples().all()) if recent else {}
    return FalseAlarmHistory(
        last_30_days=sum(1 for r in false if r.decided_at >= since_30), last_90_days=len(false),
        decided_90_days=len(decided),
        recent=[FalseAlarmItem(alarm_id=r.id, decided_at=r.decided_at, kind=r.kind, component=r.component,
                               note=notes.get(r.id, "")) for r in recent],
    )
