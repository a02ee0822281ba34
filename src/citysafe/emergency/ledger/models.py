"""The accident ledger (事故台账): one row per accident, its figures in explicit units (docs/accident-ledger.md).

A row comes from the platform (a closed 事故灾难 incident, ``incident_id``) or from an Excel import (``import_file``
and ``import_row``). ``natural_key`` (time to the minute, division, type, unit) is unique, so the same accident
imported twice, or imported after the platform recorded it, is never counted twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from citysafe.core.db import Base, BigId, RegionScoped, Timestamped, UTCDateTime


class LedgerEntry(RegionScoped, Timestamped, Base):
    """One accident. People are whole numbers of persons; ``direct_loss_yuan`` is whole yuan (元)."""

    __tablename__ = "em_accident_ledger"
    __table_args__ = (
        Index("ix_em_accident_ledger_year", "occurred_year", "region_code"),
        Index("ix_em_accident_ledger_list", "occurred_at", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source: Mapped[str] = mapped_column(String(20))  # "platform" or "import"
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("em_incident.id", ondelete="SET NULL"), unique=True)
    import_file: Mapped[str] = mapped_column(String(200), default="")
    import_row: Mapped[int | None] = mapped_column(Integer)
    natural_key: Mapped[str] = mapped_column(String(64), unique=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The year in China (Asia/Shanghai) the accident happened in: statistics by year count it there.
    occurred_year: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(30), default="accident")
    subtype: Mapped[str] = mapped_column(String(40))
    # GB/T 4754-2017 门类 letter (A–T); "" while unknown (an incident records no industry).
    industry_code: Mapped[str] = mapped_column(String(2), default="")
    deaths: Mapped[int] = mapped_column(Integer, default=0)
    missing: Mapped[int] = mapped_column(Integer, default=0)
    serious_injuries: Mapped[int] = mapped_column(Integer, default=0)
    minor_injuries: Mapped[int] = mapped_column(Integer, default=0)
    direct_loss_yuan: Mapped[int] = mapped_column(BigInteger, default=0)
    grade: Mapped[str] = mapped_column(String(30))
    grade_decided_by: Mapped[str | None] = mapped_column(String(30))
    unit_name: Mapped[str] = mapped_column(String(200), default="")
    uscc: Mapped[str | None] = mapped_column(String(18))
    description: Mapped[str] = mapped_column(Text, default="")
