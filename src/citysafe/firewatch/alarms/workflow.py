"""The operator's side of alarms: lists, detail, the workflow and false-alarm statistics.

new → acknowledged → verified (video or phone, with a note) → confirmed / false_alarm / test.
Confirming is for fire, gas and electrical alarms and publishes ``FireConfirmed`` (forwarded to 119
after commit); a false alarm or test may be declared once acknowledged; ``test`` also straight away
(drills are announced). Every step is an ``AlarmAction`` row, audited like any human change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from citysafe.core.db import get_or_404
from citysafe.core.errors import Conflict, NotFound
from citysafe.core.events import publish
from citysafe.core.pagination import PageParams, paginate
from citysafe.core.scope import in_region
from citysafe.firewatch.alarms import forwarding
from citysafe.firewatch.alarms.models import Alarm, AlarmAction, AlarmOccurrence, Forwarding
from citysafe.firewatch.alarms.schemas import (
    ActionRead,
    AlarmDetail,
    AlarmFilter,
    AlarmRead,
    FalseAlarmRow,
    FalseAlarmStats,
    ForwardingRead,
    OccurrenceRead,
    UnitPhone,
)
from citysafe.firewatch.alarms.store import updated_event
from citysafe.firewatch.enums import DECISION_KINDS, STATE_NAMES_ZH, TERMINAL_STATES, AlarmState
from citysafe.firewatch.events import FireConfirmed
from citysafe.firewatch.ingest.models import IotMessage, RawFrame
from citysafe.firewatch.protocols.gb26875 import FrameError, decode_frame, frame_to_dict
from citysafe.firewatch.registry.models import FireUnit
from citysafe.orgs import service as orgs_service

S = AlarmState
# action name → (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "acknowledge": (frozenset({S.NEW}), S.ACKNOWLEDGED),
    "verify": (frozenset({S.ACKNOWLEDGED}), S.VERIFIED),
    "confirm": (frozenset({S.VERIFIED}), S.CONFIRMED),
    "false_alarm": (frozenset({S.ACKNOWLEDGED, S.VERIFIED}), S.FALSE_ALARM),
    "test": (frozenset({S.NEW, S.ACKNOWLEDGED, S.VERIFIED}), S.TEST),
}


def list_alarms(session: Session, *, filters: AlarmFilter, params: PageParams) -> tuple[list[Alarm], int]:
    stmt = select(Alarm).order_by(Alarm.first_received_at.desc(), Alarm.id.desc())
    if filters.state:
        stmt = stmt.where(Alarm.state == filters.state.value)
    if filters.kind:
        stmt = stmt.where(Alarm.kind == filters.kind.value)
    if filters.region:
        stmt = stmt.where(in_region(Alarm.region_code, filters.region))
    if filters.unit is not None:
        stmt = stmt.where(Alarm.unit_id == filters.unit)
    if filters.device:
        stmt = stmt.where(Alarm.device_address == filters.device)
    if filters.open is not None:
        stmt = stmt.where(Alarm.is_open.is_(filters.open))
    if filters.since:
        stmt = stmt.where(Alarm.first_received_at >= filters.since)
    if filters.until:
        stmt = stmt.where(Alarm.first_received_at < filters.until)
    return paginate(session, stmt, params)


def get_alarm(session: Session, *, alarm_id: int) -> Alarm:
    return get_or_404(session, Alarm, alarm_id, what="alarm", what_zh="报警")


def _decode(raw: bytes) -> dict[str, Any] | None:
    try:
        return dict(frame_to_dict(decode_frame(raw)))
    except FrameError:
        return None


def alarm_detail(session: Session, *, alarm_id: int, occurrence_limit: int = 200) -> AlarmDetail:
    alarm = get_alarm(session, alarm_id=alarm_id)
    occurrences = session.execute(
        select(AlarmOccurrence).where(AlarmOccurrence.alarm_id == alarm.id)
        .order_by(AlarmOccurrence.received_at.desc(), AlarmOccurrence.id.desc()).limit(occurrence_limit)
    ).scalars().all()
    frame_ids = {o.raw_frame_id for o in occurrences if o.raw_frame_id} | (
        {alarm.raw_frame_id} if alarm.raw_frame_id else set())
    frames = {f.id: f for f in session.execute(select(RawFrame).where(RawFrame.id.in_(frame_ids))).scalars()}
    message_ids = {o.iot_message_id for o in occurrences if o.iot_message_id}
    messages = {m.id: m for m in session.execute(select(IotMessage).where(IotMessage.id.in_(message_ids))).scalars()}
    out = AlarmDetail.model_validate(alarm)
    first = frames.get(alarm.raw_frame_id) if alarm.raw_frame_id else None
    if first is not None:
        out.raw_frame_hex, out.decoded = first.raw.hex(), _decode(first.raw)
    for occ in occurrences:
        item = OccurrenceRead.model_validate(occ)
        frame = frames.get(occ.raw_frame_id) if occ.raw_frame_id else None
        if frame is not None:
            item.frame_hex, item.peer, item.decoded = frame.raw.hex(), frame.peer, _decode(frame.raw)
        message = messages.get(occ.iot_message_id) if occ.iot_message_id else None
        if message is not None:
            item.payload, item.peer = message.payload, message.source
        out.occurrences_list.append(item)
    actions = session.execute(select(AlarmAction).where(AlarmAction.alarm_id == alarm.id)
                              .order_by(AlarmAction.at, AlarmAction.id)).scalars().all()
    out.actions = [ActionRead.model_validate(a) for a in actions]
    forwardings = session.execute(select(Forwarding).where(Forwarding.alarm_id == alarm.id)
                                  .order_by(Forwarding.id)).scalars().all()
    out.forwardings = [ForwardingRead.model_validate(f) for f in forwardings]
    out.forward_status = forwarding.forward_status(list(forwardings))
    out.unit_phones = unit_phones(session, unit_id=alarm.unit_id)
    return out


def alarm_reads(session: Session, alarms: Sequence[Alarm]) -> list[AlarmRead]:
    """The alarms as the API lists them, each with its 119 state."""
    statuses = forwarding.forward_statuses(session, alarm_ids=[a.id for a in alarms if a.state == S.CONFIRMED])
    return [AlarmRead.model_validate(a).model_copy(update={"forward_status": statuses.get(a.id)}) for a in alarms]


def unit_phones(session: Session, *, unit_id: int | None) -> list[UnitPhone]:
    """Whom to phone at the unit, from the registry: its contact (the fire-control room), then the
    organisation's contacts that have a number; each number once."""
    unit = session.get(FireUnit, unit_id) if unit_id else None
    if unit is None:
        return []
    phones = [UnitPhone(name=unit.contact_name or "联系人", role="单位联系人", phone=unit.contact_phone)]
    try:
        contacts = orgs_service.get(session, org_id=unit.organization_id).contacts or []
    except NotFound:
        contacts = []
    phones += [UnitPhone(name=str(c.get("name", "")), role=str(c.get("role", "")) or "单位联系人",
                         phone=str(c.get("phone", ""))) for c in contacts if isinstance(c, dict)]
    seen: set[str] = set()
    out = []
    for phone in phones:
        if phone.phone and phone.phone not in seen:
            seen.add(phone.phone)
            out.append(phone)
    return out


