"""Risk sources, their assessments, the live factors that raise their level, imports and white papers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from citysafe.core.db import Base, RegionScoped, Timestamped, UTCDateTime
from citysafe.core.scope import OrgScoped

#: H3 resolutions stored with every source at write time (the map API's usual requests); others are
#: computed on the fly.
H3_RESOLUTIONS = (6, 7, 8, 9)


class RiskSource(RegionScoped, OrgScoped, Timestamped, Base):
    """A risk source (风险源/风险点): a firm, a venue, a pipeline, a waterlogging point …"""

    __tablename__ = "risk_source"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    category: Mapped[str] = mapped_column(String(20), index=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    geometry_type: Mapped[str] = mapped_column(String(10))
    # WGS84 GeoJSON geometry; lon/lat is a point on it (a representative point of lines and areas).
    geometry: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    h3_r6: Mapped[str] = mapped_column(String(16))
    h3_r7: Mapped[str] = mapped_column(String(16))
    h3_r8: Mapped[str] = mapped_column(String(16))
    h3_r9: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(300), default="")
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    responsible_unit: Mapped[str] = mapped_column(String(200), default="")
    supervising_department: Mapped[str] = mapped_column(String(100), default="")
    # The level the latest assessments give (就高 over methods) and the level after live factors.
    assessed_level: Mapped[str | None] = mapped_column(String(10), index=True)
    current_level: Mapped[str | None] = mapped_column(String(10), index=True)
    level_reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    assessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="active", index=True)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("risk_import.id"))


class RiskAssessment(RegionScoped, OrgScoped, Base):
    """One assessment of a source: method, version, preset, inputs, result, assessor and time."""

    __tablename__ = "risk_assessment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("risk_source.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int | None] = mapped_column(Integer, index=True)
    method: Mapped[str] = mapped_column(String(20), index=True)
    version: Mapped[str] = mapped_column(String(20))
    preset: Mapped[str | None] = mapped_column(String(10))
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    level: Mapped[str | None] = mapped_column(String(10))
    assessor: Mapped[str] = mapped_column(String(64))
    assessor_name: Mapped[str] = mapped_column(String(100), default="")
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    note: Mapped[str] = mapped_column(String(500), default="")


class RiskFactor(RegionScoped, Base):
    """A live condition raising sources' levels: an open hazard ticket or an active alarm.

    It applies to every source of ``organization_id`` or, for a report with no organisation, to the
    nearest source (``source_id``) found when it arrived. ``cleared_at`` set means it no longer applies.
    """

    __tablename__ = "risk_factor"
    __table_args__ = (UniqueConstraint("kind", "ref_id"),)
    __audited__ = False  # mirrors other domains' audited tickets and alarms, which can be many

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # hazard | alarm
    ref_id: Mapped[str] = mapped_column(String(64))
    subkind: Mapped[str] = mapped_column(String(20))  # general | major | fire | fault …
    organization_id: Mapped[int | None] = mapped_column(Integer, index=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("risk_source.id", ondelete="SET NULL"), index=True)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)


class RiskImport(RegionScoped, Base):
    """One accepted import file, so every imported source can be traced to its file and importer."""

    __tablename__ = "risk_import"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    file_format: Mapped[str] = mapped_column(String(10))
    crs: Mapped[str] = mapped_column(String(10))
    rows: Mapped[int] = mapped_column(Integer)
    created: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    assessed: Mapped[int] = mapped_column(Integer)
    imported_by: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RiskReport(RegionScoped, Base):
    """A built white paper: its region and year, the parameters it was built with, its files."""

    __tablename__ = "risk_report"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="whitepaper")
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    directory: Mapped[str] = mapped_column(String(500))
    files: Mapped[dict[str, str]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RiskVersion(Base):
    """A counter per county, bumped in the transaction of every change to its sources.

    Map requests compare the counters of their region with those of a cached result, so a city map is
    served from memory until a source in the city changes, by any process, and never after.
    """

    __tablename__ = "risk_version"
    __audited__ = False

    county: Mapped[str] = mapped_column(String(6), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
