"""Incidents, their grade history, their hash-chained timeline, and the duty roster."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from citysafe.core.db import Base, BigId, RegionScoped, Timestamped, UTCDateTime

# 64-bit keys on PostgreSQL; SQLite's rowid is 64-bit anyway.


class Incident(RegionScoped, Timestamped, Base):
    """One emergency (突发事件) from the call (接报) to the archive. ``region_code`` is where it happened."""

    __tablename__ = "em_incident"
    __table_args__ = (
        Index("ix_em_incident_list", "opened_at", "id"),
        Index("ix_em_incident_state", "state", "region_code"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    category: Mapped[str] = mapped_column(String(30))
    subtype: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # The accident grade (493号令 第三条) as a code of the rules' grade table; None for a category it does not
    # grade. ``grade_decided_by`` names the dimension that reached it (None for the floor grade).
    grade: Mapped[str | None] = mapped_column(String(30))
    grade_decided_by: Mapped[str | None] = mapped_column(String(30))
    # 一级–四级 ("1".."4"), set when the response starts; separate from the grade.
    response_level: Mapped[str | None] = mapped_column(String(4))
    deaths: Mapped[int] = mapped_column(Integer, default=0)
    missing: Mapped[int] = mapped_column(Integer, default=0)
    serious_injuries: Mapped[int] = mapped_column(Integer, default=0)
    minor_injuries: Mapped[int] = mapped_column(Integer, default=0)
    loss_yuan: Mapped[int] = mapped_column(BigInteger, default=0)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    caller_name: Mapped[str] = mapped_column(String(100), default="")
    caller_phone: Mapped[str] = mapped_column(String(40), default="")
    place: Mapped[str] = mapped_column(String(300), default="")
    lon: Mapped[float | None]
    lat: Mapped[float | None]
    source: Mapped[str] = mapped_column(String(20))
    # Idempotency key of an incident opened by another system ("firewatch-fire:42"): one incident per alarm.
    source_ref: Mapped[str | None] = mapped_column(String(80), unique=True)
    alarm_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    unit_id: Mapped[int | None] = mapped_column(BigInteger)
    unit_name: Mapped[str] = mapped_column(String(200), default="")
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    opened_by: Mapped[str] = mapped_column(String(100), default="")
    # The timeline's length and last hash, so that deleting its last entries is seen too (calc/chain.py).
    timeline_length: Mapped[int] = mapped_column(Integer, default=0)
    timeline_head: Mapped[str] = mapped_column(String(64), default="0" * 64)
    # Drill mode (issue #12 point 6): an incident a drill opened in the live system. It is marked 演练 wherever it
    # is shown, stays out of the ledger and the statistics, and sends nothing outward (``drill_mode.is_drill``).
    is_drill: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), index=True)
    drill_id: Mapped[int | None] = mapped_column(ForeignKey("emergency_drill.id", ondelete="SET NULL"), index=True)

    @property
    def number(self) -> str:
        return f"SJ{self.id:08d}"


class IncidentGrading(RegionScoped, Base):
    """One casualty report (首报 or 补报) and the grade it gave; ``counted`` is False outside the 补报 window,
    where the figures are recorded but the grade no longer moves (493号令 第十三条)."""

    __tablename__ = "em_incident_grading"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("em_incident.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    deaths: Mapped[int] = mapped_column(Integer)
    missing: Mapped[int] = mapped_column(Integer)
    serious_injuries: Mapped[int] = mapped_column(Integer)
    minor_injuries: Mapped[int] = mapped_column(Integer)
    loss_yuan: Mapped[int] = mapped_column(BigInteger)
    grade: Mapped[str | None] = mapped_column(String(30))
    decided_by: Mapped[str | None] = mapped_column(String(30))
    counted: Mapped[bool] = mapped_column(Boolean, default=True)
    actor: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")


class TimelineEntry(RegionScoped, Base):
    """One entry of an incident's timeline, chained to the one before by ``hash`` (calc/chain.py).

    Append-only: nothing updates or deletes a row (a correction is a new entry); the chain shows it if
    something outside the platform does. Not copied into the audit log: the chain is its own evidence."""

    __tablename__ = "em_timeline_entry"
    __audited__ = False
    __table_args__ = (UniqueConstraint("incident_id", "seq"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("em_incident.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(100))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class DutyShift(RegionScoped, Base):
    """Who is on duty (值班) for a region on a day: an account, or a name, with the phone to call."""

    __tablename__ = "em_duty_shift"
    __table_args__ = (Index("ix_em_duty_shift_day", "region_code", "day"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    post: Mapped[str] = mapped_column(String(40), default="值班员")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(String(200), default="")


class IncidentAttachment(RegionScoped, Base):
    """A photo or document placed on an incident's timeline (a scene photo, a fax of a report, a map).

    The bytes are kept in the database beside the row, so a refused upload leaves nothing behind (both roll
    back together); the timeline entry that announces the file carries its SHA-256, so the chain also
    proves the file itself unchanged."""

    __tablename__ = "em_incident_attachment"
    __audited__ = False  # the timeline entry is its record

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("em_incident.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
