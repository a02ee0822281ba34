"""Drills of a plan, their findings, and the drill-duty rules an administrator has edited."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from citysafe.core.db import Base, RegionScoped, Timestamped, UTCDateTime
from citysafe.core.scope import OrgScoped


class Drill(RegionScoped, OrgScoped, Timestamped, Base):
    """A drill scheduled or held (AQ/T 9007-2019: by content 综合/单项, by form 实战/桌面), tied to a plan.

    Region and unit are the plan's, so a drill is seen by whoever sees its plan."""

    __tablename__ = "emergency_drill"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("emergency_plan.id", ondelete="CASCADE"), index=True)
    plan_version: Mapped[int] = mapped_column(Integer)
    organization_id: Mapped[int | None] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(200))
    content_kind: Mapped[str] = mapped_column(String(20))  # comprehensive | single
    form_kind: Mapped[str] = mapped_column(String(20))  # live | tabletop
    state: Mapped[str] = mapped_column(String(20), index=True)  # scheduled | held | cancelled
    scheduled_on: Mapped[date] = mapped_column(Date, index=True)
    held_on: Mapped[date | None] = mapped_column(Date, index=True)
    place: Mapped[str] = mapped_column(String(200), default="")
    organizer: Mapped[str] = mapped_column(String(200), default="")
    participants: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text, default="")
    # Evaluation items (评估项目, 评估内容, score, max score, note) as entered (AQ/T 9009-2015 第7章).
    evaluation: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    score_pct: Mapped[float | None] = mapped_column(Float)
    recorded_by_name: Mapped[str] = mapped_column(String(100), default="")


class DrillFinding(RegionScoped, Base):
    """A problem the drill found, and what it became: a task, a hazard ticket, or a plan revision note."""

    __tablename__ = "emergency_drill_finding"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    drill_id: Mapped[int] = mapped_column(ForeignKey("emergency_drill.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(Text)
    follow_up: Mapped[str] = mapped_column(String(20), default="none")  # none | task | hazard | plan_revision
    task_owner: Mapped[str] = mapped_column(String(100), default="")
    task_due_on: Mapped[date | None] = mapped_column(Date)
    task_done_on: Mapped[date | None] = mapped_column(Date)
    hazard_ticket_id: Mapped[int | None] = mapped_column(Integer)
    hazard_ticket_number: Mapped[str] = mapped_column(String(30), default="")
    revision_note: Mapped[str] = mapped_column(Text, default="")
    created_by_name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DrillDutyRule(Base):
    """A drill-duty rule as an administrator set it; while the table is empty the packaged rules apply."""

    __tablename__ = "emergency_drill_duty_rule"

    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    rule: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_by_name: Mapped[str] = mapped_column(String(100), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
