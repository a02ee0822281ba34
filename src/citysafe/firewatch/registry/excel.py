"""Registry import from an Excel workbook (openpyxl), and the downloadable template.

Sheets, in the order they are applied: 联网单位, 建筑, 传输装置, 部件, 物联网设备. A unit is referred to by
its name, a building by its unit and name, a component's UITD by its address. ``parse_workbook`` reads the
file without the database (in a worker process, up to its timeout); ``import_workbook`` then validates every row
(fields, references, then the real writes inside a savepoint) in the caller's short unit of work, opened only
after the parse so no write lock waits on it (issue #10). The report lists each problem by sheet, row and
column, and if there is any the savepoint is rolled back: a workbook with errors changes nothing.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.core.errors import CitysafeError, field_error
from citysafe.core.geo import Location
from citysafe.core.pagination import PageParams
from citysafe.core.problems import validation_problem
from citysafe.core.sheets.reader import SheetReader
from citysafe.firewatch.enums import IOT_KIND_NAMES_ZH
from citysafe.firewatch.protocols.gb26875.tables import COMPONENT_TYPES, SYSTEM_TYPES
from citysafe.firewatch.registry import service as rs
from citysafe.firewatch.registry.models import Building, FireUnit
from citysafe.firewatch.registry.schemas import (
    BuildingCreate,
    ComponentCreate,
    ImportProblem,
    ImportReport,
    IotDeviceCreate,
    UitdCreate,
    UnitCreate,
)
from citysafe.orgs import service as orgs_service
from citysafe.orgs.schemas import OrganizationCreate, OrganizationFilter


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False


SHEETS: dict[str, tuple[str, tuple[Column, ...]]] = {
    "units": ("联网单位", (
        Column("name", "单位名称", True), Column("uscc", "统一社会信用代码"),
        Column("region_code", "行政区划代码", True),
        Column("address", "地址"), Column("lon", "经度"), Column("lat", "纬度"), Column("crs", "坐标系(wgs84/gcj02)"),
        Column("contact_name", "联系人"), Column("contact_phone", "联系电话"),
        Column("offline_minutes", "离线判定(分钟)"))),
    "buildings": ("建筑", (
        Column("unit", "单位名称", True), Column("name", "建筑名称", True), Column("floors_above", "地上层数"),
        Column("floors_below", "地下层数"))),
    "uitds": ("传输装置", (
        Column("address", "装置地址", True), Column("unit", "单位名称", True), Column("vendor", "厂商"),
        Column("model", "型号"), Column("description", "说明"))),
    "components": ("部件", (
        Column("uitd", "装置地址", True), Column("system_type", "系统类型", True),
        Column("system_address", "系统地址", True), Column("system_name", "系统名称"),
        Column("component_type", "部件类型", True), Column("component_address", "部件地址", True),
        Column("description", "部件说明"), Column("building", "建筑名称"), Column("floor", "楼层"),
        Column("zone", "区域/防火分区"))),
    "iot": ("物联网设备", (
        Column("device_id", "设备编号", True), Column("kind", "设备类型", True), Column("unit", "单位名称", True),
        Column("building", "建筑名称"), Column("floor", "楼层"), Column("zone", "区域"), Column("description", "说明"),
        Column("vendor", "厂商"), Column("thresholds", "阈值(如 low_mpa=0.15;high_mpa=0.8)"))),
}
_KIND_BY_NAME = {name: kind.value for kind, name in IOT_KIND_NAMES_ZH.items()}


def template() -> bytes:
    """The empty workbook to fill in, with a sheet explaining the columns and the type codes."""
    book = Workbook()
    guide = book.active
    assert guide is not None
    guide.title = "填写说明"
    lines = ["每个工作表第一行为表头，请从第二行开始填写；带 * 的列必填。",
             "装置地址：6 字节地址的十进制，或以 0x 开头的 12 位十六进制。",
             "单位以名称引用（本表新增的或系统中已有的联网单位）。", "", "设备类型："]
    lines += [f"  {kind.value}  {name}" for kind, name in IOT_KIND_NAMES_ZH.items()]
    lines += ["", "系统类型（GB/T 26875.3 表4）："] + [f"  {code}  {name}" for code, name in SYSTEM_TYPES.items()]
    lines += ["", "部件类型（表5）："] + [f"  {code}  {name}" for code, name in COMPONENT_TYPES.items()]
    for text in lines:
        guide.append([text])
    for title, columns in SHEETS.values():
        sheet = book.create_sheet(title)
        sheet.append([c.header + (" *" if c.required else "") for c in columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for index in range(len(columns)):
            sheet.column_dimensions[chr(ord("A") + index)].width = 18
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


Row = tuple[int, dict[str, Any]]


@dataclass(frozen=True)
class ParsedWorkbook:
    """The template's sheets as rows by column key, and the problems of their header rows."""

    sheets: dict[str, list[Row]]
    problems: list[ImportProblem]


