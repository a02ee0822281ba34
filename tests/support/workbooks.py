"""Hostile workbooks of the kinds found in issue #10 (finding 3), built small enough for a test and scalable
for the benchmark (bench/hostile_imports.py).

Each is a real .xlsx (a zip of the five parts openpyxl needs), written with zipfile so the sheet XML can be
streamed in: a bomb's expanded size never has to sit in the test's memory.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '</Types>')
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _workbook_xml(title: str) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
            f'<sheets><sheet name="{title}" sheetId="1" r:id="rId1"/></sheets></workbook>')


def _text_cell(text: str) -> str:
    return f'<c t="inlineStr"><is><t>{text}</t></is></c>'


def workbook(sheet_parts: Iterable[str], *, title: str = "风险源", dimension: str | None = None) -> bytes:
    """An .xlsx with one sheet whose ``<sheetData>`` is ``sheet_parts`` joined (streamed into the zip)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        book.writestr("[Content_Types].xml", _CONTENT_TYPES)
        book.writestr("_rels/.rels", _RELS)
        book.writestr("xl/workbook.xml", _workbook_xml(title))
        book.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}">'.encode())
            if dimension:
                sheet.write(f'<dimension ref="{dimension}"/>'.encode())
            sheet.write(b"<sheetData>")
            for part in sheet_parts:
                sheet.write(part.encode())
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


HEADER_ROW = "<row>" + "".join(_text_cell(h) for h in ("名称", "风险类型", "责任单位", "经度", "纬度")) + "</row>"


def bomb(expanded_bytes: int) -> bytes:
    """A sheet of the same row over and over: a few hundred KB on the wire for each 100 MB of XML."""
    row = "<row>" + "<c><v>1</v></c>" * 10 + "</row>"
    repeats = max(1, expanded_bytes // len(row))
    block = row * 1000
    return workbook([HEADER_ROW, *(block for _ in range(repeats // 1000)), row * (repeats % 1000)])


def huge_dimension(rows: int = 100) -> bytes:
    """A small sheet that declares the whole grid Excel allows (A1:XFD1048576), as in the finding."""
    body = ("<row>" + "".join(_text_cell(v) for v in (f"某单位{i}", "九小场所", "某责任单位"))
            + "<c><v>118.78</v></c><c><v>32.04</v></c></row>" for i in range(rows))
    return workbook([HEADER_ROW, *body], dimension="A1:XFD1048576")


def wide_row(columns: int) -> bytes:
    """No declared dimension, but one row reaching column ``columns`` (caught while reading)."""
    return workbook([HEADER_ROW, "<row>" + "<c><v>1</v></c>" * columns + "</row>"])


def many_rows(rows: int) -> bytes:
    """No declared dimension and ``rows`` data rows, each different (compressing as real registers do)."""
    return workbook([HEADER_ROW, *(f"<row>{_text_cell(f'某单位{i * 7919 % 100_003}')}<c><v>{i * 31 % 997}.5</v></c>"
                                   f"<c><v>{i}</v></c></row>" for i in range(rows))])


def long_strings(cells: int, length: int = 1000) -> bytes:
    """Rows of the same long inline string: tiny compressed, and each cell a new string once parsed."""
    row = "<row>" + _text_cell("安" * length) * 10 + "</row>"
    return workbook([HEADER_ROW, *(row for _ in range(cells // 10))])


NOT_A_ZIP = b"name,kind\n\xe4\xb8\x8d\xe6\x98\xaf Excel\n"


def corrupt(data: bytes) -> bytes:
    """A workbook whose zip directory survives but whose members' bytes do not (flipped in the middle)."""
    middle = len(data) // 3
    return data[:middle] + bytes(b ^ 0xFF for b in data[middle:middle + 64]) + data[middle + 64:]
