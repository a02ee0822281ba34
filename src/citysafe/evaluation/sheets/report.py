"""The application report (自评报告, or a 考核 sheet's 考核结果报告) rendered with ``core.render`` to DOCX and PDF:
the subject and criteria version, the score by first- and second-level item, every deduction with its rule text,
the items not applicable with their reasons, and the work still open with its owners and deadlines."""

from __future__ import annotations

import tempfile
from pathlib import Path

from citysafe.core.clock import to_local
from citysafe.core.render.document import Cell, Document, cells
from citysafe.core.render.docx import write_docx
from citysafe.core.render.pdf import write_pdf
from citysafe.evaluation.sheets.schemas import Purpose, SheetDetail


def _n(value: float | None) -> str:
    if value is None:
        return "—"
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")


def title_of(sheet: SheetDetail) -> str:
    if sheet.purpose == Purpose.ASSESSMENT:
        return f"{sheet.subject_name}{sheet.year}年度安全生产责任考核结果报告"
    return f"{sheet.subject_name}安全发展示范城市创建{sheet.purpose_name}报告（{sheet.year}年）"


def document(sheet: SheetDetail) -> Document:
    doc = Document(title=title_of(sheet), subtitle=f"依据《{sheet.criteria_title}》（{sheet.criteria_version}）",
                   issuer=sheet.subject_name, date_text=f"{to_local(sheet.locked_at):%Y年%-m月}" if sheet.locked_at
                   else f"{sheet.year}年", meta={"sheet": str(sheet.id)})
    doc.chapter("基本情况")
    grade = f"，考核等次为{sheet.grade}" if sheet.grade else ""
    performance = f"，对应部门绩效等级：{sheet.performance_grade}" if sheet.performance_grade else ""
    doc.para(f"{sheet.subject_name}按《{sheet.criteria_title}》（版本 {sheet.criteria_version}）"
             f"开展{sheet.purpose_name}，评分表状态为“{sheet.state_name}”。"
             f"总分 {_n(sheet.total)} 分{grade}{performance}。")
    doc.para(sheet.summary, "lead")
    doc.chapter("得分情况")
    rows = [[Cell(("　" if level["level"] == 2 else "") + level["label"], bold=level["level"] == 1),
             Cell(_n(level["points"]), align="right"), Cell(_n(level["applicable_points"]), align="right"),
             Cell(_n(level["earned"]), align="right")] for level in sheet.levels]
    rows.append([Cell("合计", bold=True), Cell(_n(sheet.total_points), align="right"),
                 Cell(_n(sheet.applicable_points), align="right"), Cell(_n(sheet.total), align="right", bold=True)])
    doc.table("各级评价项目得分", ["评价项目", "分值", "适用分值", "得分"], rows, widths=[5, 1, 1, 1])
    doc.chapter("扣分说明")
    deducted = [item for item in sheet.items if item.deduction and not item.not_applicable]
    if deducted:
        doc.table("扣分项目及依据", ["评分项", "分值", "扣分", "扣分依据"],
                  [cells([item.label, _n(item.points), _n(item.deduction),
                          "；".join(line.text_zh for line in item.lines)]) for item in deducted],
                  widths=[3, 1, 1, 6])
    else:
        doc.para("各评分项均未扣分。")
    awarded = [item for item in sheet.items if item.bonus and item.score]
    if awarded:
        doc.section("鼓励项")
        doc.bullets([item.explanation for item in awarded])
    doc.chapter("不适用项目说明")
    na = [item for item in sheet.items if item.not_applicable]
    if na:
        doc.table("不适用项目", ["评分项", "分值", "原因说明"],
                  [cells([i.label, _n(i.points), i.na_reason]) for i in na], widths=[3, 1, 6])
    else:
        doc.para("无不适用项目。")
    doc.chapter("整改落实情况")
    open_items = [item for item in sheet.items if not item.done and (item.deduction or item.responsible_units)]
    if open_items:
        doc.table("责任单位、完成时限和进度", ["评分项", "责任单位", "完成时限", "进度"],
                  [cells([i.label, "、".join(i.responsible_units) or "—",
                          f"{i.deadline:%Y-%m-%d}" if i.deadline else "—", i.progress or "—"]) for i in open_items],
                  widths=[3, 2, 1.4, 4])
    else:
        doc.para("各评分项均已落实。")
    unverified = [item.label for item in sheet.items if not item.verified]
    if unverified:
        doc.para(f"注：本版评分标准中有 {len(unverified)} 个评分项尚未与官方文本核实（[U]），其分值和扣分标准以"
                 "管理员维护的版本为准。", "note")
    return doc


def render(sheet: SheetDetail, fmt: str) -> bytes:
    """The report as ``docx`` or ``pdf`` bytes."""
    doc = document(sheet)
    with tempfile.TemporaryDirectory(prefix="citysafe-ev-report-") as folder:
        path = Path(folder) / f"sheet-{sheet.id}.{fmt}"
        if fmt == "docx":
            write_docx(doc, path)
        elif fmt == "pdf":
            write_pdf(doc, path)
        else:
            raise ValueError(fmt)
        return path.read_bytes()
