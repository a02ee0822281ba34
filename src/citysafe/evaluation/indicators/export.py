"""The indicators table as Excel (one row per year: deaths, denominators, rates and their notes; a second sheet
with the verdicts and targets), and the import template."""

from __future__ import annotations

from typing import Any

from openpyxl import Workbook

from citysafe.core.render.xlsx import append_table, book_bytes, safe_row
from citysafe.evaluation.indicators.importer import SHEET, TEMPLATE_HEADER
from citysafe.evaluation.indicators.schemas import IndicatorTable

BASE_HEADERS = (("gdp_yi", "地区生产总值（亿元）"), ("vehicles", "机动车保有量（辆）"), ("residents", "常住人口（人）"),
                ("industrial_employees", "工矿商贸就业人员（人）"), ("special_equipment_units", "在用特种设备（台）"))


def workbook_bytes(data: IndicatorTable) -> bytes:
    book = Workbook()
    sheet: Any = book.active
    sheet.title = "城市安全状况指标"
    first = data.years[0] if data.years else None
    death_labels = [f"{d.label}死亡（人）" for d in first.deaths] if first else []
    rate_labels = [r.label for r in first.rates] if first else []
    append_table(sheet, ["年份", *death_labels, *(h for _, h in BASE_HEADERS), *rate_labels, "说明", "分母来源"],
                 ([row.year, *(d.deaths for d in row.deaths), *(getattr(row, k) for k, _ in BASE_HEADERS),
                   *(r.value for r in row.rates), "；".join(f"{r.label}：{r.note}" for r in row.rates if r.note),
                   row.source_note] for row in data.years))
    append_table(book.create_sheet("判定"),
                 ["指标", "近三年逐年下降", "对标值", "最近年份", "不高于对标值", "对标值来源"],
                 ([v.label, v.trend_name, v.target, v.latest_year, v.lte_name,
                   v.target_source + ("（未核对）" if v.target_unverified else "")] for v in data.verdicts))
    notes = book.create_sheet("口径")
    notes.append(safe_row([f"{data.region_name}（{data.region_code}）"]))
    for text in (*data.classes.values(), data.all_zero_policy):
        notes.append(safe_row([text]))
    return book_bytes(book)


def template_bytes() -> bytes:
    book = Workbook()
    sheet: Any = book.active
    sheet.title = SHEET
    append_table(sheet, TEMPLATE_HEADER, [["320100", 2024, 17421.4, 3120000, 954.7, 1150000, 98000,
                                           "示例：2024年统计公报"]])
    return book_bytes(book)
