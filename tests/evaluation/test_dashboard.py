"""The province dashboard (issue #14 point 7): progress against the plan's targets from the registry, the cities
ranked, the map points, the 通报 as DOCX and the tables as Excel; a city office sees its own city only."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from docx import Document
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from tests.conftest import UserFactory

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.evaluation.dashboard import bulletin, service
from citysafe.evaluation.models import Applicant


def _registry(ctx: AppContext) -> None:
    rows: list[dict[str, Any]] = [
        {"kind": "county", "name": "江宁区", "division_code": "320115", "region_code": "320115", "city_code": "320100",
         "standing": "named", "named_on": date(2023, 5, 1), "review_due": date(2026, 5, 1)},
        {"kind": "city", "name": "南京市", "division_code": "320100", "region_code": "320100", "city_code": "320100",
         "standing": "applying"},
        {"kind": "zone", "name": "苏州工业园区", "division_code": None, "region_code": "320500",
         "city_code": "320500", "standing": "preparing"},
        {"kind": "county", "name": "江阴市", "division_code": "320281", "region_code": "320281", "city_code": "320200",
         "standing": "revoked"},
    ]
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        session.add_all([Applicant(**row) for row in rows])


def test_the_province_sees_every_city_ranked_against_both_targets(ctx: AppContext) -> None:
    _registry(ctx)
    with unit_of_work(ctx.read_session_factory, actor="tests") as session:
        data = service.overview(session, region_code="320000", today=date(2026, 6, 30))
    assert data.city_count == 13 and len(data.cities) == 13
    nanjing = next(c for c in data.cities if c.city_code == "320100")
    assert (nanjing.rank, nanjing.named, nanjing.applied, nanjing.registered) == (1, 1, 2, 2)
    assert nanjing.objects == 1 + 11  # the city and its eleven districts
    suzhou = next(c for c in data.cities if c.city_code == "320500")
    assert suzhou.registered == 1 and suzhou.applied == 0 and not suzhou.meets_2020  # a zone still preparing
    wuxi = next(c for c in data.cities if c.city_code == "320200")
    assert wuxi.applied == 1 and wuxi.named == 0 and wuxi.meets_2020  # revoked, but it did apply
    assert data.cities_meeting_2020 == 2 and not data.meets_2020
    assert data.named == 1 and not data.meets_2025
    assert data.named_needed_2025 == -(-data.objects // 3) - 1
    assert data.re_evaluations_due == 1  # 江宁区's 复评 falls in 2026
    jiangning = next(a for a in data.applicants if a.name == "江宁区")
    assert jiangning.standing_name == "已命名" and jiangning.lon is not None and jiangning.lat is not None


def test_a_city_office_sees_its_own_city(ctx: AppContext, client: TestClient, make_user: UserFactory) -> None:
    _registry(ctx)
    headers = make_user("city_office", "320100")
    answer = client.get("/api/v1/evaluation/progress", headers=headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [c["city_name"] for c in body["cities"]] == ["南京市"]
    assert {a["name"] for a in body["applicants"]} == {"江宁区", "南京市"}
    assert client.get("/api/v1/evaluation/progress", headers=make_user("grid_officer", "320102")).status_code == 403


def test_the_bulletin_and_the_workbook_carry_the_dashboards_numbers(ctx: AppContext) -> None:
    _registry(ctx)
    with unit_of_work(ctx.read_session_factory, actor="tests") as session:
        data = service.overview(session, region_code="320000", today=date(2026, 6, 30))
    paragraphs = [p.text for p in Document(io.BytesIO(bulletin.docx_bytes(data, period="2026年上半年"))).paragraphs]
    text = "\n".join(paragraphs)
    # A 通报's layout: its title first, no cover band or contents page, the issuer and date signed at the end.
    assert paragraphs[0] == "关于江苏省省级安全发展示范城市创建工作进展情况的通报"
    assert "■" not in text and "目　录" not in text
    assert [p for p in paragraphs if p.strip()][-2:] == ["江苏省安全生产委员会办公室", "2026年6月30日"]
    assert f"共有创建对象 {data.objects} 个" in text and "江宁区（2023年命名）" in text
    assert "苏州市" in text and "尚无申报参评城市" in text  # the cities behind the 2020 target are named
    book = load_workbook(io.BytesIO(bulletin.workbook_bytes(data)))
    ranking = list(book["设区市进展"].iter_rows(values_only=True))
    assert ranking[0][:2] == ("排名", "设区市") and ranking[1][1] == "南京市" and len(ranking) == 14
    assert {row[1] for row in book["创建对象"].iter_rows(min_row=2, values_only=True)} == {
        "江宁区", "南京市", "苏州工业园区", "江阴市"}


@pytest.mark.parametrize("path", ["/api/v1/evaluation/bulletin.docx?period=2026年上半年",
                                  "/api/v1/evaluation/progress.xlsx"])
def test_the_downloads_answer_for_the_province(ctx: AppContext, client: TestClient, make_user: UserFactory,
                                               path: str) -> None:
    _registry(ctx)
    answer = client.get(path, headers=make_user("province_office", "320000"))
    assert answer.status_code == 200 and answer.content[:2] == b"PK"  # a zip: DOCX and XLSX alike


def test_the_page_shows_the_targets_the_ranking_and_the_map(ctx: AppContext, client: TestClient,
                                                            make_user: UserFactory) -> None:
    _registry(ctx)
    make_user("province_office", "320000", username="province")
    assert client.post("/login", data={"username": "province", "password": "correct-horse"}).status_code in {200, 303}
    page = client.get("/evaluation")
    assert page.status_code == 200, page.text[:500]
    for words in ("示范城市创建进展", "2020 年目标", "2 / 13", "各设区市进展排名", "江宁区", "progress-points"):
        assert words in page.text
