"""Excel/CSV import of shelters and of communities' populations (row by row, all or nothing)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.core.geo import Location
from citysafe.core.sheets import rows as tabular
from citysafe.emergency.resources.importer import POINT
from citysafe.emergency.shelters import service
from citysafe.emergency.shelters.models import Shelter
from citysafe.emergency.shelters.schemas import (
    DURATION_NAMES_ZH,
    FACILITIES_ZH,
    FUNCTION_NAMES_ZH,
    GRADE_NAMES_ZH,
    KIND_NAMES_ZH,
    SPACE_NAMES_ZH,
    ShelterIn,
)
from citysafe.regions import service as regions_service

C = tabular.Column
SHELTERS = tabular.SheetSpec(
    kind="shelters", title_zh="应急避难场所", name="避难场所",
    columns=(C("name", "场所名称", True, width=28), C("grade", "等级", True, "、".join(GRADE_NAMES_ZH.values())),
             C("space", "空间类型", True, "室内型、室外型"), C("function", "功能类型", True, "综合性、单一性"),
             C("duration", "避难时长", True, "紧急、短期、长期"),
             C("kind", "场所类型", True, "、".join(KIND_NAMES_ZH.values())),
             C("region_code", "行政区划代码", True, width=16), *POINT, C("address", "地址", width=28),
             C("effective_area_m2", "有效避难面积（m²）", True, "大于 0 的数字，单位平方米", 16),
             C("facilities", "配套设施", help_zh="以顿号分隔：" + "、".join(FACILITIES_ZH.values()), width=40),
             C("manager", "管理人"), C("phone", "联系电话", width=16)),
    example={"name": "玄武湖公园应急避难场所", "grade": "市级", "space": "室外型", "function": "综合性",
             "duration": "短期", "kind": "公园绿地", "region_code": "320102", "lon": 118.7935, "lat": 32.0760,
             "address": "南京市玄武区玄武巷1号", "effective_area_m2": 120000,
             "facilities": "帐篷/简易房、医疗救护和卫生防疫、应急供水、应急供电、应急厕所、应急通道、应急标志",
             "manager": "张主任", "phone": "025-83614286"},
    notes=(("容量", "容量 = 有效避难面积 ÷ 该避难时长类别的人均面积（默认 1.5 m²，GB 21734-2008 5.4），由系统计算。"),))
POPULATION = tabular.SheetSpec(
    kind="population", title_zh="社区人口", name="社区人口",
    columns=(C("region_code", "社区代码", True, "12 位社区（村）代码", 16), C("population", "常住人口", True, "整数"),
             *POINT, C("source", "数据来源", width=24)),
    example={"region_code": "320102002001", "population": 8650, "lon": 118.7945, "lat": 32.0451,
             "source": "2025年网格人口统计"},
    notes=(("代表点", "社区人口集中处的一点（如社区居委会），用于计算到避难场所的距离。"),))


def _check_shelter(row: tabular.Row) -> None:
    v = row.values
    v["name"] = row.text("name", required=True)
    for key, names in (("grade", GRADE_NAMES_ZH), ("space", SPACE_NAMES_ZH), ("function", FUNCTION_NAMES_ZH),
                       ("duration", DURATION_NAMES_ZH), ("kind", KIND_NAMES_ZH)):
        v[key] = row.choice(key, names)
    v["region_code"] = row.division()
    v["point"] = row.point()
    v["address"] = row.text("address", limit=300)
    v["effective_area_m2"] = row.numeric("effective_area_m2", required=True, positive=True)
    by_name = {name: code for code, name in FACILITIES_ZH.items()}
    chosen = []
    for part in re.split(r"[、;；,，\n]", tabular.cell_text(row.cells.get("facilities"))):
        part = part.strip()
        if part and part not in by_name and part not in FACILITIES_ZH:
            row.refuse("facilities", f"unknown facility {part[:20]!r}", f"未知的配套设施“{part[:20]}”")
        elif part:
            chosen.append(by_name.get(part, part))
    v["facilities"] = chosen
    v["manager"], v["phone"] = row.text("manager", limit=50), row.text("phone", limit=30)


def _check_shelters(session: Session, rows: list[tabular.Row]) -> None:
    known = regions_service.names(session, codes={r.values["region_code"] for r in rows})
    names = {r.values["name"] for r in rows}
    taken = set(session.scalars(select(Shelter.name).where(Shelter.name.in_(names))
                                .execution_options(skip_scope=True)))
    seen: dict[str, int] = {}
    for row in rows:
        tabular.in_scope(session, row, row.values["region_code"], known)
        name = row.values["name"]
        if name in taken:
            row.refuse("name", "a shelter of this name exists", f"已有名为“{name}”的避难场所")
        elif name in seen:
            row.refuse("name", f"the same name as row {seen[name]}", f"与第 {seen[name]} 行名称重复")
        seen.setdefault(name, row.number)


def _write_shelters(session: Session, rows: list[tabular.Row], now: datetime) -> None:
    for row in rows:
        v = row.values
        lon, lat = v["point"]
        data = ShelterIn(**{k: v[k] for k in ("name", "grade", "space", "function", "duration", "kind", "region_code",
                                               "address", "effective_area_m2", "facilities", "manager", "phone")},
                         location=Location(lon=lon, lat=lat))
        service.save_shelter(session, data=data, now=now)


def import_shelters(session: Session, *, rows: list[list[Any]], file_name: str, dry_run: bool,
                    now: datetime) -> tabular.ImportReport:
    return tabular.run(session, spec=SHELTERS, rows=rows, file_name=file_name, dry_run=dry_run,
                       check=_check_shelter, check_all=_check_shelters, write=lambda s, r: _write_shelters(s, r, now),
                       label=lambda r: tabular.cell_text(r.cells.get("name")))


def _check_population(row: tabular.Row) -> None:
    v = row.values
    v["region_code"] = row.division(digits=(12,))
    v["population"] = int(row.numeric("population", required=True, whole=True))
    v["point"] = row.point()
    v["source"] = row.text("source")


def _check_communities(session: Session, rows: list[tabular.Row]) -> None:
    known = regions_service.names(session, codes={r.values["region_code"] for r in rows})
    seen: dict[str, int] = {}
    for row in rows:
        code = row.values["region_code"]
        tabular.in_scope(session, row, code, known)
        if code in seen:
            row.refuse("region_code", f"the same community as row {seen[code]}", f"与第 {seen[code]} 行为同一社区")
        seen.setdefault(code, row.number)


def _write_populations(session: Session, rows: list[tabular.Row], now: datetime, file_name: str) -> None:
    for row in rows:
        v = row.values
        lon, lat = v["point"]
        service.set_population(session, region_code=v["region_code"], population=v["population"], lon=lon, lat=lat,
                               source=v["source"] or file_name, now=now)


def import_populations(session: Session, *, rows: list[list[Any]], file_name: str, dry_run: bool,
                       now: datetime) -> tabular.ImportReport:
    """Re-importing a community replaces its figure (one row per community)."""
    return tabular.run(session, spec=POPULATION, rows=rows, file_name=file_name, dry_run=dry_run,
                       check=_check_population, check_all=_check_communities,
                       write=lambda s, r: _write_populations(s, r, now, file_name),
                       label=lambda r: tabular.cell_text(r.cells.get("region_code")))
