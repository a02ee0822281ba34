"""The ledger's Excel files: the import template (header row in Chinese, an example, the code tables, the
rules) and the export, in the template's columns plus the columns the platform computes."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from citysafe.core.clock import to_local
from citysafe.core.render.xlsx import safe_row
from citysafe.core.sheets.rows import write_header
from citysafe.emergency.ledger import industries
from citysafe.emergency.ledger.importer import COLUMNS, SHEET
from citysafe.emergency.ledger.schemas import LedgerRead
from citysafe.emergency.rules import Rules

EXAMPLE: dict[str, Any] = {
    "occurred_at": datetime(2023, 5, 12, 14, 30), "region_code": "320102", "subtype": "高处坠落",
    "industry": "E 建筑业", "deaths": 1, "missing": 0, "serious_injuries": 0, "minor_injuries": 2,
    "direct_loss_yuan": 1_800_000, "unit_name": "示例：××建设工程有限公司", "uscc": "",
    "description": "示例：外墙脚手架作业时一名工人坠落，送医后死亡",
}
EXPORT_EXTRA = (("grade", "事故等级"), ("source", "来源"), ("incident", "平台事件编号"), ("import_file", "导入文件"),
                ("import_row", "导入行号"))


def _header(sheet: Any, *, comments: bool) -> None:
    write_header(sheet, COLUMNS, comments=comments)
    sheet.row_dimensions[1].height = 32  # the ledger's headers carry units in brackets: two lines


def _date_cell(sheet: Any, row: int) -> None:
    sheet.cell(row=row, column=1).number_format = "yyyy-mm-dd hh:mm"


def template_bytes(the_rules: Rules) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET
    _header(sheet, comments=True)
    example = book.create_sheet("填写示例")
    _header(example, comments=False)
    example.append([EXAMPLE.get(c.key, "") for c in COLUMNS])
    _date_cell(example, 2)
    codes = book.create_sheet("代码表")
    codes.append(["事故类型（GB 6441-1986 事故类别）", "", "行业门类（GB/T 4754-2017）", ""])
    types = [(s.name, s.code) for s in the_rules.categories["accident"].subtypes]
    sections = list(industries.sections().items())
    for i in range(max(len(types), len(sections))):
        left = list(types[i]) if i < len(types) else ["", ""]
        right = [sections[i][0], sections[i][1]] if i < len(sections) else ["", ""]
        codes.append([*left, *right])
    for col, width in zip("ABCD", (20, 18, 8, 36), strict=True):
        codes.column_dimensions[col].width = width
    guide = book.create_sheet("说明")
    guide.column_dimensions["A"].width = 16
    guide.column_dimensions["B"].width = 90
    for line in (
        ("事故台账导入模板", ""),
        ("填写", f"在“{SHEET}”工作表填写，每行一起事故；红色表头为必填项。“填写示例”工作表不会被导入。"),
        ("单位", "人数按人填写整数；直接经济损失按元填写整数（120万元填 1200000）。发生时间为北京时间。"),
        ("事故等级", "不必填写：系统按《生产安全事故报告和调查处理条例》（国务院令第493号）第三条，"
                     "由死亡、重伤（含急性工业中毒）人数和直接经济损失计算。"),
        ("导入规则", "先检查，逐行列出问题；任一行有问题时整份文件不导入。同一起事故（发生时间精确到分钟、行政区划、"
                     "事故类型、单位相同）再次导入时更新原记录，不重复计数；已由平台事件记入台账的事故不必导入。"),
    ):
        guide.append(list(line))
    guide["A1"].font = Font(bold=True, size=14)
    for row in guide.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_bytes(rows: Sequence[LedgerRead]) -> bytes:
    """The ledger in the template's columns (so a sheet can be corrected and imported again) plus the grade
    and where each row came from."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET
    _header(sheet, comments=False)
    for offset, (_key, title) in enumerate(EXPORT_EXTRA, start=len(COLUMNS) + 1):
        cell = sheet.cell(row=1, column=offset, value=title)
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="D9D9D9")
        sheet.column_dimensions[get_column_letter(offset)].width = 14
    for number, r in enumerate(rows, start=2):
        values: dict[str, Any] = {
            "occurred_at": to_local(r.occurred_at).replace(tzinfo=None), "region_code": r.region_code,
            "subtype": r.subtype_name, "industry": f"{r.industry_code} {r.industry_name}" if r.industry_code else "",
            "deaths": r.deaths, "missing": r.missing, "serious_injuries": r.serious_injuries,
            "minor_injuries": r.minor_injuries, "direct_loss_yuan": r.direct_loss_yuan, "unit_name": r.unit_name,
            "uscc": r.uscc or "", "description": r.description}
        extra = [r.grade_name, r.source_name, r.incident_number or "", r.import_file, r.import_row]
        sheet.append(safe_row([values[c.key] for c in COLUMNS] + extra))
        _date_cell(sheet, number)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
