"""Registry API: units, buildings, UITDs, components, IoT devices, binding past alarms, Excel import."""

from __future__ import annotations

import io
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from tests.conftest import UserFactory
from tests.firewatch.fw_support import FIRE, T0, component_frame, ingest

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.firewatch.registry.excel import SHEETS

API = "/api/v1/firewatch"


def _unit(client: TestClient, headers: dict[str, str], name: str = "南京钟山商业广场",
          region: str = "320102002") -> dict[str, Any]:
    response = client.post(f"{API}/units", headers=headers, json={
        "organization": {"name": name, "kind": "networked_unit", "region_code": region, "address": "中山东路9号",
                         "location": {"lon": 118.80, "lat": 32.04}},
        "contact_name": "李强", "contact_phone": "13900000000"})
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_register_unit_building_uitd_component_iot(client: TestClient, make_user: UserFactory) -> None:
    headers = make_user("city_office", "320100")
    unit = _unit(client, headers)
    assert unit["region_code"] == "320102002" and unit["lon"] == 118.80
    building = client.post(f"{API}/units/{unit['id']}/buildings", headers=headers,
                           json={"name": "A座", "floors_above": 30, "floors_below": 3}).json()
    uitd = client.post(f"{API}/uitds", headers=headers, json={"address": 0x0102030405, "unit_id": unit["id"],
                                                              "vendor": "海湾"})
    assert uitd.status_code == 201 and uitd.json()["address_hex"] == "000102030405"
    again = client.post(f"{API}/uitds", headers=headers, json={"address": 0x0102030405, "unit_id": unit["id"]})
    assert again.status_code == 409
    component = client.post(f"{API}/uitds/{0x0102030405}/components", headers=headers, json={
        "system_type": 1, "system_address": 1, "system_name": "火灾报警系统", "component_type": 42,
        "component_address": 0x00060011, "description": "光电感烟", "building_id": building["id"], "floor": "12层",
        "zone": "东区"})
    assert component.status_code == 201, component.text
    listed = client.get(f"{API}/uitds/{0x0102030405}/components", headers=headers).json()
    assert [c["zone"] for c in listed] == ["东区"]
    device = client.post(f"{API}/iot-devices", headers=headers, json={
        "device_id": "NJ-HP-0001", "kind": "hydrant_pressure", "unit_id": unit["id"], "building_id": building["id"],
        "thresholds": {"low_mpa": 0.15}})
    assert device.status_code == 201 and device.json()["thresholds"] == {"low_mpa": 0.15}
    bad = client.post(f"{API}/iot-devices", headers=headers, json={
        "device_id": "NJ-HP-0002", "kind": "hydrant_pressure", "unit_id": unit["id"], "thresholds": {"lo": 1}})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].endswith("thresholds")
    assert client.get(f"{API}/units", params={"q": "钟山"}, headers=headers).json()["total"] == 1
    assert client.get(f"{API}/iot-devices", headers=headers).json()["total"] == 1
    grid = make_user("grid_officer", "320102")
    assert client.post(f"{API}/uitds", headers=grid, json={"address": 7, "unit_id": unit["id"]}).status_code == 403


def test_bind_unregistered_device_attaches_past_alarms(client: TestClient, ctx: AppContext,
                                                       make_user: UserFactory) -> None:
    headers = make_user("district_office", "320102")
    ingest(ctx, [component_frame(889, FIRE)], FixedClock(T0))
    # the device was parked in the unregistered region, outside this district user's scope
    assert client.get(f"{API}/alarms", headers=headers).json()["total"] == 0
    unit = _unit(client, headers)
    # the district cannot see where the device is parked: its bind is a claim the city office approves
    claimed = client.post(f"{API}/uitds/889/bind", headers=headers, json={"unit_id": unit["id"]})
    assert claimed.status_code == 202, claimed.text
    city = make_user("city_office", "320100")
    approved = client.post(f"{API}/claims/{claimed.json()['id']}/approve", headers=city)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved" and approved.json()["alarms_attached"] == 1
    [alarm] = client.get(f"{API}/alarms", headers=headers).json()["items"]
    assert alarm["unit_id"] == unit["id"] and not alarm["unregistered"] and alarm["region_code"] == "320102002"
    uitd = client.get(f"{API}/uitds/889", headers=headers).json()
    assert uitd["registered"] and uitd["unit_id"] == unit["id"]
    # new frames land on the unit straight away (the ingest cache follows the registry)
    [later] = ingest(ctx, [component_frame(889, FIRE, component_address=3)], FixedClock(T0))
    detail = client.get(f"{API}/alarms/{later.alarms_raised[0]}", headers=headers).json()
    assert detail["unit_id"] == unit["id"]


