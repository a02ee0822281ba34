"""Importing risk sources: validate every row, report row by row, and write only a clean file.

Two steps, so the slow one holds no database: ``parse_file`` reads the file (a workbook in a worker process, up
to its timeout) before any unit of work is open, and ``import_sources`` validates the parsed rows in a reader's
transaction and writes them in batches of short transactions (``importwrite``) — a write transaction open during
the parse or the whole write would hold SQLite's write lock, and the fire gateway's alarms would wait for it
(issue #10). Validation runs to the end even after the first error so one round of corrections fixes the file;
if any row has an error nothing is written.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from citysafe.core.db import Units
from citysafe.core.errors import CitysafeError
from citysafe.core.pagination import PageParams
from citysafe.core.scope import current_scope
from citysafe.core.sheets.reader import SheetReader
from citysafe.orgs import service as orgs_service
from citysafe.orgs.schemas import OrganizationFilter
from citysafe.regions import service as regions_service
from citysafe.risk.calc.levels import RiskLevel
from citysafe.risk.calc.method import ParamError, number_cell
from citysafe.risk.calc.registry import METHODS, find_method
from citysafe.risk.enums import KINDS, parse_category, parse_kind
from citysafe.risk.rules import DynamicRule
from citysafe.risk.schemas import ImportProblem, ImportReport, SourceCreate
from citysafe.risk.service import boundaries, sources
from citysafe.risk.service.assessments import evaluate
from citysafe.risk.service.geometry import GeometryError, Placed, from_wkt, place, point
from citysafe.risk.service.importfile import RawRow, read_rows
from citysafe.risk.service.importwrite import Batching, CheckedRow, Signed, write_in_batches

_CRS = {"wgs84": "wgs84", "gcj02": "gcj02", "gcj-02": "gcj02", "wgs-84": "wgs84", "火星坐标": "gcj02"}


RowError = ParamError  # a row's cell that cannot be read: its field and the reason in both languages


@dataclass(frozen=True)
class ParsedFile:
    """An uploaded file read into rows, ready to be validated and applied."""

    filename: str
    file_format: str
    rows: list[RawRow]


def parse_file(*, filename: str, content: bytes, reader: SheetReader) -> ParsedFile:
    """Read the file without the database; call it before opening the unit of work that applies it."""
    fmt, raws = read_rows(reader, filename, content)
    return ParsedFile(filename=filename, file_format=fmt, rows=raws)


def _geometry(raw: RawRow, crs: str) -> Placed:
    values = raw.values
    if raw.geometry is not None:
        geometry = raw.geometry
    elif values.get("geometry"):
        text = values["geometry"]
        geometry = json.loads(text) if text.lstrip().startswith("{") else from_wkt(text)
    elif values.get("lon") or values.get("lat"):
        lon, lat = number_cell(values, "lon", "经度"), number_cell(values, "lat", "纬度")
        if lon is None or lat is None:
            raise RowError("lon", "give both longitude and latitude", "经度、纬度须同时填写")
        geometry = point(lon, lat)
    else:
        raise RowError("geometry", "give 经度/纬度 or a WKT geometry", "缺少位置：请填写经度、纬度或几何（WKT）")
    return place(geometry, crs)


class _Orgs:
    """Organisations by credit code, looked up once each (within the importer's scope)."""

    def __init__(self, session: Session) -> None:
        self.session, self.cache = session, dict[str, tuple[int, str] | None]()

    def find(self, uscc: str) -> tuple[int, str] | None:
        key = uscc.strip().upper()
        if key not in self.cache:
            items, _ = orgs_service.list_organizations(self.session, filters=OrganizationFilter(uscc=key),
                                                       params=PageParams(page=1, size=1))
            self.cache[key] = (items[0].id, items[0].name) if items else None
        return self.cache[key]


def check_row(session: Session, raw: RawRow, *, crs: str, orgs: _Orgs, grade_levels: Mapping[int, RiskLevel],
              ) -> CheckedRow:
    values = raw.values
    if not values.get("name"):
        raise RowError("name", "name is required", "名称为必填项")
    try:
        kind = parse_kind(values.get("kind", ""))
        if values.get("category") and parse_category(values["category"]) != KINDS[kind].category:
            raise RowError("category", f"kind {kind} belongs to {KINDS[kind].category.value}",
                           f"风险类型“{KINDS[kind].name_zh}”不属于风险领域“{values['category']}”")
    except ValueError as exc:
        raise RowError("kind", str(exc), f"风险类型无法识别：“{values.get('kind', '')}”（见模板“代码表”）") from None
    row_crs = _CRS.get(values.get("crs", "").replace(" ", "").lower(), "") if values.get("crs") else crs
    if not row_crs:
        raise RowError("crs", f"unknown coordinate system {values['crs']!r}", "坐标系须为 WGS84 或 GCJ02")
    try:
        placed = _geometry(raw, row_crs)
    except GeometryError as exc:
        raise RowError("geometry", str(exc), exc.message_zh) from None
    except json.JSONDecodeError:
        raise RowError("geometry", "geometry is neither WKT nor GeoJSON", "几何既不是 WKT 也不是 GeoJSON") from None
    org: tuple[int, str] | None = None
    if values.get("uscc"):
        org = orgs.find(values["uscc"])
        if org is None:
            raise RowError("uscc", f"no registered organisation with credit code {values['uscc']}",
                           f"未找到统一社会信用代码为 {values['uscc']} 的已登记单位")
    if not values.get("responsible_unit") and org is None:
        raise RowError("responsible_unit", "responsible unit is required", "责任单位为必填项")
    outcome = None
    if values.get("method", "").strip():
        method = find_method(values["method"])
        if method is None:
            raise RowError("method", f"unknown method {values['method']!r}",
                           f"评估方法“{values['method']}”无法识别：{' / '.join(m.short_zh for m in METHODS)}")
        params = method.from_cells(values)
        try:
            outcome = evaluate(method.code, params, grade_levels=grade_levels)
        except ValueError as exc:
            line = str(exc).splitlines()[0]
            raise RowError("method", line, f"评估参数有误：{line}") from None
    try:
        source_in = SourceCreate(
            code=values.get("code") or None, name=values["name"], kind=kind, geometry=placed.geometry,
            region_code=values.get("region_code") or None, address=values.get("address", ""),
            organization_id=org[0] if org else None, responsible_unit=values.get("responsible_unit", ""),
            supervising_department=values.get("supervising_department", ""),
            attributes={"note": values["note"]} if values.get("note") else {})
    except ValueError as exc:
        raise RowError("code", str(exc).splitlines()[-1], "编号或行政区划代码格式有误") from None
    return CheckedRow(raw, source_in, placed, source_in.region_code, org[1] if org else "", outcome)


def _locate(session: Session, rows: Sequence[CheckedRow], scope_code: str, problems: list[ImportProblem]) -> None:
    """Fill in each row's division: vectorised over the file, county first, then street."""
    root = regions_service.get(session, code=scope_code)
    pending = [r for r in rows if r.given_region is None]
    if root.level in ("province", "city"):
        counties = boundaries.locate(session, region=root, level="district",
                                     lon=[r.placed.lon for r in pending], lat=[r.placed.lat for r in pending])
    else:
        # A county, street or community office imports its own division: each point must lie in the county.
        own = boundaries.map_units(session, [regions_service.get(session, code=root.code[:6])])
        inside = [not own or boundaries.distance_outside(own[0], r.placed.lon, r.placed.lat)
                  <= sources.DISTRICT_TOLERANCE_DEG for r in pending]
        counties = [root.code[:6] if ok else None for ok in inside]
    by_county: dict[str, list[CheckedRow]] = defaultdict(list)
    for row, county in zip(pending, counties, strict=True):
        if county is None:
            problems.append(_problem(row.raw.row, RowError(
                "lon", f"no county of your region contains {row.placed.lon}, {row.placed.lat}",
                f"坐标 {row.placed.lon}, {row.placed.lat} 不在您管辖的区县范围内（请核对坐标系 GCJ02/WGS84）")))
        elif root.level in ("street", "community"):
            row.region_code = root.code
        else:
            by_county[county].append(row)
    for county, group in by_county.items():
        streets = boundaries.locate(session, region=regions_service.get(session, code=county), level="street",
                                    lon=[r.placed.lon for r in group], lat=[r.placed.lat for r in group])
        for row, street in zip(group, streets, strict=True):
            row.region_code = street or county
    for row in rows:
        if row.given_region is None:
            continue
        try:
            row.region_code = sources.resolve_region(session, lon=row.placed.lon, lat=row.placed.lat,
                                                     given=row.given_region, scope_code=scope_code)
        except CitysafeError as exc:
            problems.append(ImportProblem(row=row.raw.row, field="region_code", message=exc.detail,
                                          message_zh=exc.detail_zh or exc.detail))


def _problem(row: int, exc: RowError) -> ImportProblem:
    return ImportProblem(row=row, field=exc.field, message=exc.message, message_zh=exc.message_zh)


def _check_codes(session: Session, rows: Sequence[CheckedRow], problems: list[ImportProblem]) -> None:
    seen: dict[str, int] = {}
    for row in rows:
        code = row.source_in.code
        if not code:
            continue
        if code in seen:
            problems.append(_problem(row.raw.row, RowError("code", f"code {code} repeats row {seen[code]}",
                                                           f"编号 {code} 与第 {seen[code]} 行重复")))
            continue
        seen[code] = row.raw.row
        row.existing = sources.get_by_code(session, code=code)
        if row.existing is None and sources.code_taken(session, code):
            problems.append(_problem(row.raw.row, RowError("code", f"code {code} belongs to another region",
                                                           f"编号 {code} 已被其他辖区的风险源使用")))


def validate(session: Session, *, parsed: ParsedFile, crs: str, scope_code: str,
             grade_levels: Mapping[int, RiskLevel], dry_run: bool = False) -> tuple[ImportReport, list[CheckedRow]]:
    """Check every row (reads only): the report with every row's problems, and the rows ready to write."""
    raws = parsed.rows
    problems: list[ImportProblem] = []
    checked: list[CheckedRow] = []
    orgs = _Orgs(session)
    for raw in raws:
        try:
            checked.append(check_row(session, raw, crs=crs, orgs=orgs, grade_levels=grade_levels))
        except RowError as exc:
            problems.append(_problem(raw.row, exc))
    _check_codes(session, checked, problems)
    _locate(session, checked, scope_code, problems)
    report = ImportReport(ok=not problems and bool(raws), dry_run=dry_run, file_format=parsed.file_format, crs=crs,
                          rows=len(raws), errors=sorted(problems, key=lambda p: p.row))
    if not raws:
        report.errors.append(ImportProblem(row=0, field="file", message="the file has no data rows",
                                           message_zh="文件中没有数据行"))
    return report, checked


def import_sources(units: Units, *, parsed: ParsedFile, crs: str, scope_code: str, actor: str, actor_name: str,
                   at: datetime, grade_levels: Mapping[int, RiskLevel], rules: Sequence[DynamicRule],
                   dry_run: bool = False, batching: Batching | None = None) -> ImportReport:
    """Validate the parsed rows in a reader and, when every one is clean and this is no dry run, write them in
    batches of short transactions (``importwrite``): the write lock is held for one batch at a time."""
    with units.read() as session:
        report, checked = validate(session, parsed=parsed, crs=crs, scope_code=scope_code,
                                   grade_levels=grade_levels, dry_run=dry_run)
    if report.errors or dry_run:
        return report
    signed = Signed(filename=parsed.filename, file_format=parsed.file_format, crs=crs, scope_code=scope_code,
                    actor=actor, actor_name=actor_name, at=at)
    write_in_batches(units, checked, signed=signed, report=report, rules=rules, batching=batching or Batching())
    return report


def scope_code_of(session: Session, fallback: str) -> str:
    scope = current_scope(session)
    return scope.region_code if scope is not None else fallback
