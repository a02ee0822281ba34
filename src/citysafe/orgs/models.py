from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from citysafe.core.db import Base, RegionScoped, Timestamped
from citysafe.core.scope import OrgScoped


class Organization(RegionScoped, OrgScoped, Timestamped, Base):
    __tablename__ = "organization"
    __org_scope_column__ = "id"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    sector: Mapped[str] = mapped_column(String(60), default="", index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    contacts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
