"""Administrative divisions (province → city → district → street → community) and grids."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Float, String
from sqlalchemy.orm import Mapped, mapped_column, synonym

from citysafe.core.db import Base, RegionScoped


class Region(RegionScoped, Base):
    __tablename__ = "region"
    __audited__ = False  # reference data, bulk-loaded; its imports are logged instead

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(20), index=True)
    parent_code: Mapped[str | None] = mapped_column(String(20), index=True)
    # WGS84 GeoJSON geometry; None where no boundary was imported (streets and communities by default).
    boundary: Mapped[dict[str, Any] | None] = mapped_column(JSON, deferred=True)
    centroid_lon: Mapped[float | None] = mapped_column(Float)
    centroid_lat: Mapped[float | None] = mapped_column(Float)
    min_lon: Mapped[float | None] = mapped_column(Float)
    min_lat: Mapped[float | None] = mapped_column(Float)
    max_lon: Mapped[float | None] = mapped_column(Float)
    max_lat: Mapped[float | None] = mapped_column(Float)
    boundary_source: Mapped[str | None] = mapped_column(String(200))

    # The scope filter reads ``region_code``; a division's own code is its region.
    region_code: Mapped[str] = synonym("code")