def record_action(session: Session, alarm: Alarm, *, action: str, actor: str, at: datetime, to_state: str | None = None,
                  method: str = "", note: str = "", data: dict[str, Any] | None = None) -> AlarmAction:
    row = AlarmAction(alarm_id=alarm.id, action=action, from_state=alarm.state, to_state=to_state or alarm.state,
                      actor=actor, at=at, method=method, note=note, data=data or {})
    session.add(row)
    return row


def transition(session: Session, *, alarm_id: int, action: str, actor: str, at: datetime, note: str = "",
               method: str = "") -> Alarm:
    """Move an alarm one workflow step; Conflict when the step does not apply to its state or kind."""
    alarm = get_alarm(session, alarm_id=alarm_id)
    allowed_from, to_state = TRANSITIONS[action]
    if alarm.state not in allowed_from:
        raise Conflict(
            detail=f"cannot {action.replace('_', ' ')} an alarm that is {alarm.state}",
            detail_zh=f"报警当前状态为“{STATE_NAMES_ZH[S(alarm.state)]}”，不能执行该操作",
        )
    if action == "confirm" and alarm.kind not in DECISION_KINDS:
        raise Conflict(detail=f"a {alarm.kind} alarm cannot be confirmed as a fire",
                       detail_zh="只有火警、可燃气体报警和电气火灾报警可以确认为真实警情")
    record_action(session, alarm, action=action, actor=actor, at=at, to_state=to_state, method=method, note=note)
    alarm.state = to_state
    if action == "acknowledge":
        alarm.acknowledged_at = at
    elif action == "verify":
        alarm.verified_at = at
    if to_state in TERMINAL_STATES:
        alarm.decided_at = at
        alarm.is_open = False
        alarm.closed_at = at
    session.flush()
    publish(session, updated_event(alarm, to_state if to_state in TERMINAL_STATES else action + "d"))
    if action == "confirm":
        publish(session, _fire_confirmed(session, alarm, at=at, actor=actor, note=note))
    return alarm


