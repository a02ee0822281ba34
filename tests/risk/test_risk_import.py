"""Importing risk sources from the Excel template, CSV and GeoJSON: all or nothing, row-by-row report."""

from __future__ import annotations

import io
import json
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from risk_helpers import FUZIMIAO, LIUHE_PARK, XUANWU_LAKE

from citysafe.core.geo import wgs84_to_gcj02
from citysafe.risk.service.importfile import COLUMNS


def template(client: TestClient, headers: dict[str, str]) -> Any:
    response = client.get("/api/v1/risk/import/template.xlsx", headers=headers)
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def fill(workbook: Any, rows: list[dict[str, Any]]) -> bytes:
    sheet = workbook["风险源"]
    keys = [c.key for c in COLUMNS]
    for row in rows:
        sheet.append([row.get(k) for k in keys])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client: TestClient, headers: dict[str, str], name: str, content: bytes, **form: str) -> Any:
    return client.post("/api/v1/risk/imports", headers=headers, files={"file": (name, content)}, data=form)


GOOD = [
    {"name": "南京某化工有限公司储罐区", "kind": "危险化学品重大危险源", "lon": LIUHE_PARK[0], "lat": LIUHE_PARK[1],
     "responsible_unit": "南京某化工有限公司", "method": "GB18218", "substances": "氯=25;氨=40", "residents": 120},
    {"name": "夫子庙九小餐饮", "kind": "九小", "lon": FUZIMIAO[0], "lat": FUZIMIAO[1], "responsible_unit": "王某",
     "method": "风险矩阵", "preset": "M2", "likelihood": 3, "severity": 4},
    {"name": "中压燃气管线", "kind": "燃气管网", "geometry": "LINESTRING(118.78 32.04, 118.80 32.045)",
     "responsible_unit": "港华燃气", "method": "LEC", "l": 3, "e": 6, "c": 15},
    {"name": "某立交易涝点", "kind": "waterlogging", "lon": XUANWU_LAKE[0], "lat": XUANWU_LAKE[1],
     "responsible_unit": "玄武区水务局", "method": "直接定级", "level": "较大", "basis": "内涝风险评估报告"},
]


def test_template_has_columns_codes_and_examples(client: TestClient, city: dict[str, str]) -> None:
    workbook = template(client, city)
    assert workbook.sheetnames == ["风险源", "示例", "代码表", "说明"]
    header = [c.value for c in workbook["风险源"][1]]
    assert header[:4] == ["风险源编号", "名称*", "风险领域", "风险类型*"]
    assert workbook["风险源"]["B1"].comment is not None  # every column explains itself
    codes = [row[1] for row in workbook["代码表"].iter_rows(min_row=2, values_only=True) if row[2]]
    assert "危险化学品企业" in codes and "易涝点" in codes
    assert workbook["风险源"].data_validations.dataValidation  # drop-downs for kind, method, CRS, preset


def test_excel_import_creates_and_assesses_every_row(client: TestClient, city: dict[str, str]) -> None:
    report = upload(client, city, "风险源.xlsx", fill(template(client, city), GOOD)).json()
    assert report["ok"] and report["file_format"] == "xlsx"
    assert (report["rows"], report["created"], report["assessed"]) == (4, 4, 4)
    items = {s["name"]: s for s in client.get("/api/v1/risk/sources", headers=city).json()["items"]}
    assert items["南京某化工有限公司储罐区"]["current_level"] == "red"  # R = 2.0 × (4×5 + 2×4) = 56 → grade 2
    assert items["夫子庙九小餐饮"]["current_level"] == "yellow"  # M2: (3,4) → 一般
    assert items["中压燃气管线"]["geometry_type"] == "line" and items["中压燃气管线"]["current_level"] == "orange"
    assert items["某立交易涝点"]["current_level"] == "orange"
    history = client.get(f"/api/v1/risk/sources/{items['夫子庙九小餐饮']['id']}/assessments", headers=city).json()
    assert history[0]["note"].startswith("导入：风险源.xlsx 第 3 行") and history[0]["preset"] == "M2"


