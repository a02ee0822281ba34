"""Reading risk-source files: the column set shared by the Excel template, CSV and GeoJSON imports.

Each format yields the same raw rows (row number as the user sees it, values by column key, an optional
GeoJSON geometry), so validation is written once. Headers may be the template's Chinese headers (with
or without the ``*`` of required columns) or the English keys.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

from citysafe.core.errors import field_error
from citysafe.core.sheets.reader import SheetReader


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # Chinese header as in the template
    required: bool
    help_zh: str
    width: int = 14


COLUMNS: tuple[Column, ...] = (
    Column("code", "风险源编号", False,
           "可留空，系统按区县自动编号（FX+区县代码+6位序号）；填写已有编号则更新该风险源", 18),
    Column("name", "名称", True, "风险源名称，如“××化工有限公司液氯储罐区”", 30),
    Column("category", "风险领域", False, "城市工业 / 人员密集场所 / 公共设施 / 自然灾害；可留空，由风险类型推定", 12),
    Column("kind", "风险类型", True, "见“代码表”，中文名称或代码均可，如 危险化学品企业、九小场所、易涝点", 20),
    Column("lon", "经度", False, "点位经度（十进制度）；线、面请填写“几何（WKT）”列", 12),
    Column("lat", "纬度", False, "点位纬度（十进制度）", 12),
    Column("geometry", "几何（WKT）", False, "线、面几何：WKT（如 LINESTRING(118.7 32.0, 118.8 32.1)）或 GeoJSON", 30),
    Column("crs", "坐标系", False, "WGS84 或 GCJ02（高德、腾讯地图拾取的坐标为 GCJ02）；留空按导入时选择", 10),
    Column("region_code", "行政区划代码", False, "区县、街道或社区代码；留空则按坐标自动判定", 14),
    Column("address", "地址", False, "详细地址", 30),
    Column("responsible_unit", "责任单位", True, "风险管控责任单位名称（填写了信用代码且已登记的单位可留空）", 26),
    Column("uscc", "统一社会信用代码", False, "责任单位的统一社会信用代码，用于关联已登记单位", 20),
    Column("supervising_department", "监管部门", False, "行业监管部门；留空按风险类型默认（如 应急管理局）", 16),
    Column("method", "评估方法", False, "LEC / 风险矩阵 / GB18218 / 直接定级；留空则暂不评估", 12),
    Column("preset", "分级预设", False, "LEC：A 或 B；风险矩阵：M1 或 M2；留空取 A / M1", 10),
    Column("l", "L（可能性）", False, "LEC 的 L：10, 6, 3, 1, 0.5, 0.2, 0.1", 10),
    Column("e", "E（暴露频率）", False, "LEC 的 E：10, 6, 3, 2, 1, 0.5", 10),
    Column("c", "C（后果）", False, "LEC 的 C：100, 40, 15, 7, 3, 1", 10),
    Column("likelihood", "可能性等级", False, "风险矩阵的可能性 L：1–5", 10),
    Column("severity", "严重性等级", False, "风险矩阵的后果严重性 S：1–5", 10),
    Column("substances", "危险化学品及数量（吨）", False, "GB18218：名称=数量，多个用分号隔开，如 氯=25;氨=40", 26),
    Column("residents", "500米内人数", False, "GB18218：厂区边界外 500 米范围内常住人口数", 12),
    Column("level", "风险等级", False, "直接定级：重大/较大/一般/低 或 红/橙/黄/蓝", 10),
    Column("basis", "定级依据", False, "直接定级的依据，如第三方评估报告名称及编号", 24),
    Column("note", "备注", False, "", 20),
)
COLUMN_KEYS = {c.key for c in COLUMNS}
MAX_ROWS = 20_000


def _header_key(text: str) -> str | None:
    cleaned = "".join(str(text).split()).replace("*", "").replace("(", "（").replace(")", "）")
    for col in COLUMNS:
        if cleaned in (col.key, col.header, col.header.split("（")[0]) or cleaned.casefold() == col.key:
            return col.key
    return None


@dataclass
class RawRow:
    row: int
    values: dict[str, str]
    geometry: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))  # Excel stores 320102 and 5 as floats
    return str(value).strip()


def _rows_from_table(header: list[Any], body: list[tuple[int, list[Any]]]) -> list[RawRow]:
    keys = [_header_key(h) if h is not None else None for h in header]
    if "name" not in keys or "kind" not in keys:
        raise field_error("file", "the header row needs at least 名称 (name) and 风险类型 (kind)",
                          "表头至少须包含“名称”和“风险类型”两列，请使用导入模板")
    rows = []
    for number, cells in body:
        values = {k: _cell(v) for k, v in zip(keys, cells, strict=False) if k is not None}
        if any(values.values()):
            rows.append(RawRow(number, values))
    return rows


def read_xlsx(reader: SheetReader, content: bytes) -> list[RawRow]:
    """The 风险源 sheet (or the first), read by the application's sheet reader: checked before it is parsed and
    parsed in a worker process (``core.sheets``), so a hostile workbook is a 422, never a stalled server."""
    sheets = reader.read(content, sheets=("风险源",), first_if_missing=True)
    all_rows = next(iter(sheets.values()), [])
    if not all_rows:
        return []
    body = [(i, r) for i, r in enumerate(all_rows[1:], start=2)]
    return _rows_from_table(all_rows[0], body)


def read_csv(content: bytes) -> list[RawRow]:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in Chinese Windows saves CSV as GBK
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise field_error("file", "CSV must be UTF-8 or GB18030 text", "CSV 文件须为 UTF-8 或 GBK 编码")
    table = list(csv.reader(io.StringIO(text)))
    if not table:
        return []
    return _rows_from_table(table[0], [(i, r) for i, r in enumerate(table[1:], start=2)])


def read_geojson(content: bytes) -> list[RawRow]:
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise field_error("file", f"not valid GeoJSON: {exc}", "GeoJSON 文件格式错误") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise field_error("file", "GeoJSON must be a FeatureCollection", "GeoJSON 须为 FeatureCollection")
    rows = []
    for number, feature in enumerate(data.get("features") or [], start=1):
        props = feature.get("properties") or {} if isinstance(feature, dict) else {}
        values = {}
        for name, value in props.items():
            key = _header_key(name)
            if key is not None:
                values[key] = _cell(value)
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        rows.append(RawRow(number, values, geometry if isinstance(geometry, dict) else None))
    return rows


def detect_format(filename: str, content: bytes) -> str:
    lower = filename.lower()
    if lower.endswith(".xlsx") or content[:2] == b"PK":
        return "xlsx"
    if lower.endswith((".geojson", ".json")) or content.lstrip()[:1] == b"{":
        return "geojson"
    if lower.endswith((".csv", ".txt")):
        return "csv"
    raise field_error("file", "unsupported file: give .xlsx, .csv or .geojson",
                      "不支持的文件类型：请上传 .xlsx、.csv 或 .geojson 文件")


def read_rows(reader: SheetReader, filename: str, content: bytes) -> tuple[str, list[RawRow]]:
    """The file's format and its rows; no database is touched (see ``imports.parse_file``)."""
    fmt = detect_format(filename, content)
    rows = read_xlsx(reader, content) if fmt == "xlsx" else {"csv": read_csv, "geojson": read_geojson}[fmt](content)
    if len(rows) > MAX_ROWS:
        raise field_error("file", f"at most {MAX_ROWS} rows per import; split the file",
                          f"每次最多导入 {MAX_ROWS} 行，请拆分文件")
    return fmt, rows
