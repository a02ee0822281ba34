"""Imported road networks: one row per import, the arrays in one .npz blob; exactly one row is in service.

A city's roads serve every division of it, so the network is not region-scoped: any reader may route on it,
only an administrator replaces it. Earlier versions stay (``in_service`` false) so a bad import never leaves
the platform without roads and an administrator can see what was replaced.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, Index, Integer, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column

from citysafe.core.db import Base, BigId, UTCDateTime


class RoadNetwork(Base):
    __tablename__ = "em_road_network"
    __table_args__ = (
        # At most one network in service: the swap clears the old flag and sets the new one in one transaction.
        Index("uq_em_road_network_in_service", "in_service", unique=True,
              sqlite_where=text("in_service"), postgresql_where=text("in_service")),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    in_service: Mapped[bool] = mapped_column(Boolean, default=False)
    source_name: Mapped[str] = mapped_column(String(255))
    source_crs: Mapped[str] = mapped_column(String(10), default="wgs84")
    generated: Mapped[bool] = mapped_column(Boolean, default=False)  # a demo grid, not real roads
    nodes: Mapped[int] = mapped_column(Integer)
    edges: Mapped[int] = mapped_column(Integer)
    min_lon: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    speeds_source: Mapped[str] = mapped_column(String(255), default="")
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    imported_by: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
