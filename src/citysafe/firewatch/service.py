"""What other domains may ask firewatch (DESIGN.md §3: only service, schemas, events, enums are public).

Risk raises a source's dynamic level from live alarms; emergency and reporting read alarms and units.
Everything here honours the session's region/organisation scope like any other query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citysafe.core.pagination import PageParams
from citysafe.core.scope import in_region
from citysafe.firewatch.alarms import workflow
from citysafe.firewatch.alarms.models import Alarm
from citysafe.firewatch.alarms.schemas import AlarmFilter, AlarmRead
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

__all__ = ["OpenAlarm", "ReceivedFrame", "ReceivedMessage", "alarm_counts_by_organization", "component_status_frame",
           "component_type_name",
           "ingest_frames", "ingest_messages", "list_alarms", "open_alarms", "registry_service", "transition_alarm"]

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
