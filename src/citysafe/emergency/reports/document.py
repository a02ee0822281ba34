"""The 事故快报 of one report as DOCX, in the usual layout: the red masthead 事故快报 and the report's kind, 报送单位,
签发人 and time above a red rule; the incident's title; the six items of 493号令 第十二条 as numbered headings; the
casualty figures as a table; the contact at the foot. Built with python-docx through ``core.render.docx``'s
font and shading helpers (宋体 body, 黑体 headings, as the white paper)."""

from __future__ import annotations

import io

import docx as python_docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from citysafe.core.clock import to_local
from citysafe.core.render.docx import BODY_FONT, HEADING_FONT, page_field, set_font, shade_cell
from citysafe.emergency import drill_mode
from citysafe.emergency.calc.clocks import CHANNEL_NAMES_ZH, LEVEL_NAMES_ZH
from citysafe.emergency.models import Incident
from citysafe.emergency.reports.models import IncidentReport
from citysafe.emergency.reports.schemas import ITEM_NAMES_ZH, KIND_NAMES_ZH

RED = RGBColor(0xC0, 0x00, 0x00)
NUMERALS = "一二三四五六"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _chinese_time(report: IncidentReport) -> str:
    local = to_local(report.filed_at)
    return f"{local.year}年{local.month}月{local.day}日{local.hour}时{local.minute:02d}分"


def _rule_below(paragraph: object) -> None:
    """A red rule under the masthead (a paragraph bottom border)."""
    ppr = paragraph._p.get_or_add_pPr()  # type: ignore[attr-defined]
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "18"), ("w:space", "1"), ("w:color", "C00000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    ppr.append(borders)


def _line(docx: python_docx.document.Document, text: str, *, size: float = 12, bold: bool = False,
          heading: bool = False, indent: bool = False, align: WD_ALIGN_PARAGRAPH | None = None) -> object:
    paragraph = docx.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    paragraph.paragraph_format.first_line_indent = Cm(0.85) if indent else Cm(0)
    set_font(paragraph.add_run(text), *(HEADING_FONT if heading else BODY_FONT), size, bold=bold)
    return paragraph


def _figures_table(docx: python_docx.document.Document, report: IncidentReport) -> None:
    headers = ["死亡（人）", "下落不明（人）", "重伤（人）", "轻伤（人）", "直接经济损失（万元）"]
    values = [str(report.deaths), str(report.missing), str(report.serious_injuries), str(report.minor_injuries),
              f"{report.loss_yuan / 10000:,.2f}"]
    table = docx.add_table(rows=2, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = ""
        set_font(cell.paragraphs[0].add_run(text), *HEADING_FONT, 10.5, bold=True)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        shade_cell(cell, "F2DCDB")
    for cell, text in zip(table.rows[1].cells, values, strict=True):
        cell.text = ""
        set_font(cell.paragraphs[0].add_run(text), *BODY_FONT, 12)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER


def build(report: IncidentReport, incident: Incident, *, to_name: str, grade_name: str) -> bytes:
    docx = python_docx.Document()
    section = docx.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    set_font(docx.styles["Normal"], *BODY_FONT, 12)
    docx.styles["Normal"].paragraph_format.line_spacing = Pt(28)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    page_field(footer)
    kind = KIND_NAMES_ZH.get(report.kind, report.kind)
    masthead_text = drill_mode.marked("事故快报", incident)  # 【演练】事故快报 for a drill (drill_mode.py)
    docx.core_properties.title = f"{masthead_text}（{kind}）{incident.title}"
    docx.core_properties.author = report.reporting_unit

    masthead = docx.add_paragraph()
    masthead.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(masthead.add_run(masthead_text), *HEADING_FONT, 36, bold=True, colour=RED)
    _line(docx, f"（{kind} · 第 {report.number} 期 · {CHANNEL_NAMES_ZH.get(report.channel, '')}）", size=14,
                align=WD_ALIGN_PARAGRAPH.CENTER)
    _line(docx, f"报送单位：{report.reporting_unit}　　签发人：{report.issuer or '（未填）'}", size=12)
    stamp = _line(docx, f"报送时间：{_chinese_time(report)}　　报送：{to_name}", size=12)
    _rule_below(stamp)
    _line(docx, incident.title, size=18, bold=True, heading=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _line(docx, f"事件编号 {incident.number}　事故等级 {grade_name}　由{LEVEL_NAMES_ZH.get(report.from_level, '')}"
                f"报{LEVEL_NAMES_ZH.get(report.to_level, '')}", size=10.5, align=WD_ALIGN_PARAGRAPH.CENTER)
    items = [("unit_overview", report.unit_overview), ("time_place_scene", report.time_place_scene),
             ("course", report.course), ("casualties", ""), ("measures", report.measures), ("other", report.other)]
    for numeral, (key, text) in zip(NUMERALS, items, strict=True):
        _line(docx, f"{numeral}、{ITEM_NAMES_ZH[key]}", size=14, heading=True)
        if key == "casualties":
            _line(docx, (f"死亡 {report.deaths} 人，下落不明 {report.missing} 人，重伤 {report.serious_injuries} 人"
                         f"（含急性工业中毒），轻伤 {report.minor_injuries} 人；初步估计直接经济损失 "
                         f"{report.loss_yuan:,} 元。"), indent=True)
            _figures_table(docx, report)
            if report.casualty_note:
                _line(docx, report.casualty_note, indent=True)
        else:
            _line(docx, text or "暂无。", indent=True)
    _line(docx, "")
    _line(docx, f"联系人：{report.reporter}　　联系电话：{report.reporter_phone or '（未填）'}", size=12)
    out = io.BytesIO()
    docx.save(out)
    return out.getvalue()
