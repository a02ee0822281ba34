"""Row-by-row import of registry sheets (teams, depot stock, shelters, community populations): the column
spec, cell readers that refuse with a message naming the row and the column, the all-or-nothing run, the
report, and the template workbook. The accident ledger keeps its own run and report (its rows update by
natural key, and its report says new or update per row) but shares ``Column``.

Not imported by this package's ``__init__`` (nor by ``parse``): it needs the database and the scope, which the
worker process that parses workbooks must not load.

A file is checked whole; it is written only when every row is good, in the caller's transaction, so a file
with one bad row writes nothing and its report says what to correct where.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from pydantic import BaseModel
from sqlalchemy.orm import Session

from citysafe.core.errors import FieldProblem, ValidationFailed
from citysafe.core.geo import to_wgs84
from citysafe.core.render.xlsx import safe_row
from citysafe.core.scope import current_scope
from citysafe.core.validators import validate_division_code

_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_REQUIRED_FILL = PatternFill("solid", fgColor="C00000")
_WHITE_BOLD = Font(bold=True, color="FFFFFF")
CRS_WORDS = {"": "wgs84", "wgs84": "wgs84", "wgs-84": "wgs84", "gps": "wgs84", "gcj02": "gcj02", "gcj-02": "gcj02",
             "火星坐标": "gcj02", "高德": "gcj02", "腾讯": "gcj02"}


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    help_zh: str = ""
    width: int = 14


@dataclass(frozen=True)
class SheetSpec:
    kind: str
    title_zh: str
    name: str  # the sheet's name in the workbook
    columns: tuple[Column, ...]
    example: dict[str, Any]
    notes: tuple[tuple[str, str], ...] = ()

    def header_of(self, key: str) -> str:
        return next((c.header for c in self.columns if c.key == key), key)


class RowProblem(BaseModel):
    field: str
    column: str
    message: str
    message_zh: str


class RowReport(BaseModel):
    row: int
    ok: bool
    label: str
    problems: list[RowProblem]


class ImportReport(BaseModel):
    kind: str
    file: str
    dry_run: bool
    applied: bool
    rows: int
    written: int
    errors: int
    report: list[RowReport]


@dataclass
class Row:
    spec: SheetSpec
    number: int
    cells: dict[str, Any]
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)

    def refuse(self, key: str, message: str, message_zh: str) -> None:
        self.problems.append(RowProblem(field=key, column=self.spec.header_of(key), message=message,
                                        message_zh=message_zh))

    def text(self, key: str, *, required: bool = False, limit: int = 200) -> str:
        value = cell_text(self.cells.get(key))
        header = self.spec.header_of(key)
        if required and not value:
            self.refuse(key, "required", f"{header}必填")
        elif len(value) > limit:
            self.refuse(key, f"longer than {limit} characters", f"{header}超过 {limit} 字")
        return value[:limit]

    def numeric(self, key: str, *, required: bool = False, whole: bool = False, positive: bool = False,
               default: float = 0) -> float:
        """A number cell; refused (naming the column) when it is not a number, negative, or zero for ``positive``."""
        raw = self.cells.get(key)
        text = cell_text(raw)
        header = self.spec.header_of(key)
        if text == "":
            if required:
                self.refuse(key, "required", f"{header}必填")
            return default
        try:
            if isinstance(raw, bool):
                raise ValueError
            value = float(text.replace(",", ""))
        except ValueError:
            self.refuse(key, f"not a number: {text[:20]!r}", f"{header}应为数字，现为“{text[:20]}”")
            return default
        if whole and not value.is_integer():
            self.refuse(key, "must be a whole number", f"{header}应为整数，现为 {text[:20]}")
        elif value < 0:
            self.refuse(key, "must not be negative", f"{header}不能为负数（现为 {text[:20]}）")
        elif positive and value == 0:
            self.refuse(key, "must be greater than 0", f"{header}应大于 0（现为 0）")
        return value

    def choice(self, key: str, names: dict[str, str], *, required: bool = True) -> str:
        """A code given by itself or by its Chinese name."""
        text = cell_text(self.cells.get(key))
        header = self.spec.header_of(key)
        if not text and not required:
            return ""
        for code, name in names.items():
            if text in (code, name):
                return code
        self.refuse(key, f"unknown value {text[:20]!r}", f"{header}“{text[:20]}”无效，应为：{'、'.join(names.values())}"
                    if text else f"{header}必填")
        return ""

    def division(self, key: str = "region_code", *, digits: tuple[int, ...] = (6, 9, 12)) -> str:
        text = cell_text(self.cells.get(key))
        header = self.spec.header_of(key)
        try:
            code = validate_division_code(text)
            if len(code) not in digits:
                raise ValueError
        except ValueError:
            self.refuse(key, "not a division code of " + "/".join(map(str, digits)) + " digits",
                        f"{header}“{text[:20]}”无效，应为 {'或'.join(map(str, digits))} 位数字"
                        if text else f"{header}必填")
            return ""
        return code

    def point(self) -> tuple[float, float] | None:
        """经度/纬度/坐标系 as a stored WGS84 point (GCJ-02 converted); None after refusing."""
        lon, lat = self.numeric("lon", required=True), self.numeric("lat", required=True)
        crs_text = cell_text(self.cells.get("crs")).lower()
        crs = CRS_WORDS.get(crs_text)
        if crs is None:
            self.refuse("crs", f"unknown coordinate system {crs_text!r}", "坐标系应为 WGS84 或 GCJ02（高德/腾讯）")
            return None
        if any(p.field in ("lon", "lat") for p in self.problems):
            return None
        try:
            return to_wgs84(lon, lat, crs)
        except ValueError:
            self.refuse("lon", "longitude/latitude out of range", "经纬度超出范围（经度 -180–180，纬度 -90–90）")
            return None

    def day(self, key: str) -> date | None:
        raw = self.cells.get(key)
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, date):
            return raw
        text = cell_text(raw)
        if not text:
            return None
        for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y-%m-%d %H:%M:%S"):
            try:
                return datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        self.refuse(key, f"date cannot be read: {text[:20]!r}",
                    f"{self.spec.header_of(key)}无法识别，请写成 2027-06-30")
        return None


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def csv_rows(data: bytes) -> list[list[Any]]:
    """A CSV upload's rows (UTF-8, with or without BOM; GB18030 as Excel in China saves it)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationFailed(detail="file: the CSV is neither UTF-8 nor GB18030",
                               detail_zh="file：CSV 文件编码应为 UTF-8 或 GB18030",
                               fields=[FieldProblem("file", "unknown encoding", "编码应为 UTF-8 或 GB18030")])
    return [list(r) for r in csv.reader(io.StringIO(text))]


