"""The 城市安全状况 indicators from the records: deaths by class from the accident ledger (road, fire, 工矿商贸 by
门类 without road and fire, special equipment by type), the imported denominators, the five rates, a zero
denominator leaving its rate undefined with a note (no crash), the trend and benchmark verdicts, an
administrator's target overriding the shipped default, the caller's scope; the API, the export and the page."""

from __future__ import annotations

import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from tests.conftest import UserFactory
from tests.evaluation.indicator_samples import BASES, NOW, REGION, accident, add_accidents

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.errors import Forbidden
from citysafe.core.scope import Scope, bind_scope
from citysafe.evaluation.indicators import importer, service
from citysafe.evaluation.indicators.schemas import TargetIn

ACCIDENTS = [
    accident("2022-03-01 10:00", "道路交通事故", "G", 10, "某运输公司"),
    accident("2022-04-01 10:00", "火灾", "F", 3, "某商场"),
    accident("2022-05-01 10:00", "高处坠落", "E", 2, "某建筑公司"),
    accident("2022-06-01 10:00", "起重伤害", "C", 1, "某机械厂"),
    accident("2023-03-01 10:00", "道路交通事故", "G", 8, "某运输公司"),
    accident("2023-04-01 10:00", "火灾", "F", 2, "某商场"),
    accident("2023-05-01 10:00", "高处坠落", "E", 1, "某建筑公司"),
    accident("2023-06-01 10:00", "起重伤害", "C", 1, "某机械厂"),
    accident("2024-03-01 10:00", "道路交通事故", "G", 6, "某运输公司"),
    accident("2024-04-01 10:00", "火灾", "F", 3, "某商场"),
    accident("2024-05-01 10:00", "坍塌", "E", 1, "某建筑公司"),
    accident("2024-07-01 10:00", "道路交通事故", "G", 5, "别区运输公司", region="320104"),  # another district
]


@pytest.fixture
def stored(ctx: AppContext) -> AppContext:
    with unit_of_work(ctx.session_factory) as session:
        add_accidents(session, ACCIDENTS, ctx.settings)
        rows, _ = importer.check(BASES, default_region="320100")
        service.save_bases(session, rows=rows, file_name="bases.xlsx", actor="tester", now=NOW)
    return ctx


def _rates(table: Any, year: int) -> dict[str, Any]:
    row = next(y for y in table.years if y.year == year)
    return {r.name: r for r in row.rates}


def test_deaths_come_from_the_ledger_by_class(stored: AppContext) -> None:
    with unit_of_work(stored.session_factory) as session:
        table = service.table(session, region_code=REGION)
    assert [y.year for y in table.years] == [2022, 2023, 2024]
    deaths = {y.year: {d.key: d.deaths for d in y.deaths} for y in table.years}
    assert deaths[2022] == {"production": 16, "road": 10, "fire": 3, "industrial": 3, "special_equipment": 1}
    assert deaths[2024] == {"production": 10, "road": 6, "fire": 3, "industrial": 1, "special_equipment": 0}
    road_2024 = next(d for d in table.years[2].deaths if d.key == "road")
    assert road_2024.url == "/emergency/ledger?year_from=2024&year_to=2024&region=320102&subtype=road_traffic"
    assert len(road_2024.entry_ids) == 1  # the other district's road accident is not counted


