"""Assessments: stored with method, version, preset, inputs, result, assessor and time; levels derived."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from risk_helpers import LIUHE_PARK, SourceFactory, lec, matrix

from citysafe.core.clock import FixedClock


@pytest.fixture
def clock(client: TestClient) -> FixedClock:
    fixed = FixedClock(datetime(2026, 3, 1, 2, 0, tzinfo=UTC))
    client.app.state.ctx.clock = fixed  # type: ignore[attr-defined]
    return fixed


def assess(client: TestClient, headers: dict[str, str], source_id: int, body: dict[str, object],
           expect: int = 201) -> dict[str, object]:
    response = client.post(f"/api/v1/risk/sources/{source_id}/assessments", headers=headers, json=body)
    assert response.status_code == expect, response.text
    data: dict[str, object] = response.json()
    return data


def test_lec_assessment_is_stored_in_full(client: TestClient, city: dict[str, str], add_source: SourceFactory,
                                          clock: FixedClock) -> None:
    source = add_source()
    record = assess(client, city, source["id"], {**lec(6, 6, 3, "B"), "note": "季度复核"})
    assert record["method"] == "lec" and record["version"] == "1.0.0" and record["preset"] == "B"
    assert record["inputs"] == {"l": 6.0, "e": 6.0, "c": 3.0, "preset": "B"}
    assert record["result"]["d"] == 108 and record["result"]["graham_class"] == "显著危险"  # type: ignore[index]
    assert record["level"] == "orange"  # preset B: 70 ≤ D < 160
    assert record["assessor_name"] == "南京市安委办" and record["note"] == "季度复核"
    assert record["assessed_at"].startswith("2026-03-01T02:00")  # type: ignore[attr-defined]
    detail = client.get(f"/api/v1/risk/sources/{source['id']}", headers=city).json()
    assert detail["assessed_level"] == detail["current_level"] == "orange"
    assert [a["id"] for a in detail["assessments"]] == [record["id"]]


def test_assessed_level_is_the_highest_of_each_methods_latest(client: TestClient, city: dict[str, str],
                                                              add_source: SourceFactory, clock: FixedClock) -> None:
    source = add_source(at=LIUHE_PARK)
    assess(client, city, source["id"], lec(3, 10, 15))  # D 450 → red
    clock.advance(days=30)
    assess(client, city, source["id"], lec(1, 6, 3))  # a later LEC replaces it: D 18 → blue
    clock.advance(days=1)
    assess(client, city, source["id"], matrix(3, 4))  # M1 → orange
    detail = client.get(f"/api/v1/risk/sources/{source['id']}", headers=city).json()
    assert detail["assessed_level"] == "orange"
    assert [a["method"] for a in detail["assessments"]] == ["matrix", "lec", "lec"]  # newest first
    assert detail["assessed_at"].startswith((clock.now()).strftime("%Y-%m-%d"))


def test_gb18218_grades_a_major_hazard_and_maps_its_grade(client: TestClient, city: dict[str, str],
                                                          add_source: SourceFactory, clock: FixedClock) -> None:
    source = add_source(name="液氯储罐区", kind="major_hazard", at=LIUHE_PARK)
    record = assess(client, city, source["id"], {"method": "gb18218", "params": {
        "holdings": [{"substance": "液氯", "quantity_t": 250}], "population": 100}})
    assert record["result"]["grade"] == 1 and record["result"]["r"] == 400  # type: ignore[index]
    assert record["level"] == "red" and record["preset"] is None
    third = add_source(name="氨罐区", kind="major_hazard", at=LIUHE_PARK)
    graded = assess(client, city, third["id"], {"method": "gb18218", "params": {
        "holdings": [{"substance": "氨", "quantity_t": 20}], "population": 10}})
    assert graded["result"]["grade"] == 4 and graded["level"] == "orange"  # type: ignore[index]
    small = add_source(name="小储罐", kind="hazchem_firm", at=LIUHE_PARK)
    not_major = assess(client, city, small["id"], {"method": "gb18218", "params": {
        "holdings": [{"substance": "天然气", "quantity_t": 10}], "population": 0}})
    assert not_major["result"]["is_major"] is False and not_major["level"] is None  # type: ignore[index]


@pytest.mark.parametrize(("body", "says"), [
    (lec(7, 6, 3), "L must be one of"),
    ({"method": "lec", "params": {"l": 6, "e": 6, "c": 3, "preset": "C"}}, "preset"),
    (matrix(6, 1), "likelihood"),
    ({"method": "gb18218", "params": {"holdings": [{"substance": "水", "quantity_t": 9}], "population": 1}},
     "not in GB 18218-2018 Table 1"),
    ({"method": "gb18218", "params": {"holdings": [{"substance": "甲醇", "quantity_t": 900}], "population": 1}},
     "no β for 甲醇"),
    ({"method": "given", "params": {"level": "red"}}, "basis"),
])
def test_bad_parameters_are_one_line_and_store_nothing(client: TestClient, city: dict[str, str],
                                                       add_source: SourceFactory, body: dict[str, object],
                                                       says: str) -> None:
    source = add_source()
    problem = assess(client, city, source["id"], body, expect=422)
    assert says in str(problem["detail"]) and "\n" not in str(problem["detail"])
    assert str(problem["detail_zh"]).startswith("params：评估参数有误")
    assert client.get(f"/api/v1/risk/sources/{source['id']}/assessments", headers=city).json() == []


def test_a_given_level_records_its_basis(client: TestClient, city: dict[str, str], add_source: SourceFactory) -> None:
    source = add_source(name="江心洲洪涝风险区", kind="flood")
    record = assess(client, city, source["id"], {"method": "given", "params": {
        "level": "较大", "basis": "南京市自然灾害综合风险普查成果（2022）"}})
    assert record["level"] == "orange" and record["inputs"]["basis"].startswith("南京市")  # type: ignore[index]


def test_calc_preview_stores_nothing(client: TestClient, city: dict[str, str], add_source: SourceFactory) -> None:
    preview = client.post("/api/v1/risk/calc", headers=city, json={"method": "lec", "params": {
        "l": 1, "e": 0.5, "c": 40, "preset": "B"}}).json()
    assert preview["result"]["d"] == 20 and preview["level"] == "yellow"  # left-closed boundary of preset B
    again = client.post("/api/v1/risk/calc", headers=city, json={"method": "lec", "params": {
        "l": 1, "e": 0.5, "c": 40, "preset": "A"}}).json()
    assert again["level"] == "blue"


def test_creating_with_an_assessment_sets_the_level(client: TestClient, city: dict[str, str],
                                                    add_source: SourceFactory, clock: FixedClock) -> None:
    source = add_source(assessment=matrix(5, 5))
    assert source["assessed_level"] == source["current_level"] == "red"
    assert len(source["assessments"]) == 1 and source["assessments"][0]["assessor"].startswith("city_office")
    assert source["assessments"][0]["assessed_at"].startswith("2026-03-01")
