"""Excel import of teams and of depot stock (row by row, all or nothing: ``core.sheets.rows``)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.core.geo import Location
from citysafe.core.sheets import rows as tabular
from citysafe.emergency.resources import depots, service
from citysafe.emergency.resources.calc.codes import StockCodeError, validate_stock_code
from citysafe.emergency.resources.models import Depot
from citysafe.emergency.resources.schemas import (
    SPECIALTY_NAMES_ZH,
    TEAM_KIND_NAMES_ZH,
    EquipmentItem,
    StockIn,
    TeamCreate,
    TeamKind,
)
from citysafe.regions import service as regions_service

C = tabular.Column
POINT = (C("lon", "经度", True, "WGS84 经度，如 118.7969"), C("lat", "纬度", True, "WGS84 纬度，如 32.0603"),
         C("crs", "坐标系", False, "空白为 WGS84；高德/腾讯地图取点填 GCJ02"))
TEAMS = tabular.SheetSpec(
    kind="teams", title_zh="救援队伍", name="救援队伍",
    columns=(C("name", "队伍名称", True, width=28),
             C("kind", "队伍类型", True, "、".join(TEAM_KIND_NAMES_ZH.values()), 18),
             C("specialty", "专业方向", False, "专业救援基地必填：" + "、".join(SPECIALTY_NAMES_ZH.values())),
             C("region_code", "行政区划代码", True, "所属区县（6位）、街道（9位）或社区（12位）代码", 16),
             *POINT, C("address", "地址", width=28), C("headcount", "人数", help_zh="整数"),
             C("equipment", "车辆装备", help_zh="名称×数量，分号分隔，如 水罐消防车×2；抢险救援车×1", width=30),
             C("contact_name", "联系人"), C("contact_phone", "联系电话", width=16)),
    example={"name": "南京市消防救援支队特勤一站", "kind": "消防救援站", "region_code": "320102", "lon": 118.7969,
             "lat": 32.0603, "address": "南京市玄武区中山路100号", "headcount": 36,
             "equipment": "水罐消防车×2；抢险救援车×1；举高喷射消防车×1", "contact_name": "王站长",
             "contact_phone": "025-84000119"})
STOCK = tabular.SheetSpec(
    kind="stock", title_zh="储备库库存", name="库存",
    columns=(C("depot", "储备库名称", True, "须为已登记的储备库", 26),
             C("code", "物资代码", True,
               "GB/T 38565-2020 七位代码：第1位大类 1/2/3，其后中类、小类、细类各两位 01–99", 12),
             C("name", "物资名称", True, width=18), C("unit", "计量单位", True, width=10),
             C("quantity", "数量", True, "整数"), C("expires_on", "有效期至", help_zh="如 2027-06-30；无有效期留空")),
    example={"depot": "南京市应急物资储备库", "code": "1010101", "name": "棉帐篷", "unit": "顶", "quantity": 500,
             "expires_on": "2029-12-31"},
    notes=(("物资代码", "GB/T 38565-2020《应急物资分类及编码》5.2：四层七位代码。"
                       "大类 1 基本生活保障物资、2 应急装备及配套物资、"
                       "3 工程材料与机械加工设备；中类、小类、细类各两位，99 为收容类目。"),))
_EQUIPMENT = re.compile(r"^(.+?)\s*[×xX*]\s*(\d+)$")


def _equipment(row: tabular.Row) -> list[EquipmentItem]:
    items = []
    for part in re.split(r"[;；,，、\n]", tabular.cell_text(row.cells.get("equipment"))):
        part = part.strip()
        if not part:
            continue
        found = _EQUIPMENT.match(part)
        name, count = (found.group(1), int(found.group(2))) if found else (part, 1)
        items.append(EquipmentItem(name=name[:100], count=count))
    return items


def _check_team(row: tabular.Row) -> None:
    v = row.values
    v["name"] = row.text("name", required=True)
    v["kind"] = row.choice("kind", {k.value: n for k, n in TEAM_KIND_NAMES_ZH.items()})
    v["specialty"] = row.choice("specialty", SPECIALTY_NAMES_ZH, required=v["kind"] == TeamKind.PROFESSIONAL_BASE)
    v["region_code"] = row.division()
    v["point"] = row.point()
    v["address"] = row.text("address", limit=300)
    v["headcount"] = int(row.numeric("headcount", whole=True))
    v["equipment"] = _equipment(row)
    v["contact_name"], v["contact_phone"] = row.text("contact_name", limit=50), row.text("contact_phone", limit=30)


def _check_regions(session: Session, rows: list[tabular.Row]) -> None:
    known = regions_service.names(session, codes={r.values["region_code"] for r in rows})
    for row in rows:
        tabular.in_scope(session, row, row.values["region_code"], known)


def _write_teams(session: Session, rows: list[tabular.Row], now: datetime) -> None:
    for row in rows:
        v = row.values
        lon, lat = v["point"]
        data = TeamCreate(name=v["name"], kind=TeamKind(v["kind"]), specialty=v["specialty"],
                          region_code=v["region_code"], location=Location(lon=lon, lat=lat), address=v["address"],
                          headcount=v["headcount"], equipment=v["equipment"], contact_name=v["contact_name"],
                          contact_phone=v["contact_phone"])
        service.create_team(session, data=data, now=now)


def import_teams(session: Session, *, rows: list[list[Any]], file_name: str, dry_run: bool,
                 now: datetime) -> tabular.ImportReport:
    return tabular.run(session, spec=TEAMS, rows=rows, file_name=file_name, dry_run=dry_run, check=_check_team,
                       check_all=_check_regions, write=lambda s, r: _write_teams(s, r, now),
                       label=lambda r: tabular.cell_text(r.cells.get("name")))


def _check_stock(row: tabular.Row) -> None:
    v = row.values
    v["depot"] = row.text("depot", required=True)
    code = tabular.cell_text(row.cells.get("code"))
    try:
        v["code"] = validate_stock_code(code)
    except StockCodeError as exc:
        row.refuse("code", str(exc), exc.zh if code else "物资代码必填")
    v["name"], v["unit"] = row.text("name", required=True, limit=100), row.text("unit", required=True, limit=20)
    v["quantity"] = int(row.numeric("quantity", required=True, whole=True))
    v["expires_on"] = row.day("expires_on")


def _check_depots(session: Session, rows: list[tabular.Row]) -> None:
    names = {r.values["depot"] for r in rows}
    found = dict(session.execute(select(Depot.name, Depot.id).where(Depot.name.in_(names))).tuples().all())
    seen: dict[tuple[str, str, date | None], int] = {}
    for row in rows:
        v = row.values
        if v["depot"] not in found:
            row.refuse("depot", f"no depot named {v['depot']!r} in your region",
                       f"未找到储备库“{v['depot']}”（须先登记，且在您的辖区内）")
            continue
        v["depot_id"] = found[v["depot"]]
        key = (v["depot"], v["code"], v["expires_on"])
        if key in seen:
            row.refuse("code", f"the same batch as row {seen[key]}",
                       f"与第 {seen[key]} 行为同一批次（储备库、代码、有效期相同）")
        seen.setdefault(key, row.number)


def _write_stock(session: Session, rows: list[tabular.Row], now: datetime) -> None:
    for row in rows:
        v = row.values
        depot = depots.get_depot(session, depot_id=v["depot_id"])
        depots.put_stock(session, depot=depot, now=now, line=StockIn(
            code=v["code"], name=v["name"], unit=v["unit"], quantity=v["quantity"], expires_on=v["expires_on"]))


def import_stock(session: Session, *, rows: list[list[Any]], file_name: str, dry_run: bool,
                 now: datetime) -> tabular.ImportReport:
    return tabular.run(session, spec=STOCK, rows=rows, file_name=file_name, dry_run=dry_run, check=_check_stock,
                       check_all=_check_depots, write=lambda s, r: _write_stock(s, r, now),
                       label=lambda r: f"{tabular.cell_text(r.cells.get('depot'))} "
                                       f"{tabular.cell_text(r.cells.get('name'))}".strip())
