"""A :class:`~citysafe.core.render.document.Document` as DOCX, built with python-docx from the same blocks
and following common government document practice: 宋体 body with a two-character first-line indent, 黑体
headings, table captions above tables and figure captions below.

Word picks fonts on the reader's machine, so the East Asian font names are the ones Chinese Windows and
WPS ship (宋体, 黑体); Latin text uses Times New Roman / Arial.
"""

from __future__ import annotations

import io
from pathlib import Path

import docx as python_docx
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from citysafe.core.render.document import Bullets, Document, Figure, Heading, PageBreak, Paragraph, Table

BODY_FONT, HEADING_FONT = ("Times New Roman", "宋体"), ("Arial", "黑体")
NAVY = RGBColor(0x0B, 0x3B, 0x66)


def set_font(run_or_style: object, latin: str, east_asian: str, size: float | None = None, *, bold: bool = False,
             colour: RGBColor | None = None) -> None:
    """Latin and East Asian font of a run or a style (Word keeps them apart: ``w:rFonts/@w:eastAsia``)."""
    font = run_or_style.font  # type: ignore[attr-defined]
    font.name = latin
    if size is not None:
        font.size = Pt(size)
    font.bold = bold
    if colour is not None:
        font.color.rgb = colour
    element = run_or_style.element  # type: ignore[attr-defined]
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), east_asian)


def shade_cell(cell: object, colour: str) -> None:
    """A table cell's background colour ("1F4E79" or "#1F4E79")."""
    tc_pr = cell._tc.get_or_add_tcPr()  # type: ignore[attr-defined]
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour.lstrip("#"))
    tc_pr.append(shading)


def _field(paragraph: object, instruction: str, placeholder: str = "") -> None:
    """A Word field (PAGE, TOC …); Word and WPS fill it in when the document opens or is updated."""
    run = paragraph.add_run()  # type: ignore[attr-defined]
    for tag, attrs, text in (("w:fldChar", {"w:fldCharType": "begin"}, None),
                             ("w:instrText", {"xml:space": "preserve"}, instruction),
                             ("w:fldChar", {"w:fldCharType": "separate"}, None)):
        element = OxmlElement(tag)
        for key, value in attrs.items():
            element.set(qn(key), value)
        if text:
            element.text = text
        run._r.append(element)
    if placeholder:
        paragraph.add_run(placeholder)  # type: ignore[attr-defined]
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    paragraph.add_run()._r.append(end)  # type: ignore[attr-defined]


def page_field(paragraph: object) -> None:
    """The page number (a PAGE field) at the end of ``paragraph``."""
    _field(paragraph, "PAGE")


def _setup(docx: DocxDocument, title: str) -> None:
    section = docx.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.2)
    section.left_margin = section.right_margin = Cm(2.2)
    normal = docx.styles["Normal"]
    set_font(normal, *BODY_FONT, 10.5)
    normal.paragraph_format.line_spacing = 1.5
    for name, size in (("Heading 1", 16), ("Heading 2", 13)):
        set_font(docx.styles[name], *HEADING_FONT, size, bold=True, colour=NAVY)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _field(footer, "PAGE")
    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(header.add_run(title), *HEADING_FONT, 8.5, colour=RGBColor(0x6B, 0x72, 0x80))


def _cover(docx: DocxDocument, doc: Document) -> None:
    for _ in range(6):
        docx.add_paragraph()
    for text, size, bold in ((doc.title, 26, True), (doc.subtitle, 14, False)):
        paragraph = docx.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        set_font(paragraph.add_run(text), *HEADING_FONT, size, bold=bold, colour=NAVY)
    band = docx.add_paragraph()
    band.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for colour in ("E02424", "F28C28", "F5D32C", "2F6FDE"):
        run = band.add_run("■■■ ")
        set_font(run, *HEADING_FONT, 16, colour=RGBColor.from_string(colour))
    for _ in range(10):
        docx.add_paragraph()
    for text in (doc.issuer, doc.date_text):
        paragraph = docx.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        set_font(paragraph.add_run(text), *HEADING_FONT, 14)
    docx.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    heading = docx.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(heading.add_run("目　录"), *HEADING_FONT, 18, bold=True)
    _field(docx.add_paragraph(), 'TOC \\o "1-2" \\h \\z \\u', "（目录：在 Word/WPS 中右键“更新域”生成页码）")
    docx.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _caption(docx: DocxDocument, text: str) -> None:
    paragraph = docx.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.first_line_indent = Cm(0)
    set_font(paragraph.add_run(text), *HEADING_FONT, 9.5, bold=True)


