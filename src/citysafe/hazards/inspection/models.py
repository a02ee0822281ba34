"""Checklists (editable data), inspection plans and the tasks they hand to grids, officers or departments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from citysafe.core.db import Base, RegionScoped, Timestamped, UTCDateTime


class Checklist(Timestamped, Base):
    """What to check at one type of place. Shared reference data: every user reads it; the office whose
    region covers ``owner_region_code`` edits it (a province template, or a district's own version)."""

    __tablename__ = "hazard_checklist"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    place_type: Mapped[str] = mapped_column(String(30), index=True)
    owner_region_code: Mapped[str] = mapped_column(String(20), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    items: Mapped[list[ChecklistItem]] = relationship(
        order_by="ChecklistItem.position", cascade="all, delete-orphan", lazy="selectin")


class ChecklistItem(Base):
    __tablename__ = "hazard_checklist_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checklist_id: Mapped[int] = mapped_column(ForeignKey("hazard_checklist.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text)
    # The hazard category a failure becomes (else the place type's), and the major-hazard criterion it
    # meets, if any: failing such an item opens a major ticket.
    category: Mapped[str | None] = mapped_column(String(30))
    criterion: Mapped[str | None] = mapped_column(String(20))
    basis: Mapped[str] = mapped_column(String(300), default="")


class InspectionPlan(RegionScoped, Timestamped, Base):
    __tablename__ = "inspection_plan"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    place_type: Mapped[str] = mapped_column(String(30))
    checklist_id: Mapped[int] = mapped_column(ForeignKey("hazard_checklist.id"))
    period_start: Mapped[datetime] = mapped_column(UTCDateTime())
    period_end: Mapped[datetime] = mapped_column(UTCDateTime())
    assignee_kind: Mapped[str] = mapped_column(String(20))
    assignee_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    department_org_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    created_by: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")


class InspectionTask(RegionScoped, Timestamped, Base):
    """One place to inspect in one plan; ``region_code`` is the place's (so the grid's office sees it)."""

    __tablename__ = "inspection_task"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("inspection_plan.id", ondelete="CASCADE"), index=True)
    # Copied from the plan: a grid officer sees its tasks but not a district's plan above its scope.
    plan_name: Mapped[str] = mapped_column(String(200), default="")
    checklist_id: Mapped[int] = mapped_column(ForeignKey("hazard_checklist.id"))
    place_type: Mapped[str] = mapped_column(String(30))
    place_id: Mapped[int | None] = mapped_column(ForeignKey("hazard_place.id"), index=True)
    place_name: Mapped[str] = mapped_column(String(200), default="")
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    assignee_kind: Mapped[str] = mapped_column(String(20))
    grid_code: Mapped[str | None] = mapped_column(String(20), index=True)
    assignee_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    department_org_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    due: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_by: Mapped[int | None] = mapped_column(Integer)
    completed_by_name: Mapped[str] = mapped_column(String(100), default="")
    # The checklist as answered: [{code, text, result, note, ticket_id}], kept even if the checklist changes.
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
