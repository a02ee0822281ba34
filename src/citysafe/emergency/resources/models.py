"""Tables of the resource registry: teams and their status history, depots, stock lines, agreements
(the experts moved to the think tank, ``knowledge.thinktank``, in migration 0031).

Every table is region-scoped (``region_code`` of the team, the depot), child rows too (a stock line
and a status change copy their parent's region), so the scope filter keeps each district to its own in every
query, the dispatch engine's included.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from citysafe.core.db import Base, BigId, RegionScoped, Timestamped, UTCDateTime


class Team(RegionScoped, Timestamped, Base):
    """A rescue force: a fire station, a 综合性消防救援队伍, a professional base, an enterprise or social team."""

    __tablename__ = "em_team"
    __table_args__ = (Index("ix_em_team_board", "status", "kind"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    specialty: Mapped[str] = mapped_column(String(30), default="")  # professional bases only
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="SET NULL"))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    address: Mapped[str] = mapped_column(String(300), default="")
    headcount: Mapped[int] = mapped_column(Integer, default=0)
    # [{"name": "水罐消防车", "count": 2}, ...]
    equipment: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    contact_name: Mapped[str] = mapped_column(String(50), default="")
    contact_phone: Mapped[str] = mapped_column(String(30), default="")
    status: Mapped[str] = mapped_column(String(20), default="available")
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("em_incident.id", ondelete="SET NULL"))
    status_since: Mapped[datetime] = mapped_column(UTCDateTime())


class TeamStatusChange(RegionScoped, Base):
    """One move of a team's status, who made it and for which incident (the history the board shows)."""

    __tablename__ = "em_team_status"
    __table_args__ = (Index("ix_em_team_status_team", "team_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("em_team.id", ondelete="CASCADE"))
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("em_incident.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(String(500), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class Depot(RegionScoped, Timestamped, Base):
    """A supply depot (应急物资储备库)."""

    __tablename__ = "em_depot"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    level: Mapped[str] = mapped_column(String(20))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    address: Mapped[str] = mapped_column(String(300), default="")
    keeper: Mapped[str] = mapped_column(String(50), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")


class StockLine(RegionScoped, Timestamped, Base):
    """Stock of one item in a depot: GB/T 38565-2020 code, unit, quantity, expiry (batches differing in expiry
    are separate lines)."""

    __tablename__ = "em_stock"
    __table_args__ = (UniqueConstraint("depot_id", "code", "expires_on", name="uq_em_stock_batch"),
                      Index("ix_em_stock_code", "code"), Index("ix_em_stock_expiry", "expires_on"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    depot_id: Mapped[int] = mapped_column(ForeignKey("em_depot.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(7))
    name: Mapped[str] = mapped_column(String(100))
    unit: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[int] = mapped_column(Integer)
    expires_on: Mapped[date | None] = mapped_column(Date)


class Agreement(RegionScoped, Timestamped, Base):
    """An agreement reserve (协议储备, 突发事件应对法 2024 第四十五、四十六条): a supplier commits quantities of items,
    delivered within ``response_hours``, while the agreement is valid."""

    __tablename__ = "em_agreement"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(200))
    # [{"code": "1010101", "name": "棉被", "unit": "床", "quantity": 2000}, ...]
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    response_hours: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
