"""The denominators' import (pure check): units from the headers (万元 → 亿元, 万人 → persons), a rate written
as "3.2%" in a count column refused with its row and column named, a header without its unit refused, every
problem of the file reported together — and through the API nothing is saved when one row is bad."""

from __future__ import annotations

import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select
from tests.conftest import UserFactory
from tests.evaluation.indicator_samples import BASES, REGION

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.errors import ValidationFailed
from citysafe.evaluation.indicators import importer
from citysafe.evaluation.indicators.models import IndicatorBase

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_units_are_normalised_from_the_headers() -> None:
    rows, units = importer.check(BASES, default_region="320100")
    assert units == {"gdp_yi": "万元", "vehicles": "辆", "residents": "万人", "industrial_employees": "人",
                     "special_equipment_units": "台"}
    first, _, last = rows
    assert (first.region_code, first.year, first.gdp_yi) == (REGION, 2022, "1000.0000")  # 10,000,000 万元 = 1000 亿元
    assert first.residents == 500_000 and rows[1].residents == 505_000  # 万人 → persons
    assert last.industrial_employees == 110_000  # "110,000" with a thousands separator
    assert last.special_equipment_units == 0  # zero is stored: the rate says it is undefined, not the import
    assert first.source_note == "2022年玄武区统计公报"


def test_gdp_in_yi_and_a_missing_region_take_the_given_one() -> None:
    rows, units = importer.check([["年份", "GDP（亿元）", "常住人口（人）"], [2024, "1742.5", 9_547_000]],
                                 default_region="320100")
    assert units["gdp_yi"] == "亿元"
    assert (rows[0].region_code, rows[0].gdp_yi, rows[0].residents) == ("320100", "1742.5000", 9_547_000)


def _problems(rows: list[list[Any]]) -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        importer.check(rows, default_region="320100")
    return [p.message_zh for p in caught.value.fields]


def test_a_percentage_in_a_count_column_is_flagged_with_row_and_column() -> None:
    bad = [list(r) for r in BASES]
    bad[2][5] = "3.2%"
    problems = _problems(bad)
    assert len(problems) == 1
    assert "第 3 行" in problems[0] and "工矿商贸就业人员" in problems[0] and "百分数" in problems[0]


@pytest.mark.parametrize(("cell", "words"), [("5000亿元", "单位"), ("约八百万", "不是数字"), (-3, "负数"),
                                             (1.5, "整数")])
def test_other_bad_cells_are_named(cell: Any, words: str) -> None:
    bad = [list(r) for r in BASES]
    bad[1][3] = cell  # 机动车保有量（辆）
    problems = _problems(bad)
    assert any(words in p and "机动车保有量" in p and "第 2 行" in p for p in problems), problems


def test_a_header_without_its_unit_is_refused_and_all_problems_come_together() -> None:
    problems = _problems([["年份", "地区生产总值", "常住人口（万人）"], [2024, 100, "1%"], [2024, 100, 2]])
    assert any("未注明单位" in p for p in problems)
    problems = _problems([["年份", "常住人口（万人）"], [2024, "1%"], [2024, 2], ["二〇二四", 3]])
    assert len(problems) == 3 and any("重复" in p for p in problems) and any("年份" in p for p in problems)


def _xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet: Any = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _count(ctx: AppContext) -> int:
    with unit_of_work(ctx.session_factory) as session:
        return int(session.scalar(select(func.count()).select_from(IndicatorBase)) or 0)


def test_the_api_saves_nothing_from_a_bad_file_and_everything_from_a_good_one(
        client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    office = make_user("city_office", "320100")
    bad = [list(r) for r in BASES]
    bad[3][4] = "3.2%"
    response = client.post("/api/v1/evaluation/indicators/import", headers=office,
                           files={"file": ("bases.xlsx", _xlsx(bad), XLSX)})
    assert response.status_code == 422
    assert any("第 4 行" in e["message_zh"] and "常住人口" in e["message_zh"] for e in response.json()["errors"])
    assert _count(ctx) == 0
    csv_body = "\n".join(",".join(f'"{c}"' for c in row) for row in BASES).encode("utf-8-sig")
    response = client.post("/api/v1/evaluation/indicators/import", headers=office,
                           files={"file": ("bases.csv", csv_body, "text/csv")})
    assert response.status_code == 200, response.text
    assert response.json()["applied"] and len(response.json()["rows"]) == 3
    assert _count(ctx) == 3
    outside = [BASES[0], ["320200", 2024, 1, 1, 1, 1, 1, "无锡"]]  # 无锡 is not this office's
    response = client.post("/api/v1/evaluation/indicators/import", headers=office,
                           files={"file": ("other.xlsx", _xlsx(outside), XLSX)})
    assert response.status_code == 403 and _count(ctx) == 3
