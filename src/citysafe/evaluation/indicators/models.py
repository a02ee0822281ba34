"""Tables of the 城市安全状况 indicators: the imported denominators of a region and year, and the benchmarks or
control targets (对标值) an administrator sets, overriding the shipped defaults of ``data/indicator-rules.json``.

Units are in the column names: GDP in 亿元, every other denominator a whole count (vehicles, persons, units).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from citysafe.core.db import Base, BigId, RegionScoped, Timestamped, UTCDateTime


class IndicatorBase(RegionScoped, Timestamped, Base):
    """The denominators of one region and year; a figure not known is null (its rate is then not computed)."""

    __tablename__ = "ev_indicator_base"
    __table_args__ = (UniqueConstraint("region_code", "year", name="uq_ev_indicator_base"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    gdp_yi: Mapped[Decimal | None] = mapped_column(Numeric(16, 4))  # 地区生产总值, 亿元
    vehicles: Mapped[int | None] = mapped_column(BigInteger)  # 机动车保有量, 辆
    residents: Mapped[int | None] = mapped_column(BigInteger)  # 常住人口, 人
    industrial_employees: Mapped[int | None] = mapped_column(BigInteger)  # 工矿商贸就业人员, 人
    special_equipment_units: Mapped[int | None] = mapped_column(BigInteger)  # 在用特种设备, 台
    source_note: Mapped[str] = mapped_column(Text, default="")  # where the figures come from (统计公报 …)
    import_file: Mapped[str] = mapped_column(String(200), default="")
    import_row: Mapped[int | None] = mapped_column(Integer)
    imported_by: Mapped[str] = mapped_column(String(100), default="")
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class IndicatorTarget(RegionScoped, Timestamped, Base):
    """对标值 or 控制指标 of one rate for a region (and the regions inside it, unless they set their own)."""

    __tablename__ = "ev_indicator_target"
    __table_args__ = (UniqueConstraint("region_code", "rate", name="uq_ev_indicator_target"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    rate: Mapped[str] = mapped_column(String(40))
    value: Mapped[Decimal] = mapped_column(Numeric(14, 6))
    label: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(Text, default="")  # the document it comes from (省“十四五”规划 …)
    updated_by: Mapped[str] = mapped_column(String(100), default="")
