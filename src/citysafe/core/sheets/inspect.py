"""What an .xlsx declares about itself, checked before any parser sees it (zipfile and a bounded regex only).

An .xlsx is a zip of XML parts. Everything that made the server stall or grow is visible without
expanding the parts: the central directory holds each member's expanded size, and a worksheet states its
extent in ``<dimension ref="A1:XFD1048576"/>`` near its start. Nothing here reads more than
``DIMENSION_PEEK`` expanded bytes of any member.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass

# The dimension element comes second in a worksheet (after the optional <sheetPr>, CT_Worksheet in
# ECMA-376 §18.3.1.99); 64 KiB holds it in any file Excel, WPS or openpyxl writes.
DIMENSION_PEEK = 64 * 1024
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\bref=\"([A-Za-z]{1,3})(\d{1,7})(?::([A-Za-z]{1,3})(\d{1,7}))?\"")
_WORKSHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$")
# Only members this large have their ratio checked: tiny parts (rels, styles) compress oddly well anyway.
_RATIO_FLOOR = 1024 * 1024


class Refused(Exception):
    """The workbook will not be read; the reason in English and Chinese (``args``, so it pickles)."""

    def __init__(self, message: str, message_zh: str) -> None:
        super().__init__(message, message_zh)
        self.message, self.message_zh = message, message_zh


@dataclass(frozen=True)
class SheetLimits:
    """The caps one read is held to (made from the settings; see ``core.config`` for why each is what it is)."""

    max_rows: int
    max_columns: int
    max_expanded_bytes: int
    max_members: int
    max_ratio: int


def column_number(letters: str) -> int:
    number = 0
    for char in letters.upper():
        number = number * 26 + ord(char) - ord("A") + 1
    return number


def declared_extent(head: bytes) -> tuple[int, int] | None:
    """(rows, columns) a worksheet declares in the first bytes of its XML, or None when it declares none."""
    found = _DIMENSION.search(head)
    if found is None:
        return None
    first_col, first_row, last_col, last_row = found.groups()
    if last_col is None:
        return 1, 1
    rows = int(last_row) - int(first_row) + 1
    columns = column_number(last_col.decode()) - column_number(first_col.decode()) + 1
    return max(rows, 1), max(columns, 1)


def too_many(rows: int, columns: int, limits: SheetLimits) -> Refused | None:
    """The refusal for a sheet of this extent (a header row and ``max_rows`` of data are allowed)."""
    if rows > limits.max_rows + 1:
        return Refused(f"a sheet has {rows} rows; at most {limits.max_rows} data rows are read",
                       f"工作表有 {rows} 行，超过上限（最多 {limits.max_rows} 行数据），请拆分文件")
    if columns > limits.max_columns:
        return Refused(f"a sheet has {columns} columns; at most {limits.max_columns} are read",
                       f"工作表有 {columns} 列，超过上限（最多 {limits.max_columns} 列），请使用导入模板")
    return None


def _check_member(info: zipfile.ZipInfo, limits: SheetLimits) -> None:
    if info.flag_bits & 0x1:
        raise Refused("the workbook is encrypted", "文件已加密，请另存为不加密的 .xlsx 后上传")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.filename.startswith("/") \
            or ".." in info.filename.split("/"):
        raise Refused(f"the workbook has an unexpected part {info.filename[:80]!r}",
                      "文件结构异常，不是标准的 Excel 工作簿，请另存为 .xlsx 后上传")
    if info.file_size >= _RATIO_FLOOR and info.file_size > limits.max_ratio * max(info.compress_size, 1):
        raise Refused(f"a part expands {info.file_size // max(info.compress_size, 1)}-fold; refused as a zip bomb",
                      "文件过大或结构异常：其中内容的压缩比异常，疑似压缩炸弹，已拒绝读取")


def inspect_xlsx(data: bytes, limits: SheetLimits) -> None:
    """Refuse (``Refused``) a workbook that is not a zip, is corrupt, encrypted, expands past the limits or
    declares a sheet larger than the caps; return quietly otherwise. Costs a directory read and 64 KiB per sheet."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise Refused("not an Excel workbook (.xlsx is a zip file)",
                      "文件不是有效的 Excel 工作簿（.xlsx），请使用导入模板") from None
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_members:
            raise Refused(f"the workbook has {len(members)} parts; at most {limits.max_members}",
                          f"文件过大或结构异常：包含 {len(members)} 个部件（上限 {limits.max_members}）")
        for info in members:
            _check_member(info, limits)
        expanded = sum(info.file_size for info in members)
        if expanded > limits.max_expanded_bytes:
            mb = limits.max_expanded_bytes // (1024 * 1024)
            raise Refused(f"the workbook expands to {expanded // (1024 * 1024)} MB; at most {mb} MB",
                          f"文件过大或结构异常：解压后 {expanded // (1024 * 1024)} MB，超过 {mb} MB 上限，请拆分文件")
        for info in members:
            if _WORKSHEET.match(info.filename):
                _check_dimension(archive, info, limits)


def _check_dimension(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: SheetLimits) -> None:
    try:
        with archive.open(info) as part:
            head = part.read(DIMENSION_PEEK)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
        raise Refused("the workbook is damaged (a part cannot be expanded)",
                      "文件已损坏，无法读取，请重新保存后上传") from None
    extent = declared_extent(head)
    refusal = too_many(*extent, limits) if extent else None
    if refusal is not None:
        raise refusal