def parse_workbook(reader: SheetReader, data: bytes) -> ParsedWorkbook:
    """Read the workbook without the database. A file that cannot be read at all (not a workbook, too large or
    malformed: ``core.sheets`` checks it and parses it in a worker process) is a 422 naming ``file``."""
    problems: list[ImportProblem] = []
    titles = {title: key for key, (title, _) in SHEETS.items()}
    tables = reader.read(data, sheets=tuple(titles))
    out: dict[str, list[Row]] = {}
    for title, rows in tables.items():
        if not rows:
            continue
        key, columns = titles[title], SHEETS[titles[title]][1]
        headers = [str(h or "").replace("*", "").strip() for h in rows[0]]
        positions = {c.key: headers.index(c.header) for c in columns if c.header in headers}
        for c in columns:
            if c.required and c.key not in positions:
                problems.append(ImportProblem(sheet=title, row=1, column=c.header, message="column missing",
                                              message_zh="缺少该列"))
        out[key] = []
        for number, values in enumerate(rows[1:], start=2):
            record = {k: values[i] if i < len(values) else None for k, i in positions.items()}
            record = {k: (v.strip() if isinstance(v, str) else v) for k, v in record.items()}
            if all(v in (None, "") for v in record.values()):
                continue
            out[key].append((number, record))
    return ParsedWorkbook(out, problems)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_address(value: Any, field: str = "address") -> int:
    """A device address as a label or a sheet gives it: decimal, or hexadecimal after 0x."""
    text = _text(value).lower().replace(" ", "")
    digits, base = (text[2:], 16) if text.startswith("0x") else (text, 10)
    if digits and all(c in "0123456789abcdef"[:base] for c in digits):
        return int(digits, base)
    raise field_error(field, f"{value!r} is not a decimal or 0x-hex address",
                      f"“{_text(value)}”不是地址：须为十进制数字，或 0x 开头的十六进制")


def _thresholds(value: Any) -> dict[str, float]:
    out: dict[str, float] = {}
    for part in _text(value).replace("；", ";").split(";"):
        if part.strip():
            key, _, number = part.partition("=")
            out[key.strip()] = float(number)
    return out