def _workbook(rows: dict[str, list[list[Any]]]) -> bytes:
    book = Workbook()
    for key, (title, columns) in SHEETS.items():
        sheet = book.create_sheet(title)
        sheet.append([c.header + (" *" if c.required else "") for c in columns])
        for row in rows.get(key, []):
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


GOOD = {
    "units": [["南京栖霞实验学校", None, "320113", "栖霞区学府路1号", 118.9, 32.1, "wgs84", "张静", "13700000000", 60]],
    "buildings": [["南京栖霞实验学校", "教学楼", 5, 1]],
    "uitds": [["0x000000100200", "南京栖霞实验学校", "利达", "LD-128", ""]],
    "components": [["0x000000100200", 1, 1, "火灾报警系统", 42, 131082, "走廊感烟", "教学楼", "2层", "东区"],
                   ["1049088", 1, 1, None, 23, 131083, "手报", "教学楼", "2层", "东区"]],
    "iot": [["QX-SMK-1", "独立式感烟探测器", "南京栖霞实验学校", "教学楼", "3层", "西区", "", "", ""],
            ["QX-HP-1", "hydrant_pressure", "南京栖霞实验学校", None, None, None, None, None, "low_mpa=0.2"]],
}


def test_template_downloads_and_import_applies(client: TestClient, make_user: UserFactory) -> None:
    headers = make_user("city_office", "320100")
    template = client.get(f"{API}/registry/template", headers=headers)
    assert template.status_code == 200 and template.headers["content-type"].startswith("application/vnd.openxml")
    book = load_workbook(io.BytesIO(template.content))
    assert {"填写说明", "联网单位", "建筑", "传输装置", "部件", "物联网设备"} <= set(book.sheetnames)
    data = _workbook(GOOD)
    dry = client.post(f"{API}/registry/import", params={"dry_run": True}, headers=headers,
                      files={"file": ("r.xlsx", data)}).json()
    assert dry["errors"] == [] and not dry["applied"] and dry["counts"]["components"] == 2
    assert client.get(f"{API}/units", headers=headers).json()["total"] == 0
    report = client.post(f"{API}/registry/import", headers=headers, files={"file": ("r.xlsx", data)}).json()
    assert report["applied"] and report["counts"] == {"units": 1, "buildings": 1, "uitds": 1, "components": 2,
                                                      "iot": 2}
    [unit] = client.get(f"{API}/units", headers=headers).json()["items"]
    assert unit["offline_minutes"] == 60 and unit["region_code"] == "320113"
    comps = client.get(f"{API}/uitds/{0x100200}/components", headers=headers).json()
    assert {c["component_address"] for c in comps} == {131082, 131083}
    devices = {d["device_id"]: d for d in client.get(f"{API}/iot-devices", headers=headers).json()["items"]}
    assert devices["QX-SMK-1"]["kind"] == "smoke" and devices["QX-HP-1"]["thresholds"] == {"low_mpa": 0.2}


def test_import_with_errors_changes_nothing_and_reports_each_row(client: TestClient, make_user: UserFactory) -> None:
    headers = make_user("city_office", "320100")
    rows = {k: [list(r) for r in v] for k, v in GOOD.items()}
    rows["units"].append(["南京无区划单位", None, "12", "", None, None, None, None, None, None])
    rows["buildings"].append(["不存在的单位", "X楼", 1, 0])
    rows["components"].append(["0x000000100200", 1, 1, None, 40, "abc", "坏地址", None, None, None])
    rows["iot"].append(["QX-GAS-1", "toaster", "南京栖霞实验学校", None, None, None, None, None, None])
    report = client.post(f"{API}/registry/import", headers=headers,
                         files={"file": ("r.xlsx", _workbook(rows))}).json()
    assert not report["applied"]
    where = {(e["sheet"], e["row"]) for e in report["errors"]}
    assert where == {("联网单位", 3), ("建筑", 3), ("部件", 4), ("物联网设备", 4)}
    assert all(e["message"] and e["message_zh"] for e in report["errors"])
    assert client.get(f"{API}/units", headers=headers).json()["total"] == 0
    assert client.get(f"{API}/uitds", headers=headers).json()["total"] == 0
    garbage = client.post(f"{API}/registry/import", headers=headers, files={"file": ("r.xlsx", b"not excel")})
    assert garbage.status_code == 422 and garbage.json()["errors"][0]["field"] == "file"
    assert "不是有效的 Excel 工作簿" in garbage.json()["detail_zh"]
