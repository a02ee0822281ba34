"""Small data for the indicator and facts tests: accidents written through the ledger's own import, and
denominator rows as an uploaded sheet would give them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from citysafe.core.config import Settings
from citysafe.emergency.ledger import importer as ledger_importer

NOW = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)
REGION = "320102"  # 玄武区
HEADER = [c.header for c in ledger_importer.COLUMNS]


def accident(when: str, subtype: str, industry: str, deaths: int, unit: str, region: str = REGION) -> list[Any]:
    cells = {"occurred_at": when, "region_code": region, "subtype": subtype, "industry": industry, "deaths": deaths,
             "missing": 0, "serious_injuries": 0, "minor_injuries": 0, "direct_loss_yuan": 100_000,
             "unit_name": unit, "uscc": "", "description": "测试事故"}
    return [cells.get(c.key) for c in ledger_importer.COLUMNS]


def add_accidents(session: Session, rows: Sequence[list[Any]], settings: Settings | None = None) -> None:
    report = ledger_importer.apply(session, rows=[HEADER, *rows], file_name="test.xlsx",
                                   settings=settings or Settings(), now=NOW, dry_run=False)
    assert report.errors == 0, [p for r in report.report for p in r.problems]


BASES = [
    ["行政区划代码", "年份", "地区生产总值（万元）", "机动车保有量（辆）", "常住人口（万人）", "工矿商贸就业人员（人）",
     "在用特种设备（台）", "数据来源"],
    [REGION, 2022, 10_000_000, 200_000, 50, 100_000, 20_000, "2022年玄武区统计公报"],
    [REGION, 2023, 11_000_000, 210_000, 50.5, 105_000, 21_000, "2023年玄武区统计公报"],
    [REGION, 2024, 12_000_000, 220_000, "51", "110,000", 0, "2024年玄武区统计公报"],
]