class _Importer:
    def __init__(self, session: Session, problems: list[ImportProblem]) -> None:
        self.session, self.problems = session, problems
        self.units: dict[str, FireUnit] = {}
        self.counts = dict.fromkeys(SHEETS, 0)

    def problem(self, sheet: str, row: int, column: str, message: str, message_zh: str = "") -> None:
        self.problems.append(ImportProblem(sheet=sheet, row=row, column=column, message=message,
                                           message_zh=message_zh or message))

    def unit(self, name: str) -> FireUnit | None:
        if name not in self.units:
            found = self.session.execute(select(FireUnit).where(FireUnit.name == name)).scalars().first()
            if found is None:
                return None
            self.units[name] = found
        return self.units[name]

    def run(self, key: str, rows: list[Row], make: Callable[[dict[str, Any]], bool | None]) -> None:
        title, columns = SHEETS[key]
        headers = {c.key: c.header for c in columns}
        for number, record in rows:
            missing = [c for c in columns if c.required and record.get(c.key) in (None, "")]
            for c in missing:
                self.problem(title, number, c.header, "required", "必填")
            if missing:
                continue
            try:
                with self.session.begin_nested():
                    created = make(record)
                self.counts[key] += created is not False
            except ValidationError as exc:  # each refused field in its column, in Chinese as the API says it
                for field in validation_problem([dict(e) for e in exc.errors()]).fields:
                    parts = field.field.split(".")
                    column = next((headers[p] for p in parts if p in headers), field.field)
                    self.problem(title, number, column, field.message, field.message_zh)
            except CitysafeError as exc:
                column = next((headers.get(f.field, f.field) for f in exc.fields), "")
                said = next((f.message_zh for f in exc.fields if f.message_zh), exc.detail_zh)
                self.problem(title, number, column, exc.detail, said)
            except (ValueError, KeyError) as exc:
                self.problem(title, number, "", str(exc), "填写不正确")

    def add_unit(self, r: dict[str, Any]) -> bool:
        """A unit already registered under this name is referred to, not created again (re-imports)."""
        name, uscc = _text(r["name"]), _text(r.get("uscc")) or None
        if self.unit(name) is not None:
            return False
        existing = orgs_service.list_organizations(self.session, filters=OrganizationFilter(uscc=uscc),
                                                   params=PageParams(size=1))[0] if uscc else []
        location = Location(lon=r["lon"], lat=r["lat"], crs=_text(r.get("crs")) or "wgs84") if r.get(
            "lon") not in (None, "") else None
        org = None if existing else OrganizationCreate(
            name=name, kind="networked_unit", region_code=_text(r["region_code"]), uscc=uscc,
            address=_text(r.get("address")), location=location)
        unit_in = UnitCreate(organization_id=existing[0].id if existing else None, organization=org,
                             contact_name=_text(r.get("contact_name")), contact_phone=_text(r.get("contact_phone")),
                             offline_minutes=r.get("offline_minutes") or None)
        self.units[name] = rs.create_unit(self.session, unit_in=unit_in)
        return True

    def _require_unit(self, name: Any) -> FireUnit:
        unit = self.unit(_text(name))
        if unit is None:
            raise field_error("unit", f"no networked unit named {_text(name)!r} (in this workbook or registered)",
                              f"没有名为“{_text(name)}”的联网单位（本表中或系统里）")
        return unit

    def add_building(self, r: dict[str, Any]) -> None:
        unit = self._require_unit(r["unit"])
        rs.add_building(self.session, unit=unit, building_in=BuildingCreate(
            name=_text(r["name"]), floors_above=r.get("floors_above") or 1, floors_below=r.get("floors_below") or 0))

    def add_uitd(self, r: dict[str, Any]) -> None:
        unit = self._require_unit(r["unit"])
        rs.register_uitd(self.session, uitd_in=UitdCreate(
            address=parse_address(r["address"]), unit_id=unit.id, vendor=_text(r.get("vendor")),
            model=_text(r.get("model")), description=_text(r.get("description"))))

    def _building_id(self, unit_id: int | None, name: Any) -> int | None:
        if not _text(name):
            return None
        found = self.session.execute(select(Building.id).where(Building.unit_id == unit_id,
                                                               Building.name == _text(name))).scalar()
        if found is None:
            raise field_error("building", f"no building {_text(name)!r} in the unit",
                              f"该单位没有名为“{_text(name)}”的建筑")
        return int(found)

    def add_component(self, r: dict[str, Any]) -> None:
        uitd = rs.get_uitd(self.session, address=parse_address(r["uitd"], "uitd"))
        rs.add_component(self.session, uitd=uitd, component_in=ComponentCreate(
            system_type=r["system_type"], system_address=r["system_address"], system_name=_text(r.get("system_name")),
            component_type=r["component_type"],
            component_address=parse_address(r["component_address"], "component_address"),
            description=_text(r.get("description")), building_id=self._building_id(uitd.unit_id, r.get("building")),
            floor=_text(r.get("floor")), zone=_text(r.get("zone"))))

    def add_iot(self, r: dict[str, Any]) -> None:
        unit = self._require_unit(r["unit"])
        kind = _KIND_BY_NAME.get(_text(r["kind"]), _text(r["kind"]))
        rs.register_iot_device(self.session, device_in=IotDeviceCreate.model_validate({
            "device_id": _text(r["device_id"]), "kind": kind, "unit_id": unit.id,
            "building_id": self._building_id(unit.id, r.get("building")), "floor": _text(r.get("floor")),
            "zone": _text(r.get("zone")), "description": _text(r.get("description")),
            "vendor": _text(r.get("vendor")), "thresholds": _thresholds(r.get("thresholds"))}))


def import_workbook(session: Session, *, parsed: ParsedWorkbook, dry_run: bool = False) -> ImportReport:
    """Validate and apply a parsed template; nothing is kept when there is any problem (or dry_run)."""
    problems, sheets = list(parsed.problems), parsed.sheets
    importer = _Importer(session, problems)
    outer = session.begin_nested()
    steps = (("units", importer.add_unit), ("buildings", importer.add_building), ("uitds", importer.add_uitd),
             ("components", importer.add_component), ("iot", importer.add_iot))
    for key, make in steps:
        importer.run(key, sheets.get(key, []), make)
    applied = not problems and not dry_run
    if applied:
        outer.commit()
    else:
        outer.rollback()
    return ImportReport(applied=applied, dry_run=dry_run, counts=importer.counts, errors=problems)
