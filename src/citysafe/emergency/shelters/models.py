"""Tables of the shelter registry: shelters, their arrivals and departures, the per-person area by class, and
communities' populations (the evacuation plan's origins)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from citysafe.core.db import Base, BigId, RegionScoped, Timestamped, UTCDateTime


class Shelter(RegionScoped, Timestamped, Base):
    """An 应急避难场所, classified by GB/T 44013-2024 (grade, space, function, duration) and its kind."""

    __tablename__ = "em_shelter"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    grade: Mapped[str] = mapped_column(String(20))
    space: Mapped[str] = mapped_column(String(10))  # indoor / outdoor
    function: Mapped[str] = mapped_column(String(20))  # comprehensive / single
    duration: Mapped[str] = mapped_column(String(20))  # emergency / short_term / long_term
    kind: Mapped[str] = mapped_column(String(30))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    address: Mapped[str] = mapped_column(String(300), default="")
    effective_area_m2: Mapped[float] = mapped_column(Float)
    capacity: Mapped[int] = mapped_column(Integer)
    facilities: Mapped[list[str]] = mapped_column(JSON, default=list)
    occupancy: Mapped[int] = mapped_column(Integer, default=0)
    manager: Mapped[str] = mapped_column(String(50), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    is_open: Mapped[bool] = mapped_column(Boolean, default=False)


class ShelterMovement(RegionScoped, Base):
    """People arriving (+) or leaving (−) a shelter; ``over_capacity`` records that someone allowed it."""

    __tablename__ = "em_shelter_movement"
    __table_args__ = (Index("ix_em_shelter_movement_shelter", "shelter_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shelter_id: Mapped[int] = mapped_column(ForeignKey("em_shelter.id", ondelete="CASCADE"))
    change: Mapped[int] = mapped_column(Integer)
    occupancy_after: Mapped[int] = mapped_column(Integer)
    over_capacity: Mapped[bool] = mapped_column(Boolean, default=False)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("em_incident.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(String(300), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class ShelterAreaRule(Timestamped, Base):
    """Effective area per person (m²) for a duration class: data an administrator edits (GB 21734-2008 5.4 gives
    > 1.5 m²; GB/T 44013-2024's per-class figures were not found, spec §4 [U])."""

    __tablename__ = "em_shelter_area_rule"

    duration: Mapped[str] = mapped_column(String(20), primary_key=True)
    area_per_person_m2: Mapped[float] = mapped_column(Float)
    rule: Mapped[str] = mapped_column(String(300), default="")


class CommunityPopulation(RegionScoped, Timestamped, Base):
    """The people of one community (12-digit division, ``region_code``) and where they gather (WGS84)."""

    __tablename__ = "em_community_population"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    region_code: Mapped[str] = mapped_column(String(20), unique=True, index=True)
    population: Mapped[int] = mapped_column(Integer)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(200), default="")
