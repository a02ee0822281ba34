"""Grid officers and the places grids look after. The grids themselves are ``region`` rows (level "grid")."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from citysafe.core.db import Base, RegionScoped, Timestamped
from citysafe.core.scope import OrgScoped


class GridOfficer(RegionScoped, Timestamped, Base):
    """A user serving a grid (``region_code`` is the grid's code); one user may serve several grids."""

    __tablename__ = "grid_officer"
    __table_args__ = (UniqueConstraint("region_code", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(32), default="")


class HazardPlace(RegionScoped, OrgScoped, Timestamped, Base):
    """A place to inspect (a shop, a rental building, a site), in the grid that covers its location."""

    __tablename__ = "hazard_place"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    place_type: Mapped[str] = mapped_column(String(30), index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    lon: Mapped[float | None]
    lat: Mapped[float | None]
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    contact_name: Mapped[str] = mapped_column(String(50), default="")
    contact_phone: Mapped[str] = mapped_column(String(32), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
