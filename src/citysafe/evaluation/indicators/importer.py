"""Import of the indicators' denominators from Excel or CSV, units normalised from the headers.

The header row names each column and its unit: 地区生产总值（亿元）or（万元）, 常住人口（万人）or（人）,
工矿商贸就业人员（万人）or（人）, 机动车保有量（辆）or（万辆）, 在用特种设备（台）or（万台）; GDP and the two
population columns must say their unit. Values are stored as 亿元 and whole counts. A cell that is not a
plain number — "3.2%", "5000亿元", "约八百万" — is refused with its row and column named, never read as
something it may not be; nothing is saved unless every row is good.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from citysafe.core.errors import FieldProblem, ValidationFailed, field_error
from citysafe.core.validators import validate_division_code
from citysafe.evaluation.indicators.schemas import BaseRowIn

SHEET = "指标分母"
_PLAIN = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)$")
_NUMBER_THEN_TEXT = re.compile(r"^\s*[-+]?\d[\d.]*\s*\S+")
MAX_ROWS = 2000


@dataclass(frozen=True)
class Unit:
    name: str  # as written in the header
    scale: Decimal  # multiply the cell by this to get the stored unit


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    label: str  # the Chinese column name for messages
    words: tuple[str, ...]  # a header containing one of these is this column
    units: tuple[Unit, ...]  # the first unit named in the header wins; order: longest first
    default_unit: Unit | None  # None: the header must say its unit


_WAN = Decimal(10_000)
COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("gdp_yi", "地区生产总值", ("生产总值", "GDP", "gdp"),
               (Unit("亿元", Decimal(1)), Unit("万元", Decimal(1) / _WAN)), None),
    ColumnSpec("vehicles", "机动车保有量", ("机动车",), (Unit("万辆", _WAN), Unit("辆", Decimal(1))),
               Unit("辆", Decimal(1))),
    ColumnSpec("industrial_employees", "工矿商贸就业人员", ("工矿商贸", "就业人员"),
               (Unit("万人", _WAN), Unit("人", Decimal(1))), None),
    ColumnSpec("residents", "常住人口", ("常住人口", "人口"), (Unit("万人", _WAN), Unit("人", Decimal(1))), None),
    ColumnSpec("special_equipment_units", "在用特种设备", ("特种设备",), (Unit("万台", _WAN), Unit("台", Decimal(1))),
               Unit("台", Decimal(1))),
)
KEYS = {"region_code": ("行政区划代码", "区划代码"), "year": ("年份", "年度"),
        "source_note": ("数据来源", "来源", "备注")}
TEMPLATE_HEADER = ("行政区划代码", "年份", "地区生产总值（亿元）", "机动车保有量（辆）", "常住人口（万人）",
                   "工矿商贸就业人员（人）", "在用特种设备（台）", "数据来源")


def _header(cells: Sequence[Any]) -> tuple[dict[str, int], dict[str, Unit], list[FieldProblem]]:
    where: dict[str, int] = {}
    units: dict[str, Unit] = {}
    problems: list[FieldProblem] = []
    for index, cell in enumerate(cells):
        text = str(cell or "").strip()
        if not text:
            continue
        for key, words in KEYS.items():
            if key not in where and any(w in text for w in words):
                where[key] = index
                break
        else:
            for spec in COLUMNS:
                if spec.key in where or not any(w in text for w in spec.words):
                    continue
                unit = next((u for u in spec.units if u.name in text), spec.default_unit)
                if unit is None:
                    names = [u.name for u in spec.units]
                    problems.append(FieldProblem(
                        f"header: {spec.key}", f"column {text!r} must say its unit ({' or '.join(names)})",
                        f"第 1 行「{text}」未注明单位，请写明{'或'.join(names)}，如“{spec.label}（{names[0]}）”"))
                else:
                    where[spec.key], units[spec.key] = index, unit
                break
    if "year" not in where:
        problems.append(FieldProblem("header: year", "no 年份 column", "缺少“年份”列"))
    if not any(spec.key in where for spec in COLUMNS):
        problems.append(FieldProblem("header", "no denominator column",
                                     "没有可识别的分母列（地区生产总值、机动车保有量、常住人口等）"))
    return where, units, problems


def _number(value: Any) -> tuple[Decimal | None, str]:
    """The cell as an exact decimal, or None and why it is not one (Chinese)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, ""
    if isinstance(value, bool):
        return None, "应为数字"
    if isinstance(value, int | float):
        if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
            return None, "应为有限数字"
        return Decimal(str(value)), ""
    text = str(value).strip().replace(",", "").replace("，", "")
    if text.endswith(("%", "％", "‰")):
        return None, f"“{value}”是百分数，本列应填数量而非比率；请填原始数字（比率由平台计算）"
    if _PLAIN.match(text):
        try:
            return Decimal(text), ""
        except InvalidOperation:
            return None, "应为数字"
    if _NUMBER_THEN_TEXT.match(text):
        return None, f"“{value}”带有单位或文字，请只填数字，单位写在表头"
    return None, f"“{value}”不是数字"