def test_rates_zero_denominator_and_verdicts(stored: AppContext) -> None:
    with unit_of_work(stored.session_factory) as session:
        table = service.table(session, region_code=REGION)
    r22, r24 = _rates(table, 2022), _rates(table, 2024)
    assert r22["gdp_death_rate"].value == 0.016  # 16 deaths ÷ 1000 亿元 (imported as 10,000,000 万元)
    assert r22["vehicle_death_rate"].value == 0.5 and r22["fire_death_rate"].value == 0.6
    assert r22["industrial_death_rate"].value == 3.0 and r22["special_equipment_death_rate"].value == 0.5
    zero = r24["special_equipment_death_rate"]
    assert zero.value is None and "分母为零" in zero.note  # 0 special-equipment units in 2024
    verdicts = {v.name: v for v in table.verdicts}
    assert verdicts["gdp_death_rate"].trend == "pass" and verdicts["vehicle_death_rate"].trend == "pass"
    assert verdicts["fire_death_rate"].trend == "fail"  # 0.6 → 0.396 → 0.588: not strictly falling
    assert verdicts["special_equipment_death_rate"].trend == "insufficient_data"
    assert verdicts["special_equipment_death_rate"].lte == "insufficient_data"
    assert verdicts["fire_death_rate"].lte == "fail" and verdicts["fire_death_rate"].target_unverified
    assert verdicts["industrial_death_rate"].lte == "pass"  # 0.909 ≤ 1.301
    assert verdicts["fire_death_rate"].trend_name == "未达标"


def test_an_administrators_target_overrides_the_default_for_the_region_and_below(stored: AppContext) -> None:
    with unit_of_work(stored.session_factory) as session:
        service.set_target(session, data=TargetIn(region_code="320100", rate="fire_death_rate", value=0.6,
                                                  source="南京市“十四五”安全生产规划控制指标（测试）"),
                           actor="admin", now=NOW)
    with unit_of_work(stored.session_factory) as session:
        verdict = next(v for v in service.table(session, region_code=REGION).verdicts if v.name == "fire_death_rate")
    assert verdict.target == 0.6 and verdict.lte == "pass" and not verdict.target_unverified
    assert "十四五" in verdict.target_source


def test_a_region_outside_the_scope_is_refused(stored: AppContext) -> None:
    with unit_of_work(stored.session_factory) as session:
        bind_scope(session, Scope("320104"))
        with pytest.raises(Forbidden):
            service.table(session, region_code=REGION)


def test_api_export_and_page(stored: AppContext, client: TestClient, make_user: UserFactory) -> None:
    office = make_user("city_office", "320100", username="nanjing")
    response = client.get(f"/api/v1/evaluation/indicators?region={REGION}", headers=office)
    assert response.status_code == 200 and len(response.json()["years"]) == 3
    other = make_user("district_office", "320104")
    assert client.get(f"/api/v1/evaluation/indicators?region={REGION}", headers=other).status_code == 403
    book = load_workbook(io.BytesIO(client.get(f"/api/v1/evaluation/indicators.xlsx?region={REGION}",
                                               headers=office).content))
    assert book.sheetnames == ["城市安全状况指标", "判定", "口径"]
    assert book["城市安全状况指标"].cell(row=2, column=1).value == 2022
    assert client.post("/login", data={"username": "nanjing", "password": "correct-horse"}).status_code in (200, 303)
    page = client.get(f"/evaluation/indicators?region={REGION}")
    assert page.status_code == 200
    assert "道路交通事故万车死亡率" in page.text and "数据不足" in page.text and "分母为零" in page.text
    assert "/emergency/ledger?year_from=2024&amp;year_to=2024&amp;region=320102&amp;subtype=road_traffic" in page.text


def test_an_administrator_sets_a_target_on_the_console_and_a_district_office_cannot(
        stored: AppContext, client: TestClient, make_user: UserFactory) -> None:
    make_user("district_office", "320102", username="xuanwu")
    assert client.post("/login", data={"username": "xuanwu", "password": "correct-horse"}).status_code in (200, 303)
    form = {"region": REGION, "rate": "fire_death_rate", "value": "0.7", "source": "省“十四五”规划（测试）"}
    assert client.post("/evaluation/indicators/targets", data=form, follow_redirects=False).status_code == 403
    make_user("admin", "320000", username="root")
    assert client.post("/login", data={"username": "root", "password": "correct-horse"}).status_code in (200, 303)
    bad = client.post("/evaluation/indicators/targets", data=form | {"value": "三"}, follow_redirects=True)
    assert "对标值须填写数字" in bad.text
    saved = client.post("/evaluation/indicators/targets", data=form, follow_redirects=True)
    assert saved.status_code == 200 and "对标值已保存" in saved.text and "省“十四五”规划（测试）" in saved.text
