"""Hazard tickets, their timeline, their evidence files and their escalations."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from citysafe.core.clock import utcnow
from citysafe.core.db import Base, BigId, RegionScoped, Timestamped, UTCDateTime
from citysafe.core.scope import OrgScoped

# 64-bit keys on PostgreSQL (a province accumulates tickets for years); SQLite's rowid is 64-bit anyway.


class HazardTicket(RegionScoped, OrgScoped, Timestamped, Base):
    """One hazard (隐患). ``region_code`` is where it is: a grid when its location falls in one."""

    __tablename__ = "hazard_ticket"
    __table_args__ = (
        # Shapes of the list and statistics queries (measured by bench/hazards.py on 1,000,000 tickets):
        # the list selects the ids of a page from an index alone (newest first, or by deadline), then
        # reads those rows; small scopes count and group straight from the covering stats index; overdue
        # counts read the running states' deadlines by region. INCLUDE columns apply on PostgreSQL only.
        Index("ix_hazard_ticket_list", "created_at", "id",
              postgresql_include=["region_code", "state", "level", "category", "source", "deadline"]),
        Index("ix_hazard_ticket_by_deadline", "deadline", "id",
              postgresql_include=["region_code", "state", "level", "category", "source"]),
        Index("ix_hazard_ticket_stats", "region_code", "state", "level", "category", "source", "deadline",
              "close_seconds", "closed_late"),
        Index("ix_hazard_ticket_running", "state", "region_code", "deadline",
              postgresql_include=["level", "category", "source", "created_at", "id"]),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(30))
    level: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # Codes of the judging-standard criteria the hazard meets (any one makes it major).
    criteria: Mapped[list[str]] = mapped_column(JSON, default=list)
    place_name: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    lon: Mapped[float | None]
    lat: Mapped[float | None]
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    # Kept with the ticket: a user may see a ticket in its district whose unit is registered elsewhere.
    organization_name: Mapped[str] = mapped_column(String(200), default="")
    responsible_name: Mapped[str] = mapped_column(String(100), default="")
    place_id: Mapped[int | None] = mapped_column(ForeignKey("hazard_place.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("inspection_task.id"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    reporter_name: Mapped[str] = mapped_column(String(100), default="")
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_by: Mapped[int | None] = mapped_column(Integer)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Stored at closing so that statistics sum integers instead of date arithmetic that differs by database.
    close_seconds: Mapped[int | None] = mapped_column(BigInteger)
    closed_late: Mapped[bool | None] = mapped_column(Boolean)
    escalation_step: Mapped[int] = mapped_column(Integer, default=0)
    escalation_region_code: Mapped[str | None] = mapped_column(String(20), index=True)
    next_escalation_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # Idempotency key of a ticket opened by another system (e.g. "firewatch-alarm:42").
    source_ref: Mapped[str | None] = mapped_column(String(80), unique=True)
    # The rectification plan a major hazard needs (整改方案): measures, funds, person, deadline, safeguards.
    plan_measures: Mapped[str | None] = mapped_column(Text)
    plan_funds: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    plan_responsible: Mapped[str | None] = mapped_column(String(100))
    plan_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    plan_safeguards: Mapped[str | None] = mapped_column(Text)

    @property
    def number(self) -> str:
        return f"YH{self.id:08d}"

    @property
    def has_plan(self) -> bool:
        return bool(self.plan_measures and self.plan_responsible and self.plan_deadline and self.plan_safeguards
                    and self.plan_funds is not None)


class HazardTally(RegionScoped, Base):
    """Running counts of tickets per district, state, level, category and source, kept in the same
    transaction as every ticket change, so a city's or the province's statistics read tens of thousands of
    small rows instead of a million tickets. ``region_code`` is the ticket's code cut to the district
    (6 digits), so the scope filter applies to it as to any row."""

    __tablename__ = "hazard_tally"
    __audited__ = False

    region_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    state: Mapped[str] = mapped_column(String(20), primary_key=True)
    level: Mapped[str] = mapped_column(String(10), primary_key=True)
    category: Mapped[str] = mapped_column(String(30), primary_key=True)
    source: Mapped[str] = mapped_column(String(20), primary_key=True)
    tickets: Mapped[int] = mapped_column(BigInteger, default=0)
    close_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    closed_counted: Mapped[int] = mapped_column(BigInteger, default=0)
    closed_on_time: Mapped[int] = mapped_column(BigInteger, default=0)


class HazardStep(RegionScoped, Base):
    """One entry of a ticket's timeline: who did what, when, with which note and evidence."""

    __tablename__ = "hazard_step"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("hazard_ticket.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(100), default="")
    actor_role: Mapped[str] = mapped_column(String(32), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class HazardAttachment(RegionScoped, Base):
    """A stored photo or document. Uploaded first (owned by its uploader), then attached to a ticket step."""

    __tablename__ = "hazard_attachment"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("hazard_ticket.id", ondelete="CASCADE"), index=True)
    step_id: Mapped[int | None] = mapped_column(ForeignKey("hazard_step.id", ondelete="SET NULL"))
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(200), default="")
    uploaded_by: Mapped[int | None] = mapped_column(Integer, index=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class HazardEscalation(RegionScoped, Base):
    """One announced escalation step; unique per ticket and step, so each step is announced once."""

    __tablename__ = "hazard_escalation"
    __table_args__ = (UniqueConstraint("ticket_id", "step"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("hazard_ticket.id", ondelete="CASCADE"), index=True)
    step: Mapped[int] = mapped_column(Integer)
    target_region_code: Mapped[str] = mapped_column(String(20))
    overdue_hours: Mapped[float]
    at: Mapped[datetime] = mapped_column(UTCDateTime())
