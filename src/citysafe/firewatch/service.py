"""What other domains may ask firewatch (DESIGN.md §3: only service, schemas, events, enums are public).

Risk raises a source's dynamic level from live alarms; emergency and reporting read alarms and units.
Everything here honours the session's region/organisation scope like any other query.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from citysafe.core.cache import memo
from citysafe.core.events import newest_event_id_query
from citysafe.core.geo import BoundingBox, MapPoint
from citysafe.core.pagination import PageParams
from citysafe.core.scope import in_region
from citysafe.firewatch.alarms import forwarding, workflow
from citysafe.firewatch.alarms.models import Alarm
from citysafe.firewatch.alarms.schemas import AlarmFilter, AlarmRead
from citysafe.firewatch.enums import DECISION_KINDS, AlarmKind, AlarmState
from citysafe.firewatch.ingest.iot_store import ReceivedMessage, ingest_messages
from citysafe.firewatch.ingest.service import ReceivedFrame, ingest_frames
from citysafe.firewatch.protocols.gb26875 import (
    ComponentStatus,
    DeviceTime,
    build_upload,
    decode_frame,
    encode_description,
    encode_frame,
)
from citysafe.firewatch.protocols.gb26875.tables import component_type_name
from citysafe.firewatch.registry import service as registry_service
from citysafe.firewatch.registry.models import FireUnit, Uitd

__all__ = [
    "SHIFT_CHANGES",
    "AlarmDigest",
    "OpenAlarm",
    "QueuedAlarm",
    "ReceivedFrame",
    "ReceivedMessage",
    "alarm_counts_by_organization",
    "alarm_digest",
    "alarms_version",
    "component_status_frame",
    "component_type_name",
    "ingest_frames",
    "ingest_messages",
    "list_alarms",
    "open_alarm_counts_by_child",
    "open_alarms",
    "record_119_call",
    "registry_service",
    "shift_start",
    "transition_alarm",
    "units_in_box",
]

CHINA_OFFSET = timedelta(hours=8)  # device clocks run on Beijing time (GB/T 26875.3 time labels carry no zone)


@dataclass(frozen=True)
class OpenAlarm:
    alarm_id: int
    kind: str
    state: str
    region_code: str
    organization_id: int | None
    unit_id: int | None
    lon: float | None
    lat: float | None
    first_received_at: datetime
    corroborated: bool


def open_alarms(session: Session, *, region: str | None = None, kinds: set[str] | None = None,
                limit: int = 5000) -> list[OpenAlarm]:
    """Open alarms (newest first), optionally within a region and of some kinds."""
    stmt = select(Alarm).where(Alarm.is_open.is_(True)).order_by(Alarm.first_received_at.desc()).limit(limit)
    if region:
        stmt = stmt.where(in_region(Alarm.region_code, region))
    if kinds:
        stmt = stmt.where(Alarm.kind.in_(sorted(kinds)))
    return [OpenAlarm(a.id, a.kind, a.state, a.region_code, a.organization_id, a.unit_id, a.lon, a.lat,
                      a.first_received_at, a.corroborated) for a in session.execute(stmt).scalars()]


def alarm_counts_by_organization(session: Session, *, since: datetime, kinds: set[str] | None = None,
                                 open_only: bool = False) -> dict[int, int]:
    """Alarms per owning organisation since ``since`` (unregistered devices have none and are left out)."""
    stmt = (select(Alarm.organization_id, func.count(Alarm.id)).where(Alarm.organization_id.is_not(None),
                                                                      Alarm.first_received_at >= since)
            .group_by(Alarm.organization_id))
    if kinds:
        stmt = stmt.where(Alarm.kind.in_(sorted(kinds)))
    if open_only:
        stmt = stmt.where(Alarm.is_open.is_(True))
    return {int(org): int(n) for org, n in session.execute(stmt).all()}


def list_alarms(session: Session, *, filters: AlarmFilter, params: PageParams) -> tuple[list[AlarmRead], int]:
    items, total = workflow.list_alarms(session, filters=filters, params=params)
    return workflow.alarm_reads(session, items), total


def transition_alarm(session: Session, *, alarm_id: int, action: str, actor: str, at: datetime,
                     note: str = "") -> AlarmRead:
    """One workflow step of an alarm (acknowledge, verify, confirm, false_alarm …) by ``actor`` at ``at``."""
    return AlarmRead.model_validate(workflow.transition(session, alarm_id=alarm_id, action=action, actor=actor,
                                                        at=at, note=note))


def record_119_call(session: Session, *, alarm_id: int, called_by: str, called_at: datetime, answered_by: str,
                    actor: str, now: datetime, note: str = "") -> None:
    """The operator phoned 119 about confirmed fire ``alarm_id`` (alarms.forwarding.record_call)."""
    forwarding.record_call(session, alarm_id=alarm_id, called_by=called_by, called_at=called_at,
                           answered_by=answered_by, note=note, actor=actor, now=now)


def component_status_frame(*, source: int, destination: int, serial: int, at: datetime, system_type: int,
                           system_address: int, component_type: int, component_address: int, status: int,
                           peer: str) -> ReceivedFrame:
    """A GB/T 26875.3 upload of one component's status, as the UITD at ``source`` would have sent it at ``at``
    (aware): encoded, decoded back and ready for ``ingest_frames`` (replays and the demo city)."""
    local = at.astimezone(UTC).replace(tzinfo=None) + CHINA_OFFSET
    obj = ComponentStatus(system_type, system_address, component_type, component_address, status,
                          encode_description(""), DeviceTime.of(local))
    raw = encode_frame(build_upload(2, [obj], serial=serial, source=source, destination=destination, sent=local))
    return ReceivedFrame(raw=raw, frame=decode_frame(raw), peer=peer, received_at=at)


# The monitoring centre's duty shifts change at 08:00 and 20:00 local time (a day and a night shift).
SHIFT_CHANGES = (time(8, 0), time(20, 0))


def shift_start(now: datetime, timezone: str) -> datetime:
    """When the shift on duty at ``now`` (aware) began: the latest 08:00 or 20:00 in ``timezone`` not after it."""
    local = now.astimezone(ZoneInfo(timezone))
    starts = [datetime.combine(local.date() - timedelta(days=back), change, tzinfo=local.tzinfo)
              for back in (0, 1) for change in SHIFT_CHANGES]
    return max(s for s in starts if s <= local).astimezone(UTC)


@dataclass(frozen=True)
class QueuedAlarm:
    alarm_id: int
    kind: str
    state: str
    unit_name: str
    component: str
    description: str
    region_code: str
    first_received_at: datetime
    occurrences: int


@dataclass(frozen=True)
class AlarmDigest:
    """An operator's queue and shift: alarms nobody has taken yet (fires, gas and electrical alarms before
    faults), how many are open by kind, and what the shift since ``since`` received and decided."""

    unacknowledged: list[QueuedAlarm]
    unacknowledged_total: int
    open_by_kind: dict[str, int]
    received_by_kind: dict[str, int]
    decided_by_state: dict[str, int]
    since: datetime


def alarm_digest(session: Session, *, since: datetime, limit: int = 8) -> AlarmDigest:
    """Three queries: the open alarms grouped by kind and state (the ``is_open`` index), the shift's alarms
    grouped by kind and state (``first_received_at``), and the first ``limit`` of the unacknowledged."""
    open_rows = session.execute(select(Alarm.kind, Alarm.state, func.count()).where(Alarm.is_open.is_(True))
                                .group_by(Alarm.kind, Alarm.state)).all()
    open_by_kind: Counter[str] = Counter()
    waiting = 0
    for kind, state, n in open_rows:
        open_by_kind[kind] += int(n)
        waiting += int(n) if state == AlarmState.NEW.value else 0
    received: Counter[str] = Counter()
    decided: Counter[str] = Counter()
    for kind, state, n in session.execute(select(Alarm.kind, Alarm.state, func.count())
                                          .where(Alarm.first_received_at >= since).group_by(Alarm.kind, Alarm.state)):
        received[kind] += int(n)
        decided[state] += int(n)
    urgency = case(dict.fromkeys(sorted(DECISION_KINDS), 0) | {AlarmKind.FAULT.value: 1}, value=Alarm.kind, else_=2)
    queue = (select(Alarm.id, Alarm.kind, Alarm.state, Alarm.unit_name, Alarm.component, Alarm.description,
                    Alarm.region_code, Alarm.first_received_at, Alarm.occurrences)
             .where(Alarm.is_open.is_(True), Alarm.state == AlarmState.NEW.value)
             .order_by(urgency, Alarm.first_received_at.desc(), Alarm.id.desc()).limit(limit))
    return AlarmDigest(
        unacknowledged=[QueuedAlarm(*row) for row in session.execute(queue)], unacknowledged_total=waiting,
        open_by_kind=dict(open_by_kind), received_by_kind=dict(received), since=since,
        decided_by_state={s: n for s, n in decided.items() if s in {AlarmState.CONFIRMED.value,
                                                                     AlarmState.FALSE_ALARM.value,
                                                                     AlarmState.TEST.value}})


def alarms_version(session: Session) -> tuple[int, int]:
    """A version of the alarms, for answers kept while none changed: every change to an alarm — raised, a
    new occurrence, cleared, a workflow step, reminded, escalated, settled — publishes its event in the same
    transaction (alarms/store.py, workflow.py, timers.py, presence.py), so the newest event moves with it;
    the newest alarm id besides, for rows written without the engine (imports, tests). Coarse (other
    domains' events move it too) but two index steps in one statement, read once per request."""
    def read() -> tuple[int, int]:
        event_id, alarm_id = session.execute(select(newest_event_id_query(), select(func.max(Alarm.id))
                                                    .scalar_subquery())).one()
        return int(event_id or 0), int(alarm_id or 0)

    return memo(session, "firewatch.alarms_version", read)


def open_alarm_counts_by_child(session: Session, *, prefix_length: int) -> dict[str, int]:
    """Open alarms per child region, keyed by the first ``prefix_length`` digits of their region code."""
    child = func.substr(Alarm.region_code, 1, prefix_length)
    stmt = select(child, func.count()).where(Alarm.is_open.is_(True)).group_by(child)
    return {str(code): int(n) for code, n in session.execute(stmt)}


def units_in_box(session: Session, *, box: BoundingBox) -> list[MapPoint]:
    """Active networked units placed in ``box``, in the session's scope (for other domains' maps)."""
    rows = session.execute(select(FireUnit.id, FireUnit.name, FireUnit.lon, FireUnit.lat)
                           .where(FireUnit.active.is_(True), FireUnit.lon.between(box.west, box.east),
                                  FireUnit.lat.between(box.south, box.north)))
    return [MapPoint(id=row.id, name=row.name, lon=row.lon, lat=row.lat) for row in rows]


def evaluation_figures(session: Session, *, region_code: str, start: datetime, end: datetime,
                       limit: int = 10) -> dict[str, dict[str, object]]:
    """For the evaluation domain's evidence (issue #14 point 4), read-only: the region's active networked units
    and those online now (a registered transmission device heard from and not offline); fire alarms received in
    [start, end) and those handled (closed by an operator's decision). Each: {"count", "records": [(id, label)]}."""
    def listed(stmt_count: Any, stmt_rows: Any) -> dict[str, object]:
        count = int(session.scalar(stmt_count) or 0)
        rows = session.execute(stmt_rows).all()
        return {"count": count, "records": [(int(r[0]), str(r[1])) for r in rows]}

    units = [FireUnit.active.is_(True), in_region(FireUnit.region_code, region_code)]
    online = [*units, FireUnit.id.in_(select(Uitd.unit_id).where(
        Uitd.registered.is_(True), Uitd.last_seen_at.is_not(None), Uitd.offline_since.is_(None)))]
    fires = [Alarm.kind == AlarmKind.FIRE.value, in_region(Alarm.region_code, region_code),
             Alarm.first_received_at >= start, Alarm.first_received_at < end]
    handled = [*fires, Alarm.state.in_([s.value for s in DECISION_STATES])]
    out = {}
    for key, model, label, conditions in (("units", FireUnit, FireUnit.name, units),
                                          ("units_online", FireUnit, FireUnit.name, online),
                                          ("fire_alarms", Alarm, Alarm.unit_name, fires),
                                          ("fire_alarms_handled", Alarm, Alarm.unit_name, handled)):
        out[key] = listed(select(func.count()).select_from(model).where(*conditions),
                          select(model.id, label).where(*conditions).order_by(model.id.desc()).limit(limit))
    return out


DECISION_STATES = (AlarmState.CONFIRMED, AlarmState.FALSE_ALARM, AlarmState.TEST)
