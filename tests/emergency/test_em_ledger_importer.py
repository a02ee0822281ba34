"""The ledger importer's row check (pure): good rows give values in explicit units, each bad cell is named with
its column and a Chinese reason (bad division code, negative deaths, a loss that is no whole number of 元, a date
it cannot read, an unknown 门类), and every problem of a row is reported, not only the first."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citysafe.emergency.ledger import industries
from citysafe.emergency.ledger.importer import COLUMNS, cells_by_key, check_row
from citysafe.emergency.rules import rules

NOW = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
RULES = rules(None)
GOOD: dict[str, Any] = {
    "occurred_at": datetime(2023, 5, 12, 14, 30), "region_code": "320102", "subtype": "高处坠落", "industry": "E",
    "deaths": 1, "missing": None, "serious_injuries": 2.0, "minor_injuries": "3", "direct_loss_yuan": 1_800_000,
    "unit_name": " 某建设工程有限公司 ", "uscc": "91320102MA1XXXXXX", "description": "脚手架坠落",
}


def _check(**changes: Any) -> Any:
    return check_row(7, GOOD | {"uscc": ""} | changes, the_rules=RULES, now=NOW)


def test_a_good_row_gives_values_in_explicit_units() -> None:
    checked = _check()
    assert checked.problems == []
    v = checked.values
    assert v["occurred_at"] == datetime(2023, 5, 12, 6, 30, tzinfo=UTC)  # Beijing time stored as UTC
    assert (v["subtype"], v["industry_code"], v["region_code"]) == ("fall_from_height", "E", "320102")
    assert (v["deaths"], v["missing"], v["serious_injuries"], v["minor_injuries"]) == (1, 0, 2, 3)
    assert v["direct_loss_yuan"] == 1_800_000 and v["unit_name"] == "某建设工程有限公司" and v["uscc"] is None


@pytest.mark.parametrize(("cells", "field", "words"), [
    ({"region_code": "32010"}, "region_code", "行政区划代码"),
    ({"region_code": ""}, "region_code", "必填"),
    ({"deaths": -2}, "deaths", "不能为负数"),
    ({"minor_injuries": "两人"}, "minor_injuries", "整数"),
    ({"serious_injuries": 1.5}, "serious_injuries", "整数"),
    ({"direct_loss_yuan": "120万"}, "direct_loss_yuan", "元"),
    ({"direct_loss_yuan": 1234.5}, "direct_loss_yuan", "元"),
    ({"direct_loss_yuan": "一百万"}, "direct_loss_yuan", "以元为单位"),
    ({"direct_loss_yuan": -1}, "direct_loss_yuan", "不能为负数"),
    ({"occurred_at": "去年五月"}, "occurred_at", "无法识别"),
    ({"occurred_at": "2023-13-45"}, "occurred_at", "无法识别"),
    ({"occurred_at": "2031-01-01"}, "occurred_at", "晚于当前"),
    ({"occurred_at": "1985-01-01"}, "occurred_at", "1990"),
    ({"occurred_at": None}, "occurred_at", "必填"),
    ({"industry": "Z"}, "industry", "行业门类"),
    ({"industry": "制造"}, "industry", "行业门类"),
    ({"subtype": "地震"}, "subtype", "事故类型"),
    ({"uscc": "91320102MA1XXXXXX0"}, "uscc", "统一社会信用代码"),
    ({"description": "很" * 1001}, "description", "1000"),
])
def test_each_bad_cell_is_named_with_a_chinese_reason(cells: dict[str, Any], field: str, words: str) -> None:
    checked = _check(**cells)
    assert [p.field for p in checked.problems] == [field]
    problem = checked.problems[0]
    assert words in problem.message_zh and problem.message
    assert problem.column == next(c.header for c in COLUMNS if c.key == field)


def test_every_problem_of_a_row_is_reported() -> None:
    checked = _check(deaths=-1, direct_loss_yuan="5万元", industry="?", region_code="abc")
    assert {p.field for p in checked.problems} == {"deaths", "direct_loss_yuan", "industry", "region_code"}


@pytest.mark.parametrize(("cell", "expected"), [
    ("2023-05-12 14:30", datetime(2023, 5, 12, 6, 30, tzinfo=UTC)),
    ("2023/5/12", datetime(2023, 5, 11, 16, 0, tzinfo=UTC)),
    ("2023年5月12日", datetime(2023, 5, 11, 16, 0, tzinfo=UTC)),
    ("2023年5月12日 14:30", datetime(2023, 5, 12, 6, 30, tzinfo=UTC)),
    (date(2023, 5, 12), datetime(2023, 5, 11, 16, 0, tzinfo=UTC)),
])
def test_dates_as_offices_write_them(cell: Any, expected: datetime) -> None:
    assert _check(occurred_at=cell).values["occurred_at"] == expected


@pytest.mark.parametrize(("cell", "code"), [("C", "C"), ("c", "C"), ("制造业", "C"), ("C 制造业", "C"),
                                            ("C制造业", "C"), ("T", "T"), ("建筑业", "E")])
def test_an_industry_by_letter_or_name(cell: str, code: str) -> None:
    assert industries.lookup(cell) == code


def test_the_twenty_sections_of_gbt_4754() -> None:
    assert list(industries.sections()) == [chr(c) for c in range(ord("A"), ord("T") + 1)]


@given(deaths=st.integers(0, 1_000_000), serious=st.integers(0, 1_000_000), loss=st.integers(0, 10**13),
       as_text=st.booleans())
def test_any_whole_figures_pass_unchanged(deaths: int, serious: int, loss: int, as_text: bool) -> None:
    cell = (lambda n: str(n)) if as_text else (lambda n: n)
    checked = _check(deaths=cell(deaths), serious_injuries=cell(serious), direct_loss_yuan=cell(loss))
    assert checked.problems == []
    assert (checked.values["deaths"], checked.values["serious_injuries"],
            checked.values["direct_loss_yuan"]) == (deaths, serious, loss)


@given(value=st.integers(max_value=-1), key=st.sampled_from(["deaths", "missing", "serious_injuries",
                                                              "minor_injuries", "direct_loss_yuan"]))
def test_any_negative_figure_is_refused_in_its_own_column(value: int, key: str) -> None:
    checked = _check(**{key: value})
    assert [p.field for p in checked.problems] == [key] and "负数" in checked.problems[0].message_zh


@given(text=st.text(min_size=1, max_size=12).filter(lambda s: not s.strip().lstrip("+").isdigit()
                                                    and s.strip() != "" and not s.strip().startswith("-")))
def test_a_loss_that_is_no_whole_number_names_the_unit(text: str) -> None:
    checked = _check(direct_loss_yuan=text)
    assert [p.field for p in checked.problems] == ["direct_loss_yuan"] and "元" in checked.problems[0].message_zh


def test_columns_are_found_by_their_header_and_blank_rows_skipped() -> None:
    header = [c.header + ("*" if c.required else "") for c in reversed(COLUMNS)]
    rows = [header, [None] * len(header), ["x"] + [None] * (len(header) - 1)]
    data, missing = cells_by_key(rows)
    assert missing == [] and [n for n, _ in data] == [3] and data[0][1]["description"] == "x"
    _, missing = cells_by_key([["发生时间", "死亡人数（人）"]])
    assert missing == ["行政区划代码", "事故类型", "行业门类"]
