"""The risk source registry through the HTTP API, on SQLite and PostgreSQL."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from risk_helpers import FUZIMIAO, LIUHE_PARK, XUANWU_LAKE, SourceFactory, lec
from tests.conftest import UserFactory

from citysafe.core.geo import wgs84_to_gcj02


def test_point_source_lands_in_its_district_with_defaults(add_source: SourceFactory) -> None:
    source = add_source()
    assert source["region_code"] == "320102"  # 玄武区, derived from the coordinates
    assert source["code"] == "FX320102000001"
    assert source["category"] == "industrial" and source["geometry_type"] == "point"
    assert source["supervising_department"] == "应急管理局"  # the kind's usual department
    assert source["assessed_level"] is None and source["current_level"] is None
    assert [p["name"] for p in source["region_path"]] == ["南京市", "玄武区"]  # the province is above the office
    assert add_source(name="第二家")["code"] == "FX320102000002"


def test_gcj02_input_is_stored_as_wgs84(add_source: SourceFactory) -> None:
    gcj = wgs84_to_gcj02(*FUZIMIAO)
    source = add_source(at=gcj, crs="gcj02")
    assert abs(source["lon"] - FUZIMIAO[0]) < 1e-6 and abs(source["lat"] - FUZIMIAO[1]) < 1e-6
    assert source["region_code"] == "320104"


def test_line_and_area_sources_count_at_a_point_on_them(add_source: SourceFactory) -> None:
    line = add_source(name="燃气中压管线", kind="gas_network",
                      geometry={"type": "LineString", "coordinates": [[118.78, 32.04], [118.80, 32.04]]})
    assert line["geometry_type"] == "line" and line["category"] == "public_facility"
    assert abs(line["lon"] - 118.79) < 1e-6 and abs(line["lat"] - 32.04) < 1e-6  # the middle of the line
    area = add_source(name="江心洲洪涝风险区", kind="flood", geometry={"type": "Polygon", "coordinates": [[
        [118.68, 32.02], [118.70, 32.02], [118.70, 32.04], [118.68, 32.04], [118.68, 32.02]]]})
    assert area["geometry_type"] == "polygon" and area["geometry"]["type"] == "Polygon"
    assert 118.68 < area["lon"] < 118.70 and 32.02 < area["lat"] < 32.04


def test_bad_geometry_is_refused_in_both_languages(client: TestClient, city: dict[str, str],
                                                   add_source: SourceFactory) -> None:
    swapped = add_source(at=(32.07, 118.79), expect=422)
    assert "swapped" in swapped["detail"] and "经纬度是否填反" in swapped["detail_zh"]
    outside = add_source(at=(121.47, 31.23), expect=422)  # Shanghai: outside Nanjing's office
    assert outside["errors"][0]["field"] == "region_code"
    unknown = add_source(kind="volcano", expect=422)
    assert unknown["errors"][0]["field"] == "kind"
    no_unit = client.post("/api/v1/risk/sources", headers=city, json={
        "name": "x", "kind": "bridge", "geometry": {"type": "Point", "coordinates": list(XUANWU_LAKE)}})
    assert no_unit.status_code == 422 and no_unit.json()["errors"][0]["field"] == "responsible_unit"


def test_stated_district_must_match_the_coordinates(add_source: SourceFactory) -> None:
    refused = add_source(region_code="320116", expect=422)  # 六合区, but the point is in 玄武区
    assert "GCJ-02" in refused["detail"] and "坐标系" in refused["detail_zh"]
    assert add_source(region_code="320102")["region_code"] == "320102"


def test_district_office_sees_and_writes_only_its_district(client: TestClient, make_user: UserFactory,
                                                           add_source: SourceFactory) -> None:
    xuanwu = make_user("district_office", "320102")
    own = add_source(headers=xuanwu)
    other = add_source(name="秦淮的", at=FUZIMIAO)
    assert client.get(f"/api/v1/risk/sources/{own['id']}", headers=xuanwu).status_code == 200
    assert client.get(f"/api/v1/risk/sources/{other['id']}", headers=xuanwu).status_code == 404
    listed = client.get("/api/v1/risk/sources", headers=xuanwu).json()
    assert [s["id"] for s in listed["items"]] == [own["id"]]
    refused = add_source(headers=xuanwu, at=FUZIMIAO, expect=422)
    assert refused["errors"][0]["field"] == "region_code"
    assert add_source(headers=xuanwu, region_code="320104", expect=403)["status"] == 403


def test_enterprise_sees_only_its_own_sources(client: TestClient, city: dict[str, str], make_user: UserFactory,
                                              add_source: SourceFactory) -> None:
    org = client.post("/api/v1/organizations", headers=city, json={
        "name": "南京测试化工有限公司", "kind": "enterprise", "region_code": "320116"}).json()
    mine = add_source(at=LIUHE_PARK, organization_id=org["id"], responsible_unit="")
    assert mine["responsible_unit"] == "南京测试化工有限公司"  # taken from the organisation
    add_source(name="别家", at=LIUHE_PARK)
    firm = make_user("enterprise", "320116", organization_id=org["id"])
    listed = client.get("/api/v1/risk/sources", headers=firm).json()
    assert [s["id"] for s in listed["items"]] == [mine["id"]]
    assert add_source(organization_id=999999, expect=422)["errors"][0]["field"] == "organization_id"


def test_list_filters_and_severity_order(client: TestClient, city: dict[str, str], add_source: SourceFactory) -> None:
    add_source(name="低", assessment=lec(1, 1, 1))
    add_source(name="重大", assessment=lec(3, 10, 15))
    add_source(name="九小餐饮", kind="small_venue", at=FUZIMIAO)
    items = client.get("/api/v1/risk/sources", headers=city).json()["items"]
    assert [s["name"] for s in items][:2] == ["重大", "低"]  # most severe first, unassessed last
    red = client.get("/api/v1/risk/sources", headers=city, params={"level": "red"}).json()
    assert [s["name"] for s in red["items"]] == ["重大"]
    crowded = client.get("/api/v1/risk/sources", headers=city, params={"category": "人员密集场所"}).json()
    assert [s["name"] for s in crowded["items"]] == ["九小餐饮"]
    none = client.get("/api/v1/risk/sources", headers=city, params={"level": "none"}).json()
    assert [s["name"] for s in none["items"]] == ["九小餐饮"]
    in_qinhuai = client.get("/api/v1/risk/sources", headers=city, params={"region": "320104"}).json()
    assert in_qinhuai["total"] == 1
    by_text = client.get("/api/v1/risk/sources", headers=city, params={"q": "餐饮"}).json()
    assert by_text["total"] == 1


def test_update_moves_a_source_and_retires_it(client: TestClient, city: dict[str, str],
                                              add_source: SourceFactory) -> None:
    source = add_source()
    moved = client.patch(f"/api/v1/risk/sources/{source['id']}", headers=city, json={
        "geometry": {"type": "Point", "coordinates": list(FUZIMIAO)}, "address": "夫子庙"}).json()
    assert moved["region_code"] == "320104" and moved["address"] == "夫子庙"
    retired = client.patch(f"/api/v1/risk/sources/{source['id']}", headers=city, json={"status": "retired"}).json()
    assert retired["status"] == "retired"
    assert client.get("/api/v1/risk/sources", headers=city).json()["total"] == 0
    assert client.get("/api/v1/risk/sources", headers=city, params={"status": "all"}).json()["total"] == 1


def test_grid_officer_may_read_but_not_register(client: TestClient, make_user: UserFactory,
                                                add_source: SourceFactory) -> None:
    grid = make_user("grid_officer", "320102")
    assert add_source(headers=grid, expect=403)["status"] == 403
    add_source()
    assert client.get("/api/v1/risk/sources", headers=grid).json()["total"] == 1


def test_excel_export_uses_the_import_columns(client: TestClient, city: dict[str, str],
                                              add_source: SourceFactory) -> None:
    add_source(name="导出测试", assessment=lec(6, 6, 7))
    response = client.get("/api/v1/risk/sources.xlsx", headers=city)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))["风险源"]
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert row["名称*"] == "导出测试" and row["评估方法"] == "LEC" and row["L（可能性）"] == 6
    assert row["当前等级"] == "较大风险" and row["风险类型*"] == "危险化学品企业"


def test_categories_and_methods_describe_the_vocabulary(client: TestClient, city: dict[str, str]) -> None:
    categories = client.get("/api/v1/risk/categories", headers=city).json()
    assert {c["name_zh"] for c in categories["categories"]} == {"城市工业", "人员密集场所", "公共设施", "自然灾害"}
    kinds = {k["code"]: k for k in categories["kinds"]}
    for code in ("hazchem_firm", "oil_gas_pipeline", "tailings_pond", "spoil_site", "large_event", "small_venue",
                 "high_rise", "group_rental", "mixed_use", "utility_tunnel", "gas_network", "water_network",
                 "drainage_network", "heat_network", "public_transport", "tunnel", "bridge", "waterlogging", "flood",
                 "earthquake", "geological_hazard"):
        assert code in kinds, code
    methods = client.get("/api/v1/risk/methods", headers=city).json()
    assert set(methods["lec"]["presets"]) == {"A", "B"} and set(methods["matrix"]["presets"]) == {"M1", "M2"}
    assert methods["gb18218"]["substances"] >= 85


def test_excel_export_writes_a_formula_name_as_text(client: TestClient, city: dict[str, str],
                                                    add_source: SourceFactory) -> None:
    add_source(name="=HYPERLINK(\"http://evil.example\",\"点此\")", assessment=lec(6, 6, 7))
    response = client.get("/api/v1/risk/sources.xlsx", headers=city)
    sheet = load_workbook(io.BytesIO(response.content))["风险源"]
    name = next(cell for cell in sheet[2] if sheet.cell(row=1, column=cell.column).value == "名称*")
    assert name.data_type == "s" and name.value == "'=HYPERLINK(\"http://evil.example\",\"点此\")"