def test_one_bad_row_changes_nothing_and_every_problem_is_reported(client: TestClient, city: dict[str, str]) -> None:
    rows = [*GOOD,
            {"name": "", "kind": "九小", "lon": 118.78, "lat": 32.04, "responsible_unit": "x"},  # row 6
            {"name": "外省", "kind": "九小", "lon": 121.47, "lat": 31.23, "responsible_unit": "x"},  # row 7
            {"name": "未知物质", "kind": "重大危险源", "lon": LIUHE_PARK[0], "lat": LIUHE_PARK[1],
             "responsible_unit": "x", "method": "GB18218", "substances": "水=9", "residents": 1},  # row 8
            {"name": "坏分值", "kind": "危化品企业", "lon": LIUHE_PARK[0], "lat": LIUHE_PARK[1],
             "responsible_unit": "x", "method": "LEC", "l": 7, "e": 6, "c": 3},  # row 9
            {"name": "无类型", "lon": LIUHE_PARK[0], "lat": LIUHE_PARK[1], "responsible_unit": "x"}]  # row 10
    response = upload(client, city, "有错.xlsx", fill(template(client, city), rows))
    assert response.status_code == 422
    problems = response.json()["errors"]
    assert [p["field"].split(":")[0] for p in problems] == ["row 6", "row 7", "row 8", "row 9", "row 10"]
    by_row = {p["field"].split(":")[0]: p for p in problems}
    assert by_row["row 6"]["message_zh"] == "名称为必填项"
    assert "不在您管辖的区县范围内" in by_row["row 7"]["message_zh"]
    assert "'水' is not in GB 18218-2018 Table 1" in by_row["row 8"]["message"]
    assert "L must be one of" in by_row["row 9"]["message"]
    assert "风险类型无法识别" in by_row["row 10"]["message_zh"]
    assert client.get("/api/v1/risk/sources", headers=city).json()["total"] == 0


def test_reimport_updates_by_code_without_repeating_assessments(client: TestClient, city: dict[str, str]) -> None:
    rows = [dict(GOOD[1], code="NJ-JX-0001")]
    first = upload(client, city, "a.xlsx", fill(template(client, city), rows)).json()
    assert first["created"] == 1
    second = upload(client, city, "a.xlsx", fill(template(client, city), rows)).json()
    assert (second["created"], second["updated"], second["assessed"], second["unchanged"]) == (0, 1, 0, 1)
    changed = [dict(rows[0], severity=5, address="新地址")]
    third = upload(client, city, "a.xlsx", fill(template(client, city), changed)).json()
    assert (third["updated"], third["assessed"]) == (1, 1)
    source = client.get("/api/v1/risk/sources", headers=city).json()["items"][0]
    assert source["code"] == "NJ-JX-0001" and source["address"] == "新地址" and source["current_level"] == "orange"


def test_csv_in_gbk_with_gcj02_coordinates(client: TestClient, city: dict[str, str]) -> None:
    lon, lat = wgs84_to_gcj02(*FUZIMIAO)
    text = "名称*,风险类型*,经度,纬度,责任单位*,评估方法,L（可能性）,E（暴露频率）,C（后果）\n" \
           f"秦淮区某网吧,九小场所,{lon:.7f},{lat:.7f},张某,LEC,1,6,7\n"
    report = upload(client, city, "list.csv", text.encode("gb18030"), crs="gcj02").json()
    assert report["ok"] and report["crs"] == "gcj02"
    source = client.get("/api/v1/risk/sources", headers=city).json()["items"][0]
    assert abs(source["lon"] - FUZIMIAO[0]) < 1e-6 and source["region_code"] == "320104"


def test_geojson_import_and_a_dry_run(client: TestClient, city: dict[str, str]) -> None:
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"名称": "八卦洲洪涝风险区", "风险类型": "洪涝风险区",
                                           "责任单位": "南京市水务局", "method": "given", "level": "red",
                                           "basis": "风险普查"},
         "geometry": {"type": "Polygon", "coordinates": [[[118.80, 32.16], [118.84, 32.16], [118.84, 32.18],
                                                          [118.80, 32.18], [118.80, 32.16]]]}}]}
    content = json.dumps(collection, ensure_ascii=False).encode()
    dry = upload(client, city, "flood.geojson", content, dry_run="true").json()
    assert dry["ok"] and dry["dry_run"] and dry["created"] == 0
    assert client.get("/api/v1/risk/sources", headers=city).json()["total"] == 0
    report = upload(client, city, "flood.geojson", content).json()
    assert report["created"] == 1 and report["import_id"] is not None
    source = client.get("/api/v1/risk/sources", headers=city).json()["items"][0]
    assert source["geometry_type"] == "polygon" and source["current_level"] == "red"


def test_duplicate_codes_and_unreadable_files(client: TestClient, city: dict[str, str]) -> None:
    rows = [dict(GOOD[1], code="DUP-1"), dict(GOOD[3], code="DUP-1")]
    problems = upload(client, city, "d.xlsx", fill(template(client, city), rows)).json()["errors"]
    assert problems[0]["field"] == "row 3: code" and "与第 2 行重复" in problems[0]["message_zh"]
    unreadable = upload(client, city, "x.xlsx", b"PK\x03\x04 not really a workbook")
    assert unreadable.status_code == 422 and "Excel" in unreadable.json()["detail_zh"]
    empty = upload(client, city, "e.csv", "名称,风险类型\n".encode())
    assert empty.status_code == 422 and empty.json()["errors"][0]["message_zh"] == "文件中没有数据行"
    assert upload(client, city, "x.pdf", b"%PDF-1.7").status_code == 422