def _rows_of(spec: SheetSpec, rows: Sequence[Sequence[Any]]) -> tuple[list[Row], list[str]]:
    if not rows:
        return [], [c.header for c in spec.columns if c.required]
    by_header = {c.header: c.key for c in spec.columns}
    positions = {i: by_header[h] for i, title in enumerate(rows[0])
                 if (h := cell_text(title).rstrip("*＊").strip()) in by_header}
    missing = [c.header for c in spec.columns if c.required and c.key not in positions.values()]
    data = [Row(spec, number, {key: row[i] if i < len(row) else None for i, key in positions.items()})
            for number, row in enumerate(rows[1:], start=2) if any(cell_text(v) for v in row)]
    return data, missing


def in_scope(session: Session, row: Row, code: str, known: dict[str, str], key: str = "region_code") -> None:
    """The division exists and lies in the caller's region, or the row is refused naming the column."""
    scope = current_scope(session)
    if scope is not None and not scope.covers(code):
        row.refuse(key, f"division {code} is outside your region",
                   f"行政区划 {code} 不在您的管辖范围（{scope.region_code}）内")
    elif code not in known:
        row.refuse(key, f"no division {code}", f"行政区划代码 {code} 不存在")


def run(session: Session, *, spec: SheetSpec, rows: Sequence[Sequence[Any]], file_name: str, dry_run: bool,
        check: Callable[[Row], None], check_all: Callable[[Session, list[Row]], None],
        write: Callable[[Session, list[Row]], None], label: Callable[[Row], str]) -> ImportReport:
    """Check each row (``check``, pure), then the rows against the database (``check_all``); ``write`` them all
    only when none has a problem and this is not a dry run."""
    data, missing = _rows_of(spec, rows)
    for row in data:
        check(row)
    head: list[Row] = []
    if missing or not data:
        first = Row(spec, 1, {})
        if missing:
            first.refuse("file", f"missing columns: {', '.join(missing)}",
                         f"缺少必填列：{'、'.join(missing)}，请使用导入模板")
        else:
            first.refuse("file", "the sheet holds no rows", f"工作表“{spec.name}”中没有数据")
        head.append(first)
    good = [r for r in data if not r.problems]
    if good:
        check_all(session, good)
    everything = head + data
    bad = sum(1 for r in everything if r.problems)
    applied = bad == 0 and not dry_run
    if applied:
        write(session, data)
        session.flush()
    return ImportReport(kind=spec.kind, file=file_name[:200], dry_run=dry_run, applied=applied, rows=len(data),
                        written=len(data) if applied else 0, errors=bad,
                        report=[RowReport(row=r.number, ok=not r.problems, label=label(r) if r.cells else "",
                                          problems=r.problems) for r in everything])


