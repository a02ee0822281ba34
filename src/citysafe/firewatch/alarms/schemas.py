"""API shapes of alarms, their workflow and statistics (registry shapes: registry.schemas)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

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


class AlarmFilter(BaseModel):
    state: AlarmState | None = None
    kind: AlarmKind | None = None
    region: str | None = None
    unit: int | None = Field(default=None, description="networked unit id")
    device: str | None = Field(default=None, description="device address (UITD decimal) or IoT device id")
    open: bool | None = None
    since: datetime | None = Field(default=None, description="first received at or after")
    until: datetime | None = Field(default=None, description="first received before")


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
    model_config = ConfigDict(from_attributes=True)

    id: int
    forwarder: str
    confirmed_at: datetime
    sent_at: datetime
    delay_ms: float
    ok: bool
    reference: str
    error: str


class AlarmDetail(AlarmRead):
    raw_frame_hex: str | None = None
    decoded: dict[str, Any] | None = None
    occurrences_list: list[OccurrenceRead] = Field(default_factory=list)
    actions: list[ActionRead] = Field(default_factory=list)
    forwardings: list[ForwardingRead] = Field(default_factory=list)


class NoteIn(BaseModel):
    note: str = Field(default="", max_length=1000)


class VerifyIn(BaseModel):
    method: VerifyMethod
    note: str = Field(min_length=1, max_length=1000, description="what the video showed / who was called")


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
