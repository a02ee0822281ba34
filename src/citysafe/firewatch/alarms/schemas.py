"""API shapes of alarms, their workflow and statistics (registry shapes: registry.schemas)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from citysafe.core.bounds import NonBlankText, RowId, SaneDatetime
from citysafe.core.clock import SHANGHAI
from citysafe.firewatch.enums import AlarmKind, AlarmState, VerifyMethod


class AlarmRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    cause: str
    state: str
    is_open: bool
    source: str
    region_code: str
    unit_id: int | None
    organization_id: int | None
    unit_name: str
    unregistered: bool
    device_address: str
    uitd_address: int | None
    iot_device_id: str | None
    system_type: int | None
    system_address: int | None
    component_type: int | None
    component_address: int | None
    component_id: int | None
    component: str
    description: str
    lon: float | None
    lat: float | None
    occurrences: int
    corroborated: bool
    flapping: bool
    maintenance: bool
    test_mode: bool
    # The platform's receive times and the device's own clock, kept apart: device time may be null
    # (an all-zero or impossible label) or years off.
    first_received_at: datetime
    last_received_at: datetime
    device_time: datetime | None
    last_device_time: datetime | None
    cleared_at: datetime | None
    closed_at: datetime | None
    acknowledged_at: datetime | None
    verified_at: datetime | None
    decided_at: datetime | None
    escalation_level: int
    escalated_region_code: str | None
    forward_status: str | None = Field(
        default=None, description="the 119 hand-over of a confirmed fire: sent | failed | manual_pending | "
                                  "manual_done; None before any attempt")


class AlarmFilter(BaseModel):
    state: AlarmState | None = None
    kind: AlarmKind | None = None
    region: str | None = None
    unit: RowId | None = Field(default=None, description="networked unit id")
    device: str | None = Field(default=None, description="device address (UITD decimal) or IoT device id")
    open: bool | None = None
    since: SaneDatetime | None = Field(default=None, description="first received at or after")
    until: SaneDatetime | None = Field(default=None, description="first received before")


class OccurrenceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    change: str
    received_at: datetime
    device_time: datetime | None
    status: int | None
    value: float | None
    description: str
    raw_frame_id: int | None
    iot_message_id: int | None
    frame_hex: str | None = None
    peer: str | None = None
    decoded: dict[str, Any] | None = None
    payload: dict[str, Any] | None = None


class ActionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    action: str
    from_state: str
    to_state: str
    actor: str
    at: datetime
    method: str
    note: str
    data: dict[str, Any]


class ForwardingRead(BaseModel):
    """One 119 attempt, or the operator's recorded call (``forwarder`` ``phone``, ``status`` manual_done)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    forwarder: str
    status: str = Field(description="sent | failed | manual_pending (待人工电话转警) | manual_done")
    confirmed_at: datetime
    sent_at: datetime = Field(description="when it was attempted, or when the operator called 119")
    delay_ms: float = Field(description="sent_at − confirmed_at")
    ok: bool = Field(description="119 has it: sent or manual_done")
    reference: str = Field(description="the link's reference; on a call, 119's answer / 接警员")
    error: str
    called_by: str
    note: str


class UnitPhone(BaseModel):
    """A number to phone the alarm's unit on: its registered contact, the organisation's contacts."""

    name: str
    role: str
    phone: str


class ManualForwardIn(BaseModel):
    """The operator phoned 119 about a confirmed fire (人工电话转警)."""

    called_by: str = Field(default="", max_length=100, description="who phoned; empty: the operator recording it")
    called_at: SaneDatetime | None = Field(default=None, description="when; default now. Without a zone: China time. "
                                       "Not in the future, not before the confirmation")
    answered_by: NonBlankText = Field(max_length=200, description="119's answer: the 接警员 (name or number)")
    note: str = Field(default="", max_length=500)

    @field_validator("called_at")
    @classmethod
    def _zone(cls, value: datetime | None) -> datetime | None:
        return value.replace(tzinfo=SHANGHAI) if value is not None and value.tzinfo is None else value

    @field_validator("called_by", "answered_by", "note")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class AlarmDetail(AlarmRead):
    raw_frame_hex: str | None = None
    decoded: dict[str, Any] | None = None
    occurrences_list: list[OccurrenceRead] = Field(default_factory=list)
    actions: list[ActionRead] = Field(default_factory=list)
    forwardings: list[ForwardingRead] = Field(default_factory=list)
    unit_phones: list[UnitPhone] = Field(default_factory=list, description="whom to phone at the unit")


class NoteIn(BaseModel):
    note: str = Field(default="", max_length=1000)


class VerifyIn(BaseModel):
    method: VerifyMethod
    note: NonBlankText = Field(max_length=1000, description="what the video showed / who was called")


class FalseAlarmRow(BaseModel):
    key: str
    unit_id: int | None
    unit_name: str
    device_address: str
    component: str
    total: int
    false_alarms: int
    tests: int
    confirmed: int
    false_rate: float


class FalseAlarmStats(BaseModel):
    since: datetime | None
    until: datetime | None
    by_unit: list[FalseAlarmRow]
    by_device: list[FalseAlarmRow]


class DutyCheckRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    uitd_address: int
    serial: int | None
    sent_at: datetime
    timeout_minutes: int
    replied_at: datetime | None
    reply_device_time: datetime | None
    reply_seconds: float | None
    operator: int | None
    late: bool


class PointStateRead(BaseModel):
    """A point's current conditions: fire, fault, supervisory, shielded, started, feedback … (empty = normal)."""

    model_config = ConfigDict(from_attributes=True)

    point_key: str
    active: list[str]
    flapping: list[str]
    status: int | None
    updated_at: datetime


class BriefingUnit(BaseModel):
    id: int
    name: str
    address: str
    contact_name: str
    contact_phone: str


class AlarmPlace(BaseModel):
    """Where the alarming point is, as the registry knows it (empty parts are unknown)."""

    label: str = Field(description="the alarm's own place text, as listed on the board")
    building: str = ""
    floor: str = ""
    zone: str = ""
    point: str = Field(default="", description="the point's description, e.g. 1回路3号光电感烟")
    device_type: str = Field(default="", description="component type (GB/T 26875.3 Table 5) or IoT kind, in Chinese")


class NearbyUnit(BaseModel):
    id: int
    name: str
    address: str
    distance_m: int
    contact_name: str
    contact_phone: str
    open_kinds: list[str] = Field(description="kinds of the alarms open there now")


class FalseAlarmItem(BaseModel):
    alarm_id: int
    decided_at: datetime
    kind: str
    component: str
    note: str


class FalseAlarmHistory(BaseModel):
    last_30_days: int = 0
    last_90_days: int = 0
    decided_90_days: int = Field(default=0, description="fire, gas and electrical alarms decided in 90 days")
    recent: list[FalseAlarmItem] = Field(default_factory=list)


class AlarmBriefing(BaseModel):
    """What the operator acts on beside the alarm: its place, the unit, nearby units, false-alarm history."""

    alarm_id: int
    unit: BriefingUnit | None
    place: AlarmPlace
    nearby_radius_m: int
    nearby: list[NearbyUnit]
    false_alarms: FalseAlarmHistory
