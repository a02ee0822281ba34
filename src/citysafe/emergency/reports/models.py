"""Information reports (信息报告) of an incident: each one filed, with the six items of 493号令 第十二条."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from citysafe.core.db import Base, BigId, RegionScoped, UTCDateTime


class IncidentReport(RegionScoped, Base):
    """One report sent up the chain (首报, 续报, 终报 or 补报), by phone or in writing. ``region_code`` is the
    incident's; ``to_code`` the receiving government's division (None for the national level).

    Append-only like the timeline it is written to: a wrong report is followed by a correcting one."""

    __tablename__ = "em_incident_report"
    __table_args__ = (Index("ix_em_incident_report_incident", "incident_id", "filed_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("em_incident.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, … within the incident
    kind: Mapped[str] = mapped_column(String(20))  # initial | follow_up | final | supplementary
    channel: Mapped[str] = mapped_column(String(20))  # written | phone
    from_level: Mapped[str] = mapped_column(String(20))
    to_level: Mapped[str] = mapped_column(String(20))
    to_code: Mapped[str | None] = mapped_column(String(20))
    # 第十二条 (一)–(六)
    unit_overview: Mapped[str] = mapped_column(Text, default="")
    time_place_scene: Mapped[str] = mapped_column(Text)
    course: Mapped[str] = mapped_column(Text)
    deaths: Mapped[int] = mapped_column(Integer)
    missing: Mapped[int] = mapped_column(Integer)
    serious_injuries: Mapped[int] = mapped_column(Integer)
    minor_injuries: Mapped[int] = mapped_column(Integer)
    loss_yuan: Mapped[int] = mapped_column(BigInteger)
    casualty_note: Mapped[str] = mapped_column(Text, default="")
    measures: Mapped[str] = mapped_column(Text, default="")
    other: Mapped[str] = mapped_column(Text, default="")
    grade: Mapped[str | None] = mapped_column(String(30))  # the incident's grade once this report was filed
    reporting_unit: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(100), default="")  # 签发人
    reporter: Mapped[str] = mapped_column(String(100))
    reporter_phone: Mapped[str] = mapped_column(String(40), default="")
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime())  # when it was sent (a phone call: when it was made)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())  # when it was entered here
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_by_id: Mapped[int | None] = mapped_column(Integer)
