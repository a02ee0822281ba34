"""The device registry: networked units, buildings, UITDs, fire systems, components, IoT devices.

Rows carry the region and organisation of their unit (copied down) so the scope filter narrows every
query without joins. A UITD seen before it was registered has a row with ``registered = False`` and no
unit; binding it later attaches it and its past alarms (``registry.service.bind_uitd``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from citysafe.core.db import Base, RegionScoped, Timestamped, UTCDateTime
from citysafe.core.scope import OrgScoped


class FireUnit(RegionScoped, OrgScoped, Timestamped, Base):
    """A networked unit (联网单位): an organisation whose fire facilities the centre monitors."""

    __tablename__ = "fw_unit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    contact_name: Mapped[str] = mapped_column(String(50), default="")
    contact_phone: Mapped[str] = mapped_column(String(32), default="")
    # Minutes without traffic after which the unit counts as offline; None = the configured default.
    offline_minutes: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Building(RegionScoped, OrgScoped, Timestamped, Base):
    __tablename__ = "fw_building"
    __table_args__ = (UniqueConstraint("unit_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("fw_unit.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(100))
    floors_above: Mapped[int] = mapped_column(SmallInteger, default=1)
    floors_below: Mapped[int] = mapped_column(SmallInteger, default=0)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)


class Uitd(RegionScoped, OrgScoped, Timestamped, Base):
    """A user information transmission device (用户信息传输装置), known by its 6-byte address."""

    __tablename__ = "fw_uitd"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    address: Mapped[int] = mapped_column(BigInteger, unique=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("fw_unit.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(Integer, index=True)
    registered: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    vendor: Mapped[str] = mapped_column(String(100), default="")
    model: Mapped[str] = mapped_column(String(100), default="")
    description: Mapped[str] = mapped_column(String(200), default="")
    first_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    last_peer: Mapped[str] = mapped_column(String(80), default="")
    offline_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)


class FireSystem(RegionScoped, OrgScoped, Timestamped, Base):
    """A building fire facility system behind a UITD (Table 4 system type and its address)."""

    __tablename__ = "fw_fire_system"
    __table_args__ = (UniqueConstraint("uitd_id", "system_type", "system_address"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uitd_id: Mapped[int] = mapped_column(ForeignKey("fw_uitd.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(Integer, index=True)
    system_type: Mapped[int] = mapped_column(SmallInteger)
    system_address: Mapped[int] = mapped_column(SmallInteger)
    name: Mapped[str] = mapped_column(String(100), default="")


class Component(RegionScoped, OrgScoped, Timestamped, Base):
    """A component (部件): detector, manual call point, module, pump … with where it is."""

    __tablename__ = "fw_component"
    __table_args__ = (UniqueConstraint("system_id", "component_address"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("fw_fire_system.id"), index=True)
    uitd_id: Mapped[int] = mapped_column(ForeignKey("fw_uitd.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(Integer, index=True)
    component_type: Mapped[int] = mapped_column(SmallInteger)
    component_address: Mapped[int] = mapped_column(BigInteger)
    description: Mapped[str] = mapped_column(String(100), default="")
    building_id: Mapped[int | None] = mapped_column(ForeignKey("fw_building.id"), index=True)
    floor: Mapped[str] = mapped_column(String(20), default="")
    zone: Mapped[str] = mapped_column(String(50), default="")


class IotDevice(RegionScoped, OrgScoped, Timestamped, Base):
    """A fire-IoT device reporting JSON over MQTT or HTTP (docs/iot-payloads.md)."""

    __tablename__ = "fw_iot_device"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("fw_unit.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(Integer, index=True)
    registered: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("fw_building.id"))
    floor: Mapped[str] = mapped_column(String(20), default="")
    zone: Mapped[str] = mapped_column(String(50), default="")
    description: Mapped[str] = mapped_column(String(100), default="")
    vendor: Mapped[str] = mapped_column(String(100), default="")
    # Per-device overrides of config.Thresholds, e.g. {"low_mpa": 0.15}; see iot.threshold_keys.
    thresholds: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    offline_since: Mapped[datetime | None] = mapped_column(UTCDateTime())


class MaintenanceWindow(RegionScoped, OrgScoped, Timestamped, Base):
    """While a window is open, alarms of its unit (or one device) are kept but marked as maintenance."""

    __tablename__ = "fw_maintenance"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("fw_unit.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(Integer, index=True)
    device_address: Mapped[str | None] = mapped_column(String(64), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(64), default="")


class RegistryVersion(Base):
    """One row whose token changes with every registry write, in the same transaction.

    The ingest path caches the registry in process; it reads this token once per batch and drops its
    cache when the token moved, so a change made by another process (an Excel import from the CLI) is
    seen by the gateway's next batch without any cross-process messaging.
    """

    __tablename__ = "fw_registry_version"
    __audited__ = False

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[int] = mapped_column(BigInteger)


class DeviceClaim(RegionScoped, OrgScoped, Timestamped, Base):
    """A request to bind a device the requester cannot see (registry.claims), held for an office above.

    It lies in the region and organisation of the unit it names, so the offices over that unit see it
    and decide, and an enterprise sees its own requests."""

    __tablename__ = "fw_device_claim"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_kind: Mapped[str] = mapped_column(String(10))  # uitd | iot
    device_key: Mapped[str] = mapped_column(String(64), index=True)  # the UITD address (decimal) or IoT id
    unit_id: Mapped[int] = mapped_column(ForeignKey("fw_unit.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)  # pending|approved|rejected
    requested_by: Mapped[str] = mapped_column(String(64))
    requester_role: Mapped[str] = mapped_column(String(32))
    decided_by: Mapped[str] = mapped_column(String(64), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    alarms_attached: Mapped[int] = mapped_column(Integer, default=0)
    # Why the office decided as it did (a rejection tells the claimant what to do next).
    decision_note: Mapped[str] = mapped_column(String(200), default="", server_default="")
