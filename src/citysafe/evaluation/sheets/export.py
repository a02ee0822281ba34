"""A score sheet as an Excel workbook in the usual column layout (一级项 · 二级项 · 三级项 · 评价内容 · 扣分标准 ·
扣分 · 得分 · 证明材料 · 责任单位 · 完成时限和进度 · 不适用原因说明), one row per scored item, the first- and
second-level cells merged over their items, the totals under them."""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from citysafe.core.clock import format_local
from citysafe.core.render.xlsx import book_bytes, safe_row
from citysafe.core.sheets.rows import Column, write_header
from citysafe.evaluation.sheets.schemas import SheetDetail, SheetItemRead

COLUMNS: tuple[Column, ...] = (
    Column("level1", "一级项", width=16), Column("level2", "二级项", width=18), Column("level3", "三级项", width=24),
    Column("content", "评价内容", width=40), Column("rules", "扣分标准", width=36),
    Column("deduction", "扣分", width=8),
    Column("score", "得分", width=8), Column("evidence", "证明材料", width=30), Column("units", "责任单位", width=22),
    Column("progress", "完成时限和进度", width=28), Column("na", "不适用原因说明", width=24))


def _points(value: float | None) -> float | str:
    if value is None:
        return "不适用"
    return int(value) if float(value).is_integer() else round(value, 2)


def _deduction(item: SheetItemRead) -> str:
    if item.not_applicable:
        return ""
    lines = "；".join(line.text_zh for line in item.lines)
    amount = _points(item.deduction)
    return f"{amount}" + (f"（{lines}）" if lines else "") if item.deduction else "0"


def _units(item: SheetItemRead) -> str:
    text = "、".join(item.responsible_units)
    if item.supporting_units:
        text += f"（配合：{'、'.join(item.supporting_units)}）"
    return text


def _progress(item: SheetItemRead) -> str:
    parts = [f"{item.deadline:%Y年%-m月%-d日}前" if item.deadline else "", item.progress,
             "已完成" if item.done else ""]
    return "；".join(p for p in parts if p)


def _evidence(item: SheetItemRead) -> str:
    return "\n".join(f"{ev.label}" + (f"（{ev.url}）" if ev.kind == "record" and ev.url else "")
                     for ev in item.evidence)


def row_of(item: SheetItemRead) -> list[object]:
    return [item.level1 or ("鼓励项" if item.bonus else ""), item.level2, item.label, item.content,
            "\n".join(item.rules_text), _deduction(item), _points(item.score), _evidence(item), _units(item),
            _progress(item), item.na_reason if item.not_applicable else ""]


def _merge_runs(sheet: Worksheet, column: int, values: Sequence[str], first_row: int) -> None:
    start = 0
    for index in range(1, len(values) + 1):
        if index == len(values) or values[index] != values[start]:
            if index - start > 1 and values[start]:
                sheet.merge_cells(start_row=first_row + start, start_column=column,
                                  end_row=first_row + index - 1, end_column=column)
            start = index


def workbook_bytes(sheet: SheetDetail) -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "评分表"
    write_header(ws, COLUMNS, comments=False)
    for item in sheet.items:
        ws.append(safe_row(row_of(item)))
    wrap = Alignment(wrap_text=True, vertical="top")
    for cells in ws.iter_rows(min_row=2, max_row=ws.max_row):
        for cell in cells:
            cell.alignment = wrap
    rows = [row_of(item) for item in sheet.items]
    _merge_runs(ws, 1, [str(r[0]) for r in rows], 2)
    _merge_runs(ws, 2, [f"{r[0]}|{r[1]}" if r[1] else "" for r in rows], 2)
    ws.append([])
    bold = Font(bold=True)
    for label, value in (("总分", sheet.total), ("适用项分值", sheet.applicable_points),
                         ("鼓励项加分", sheet.bonus)):
        ws.append(safe_row([label, _points(value)]))
        ws.cell(row=ws.max_row, column=1).font = bold
    if sheet.grade:
        ws.append(safe_row(["考核等次", sheet.grade]))
        ws.cell(row=ws.max_row, column=1).font = bold
        if sheet.performance_grade:
            ws.append(safe_row(["部门绩效等级", sheet.performance_grade]))
    ws.append(safe_row(["说明", sheet.summary]))
    state = f"{sheet.state_name}" + (f"（{format_local(sheet.locked_at)[:16]} {sheet.locked_by}）"
                                     if sheet.locked_at else "")
    ws.append(safe_row(["评分标准", f"{sheet.criteria_title}（{sheet.criteria_version}）", "", "状态", state]))
    return book_bytes(book)
