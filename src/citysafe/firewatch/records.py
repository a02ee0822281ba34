"""What devices sent and what the centre made of it: raw frames, IoT messages, readings, point states,
alarms with their occurrences and operator actions, 119 forwardings and 查岗 checks.

Raw frames, messages, readings and point states are high-volume machine rows (``__audited__ = False``)
written with bulk statements by the ingest path. Alarms are machine-written too; the human changes to
them are ``AlarmAction`` rows, which are audited.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Table,
)
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import Mapped, mapped_column, orm_insert_sentinel

from citysafe.core.db import Base, RegionScoped, UTCDateTime
from citysafe.core.scope import OrgScoped

_BIGID = BigInteger().with_variant(Integer, "sqlite")


class RawFrame(Base):
    """A GB/T 26875.3 frame exactly as received, with the platform's receive time."""

    __tablename__ = "fw_raw_frame"
    __audited__ = False
    # Not unique: serials restart at 0 on every new connection and wrap at 65535, so the same
    # (address, serial, ADU) can legitimately come again later; duplicates are judged within a window.
    __table_args__ = (Index("ix_fw_raw_frame_dedup", "source_address", "serial", "adu_hash"),)

    id: Mapped[int] = mapped_column(_BIGID, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    source_address: Mapped[int] = mapped_column(BigInteger)
    destination_address: Mapped[int] = mapped_column(BigInteger)
    serial: Mapped[int] = mapped_column(Integer)
    command: Mapped[int] = mapped_column(SmallInteger)
    adu_type: Mapped[int | None] = mapped_column(SmallInteger)
    adu_hash: Mapped[int] = mapped_column(BigInteger)
    # The frame's own send-time label converted from China time; None when it is not a valid time.
    device_time: Mapped[datetime | None] = mapped_column(UTCDateTime())
    peer: Mapped[str] = mapped_column(String(80))
    raw: Mapped[bytes] = mapped_column(LargeBinary)


class IotMessage(Base):
    """An IoT payload (MQTT or HTTP) as received, kept for retention like raw frames."""

    __tablename__ = "fw_iot_message"
    __audited__ = False

    id: Mapped[int] = mapped_column(_BIGID, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    device_id: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(200))
    device_time: Mapped[datetime | None] = mapped_column(UTCDateTime())
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


class Reading(Base):
    """One measured value (pressure, leakage current, gas level …) from an IoT device or a type-3 object."""

    __tablename__ = "fw_reading"
    __audited__ = False
    __table_args__ = (Index("ix_fw_reading_device_time", "device_id", "received_at"),)

    id: Mapped[int] = mapped_column(_BIGID, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    device_time: Mapped[datetime | None] = mapped_column(UTCDateTime())
    device_id: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[str] = mapped_column(String(40))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(20), default="")
    raw_frame_id: Mapped[int | None] = mapped_column(BigInteger)
    iot_message_id: Mapped[int | None] = mapped_column(BigInteger)


class PointState(Base):
    """The engine's memory of one point: its active conditions and recent changes (flap detection)."""

    __tablename__ = "fw_point_state"
    __audited__ = False

    id: Mapped[int] = mapped_column(_BIGID, primary_key=True)
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

    id: Mapped[int] = mapped_column(_BIGID, primary_key=True)
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
    """One attempt to hand a confirmed fire to the 119 centre, with the delay from confirmation."""

    __tablename__ = "fw_forwarding"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alarm_id: Mapped[int] = mapped_column(ForeignKey("fw_alarm.id", ondelete="CASCADE"), index=True)
    forwarder: Mapped[str] = mapped_column(String(40))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delay_ms: Mapped[float] = mapped_column(Float)
    ok: Mapped[bool] = mapped_column(Boolean)
    reference: Mapped[str] = mapped_column(String(200), default="")
    error: Mapped[str] = mapped_column(String(500), default="")


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


def table_of(model: type[Base]) -> Table:
    """The Core table of a model: bulk statements on it skip the ORM's per-row bookkeeping."""
    return cast(Table, model.__table__)


@lru_cache(maxsize=32)
def _bind_processors(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> tuple[
        tuple[int, Callable[[Any], Any]], ...]:
    # The dialect's own type (``dialect_impl``), as SQLAlchemy would bind it: UTCDateTime becomes SQLite's
    # DATETIME text (the generic DateTime has no processor and would hand the driver a datetime).
    # Binary columns are left out: the stdlib driver takes bytes as they are, and wrapping every raw frame
    # in sqlite3.Binary (a memoryview) only costs time.
    found = ((i, table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) for i, name in enumerate(columns)
             if not isinstance(table.c[name].type, LargeBinary))
    return tuple((i, p) for i, p in found if p is not None)


def insert_numbered(connection: Connection, table: Table, columns: Sequence[str],
                    rows: Sequence[Sequence[Any]]) -> list[int]:
    """SQLite only: insert ``rows`` (values in ``columns`` order) into ``table`` with its ``id`` INTEGER
    PRIMARY KEY, and return the ids of the rows, in order.

    One prepared statement run by the driver's executemany, each value converted once the way the
    column's type would: SQLAlchemy's executemany with RETURNING re-renders and re-processes every row
    and cost several times the insert itself. Instead of RETURNING, the ids are numbered here just as
    SQLite numbers an INTEGER PRIMARY KEY (max + 1, …). That needs the write lock from the max() on,
    which ingest holds (BEGIN IMMEDIATE, core/db.py); a deferred transaction that lost a race fails on
    its stale snapshot or on the primary key instead and rolls back: ids are never matched wrongly.
    """
    assert connection.dialect.name == "sqlite", "qmark placeholders and rowid numbering are SQLite's"
    if not rows:
        return []
    first = int(connection.exec_driver_sql(f"SELECT coalesce(max(id), 0) + 1 FROM {table.name}").scalar_one())
    processors = _bind_processors(connection.dialect, table, tuple(columns))
    # Column by column, each distinct value converted once: device time labels have one-second
    # resolution and the frames of one read share their receive time, so most values of a batch repeat.
    values: list[Sequence[Any]] = [range(first, first + len(rows)), *zip(*rows, strict=True)]
    for i, process in processors:
        converted = {value: process(value) for value in set(values[i + 1])}
        values[i + 1] = [converted[value] for value in values[i + 1]]
    marks = ", ".join("?" * (len(columns) + 1))
    connection.exec_driver_sql(f"INSERT INTO {table.name} (id, {', '.join(columns)}) VALUES ({marks})",
                               list(zip(*values, strict=True)))
    return list(range(first, first + len(rows)))
