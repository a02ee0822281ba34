"""Tables of the creation workflow (plan 五 创建步骤): an applicant's application through 自评, 申请, 市级复核,
推荐, 省级评议, 公示, 审定 and 命名授牌, or its 复评 three years later; every step taken, the member units'
opinions, the public's objections during 公示, and proposals to revoke a naming.

Every row carries the applicant's ``region_code``, so the scope filter shows an application, its steps and
opinions to the applicant's own office and the offices above it, and to nobody else.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from citysafe.core.db import Base, BigId, RegionScoped, Timestamped, UTCDateTime


class Application(RegionScoped, Timestamped, Base):
    """一次创建申报 (``round`` creation) or 复评 (``round`` re_evaluation) of one applicant in one year."""

    __tablename__ = "ev_application"
    __table_args__ = (Index("ix_ev_application_applicant", "applicant_id", "year"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("ev_applicant.id", ondelete="CASCADE"))
    round: Mapped[str] = mapped_column(String(20))  # creation | re_evaluation
    year: Mapped[int] = mapped_column(Integer)
    # drafting | city_review | province_review | publicity | approved | named | passed | failed
    state: Mapped[str] = mapped_column(String(20), default="drafting")
    sheet_id: Mapped[int | None] = mapped_column(ForeignKey("ev_sheet.id", ondelete="SET NULL"))  # the 自评 sheet
    apply_note: Mapped[str] = mapped_column(Text, default="")
    recommendation: Mapped[str] = mapped_column(Text, default="")  # the city's 推荐意见
    recommended_on: Mapped[date | None] = mapped_column(Date)
    review_note: Mapped[str] = mapped_column(Text, default="")  # the province's 评议结论
    publicity_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    publicity_end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision: Mapped[str] = mapped_column(Text, default="")  # 省安委会审定 / 复评结论
    decided_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(100))


class Step(RegionScoped, Base):
    """One step taken on an application, kept for ever: a returned application keeps its history."""

    __tablename__ = "ev_step"
    __table_args__ = (UniqueConstraint("application_id", "seq", name="uq_ev_step_seq"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("ev_application.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(100))
    actor_name: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text, default="")


class Opinion(RegionScoped, Base):
    """A member unit's opinion at 市级复核 (``stage`` city_review) or 省级评议 (province_review)."""

    __tablename__ = "ev_opinion"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("ev_application.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(20))
    unit: Mapped[str] = mapped_column(String(100))  # 市住建局, 省消防救援总队, …
    stance: Mapped[str] = mapped_column(String(20))  # agree | disagree | conditional
    text: Mapped[str] = mapped_column(Text, default="")
    by: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class Objection(RegionScoped, Base):
    """An objection lodged by the public during 公示, and how the province handled it."""

    __tablename__ = "ev_objection"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("ev_application.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(20), default="open")  # open | upheld | dismissed
    handling_note: Mapped[str] = mapped_column(Text, default="")
    lodged_at: Mapped[datetime] = mapped_column(UTCDateTime())
    handled_by: Mapped[str] = mapped_column(String(100), default="")
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Revocation(RegionScoped, Timestamped, Base):
    """撤销命名: proposed on a failed 复评 or a 重大/特别重大 accident, decided by the province."""

    __tablename__ = "ev_revocation"
    __table_args__ = (UniqueConstraint("applicant_id", "incident_id", name="uq_ev_revocation_incident"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("ev_applicant.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(20))  # failed_re_evaluation | major_accident
    incident_id: Mapped[int | None] = mapped_column(Integer)  # the emergency incident, for an accident
    application_id: Mapped[int | None] = mapped_column(ForeignKey("ev_application.id", ondelete="SET NULL"))
    detail: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(20), default="proposed")  # proposed | revoked | kept
    proposed_by: Mapped[str] = mapped_column(String(100))
    decided_by: Mapped[str] = mapped_column(String(100), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str] = mapped_column(Text, default="")
