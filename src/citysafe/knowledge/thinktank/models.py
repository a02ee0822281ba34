"""The expert registry's table (``kb_expert``; until migration 0031 it was emergency's ``em_expert``, whose rows it
kept)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Boolean, Date, Index, String, true
from sqlalchemy.orm import Mapped, mapped_column

from citysafe.core.db import Base, BigId, RegionScoped, Timestamped


class Expert(RegionScoped, Timestamped, Base):
    """An expert of the think tank: field and specialities, district, contact, and whether they can be called."""

    __tablename__ = "kb_expert"
    __table_args__ = (Index("ix_kb_expert_field", "field"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    field: Mapped[str] = mapped_column(String(30))
    # Free words within the field ("液氯泄漏处置", "高层建筑火灾"), at most a few.
    specialities: Mapped[list[str]] = mapped_column(JSON, default=list)
    title: Mapped[str] = mapped_column(String(100), default="")
    employer: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    email: Mapped[str] = mapped_column(String(100), default="")
    # available / on_assignment / unavailable; the two last between busy_from and busy_until (open ends allowed)
    availability: Mapped[str] = mapped_column(String(20), default="available", server_default="available")
    busy_from: Mapped[date | None] = mapped_column(Date)
    busy_until: Mapped[date | None] = mapped_column(Date)
    availability_note: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # In emergency's expert pool (the command and mutual aid read only these).
    emergency_pool: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
