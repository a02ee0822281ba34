"""A dispatch order: one team sent to one incident, with the route and travel time it was sent on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from citysafe.core.db import Base, BigId, RegionScoped, UTCDateTime


class DispatchOrder(RegionScoped, Base):
    """调派: ``region_code`` is the incident's. The estimate is kept as it was when the order went out (the
    method says whether it came from the road network or a straight line), beside the real arrival time."""

    __tablename__ = "em_dispatch"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("em_incident.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("em_team.id"), index=True)
    team_name: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(20))  # road_network | straight_line
    eta_seconds: Mapped[float] = mapped_column(Float)
    metres: Mapped[float] = mapped_column(Float)
    route: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [[lon, lat], …] from the team to the scene
    note: Mapped[str] = mapped_column(String(500), default="")
    dispatched_at: Mapped[datetime] = mapped_column(UTCDateTime())
    dispatched_by: Mapped[str] = mapped_column(String(100))
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