def refusal(report: ImportReport) -> ValidationFailed:
    """The 422 of a file with problems: one entry per problem, naming its row and column."""
    return ValidationFailed(
        detail=f"{report.errors} of {report.rows} row(s) have problems; nothing was imported",
        detail_zh=f"共 {report.rows} 行，其中 {report.errors} 行有问题，未导入任何数据",
        fields=[FieldProblem(f"row {r.row}: {p.field}", p.message, f"第 {r.row} 行 {p.column}：{p.message_zh}")
                for r in report.report for p in r.problems])


def write_header(sheet: Any, columns: Sequence[Column], *, comments: bool) -> None:
    """A template's header row: required columns red and starred, each column's help in its comment."""
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header + ("*" if column.required else ""))
        cell.font, cell.fill = _WHITE_BOLD, _REQUIRED_FILL if column.required else _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        if comments and column.help_zh:
            cell.comment = Comment(column.help_zh, "citysafe")
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"


def template_bytes(spec: SheetSpec) -> bytes:
    """The import template: the empty sheet with its Chinese header (help in each header's comment), an example
    sheet, and the rules."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = spec.name
    write_header(sheet, spec.columns, comments=True)
    example = book.create_sheet("填写示例")
    write_header(example, spec.columns, comments=False)
    example.append(safe_row([spec.example.get(c.key, "") for c in spec.columns]))
    guide = book.create_sheet("说明")
    guide.column_dimensions["A"].width, guide.column_dimensions["B"].width = 16, 90
    guide.append([f"{spec.title_zh}导入模板", ""])
    guide.append(["填写", f"在“{spec.name}”工作表填写，每行一条；红色表头为必填项。“填写示例”工作表不会被导入。"])
    guide.append(["导入规则", "先检查，逐行列出问题（行号、列名、原因）；任一行有问题时整份文件不导入。"])
    guide.append(["坐标", "经纬度默认 WGS84；高德、腾讯地图取的点在“坐标系”列填 GCJ02，导入时换算为 WGS84。"])
    for line in spec.notes:
        guide.append(list(line))
    for col in spec.columns:
        if col.help_zh:
            guide.append([col.header, col.help_zh])
    guide["A1"].font = Font(bold=True, size=14)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
