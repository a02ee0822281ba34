"""Emergency plans, their versions (never rewritten), attached documents, and review and filing records."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from citysafe.core.db import Base, RegionScoped, Timestamped, UTCDateTime
from citysafe.core.scope import OrgScoped


class EmergencyPlan(RegionScoped, OrgScoped, Timestamped, Base):
    """A plan as the library lists it: what its current version says, copied here for search and filters.

    ``organization_id`` is set for an enterprise's plan and empty for a government's, so the scope filter
    shows an enterprise its own plans only."""

    __tablename__ = "emergency_plan"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    owner: Mapped[str] = mapped_column(String(20))  # government | enterprise (follows from the kind)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    unit_name: Mapped[str] = mapped_column(String(200), default="")  # 编制单位
    title: Mapped[str] = mapped_column(String(200))
    # The current version's number; the versions themselves are rows of their own table.
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Title, unit, groups, triggers and tasks in one lower-cased text, searched with LIKE.
    search_text: Mapped[str] = mapped_column(Text, default="")
    # Every category of the current version's triggers joined by "|" ("|accident|natural_disaster|"), so a
    # category filter is one LIKE on any database.
    category_keys: Mapped[str] = mapped_column(String(200), default="")


class PlanVersion(RegionScoped, Base):
    __tablename__ = "emergency_plan_version"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("emergency_plan.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    # The structured plan: command and groups, triggers, response levels with actions and tasks, resources.
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    change_note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_by_name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PlanDocument(RegionScoped, Base):
    """The original document (PDF, DOCX, DOC) a version was keyed in from."""

    __tablename__ = "emergency_plan_document"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("emergency_plan.id", ondelete="CASCADE"), index=True)
    version_number: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    # Kept in the database: a plan document is a few megabytes at most, and a refused upload then leaves
    # nothing behind (the row and its bytes roll back together).
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by: Mapped[int | None] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PlanRecord(RegionScoped, Base):
    """A review (评审) or a filing (备案) of one version of a plan."""

    __tablename__ = "emergency_plan_record"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("emergency_plan.id", ondelete="CASCADE"), index=True)
    version_number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))  # review | filing
    on: Mapped[date] = mapped_column(Date)
    authority: Mapped[str] = mapped_column(String(200))  # 评审组织单位 / 备案机关
    reference: Mapped[str] = mapped_column(String(100), default="")  # 备案编号, 评审意见文号
    conclusion: Mapped[str] = mapped_column(String(20), default="")  # review: passed | revise | failed
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_name: Mapped[str] = mapped_column(String(100), default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