def _fire_confirmed(session: Session, alarm: Alarm, *, at: datetime, actor: str, note: str) -> FireConfirmed:
    unit = session.get(FireUnit, alarm.unit_id) if alarm.unit_id else None
    return FireConfirmed(
        alarm_id=alarm.id, kind=alarm.kind, region_code=alarm.region_code,
        unit_organization_id=alarm.organization_id, unit_id=alarm.unit_id, unit_name=alarm.unit_name,
        address=unit.address if unit else "", lon=alarm.lon, lat=alarm.lat,
        device_address=alarm.device_address, component=alarm.component, description=alarm.description,
        first_received_at=alarm.first_received_at.isoformat(), confirmed_at=at.isoformat(),
        confirmed_by=actor, note=note,
    )


def confirmed_notice(session: Session, alarm: Alarm) -> dict[str, Any]:
    """The 119 notice of an already confirmed alarm (for a retried forwarding)."""
    action = session.execute(select(AlarmAction).where(AlarmAction.alarm_id == alarm.id,
                                                       AlarmAction.action == "confirm")
                             .order_by(AlarmAction.id.desc())).scalars().first()
    return _fire_confirmed(session, alarm, at=alarm.decided_at or alarm.last_received_at,
                           actor=action.actor if action else "", note=action.note if action else "").payload()


def false_alarm_stats(session: Session, *, since: datetime | None, until: datetime | None,
                      region: str | None = None, limit: int = 100) -> FalseAlarmStats:
    """Decided fire-type alarms per unit and per device: how many were false, tests or confirmed."""
    conditions: list[ColumnElement[bool]] = [Alarm.kind.in_(sorted(DECISION_KINDS)), Alarm.decided_at.is_not(None)]
    if since:
        conditions.append(Alarm.first_received_at >= since)
    if until:
        conditions.append(Alarm.first_received_at < until)
    if region:
        conditions.append(in_region(Alarm.region_code, region))
    false_n = func.sum(case((Alarm.state == S.FALSE_ALARM.value, 1), else_=0)).label("false_n")
    test_n = func.sum(case((Alarm.state == S.TEST.value, 1), else_=0)).label("test_n")
    conf_n = func.sum(case((Alarm.state == S.CONFIRMED.value, 1), else_=0)).label("conf_n")
    total = func.count(Alarm.id).label("total")

    def rows(group: list[Any], by_device: bool) -> list[FalseAlarmRow]:
        stmt = (select(*group, total, false_n, test_n, conf_n).where(*conditions).group_by(*group)
                .order_by(false_n.desc(), total.desc()).limit(limit))
        out = []
        for r in session.execute(stmt).mappings():
            n, f = int(r["total"]), int(r["false_n"] or 0)
            out.append(FalseAlarmRow(
                key=str(r["point_key"]) if by_device else f"unit:{r['unit_id']}", unit_id=r["unit_id"],
                unit_name=r["unit_name"] or "", device_address=r["device_address"] if by_device else "",
                component=r["component"] if by_device else "", total=n, false_alarms=f,
                tests=int(r["test_n"] or 0), confirmed=int(r["conf_n"] or 0), false_rate=round(f / n, 4) if n else 0.0,
            ))
        return out

    return FalseAlarmStats(
        since=since, until=until, by_unit=rows([Alarm.unit_id, Alarm.unit_name], False),
        by_device=rows([Alarm.unit_id, Alarm.unit_name, Alarm.device_address, Alarm.point_key, Alarm.component],
                       True),
    )