def _table(docx: DocxDocument, block: Table) -> None:
    _caption(docx, block.label)
    table = docx.add_table(rows=1, cols=len(block.headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    size = 8 if block.compact else 9
    for cell, text in zip(table.rows[0].cells, block.headers, strict=True):
        cell.text = ""
        set_font(cell.paragraphs[0].add_run(text), *HEADING_FONT, size, bold=True, colour=RGBColor(0xFF, 0xFF, 0xFF))
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        shade_cell(cell, "1F4E79")
    for row in block.rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.first_line_indent = Cm(0)
            paragraph.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT}.get(
                value.align, WD_ALIGN_PARAGRAPH.LEFT)
            set_font(paragraph.add_run(value.text), *HEADING_FONT, size, bold=value.bold)
            if value.fill:
                shade_cell(cell, value.fill)
    if block.widths:
        total = sum(block.widths)
        for row in table.rows:
            for cell, width in zip(row.cells, block.widths, strict=True):
                cell.width = Cm(16.6 * width / total)
    if block.note:
        note = docx.add_paragraph()
        set_font(note.add_run(block.note), *HEADING_FONT, 8.5, colour=RGBColor(0x6B, 0x72, 0x80))
    docx.add_paragraph()


def _figure(docx: DocxDocument, block: Figure) -> None:
    paragraph = docx.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.first_line_indent = Cm(0)
    paragraph.add_run().add_picture(io.BytesIO(block.png), width=Cm(min(block.width_cm, 16.5)))
    _caption(docx, block.label)
    if block.note:
        note = docx.add_paragraph()
        note.alignment = WD_ALIGN_PARAGRAPH.CENTER
        set_font(note.add_run(block.note), *HEADING_FONT, 8.5, colour=RGBColor(0x6B, 0x72, 0x80))


def _notice_title(docx: DocxDocument, doc: Document) -> None:
    for text, size, bold in ((doc.title, 22, True), (doc.subtitle, 14, False)):
        if text:
            paragraph = docx.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            set_font(paragraph.add_run(text), *HEADING_FONT, size, bold=bold)


def _signature(docx: DocxDocument, doc: Document) -> None:
    docx.add_paragraph()
    for text in (doc.issuer, doc.date_text):
        paragraph = docx.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        set_font(paragraph.add_run(text), *BODY_FONT, 12)


def build_docx(doc: Document) -> DocxDocument:
    docx = python_docx.Document()
    _setup(docx, doc.title)
    docx.core_properties.title = doc.title
    docx.core_properties.subject = doc.subtitle
    docx.core_properties.author = doc.issuer
    notice = doc.layout == "notice"
    if notice:
        _notice_title(docx, doc)
    else:
        _cover(docx, doc)
    first_chapter = True
    for block in doc.blocks:
        if isinstance(block, Heading):
            if block.level == 1 and not first_chapter and not notice:  # a notice runs on from page to page
                docx.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            first_chapter = first_chapter and block.level != 1
            docx.add_heading(block.title, level=block.level)
        elif isinstance(block, Paragraph):
            paragraph = docx.add_paragraph()
            indent = block.style == "body"
            paragraph.paragraph_format.first_line_indent = Cm(0.74) if indent else Cm(0)
            size = 9 if block.style == "note" else 10.5
            set_font(paragraph.add_run(block.text), *BODY_FONT, size, bold=block.style == "lead")
        elif isinstance(block, Bullets):
            for item in block.items:
                paragraph = docx.add_paragraph(style="List Bullet")
                set_font(paragraph.add_run(item), *BODY_FONT, 10.5)
        elif isinstance(block, Table):
            _table(docx, block)
        elif isinstance(block, Figure):
            _figure(docx, block)
        elif isinstance(block, PageBreak):
            docx.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    if notice:
        _signature(docx, doc)
    return docx


def write_docx(doc: Document, path: Path) -> Path:
    build_docx(doc).save(str(path))
    return path
