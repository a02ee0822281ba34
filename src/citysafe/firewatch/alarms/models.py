"""The alarm engine's tables: point states, alarms with their occurrences and operator actions, 119
forwardings and 查岗 checks.

Point states and occurrences are high-volume machine rows (``__audited__ = False``) written with bulk
statements by the ingest path. Alarms are machine-written too; the human changes to them are
``AlarmAction`` rows, which are audited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column, orm_insert_sentinel

from citysafe.core.db import Base, RegionScoped, UTCDateTime
from citysafe.core.scope import OrgScoped
from citysafe.firewatch.bulk import BIGID


class PointState(Base):
    """The engine's memory of one point: its active conditions and recent changes (flap detection)."""

    __tablename__ = "fw_point_state"
    __audited__ = False

    id: Mapped[int] = mapped_column(BIGID, primary_key=True)
    point_key: Mapped[str] = mapped_column(String(120), unique=True)
    active: Mapped[list[str]] = mapped_column(JSON, default=list)
    changes: Mapped[list[list[Any]]] = mapped_column(JSON, default=list)
    flapping: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Alarm(RegionScoped, OrgScoped, Base):
    """One alarm of one point and kind; re-occurrences while it is open count in ``occurrences``."""

    __tablename__ = "fw_alarm"
    __audited__ = False
    __table_args__ = (
        Index("ix_fw_alarm_open_point", "point_key", "kind", "is_open"),
        Index("ix_fw_alarm_zone", "zone_key", "kind", "is_open"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Lets SQLite return the ids of a batch of new alarms from one multi-row INSERT (SQLAlchemy's
    # "insertmanyvalues" needs a client-side sentinel there; without it the flush inserts row by row).
    _sentinel: Mapped[int | None] = orm_insert_sentinel()
    point_key: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    cause: Mapped[str] = mapped_column(String(40), default="")
    state: Mapped[str] = mapped_column(String(20), index=True)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    source: Mapped[str] = mapped_column(String(20))
    device_address: Mapped[str] = mapped_column(String(64), index=True)
    uitd_address: Mapped[int | None] = mapped_column(BigInteger, index=True)
    iot_device_id: Mapped[str | None] = mapped_column(String(64))
    unit_id: Mapped[int | None] = mapped_column(Integer, index=True)
    organization_id: Mapped[int | None] = mapped_column(Integer, index=True)
    unit_name: Mapped[str] = mapped_column(String(200), default="")
    unregistered: Mapped[bool] = mapped_column(Boolean, default=False)
    system_type: Mapped[int | None] = mapped_column(SmallInteger)
    system_address: Mapped[int | None] = mapped_column(SmallInteger)
    component_type: Mapped[int | None] = mapped_column(SmallInteger)
    component_address: Mapped[int | None] = mapped_column(BigInteger)
    component_id: Mapped[int | None] = mapped_column(Integer)
    component: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(String(200), default="")
    zone_key: Mapped[str | None] = mapped_column(String(120))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    corroborated: Mapped[bool] = mapped_column(Boolean, default=False)
    flapping: Mapped[bool] = mapped_column(Boolean, default=False)
    maintenance: Mapped[bool] = mapped_column(Boolean, default=False)
    test_mode: Mapped[bool] = mapped_column(Boolean, default=False)
    first_received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    last_received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    device_time: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_device_time: Mapped[datetime | None] = mapped_column(UTCDateTime())
    raw_frame_id: Mapped[int | None] = mapped_column(BigInteger)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalation_level: Mapped[int] = mapped_column(SmallInteger, default=0)
    escalated_region_code: Mapped[str | None] = mapped_column(String(20))
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    overdue_reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AlarmOccurrence(Base):
    """Each report that raised, re-raised or cleared an alarm, pointing at what the device sent."""

    __tablename__ = "fw_alarm_occurrence"
    __audited__ = False

    id: Mapped[int] = mapped_column(BIGID, primary_key=True)
    alarm_id: Mapped[int] = mapped_column(ForeignKey("fw_alarm.id", ondelete="CASCADE"), index=True)
    change: Mapped[str] = mapped_column(String(10))  # raise | occur | clear
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    device_time: Mapped[datetime | None] = mapped_column(UTCDateTime())
    raw_frame_id: Mapped[int | None] = mapped_column(BigInteger)
    iot_message_id: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[int | None] = mapped_column(Integer)
    value: Mapped[float | None] = mapped_column(Float)
    description: Mapped[str] = mapped_column(String(200), default="")


class AlarmAction(Base):
    """What an operator (or the timer) did to an alarm; audited like every human change."""

    __tablename__ = "fw_alarm_action"
    # Audited in the alarm's region (core.audit), so the alarm's offices see what was done to it.
    __audit_region_from__ = ("alarm_id", "fw_alarm")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alarm_id: Mapped[int] = mapped_column(ForeignKey("fw_alarm.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    method: Mapped[str] = mapped_column(String(10), default="")
    note: Mapped[str] = mapped_column(String(1000), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Forwarding(Base):
    """One attempt to hand a confirmed fire to the 119 centre, or the operator's call to it, with the delay
    from confirmation. ``status``: sent | failed | manual_pending | manual_done (alarms/forwarding.py)."""

    __tablename__ = "fw_forwarding"
    __audit_region_from__ = ("alarm_id", "fw_alarm")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alarm_id: Mapped[int] = mapped_column(ForeignKey("fw_alarm.id", ondelete="CASCADE"), index=True)
    forwarder: Mapped[str] = mapped_column(String(40))  # log, webhook; phone for a recorded call
    status: Mapped[str] = mapped_column(String(20))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())  # the attempt, or when the operator called
    delay_ms: Mapped[float] = mapped_column(Float)
    reference: Mapped[str] = mapped_column(String(200), default="")  # the link's id; 119's 接警员 on a call
    error: Mapped[str] = mapped_column(String(500), default="")
    called_by: Mapped[str] = mapped_column(String(100), default="")  # who phoned 119 (manual_done)
    note: Mapped[str] = mapped_column(String(500), default="")

    @property
    def ok(self) -> bool:
        """119 has it: the link accepted it or the operator phoned."""
        return self.status in ("sent", "manual_done")


class DutyCheck(Base):
    """A 查岗 (type 91) sent to a UITD and the operator's reply (type 24, bit 5) when it came."""

    __tablename__ = "fw_duty_check"
    __audited__ = False

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uitd_address: Mapped[int] = mapped_column(BigInteger, index=True)
    serial: Mapped[int | None] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    timeout_minutes: Mapped[int] = mapped_column(SmallInteger)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reply_device_time: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reply_raw_frame_id: Mapped[int | None] = mapped_column(BigInteger)
    reply_seconds: Mapped[float | None] = mapped_column(Float)
    operator: Mapped[int | None] = mapped_column(SmallInteger)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