def check(rows: Sequence[Sequence[Any]], *, default_region: str,
          file_name: str = "") -> tuple[list[BaseRowIn], dict[str, str]]:
    """Every row checked; all problems of the file raised together (422), naming row and column."""
    if not rows:
        raise field_error("file", "the file holds no rows", "文件中没有数据")
    where, units, problems = _header(rows[0])
    labels = {spec.key: spec.label for spec in COLUMNS} | {"year": "年份", "region_code": "行政区划代码"}
    out: list[BaseRowIn] = []
    seen: dict[tuple[str, int], int] = {}
    data_rows = [(n, r) for n, r in enumerate(rows[1:], start=2) if any(str(c or "").strip() for c in r)]
    if not problems and not data_rows:
        problems.append(FieldProblem("file", "the file holds no data row", "表头下没有数据行"))
    if len(data_rows) > MAX_ROWS:
        problems.append(FieldProblem("file", f"more than {MAX_ROWS} rows", f"超过 {MAX_ROWS} 行，请拆分文件"))
    if problems:
        _raise(problems, file_name)

    def refuse(number: int, key: str, message_zh: str) -> None:
        problems.append(FieldProblem(f"row {number}: {key}", f"row {number}, column {labels[key]}: {message_zh}",
                                     f"第 {number} 行「{labels[key]}」：{message_zh}"))

    for number, row in data_rows:
        def cell(key: str, row: Sequence[Any] = row) -> Any:
            index = where.get(key)
            return row[index] if index is not None and index < len(row) else None

        region = str(cell("region_code") or "").strip() or default_region
        try:
            region = validate_division_code(region.split(".")[0])
        except ValueError:
            refuse(number, "region_code", f"“{region}”不是有效的行政区划代码")
        year_value, why = _number(cell("year"))
        year = int(year_value) if year_value is not None and year_value == year_value.to_integral_value() else None
        if year is None or not 1990 <= year <= 2200:
            refuse(number, "year", why or "应为 1990–2200 之间的年份，如 2024")
        values: dict[str, Any] = {}
        for spec in COLUMNS:
            if spec.key not in where:
                continue
            raw, why = _number(cell(spec.key))
            if why:
                refuse(number, spec.key, why)
                continue
            if raw is None:
                values[spec.key] = None
                continue
            if raw < 0:
                refuse(number, spec.key, "不能为负数")
                continue
            scaled = raw * units[spec.key].scale
            if spec.key == "gdp_yi":
                values[spec.key] = str(scaled.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))
            elif units[spec.key].scale == 1 and scaled != scaled.to_integral_value():
                refuse(number, spec.key, f"“{cell(spec.key)}”应为整数（{units[spec.key].name}）")
            else:
                values[spec.key] = int(scaled.to_integral_value(rounding=ROUND_HALF_UP))
        if year is not None:
            earlier = seen.get((region, year))
            if earlier is not None:
                refuse(number, "year", f"与第 {earlier} 行重复（同一区划同一年份）")
            seen[(region, year)] = number
        note = str(cell("source_note") or "").strip()[:2000]
        if year is not None:
            out.append(BaseRowIn(region_code=region, year=year, row=number, **values,
                                 source_note=note or (f"导入自 {file_name}" if file_name else "")))
    if problems:
        _raise(problems, file_name)
    return out, {key: unit.name for key, unit in units.items()}


def _raise(problems: list[FieldProblem], file_name: str) -> None:
    raise ValidationFailed(detail=f"{file_name or 'the file'}: {len(problems)} problem(s); nothing was imported",
                           detail_zh=f"文件有 {len(problems)} 处问题，未导入任何数据：" +
                                     "；".join(p.message_zh for p in problems[:5]),
                           fields=problems)
