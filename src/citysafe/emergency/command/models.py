"""The command (指挥部) set up when a plan is activated for an incident, its members, tasks and their updates.

One command per incident: activating the plan again at another level (升级/降级) keeps it and records the
activation. Rows carry the incident's ``region_code``, so the scope filter shows them where it shows the
incident."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from citysafe.core.db import Base, BigId, RegionScoped, UTCDateTime


class Command(RegionScoped, Base):
    """指挥部: 总指挥 and 副总指挥 as the plan names their posts, and the plan's working groups."""

    __tablename__ = "em_command"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("em_incident.id", ondelete="CASCADE"), unique=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("emergency_plan.id"), index=True)
    plan_version: Mapped[int] = mapped_column(Integer)
    plan_title: Mapped[str] = mapped_column(String(200))
    response_level: Mapped[str] = mapped_column(String(4))
    commander: Mapped[str] = mapped_column(String(100), default="")  # the post (区长), as the plan says
    deputies: Mapped[list[str]] = mapped_column(JSON, default=list)
    # [{"name", "lead", "duties"}] in the plan's order.
    groups: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    activated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    activated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PlanActivation(RegionScoped, Base):
    """One activation of a plan for an incident (启动, 升级, 降级), kept beside the timeline entry."""

    __tablename__ = "em_plan_activation"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("em_incident.id", ondelete="CASCADE"), index=True)
    command_id: Mapped[int] = mapped_column(ForeignKey("em_command.id", ondelete="CASCADE"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("emergency_plan.id"))
    plan_version: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(4))
    previous_level: Mapped[str | None] = mapped_column(String(4))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(100))
    actor_id: Mapped[int | None] = mapped_column(Integer)


class CommandMember(RegionScoped, Base):
    """Who fills a post of the command: an account (a department's liaison sees its group's tasks), or an
    outside contact with a phone. ``post`` is commander, deputy, lead (组长) or member; ``group_name`` is
    empty for the commander and deputies."""

    __tablename__ = "em_command_member"
    __table_args__ = (Index("ix_em_command_member_user", "user_id", "command_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    command_id: Mapped[int] = mapped_column(ForeignKey("em_command.id", ondelete="CASCADE"), index=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("em_incident.id", ondelete="CASCADE"))
    post: Mapped[str] = mapped_column(String(20))
    group_name: Mapped[str] = mapped_column(String(100), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(40), default="")
    organisation: Mapped[str] = mapped_column(String(200), default="")
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
    added_by: Mapped[str] = mapped_column(String(100))
    # Stood down (撤出): kept, since the timeline names them, but no longer on the command or its groups' tasks.
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    left_by: Mapped[str] = mapped_column(String(100), default="", server_default="")


class CommandTask(RegionScoped, Base):
    """A task of the command: from the plan's level (``source`` plan) or added by the command (manual)."""

    __tablename__ = "em_command_task"
    __table_args__ = (Index("ix_em_command_task_incident", "incident_id", "deadline_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    command_id: Mapped[int] = mapped_column(ForeignKey("em_command.id", ondelete="CASCADE"))
    incident_id: Mapped[int] = mapped_column(ForeignKey("em_incident.id", ondelete="CASCADE"))
    group_name: Mapped[str] = mapped_column(String(100), default="")
    title: Mapped[str] = mapped_column(String(200))
    owner_role: Mapped[str] = mapped_column(String(100), default="")
    level: Mapped[str] = mapped_column(String(4))
    source: Mapped[str] = mapped_column(String(10), default="plan")
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(20), default="todo")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class TaskUpdate(RegionScoped, Base):
    """A progress note or a change of state of a task, by whom and when."""

    __tablename__ = "em_task_update"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("em_command_task.id", ondelete="CASCADE"), index=True)
    state_from: Mapped[str] = mapped_column(String(20))
    state_to: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(100))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
