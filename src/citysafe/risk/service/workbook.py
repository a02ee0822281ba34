"""The Excel import template (with a code sheet and drop-downs) and the register's Excel export.

The export uses the template's columns, so a city can export its register, correct it in Excel and
import it again: rows with an existing 风险源编号 update that source.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from citysafe.core.render.xlsx import safe_row
from citysafe.risk.calc import lec
from citysafe.risk.calc.levels import RiskLevel
from citysafe.risk.enums import CATEGORIES, KINDS
from citysafe.risk.models import RiskAssessment, RiskSource
from citysafe.risk.service.importfile import COLUMNS

_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_REQUIRED_FILL = PatternFill("solid", fgColor="C00000")
_WHITE_BOLD = Font(bold=True, color="FFFFFF")

EXAMPLES: list[dict[str, Any]] = [
    {"name": "示例：××化工有限公司液氯储罐区", "kind": "危险化学品重大危险源", "lon": 118.8012, "lat": 32.2503,
     "crs": "WGS84", "address": "南京市六合区××路1号", "responsible_unit": "××化工有限公司",
     "method": "GB18218", "substances": "氯=25;氨=40", "residents": 120},
    {"name": "示例：××小区沿街九小场所", "kind": "九小场所", "lon": 118.7781, "lat": 32.0442, "crs": "GCJ02",
     "responsible_unit": "××餐饮店", "method": "风险矩阵", "preset": "M1", "likelihood": 3, "severity": 3},
    {"name": "示例：××燃气中压管线", "kind": "燃气管网及场站",
     "geometry": "LINESTRING(118.70 32.00, 118.75 32.02, 118.80 32.03)", "crs": "WGS84",
     "responsible_unit": "××燃气有限公司", "method": "LEC", "preset": "A", "l": 3, "e": 6, "c": 15},
    {"name": "示例：××立交易涝点", "kind": "易涝点", "lon": 118.7602, "lat": 32.0655,
     "responsible_unit": "××区水务局", "method": "直接定级", "level": "较大", "basis": "2024年城市内涝风险评估报告"},
]


def _header_row(sheet: Any, with_comments: bool) -> None:
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header + ("*" if column.required else ""))
        cell.font = _WHITE_BOLD
        cell.fill = _REQUIRED_FILL if column.required else _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        if with_comments and column.help_zh:
            cell.comment = Comment(column.help_zh, "citysafe")
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "B2"
    sheet.row_dimensions[1].height = 30


def _codes_sheet(workbook: Workbook) -> None:
    sheet = workbook.create_sheet("代码表")
    sheet.append(["风险领域", "风险类型（中文）", "风险类型代码", "默认几何", "默认监管部门", "常用评估方法"])
    for kind in KINDS.values():
        sheet.append([CATEGORIES[kind.category], kind.name_zh, kind.code, kind.geometry.value, kind.department,
                      kind.method])
    sheet.append([])
    sheet.append(["风险等级", "颜色", "代码"])
    for level in (RiskLevel.RED, RiskLevel.ORANGE, RiskLevel.YELLOW, RiskLevel.BLUE):
        sheet.append([level.name_zh, level.colour_zh, level.value])
    sheet.append([])
    sheet.append(["LEC 分级预设", "红（重大）", "橙（较大）", "黄（一般）", "蓝（低）"])
    for name, preset in lec.PRESETS.items():
        sheet.append([name, *reversed(preset.bands.describe())])
    for col, width in zip("ABCDEF", (14, 36, 20, 10, 18, 12), strict=True):
        sheet.column_dimensions[col].width = width
    for cell in sheet[1]:
        cell.font = Font(bold=True)


def _guide_sheet(workbook: Workbook) -> None:
    sheet = workbook.create_sheet("说明")
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 90
    sheet.append(["城市安全风险源导入模板", ""])
    sheet["A1"].font = Font(bold=True, size=14)
    for line in (
        ("导入规则", "在“风险源”工作表填写，每行一个风险源；红色表头为必填项。"
                     "任一行有错误时整份文件不会导入，系统逐行列出错误。"),
        ("坐标", "点位填写经度、纬度；线（管道、管网、隧道、桥梁）和面（渣土场、洪涝风险区等）填写 WKT。"
                 "坐标系支持 WGS84 与 GCJ02（高德/腾讯），入库统一转换为 WGS84。"),
        ("行政区划", "可留空：系统按坐标判定所属区县（已导入街道边界的，判定到街道）。"
                     "填写的区县与坐标相距超过约 1 公里时报错。"),
        ("评估", "LEC：D=L×E×C，按分级预设 A/B 定级；风险矩阵：按 5×5 矩阵预设 M1/M2 查表定级；"
                 "GB18218：按 GB 18218-2018 辨识重大危险源并分级（一、二级→重大风险，三、四级→较大风险，可配置）；"
                 "直接定级：采用第三方评估结论，须填写定级依据。"),
        ("更新", "填写已有风险源编号的行更新该风险源；评估参数与最近一次相同的不重复记录评估。"),
    ):
        sheet.append(list(line))
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _validations(sheet: Any, rows: int) -> None:
    kind_col = get_column_letter(next(i for i, c in enumerate(COLUMNS, start=1) if c.key == "kind"))
    kinds = DataValidation(type="list", formula1=f"=代码表!$B$2:$B${len(KINDS) + 1}", allow_blank=True)
    kinds.error, kinds.errorTitle = "请从代码表选择风险类型", "风险类型"
    sheet.add_data_validation(kinds)
    kinds.add(f"{kind_col}2:{kind_col}{rows}")
    for key, options in (("method", "LEC,风险矩阵,GB18218,直接定级"), ("crs", "WGS84,GCJ02"),
                         ("preset", "A,B,M1,M2"), ("category", ",".join(CATEGORIES.values()))):
        col = get_column_letter(next(i for i, c in enumerate(COLUMNS, start=1) if c.key == key))
        validation = DataValidation(type="list", formula1=f'"{options}"', allow_blank=True)
        sheet.add_data_validation(validation)
        validation.add(f"{col}2:{col}{rows}")


def template_bytes() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "风险源"
    _header_row(sheet, with_comments=True)
    examples = workbook.create_sheet("示例")
    _header_row(examples, with_comments=False)
    for example in EXAMPLES:
        examples.append([example.get(c.key, "") for c in COLUMNS])
    _codes_sheet(workbook)
    _guide_sheet(workbook)
    _validations(sheet, 5000)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _assessment_cells(record: RiskAssessment | None) -> dict[str, Any]:
    if record is None:
        return {}
    inputs = record.inputs
    if record.method == "lec":
        return {"method": "LEC", "preset": record.preset, "l": inputs.get("l"), "e": inputs.get("e"),
                "c": inputs.get("c")}
    if record.method == "matrix":
        return {"method": "风险矩阵", "preset": record.preset, "likelihood": inputs.get("likelihood"),
                "severity": inputs.get("severity")}
    if record.method == "gb18218":
        holdings = ";".join(f"{h.get('substance')}={h.get('quantity_t')}" for h in inputs.get("holdings", [])
                            if h.get("substance"))
        return {"method": "GB18218", "substances": holdings, "residents": inputs.get("population")}
    return {"method": "直接定级", "level": RiskLevel(record.level).name_zh if record.level else "",
            "basis": inputs.get("basis", "")}


def export_bytes(rows: Iterable[tuple[RiskSource, RiskAssessment | None, dict[str, Any]]]) -> bytes:
    """The register in the template's columns plus read-only level columns at the right."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "风险源"
    _header_row(sheet, with_comments=False)
    extra = ["评定等级", "当前等级", "动态调整原因"]
    for offset, title in enumerate(extra, start=len(COLUMNS) + 1):
        cell = sheet.cell(row=1, column=offset, value=title)
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="D9D9D9")
        sheet.column_dimensions[get_column_letter(offset)].width = 14 if offset < len(COLUMNS) + 3 else 40
    for source, latest, geometry in rows:
        values: dict[str, Any] = {
            "code": source.code, "name": source.name, "category": CATEGORIES.get(source.category, source.category),  # type: ignore[call-overload]
            "kind": KINDS[source.kind].name_zh, "crs": "WGS84", "region_code": source.region_code,
            "address": source.address, "responsible_unit": source.responsible_unit,
            "supervising_department": source.supervising_department, "note": (source.attributes or {}).get("note", ""),
        }
        if geometry.get("type") == "Point":
            values["lon"], values["lat"] = geometry["coordinates"][:2]
        else:
            from shapely.geometry import shape

            values["geometry"] = shape(geometry).wkt
        values |= _assessment_cells(latest)
        level_names = [RiskLevel(v).name_zh if v else "" for v in (source.assessed_level, source.current_level)]
        reasons = "；".join(r.get("reason_zh", "") for r in source.level_reasons or [])
        sheet.append(safe_row([values.get(c.key, "") for c in COLUMNS] + [*level_names, reasons]))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
