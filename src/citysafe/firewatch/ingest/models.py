"""What devices sent, as received: GB/T 26875.3 raw frames, IoT messages, and the readings taken from both.

High-volume machine rows (``__audited__ = False``) written with bulk statements by the ingest path and
pruned by retention.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, Index, Integer, LargeBinary, SmallInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column

from citysafe.core.db import Base, UTCDateTime
from citysafe.firewatch.bulk import BIGID


class RawFrame(Base):
    """A GB/T 26875.3 frame exactly as received, with the platform's receive time."""

    __tablename__ = "fw_raw_frame"
    __audited__ = False
    # Not unique: serials restart at 0 on every new connection and wrap at 65535, so the same
    # (address, serial, ADU) can legitimately come again later; duplicates are judged within a window.
    __table_args__ = (Index("ix_fw_raw_frame_dedup", "source_address", "serial", "adu_hash"),)

    id: Mapped[int] = mapped_column(BIGID, primary_key=True)
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

    id: Mapped[int] = mapped_column(BIGID, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    device_id: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(200))
    device_time: Mapped[datetime | None] = mapped_column(UTCDateTime())
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


class Reading(Base):
    """One measured value (pressure, leakage current, gas level …) from an IoT device or a type-3 object."""

    __tablename__ = "fw_reading"
    __audited__ = False
    # Only the readings of no frame and no message (the MQTT broker's dropped counts, ``mqtt_broker``) are
    # looked up by device. An index of every reading by device cost SQLite ~7 µs a row (each batch dirties a
    # leaf page per device), a quarter of MQTT ingest, for queries nobody runs (migration 0036).
    __table_args__ = (Index("ix_fw_reading_unlinked_device", "device_id",
                            sqlite_where=text("raw_frame_id IS NULL AND iot_message_id IS NULL"),
                            postgresql_where=text("raw_frame_id IS NULL AND iot_message_id IS NULL")),)

    id: Mapped[int] = mapped_column(BIGID, primary_key=True)
    # Not indexed: retention finds its boundary by the ids (alarms.retention.first_reading_since); the index
    # cost SQLite ~2 µs a reading inside MQTT ingest's write lock (migration 0037).
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    device_time: Mapped[datetime | None] = mapped_column(UTCDateTime())
    device_id: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[str] = mapped_column(String(40))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(20), default="")
    raw_frame_id: Mapped[int | None] = mapped_column(BigInteger)
    iot_message_id: Mapped[int | None] = mapped_column(BigInteger)
