"""The accident ledger through the API: the template's header row, an import checked row by row (dry run), then
written only when every row is good, re-imported without duplicates; the list, statistics and export in the
caller's region only; a closed incident appears beside the imported rows; bad input answers 4xx naming the field
and writes nothing."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from tests.conftest import UserFactory
from tests.emergency.ledger_samples import BAD_ROWS, GOOD_ROWS, filled

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.validators import uscc_check_char
from citysafe.emergency.ledger.models import LedgerEntry

T0 = datetime(2026, 5, 12, 6, 30, tzinfo=UTC)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _count(ctx: AppContext) -> int:
    with unit_of_work(ctx.session_factory) as session:
        return int(session.scalar(select(func.count()).select_from(LedgerEntry)) or 0)


@pytest.fixture
def city(ctx: AppContext, make_user: UserFactory) -> dict[str, str]:
    ctx.clock = FixedClock(T0)
    return make_user("city_office", "320100", display_name="南京市应急局")


def _template(client: TestClient, headers: dict[str, str]) -> bytes:
    response = client.get("/api/v1/emergency/ledger/template.xlsx", headers=headers)
    assert response.status_code == 200 and response.headers["content-type"] == XLSX
    return response.content


def _upload(client: TestClient, headers: dict[str, str], body: bytes, *, dry_run: bool,
            name: str = "2022-2024事故.xlsx") -> Any:
    return client.post("/api/v1/emergency/ledger/import", headers=headers, data={"dry_run": str(dry_run).lower()},
                       files={"file": (name, body, XLSX)})


def test_the_template_has_the_chinese_header_an_example_and_the_code_tables(client: TestClient,
                                                                           city: dict[str, str]) -> None:
    book = load_workbook(io.BytesIO(_template(client, city)))
    assert book.sheetnames == ["事故台账", "填写示例", "代码表", "说明"]
    header = [c.value for c in book["事故台账"][1]]
    assert header[:4] == ["发生时间*", "行政区划代码*", "事故类型*", "行业门类*"]
    assert "直接经济损失（元）" in header and "重伤人数（人，含急性工业中毒）" in header
    assert book["事故台账"].max_row == 1  # nothing to delete before filling in
    example = [c.value for c in book["填写示例"][2]]
    assert example[2] == "高处坠落" and example[8] == 1_800_000
    codes = [[c.value for c in row] for row in book["代码表"].iter_rows(min_row=2)]
    assert ["制造业" in (r[3] or "") for r in codes].count(True) == 1 and codes[0][:2] == ["物体打击", "object_strike"]


def test_dry_run_then_import_then_reimport_without_duplicates(client: TestClient, ctx: AppContext,
                                                             city: dict[str, str]) -> None:
    body = filled(_template(client, city), GOOD_ROWS)
    check = _upload(client, city, body, dry_run=True)
    assert check.status_code == 200, check.text
    report = check.json()
    assert (report["rows"], report["new"], report["errors"], report["applied"]) == (3, 3, 0, False)
    assert [r["row"] for r in report["report"]] == [2, 3, 4] and report["report"][0]["status_name"] == "可新增"
    assert _count(ctx) == 0
    done = _upload(client, city, body, dry_run=False)
    assert done.status_code == 200 and done.json()["applied"] is True
    assert {r["status_name"] for r in done.json()["report"]} == {"新增"}
    assert _count(ctx) == 3
    again = _upload(client, city, body, dry_run=False)
    assert again.json()["updated"] == 3 and again.json()["new"] == 0
    assert _count(ctx) == 3
    listed = client.get("/api/v1/emergency/ledger", headers=city).json()
    assert listed["total"] == 3
    latest = listed["items"][0]
    assert latest["occurred_at"].startswith("2024-01-04T16:00") and latest["occurred_year"] == 2024
    assert (latest["subtype_name"], latest["industry_code"], latest["industry_name"]) == ("火灾", "H", "住宿和餐饮业")
    assert latest["source"] == "import" and latest["import_row"] == 4 and latest["import_file"] == "2022-2024事故.xlsx"
    poisoning = listed["items"][1]
    assert poisoning["grade_name"] == "较大" and poisoning["grade_decided_by"] == "deaths"
    assert poisoning["region_name"] and poisoning["direct_loss_yuan"] == 4_200_000


def test_a_file_with_bad_rows_is_reported_row_by_row_and_writes_nothing(client: TestClient, ctx: AppContext,
                                                                       city: dict[str, str]) -> None:
    body = filled(_template(client, city), GOOD_ROWS[:1] + BAD_ROWS + GOOD_ROWS[:1])
    check = _upload(client, city, body, dry_run=True).json()
    by_row = {r["row"]: r for r in check["report"]}
    assert by_row[2]["status"] == "new"
    assert [p["field"] for p in by_row[3]["problems"]] == ["occurred_at"]
    assert "无法识别" in by_row[3]["problems"][0]["message_zh"]
    assert {p["field"] for p in by_row[4]["problems"]} == {"region_code", "deaths"}
    assert [p["column"] for p in by_row[5]["problems"]] == ["直接经济损失（元）"]
    assert "元" in by_row[5]["problems"][0]["message_zh"]
    assert [p["field"] for p in by_row[6]["problems"]] == ["industry"]
    duplicate = by_row[7]["problems"][0]["message_zh"]
    assert "同一起事故" in duplicate and "第 2 行" in duplicate
    assert check["errors"] == 5
    refused = _upload(client, city, body, dry_run=False)
    assert refused.status_code == 422 and refused.headers["content-type"].startswith("application/problem+json")
    fields = [e["field"] for e in refused.json()["errors"]]
    assert "row 3: occurred_at" in fields and "row 5: direct_loss_yuan" in fields and "row 6: industry" in fields
    assert _count(ctx) == 0


def test_divisions_must_exist_and_lie_in_the_callers_region(client: TestClient, ctx: AppContext,
                                                            make_user: UserFactory, city: dict[str, str]) -> None:
    xuanwu = make_user("district_office", "320102")
    rows = [GOOD_ROWS[0], ["2023-01-01", "320104", "火灾", "E", 0, 0, 0, 0, 0, "秦淮单位", "", ""],
            ["2023-01-02", "320102999", "火灾", "E", 0, 0, 0, 0, 0, "无此区", "", ""]]
    report = _upload(client, xuanwu, filled(_template(client, xuanwu), rows), dry_run=False)
    assert report.status_code == 422
    messages = {e["field"]: e["message_zh"] for e in report.json()["errors"]}
    assert "管辖范围" in messages["row 3: region_code"] and "不存在" in messages["row 4: region_code"]
    assert _count(ctx) == 0


@pytest.mark.parametrize(("upload", "status"), [
    (("x.xlsx", b"not a workbook", XLSX), 422),
    (("x.xlsx", b"", XLSX), 422),
])
def test_a_file_that_is_no_workbook_is_refused_naming_file(client: TestClient, city: dict[str, str],
                                                           upload: tuple[str, bytes, str], status: int) -> None:
    response = client.post("/api/v1/emergency/ledger/import", headers=city, files={"file": upload})
    assert response.status_code == status and [e["field"] for e in response.json()["errors"]] == ["file"]


def test_an_empty_template_is_refused(client: TestClient, city: dict[str, str]) -> None:
    response = _upload(client, city, _template(client, city), dry_run=False)
    assert response.status_code == 422 and "没有事故记录" in response.json()["errors"][0]["message_zh"]


def _close_incident(client: TestClient, headers: dict[str, str], **extra: Any) -> dict[str, Any]:
    call = {"category": "accident", "subtype": "collapse", "description": "基坑坍塌", "place": "玄武区某工地",
            "region_code": "320102002", "occurred_at": "2026-05-12T14:05:00+08:00", "deaths": 2} | extra
    incident = client.post("/api/v1/emergency/incidents", headers=headers, json=call).json()
    url = f"/api/v1/emergency/incidents/{incident['id']}/transitions"
    for action in ("verify", "respond", "handle", "end_response"):
        step = client.post(url, headers=headers, json={"action": action, "response_level": "4"
                                                       if action == "respond" else None})
        assert step.status_code == 200, step.text
    return dict(incident)


def test_stats_list_and_export_cover_the_callers_region_only(client: TestClient, ctx: AppContext,
                                                             make_user: UserFactory, city: dict[str, str]) -> None:
    assert _upload(client, city, filled(_template(client, city), GOOD_ROWS), dry_run=False).status_code == 200
    incident = _close_incident(client, city)
    stats = client.get("/api/v1/emergency/ledger/stats", headers=city).json()
    assert stats["total"]["accidents"] == 4 and stats["total"]["deaths"] == 6
    assert [(r["key"], r["accidents"]) for r in stats["by_year"]] == [(2022, 1), (2023, 1), (2024, 1), (2025, 0),
                                                                    (2026, 1)]
    assert {r["name"]: r["accidents"] for r in stats["by_district"]} == {"玄武区": 3, "秦淮区": 1}
    assert [(r["name"], r["accidents"]) for r in stats["by_city"]] == [("南京市", 4)]
    assert {r["name"] for r in stats["by_industry"]} == {"建筑业", "制造业", "住宿和餐饮业", "未分类"}
    assert [r["name"] for r in stats["by_grade"]] == ["较大", "一般"]
    platform = client.get("/api/v1/emergency/ledger", headers=city, params={"source": "platform"}).json()
    assert platform["total"] == 1 and platform["items"][0]["incident_id"] == incident["id"]
    assert platform["items"][0]["incident_number"] == incident["number"]
    qinhuai = make_user("district_office", "320104")
    assert client.get("/api/v1/emergency/ledger", headers=qinhuai).json()["total"] == 1
    assert client.get("/api/v1/emergency/ledger/stats", headers=qinhuai).json()["total"]["accidents"] == 1
    exported = client.get("/api/v1/emergency/ledger.xlsx", headers=qinhuai)
    assert exported.status_code == 200 and exported.headers["content-type"] == XLSX
    sheet = load_workbook(io.BytesIO(exported.content))["事故台账"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert len(rows) == 1 and rows[0][9] == "秦淮某食品厂" and rows[0][12] == "较大"
    filtered = client.get("/api/v1/emergency/ledger/stats", headers=city,
                          params={"year_from": 2023, "year_to": 2024, "industry": "C"}).json()
    assert filtered["total"]["accidents"] == 1


def test_an_exported_ledger_imports_again_as_updates(client: TestClient, ctx: AppContext,
                                                     city: dict[str, str]) -> None:
    _upload(client, city, filled(_template(client, city), GOOD_ROWS), dry_run=False)
    exported = client.get("/api/v1/emergency/ledger.xlsx", headers=city).content
    again = _upload(client, city, exported, dry_run=False, name="export.xlsx")
    assert again.status_code == 200, again.text
    assert again.json()["updated"] == 3 and _count(ctx) == 3


@pytest.mark.parametrize(("params", "field"), [
    ({"region": "32x"}, "region"), ({"year_from": 1800}, "year_from"), ({"source": "rumour"}, "source"),
    ({"size": 0}, "size"),
])
def test_bad_filters_answer_422_naming_the_field(client: TestClient, city: dict[str, str], params: dict[str, Any],
                                                 field: str) -> None:
    response = client.get("/api/v1/emergency/ledger", headers=city, params=params)
    assert response.status_code == 422 and [e["field"] for e in response.json()["errors"]] == [field]


def test_roles(client: TestClient, make_user: UserFactory, city: dict[str, str]) -> None:
    grid = make_user("grid_officer", "320102002")
    assert client.get("/api/v1/emergency/ledger", headers=grid).status_code == 403
    operator = make_user("operator", "320102")
    assert client.get("/api/v1/emergency/ledger", headers=operator).status_code == 200
    body = filled(_template(client, city), GOOD_ROWS)
    assert _upload(client, operator, body, dry_run=True).status_code == 403


def test_an_office_completes_what_the_incident_does_not_record(client: TestClient, ctx: AppContext,
                                                               make_user: UserFactory, city: dict[str, str]) -> None:
    incident = _close_incident(client, city)
    entry = client.get("/api/v1/emergency/ledger", headers=city).json()["items"][0]
    assert entry["industry_code"] == "" and entry["industry_name"] == "未分类" and entry["unit_name"] == ""
    url = f"/api/v1/emergency/ledger/{entry['id']}"
    bad = client.patch(url, headers=city, json={"uscc": "91320102MA1XXXXXX0"})
    assert bad.status_code == 422 and [e["field"] for e in bad.json()["errors"]] == ["uscc"]
    assert "校验位" in bad.json()["errors"][0]["message_zh"]
    unknown = client.patch(url, headers=city, json={"industry_code": "Z"})
    assert unknown.status_code == 422 and [e["field"] for e in unknown.json()["errors"]] == ["industry_code"]
    figures = client.patch(url, headers=city, json={"deaths": 0})
    assert figures.status_code == 422 and [e["field"] for e in figures.json()["errors"]] == ["deaths"]
    uscc = "91320102" + "MA1N2B3C4"
    uscc += uscc_check_char(uscc)
    done = client.patch(url, headers=city, json={"industry_code": "建筑业", "unit_name": "南京某建设有限公司",
                                                 "uscc": uscc.lower()})
    assert done.status_code == 200, done.text
    assert (done.json()["industry_code"], done.json()["unit_name"], done.json()["uscc"]) == (
        "E", "南京某建设有限公司", uscc)
    # a casualty report within the window updates the figures and keeps what the office completed
    ctx.clock.advance(days=2)  # type: ignore[attr-defined]
    assert client.patch(f"/api/v1/emergency/incidents/{incident['id']}", headers=city,
                        json={"deaths": 3}).status_code == 200
    after = client.get(url.rsplit("/", 1)[0], headers=city).json()["items"][0]
    assert (after["deaths"], after["grade_name"], after["industry_code"], after["uscc"]) == (3, "较大", "E", uscc)
    qinhuai = make_user("district_office", "320104")
    assert client.patch(url, headers=qinhuai, json={"industry_code": "C"}).status_code == 404


def test_an_accident_the_platform_recorded_is_not_imported_again(client: TestClient, ctx: AppContext,
                                                                 city: dict[str, str]) -> None:
    incident = _close_incident(client, city)
    same = ["2026-05-12 14:05", "320102002", "坍塌", "E", 2, 0, 0, 0, 0, "", "", "台账补录"]
    report = _upload(client, city, filled(_template(client, city), [same]), dry_run=True).json()
    assert report["errors"] == 1
    assert f"平台事件 {incident['number']}" in report["report"][0]["problems"][0]["message_zh"]
    assert _count(ctx) == 1
