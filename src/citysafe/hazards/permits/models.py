"""Dangerous-work permits, their approvals and their gas tests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from citysafe.core.db import Base, RegionScoped, Timestamped, UTCDateTime
from citysafe.core.scope import OrgScoped


class WorkPermit(RegionScoped, OrgScoped, Timestamped, Base):
    __tablename__ = "work_permit"
    __table_args__ = (Index("ix_work_permit_org_window", "organization_id", "valid_from", "valid_to"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    work_type: Mapped[str] = mapped_column(String(30), index=True)
    grade: Mapped[str] = mapped_column(String(20))
    # What the grade was read from, kept so an inspector can check the grading (GB/T 3608, GB 30871).
    height_m: Mapped[float | None]
    lifted_mass_t: Mapped[float | None]
    state: Mapped[str] = mapped_column(String(20), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    organization_name: Mapped[str] = mapped_column(String(200), default="")
    # 作业地点/装置部位: permits in the same named area (or within the rule's radius) may conflict.
    area: Mapped[str] = mapped_column(String(200))
    lon: Mapped[float | None]
    lat: Mapped[float | None]
    content: Mapped[str] = mapped_column(Text, default="")
    safety_measures: Mapped[str] = mapped_column(Text, default="")
    work_leader: Mapped[str] = mapped_column(String(100), default="")
    guardian: Mapped[str] = mapped_column(String(100), default="")
    workers: Mapped[str] = mapped_column(String(500), default="")
    applicant_id: Mapped[int | None] = mapped_column(Integer)
    applicant_name: Mapped[str] = mapped_column(String(100), default="")
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_to: Mapped[datetime] = mapped_column(UTCDateTime())
    # The approval chain as it stood at application, so a later rule change does not alter a running permit.
    approval_chain: Mapped[list[str]] = mapped_column(JSON, default=list)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    close_note: Mapped[str] = mapped_column(Text, default="")

    @property
    def number(self) -> str:
        return f"ZY{self.id:08d}"


class PermitApproval(RegionScoped, Base):
    __tablename__ = "work_permit_approval"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("work_permit.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(100))
    approver_id: Mapped[int | None] = mapped_column(Integer)
    approver_name: Mapped[str] = mapped_column(String(100))
    decision: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class GasTest(RegionScoped, Base):
    __tablename__ = "work_permit_gas_test"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("work_permit.id", ondelete="CASCADE"), index=True)
    sampled_at: Mapped[datetime] = mapped_column(UTCDateTime())
    point: Mapped[str] = mapped_column(String(200), default="")
    oxygen_pct: Mapped[float | None]
    combustible_pct_lel: Mapped[float | None]
    h2s_mg_m3: Mapped[float | None]
    co_mg_m3: Mapped[float | None]
    tester_name: Mapped[str] = mapped_column(String(100))
    passed: Mapped[bool] = mapped_column(Boolean)
    problems: Mapped[list[str]] = mapped_column(JSON, default=list)
    recorded_by: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
