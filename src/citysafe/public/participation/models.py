"""Tables of participation (``pub_*``). Every row belongs to a district (region-scoped; a child row copies its
parent's region)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from citysafe.core.db import Base, BigId, RegionScoped, Timestamped, UTCDateTime


class Event(RegionScoped, Timestamped, Base):
    """A publicity or training event on the calendar (安全生产月活动, 消防宣传日, 企业负责人培训…)."""

    __tablename__ = "pub_event"
    __table_args__ = (Index("ix_pub_event_starts", "starts_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # publicity / training
    audience: Mapped[str] = mapped_column(String(30))
    organiser: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    capacity: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")


class Registration(RegionScoped, Timestamped, Base):
    """A unit or person registered for an event, for ``people`` seats."""

    __tablename__ = "pub_event_registration"
    __table_args__ = (UniqueConstraint("event_id", "registrant", name="uq_pub_event_registration_registrant"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("pub_event.id", ondelete="CASCADE"), index=True)
    registrant: Mapped[str] = mapped_column(String(200))
    people: Mapped[int] = mapped_column(Integer)
    contact: Mapped[str] = mapped_column(String(50), default="")


class ExperienceBase(RegionScoped, Timestamped, Base):
    """A safety experience base (安全体验基地/馆): where it is, what one can try there."""

    __tablename__ = "pub_experience_base"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    address: Mapped[str] = mapped_column(String(300))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    operator: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    description: Mapped[str] = mapped_column(Text, default="")


class BaseSession(RegionScoped, Timestamped, Base):
    """A bookable slot of a base, for at most ``capacity`` visitors."""

    __tablename__ = "pub_base_session"
    __table_args__ = (UniqueConstraint("base_id", "starts_at", name="uq_pub_base_session_start"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    base_id: Mapped[int] = mapped_column(ForeignKey("pub_experience_base.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    capacity: Mapped[int] = mapped_column(Integer)


class Booking(RegionScoped, Timestamped, Base):
    """A school's or company's booking of a session for ``people`` visitors (one booking per unit and session)."""

    __tablename__ = "pub_base_booking"
    __table_args__ = (UniqueConstraint("session_id", "visitor", name="uq_pub_base_booking_visitor"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("pub_base_session.id", ondelete="CASCADE"), index=True)
    visitor: Mapped[str] = mapped_column(String(200))
    visitor_kind: Mapped[str] = mapped_column(String(20))  # school / company / community / other
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="SET NULL"))
    people: Mapped[int] = mapped_column(Integer)
    contact: Mapped[str] = mapped_column(String(50), default="")


class SocialGroup(RegionScoped, Timestamped, Base):
    """A volunteer team (志愿者队伍) or a social organisation (社会组织) taking part in safety work."""

    __tablename__ = "pub_social_group"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # volunteer_team / social_org
    registration_no: Mapped[str] = mapped_column(String(40), default="")  # 统一社会信用代码 or 志愿队伍备案号
    focus: Mapped[str] = mapped_column(String(200), default="")
    leader: Mapped[str] = mapped_column(String(50), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    founded_on: Mapped[date | None] = mapped_column(Date)


class Member(RegionScoped, Timestamped, Base):
    __tablename__ = "pub_group_member"
    __table_args__ = (UniqueConstraint("group_id", "name", "phone", name="uq_pub_group_member_person"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("pub_social_group.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(30), default="")
    skills: Mapped[str] = mapped_column(String(200), default="")
    joined_on: Mapped[date] = mapped_column(Date)


class Activity(RegionScoped, Timestamped, Base):
    """An activity of a group on a day: who of its members took part and for how many hours each."""

    __tablename__ = "pub_group_activity"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("pub_social_group.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(300), default="")
    hours: Mapped[float] = mapped_column(Float)  # per participant
    member_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text, default="")
