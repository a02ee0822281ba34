from __future__ import annotations

import json
from typing import get_args

import pytest
from pydantic import ValidationError

from citysafe.risk.calc.levels import RiskLevel
from citysafe.risk.calc.method import ParamError
from citysafe.risk.calc.registry import (
    METHODS,
    REGISTRY,
    LecParams,
    assess,
    find_method,
    get_method,
    method_label,
    preset_name,
)
from citysafe.risk.schemas import CalcRequest, Method


def test_registry_names_and_versions() -> None:
    assert set(REGISTRY) == {"lec", "matrix", "gb18218", "given"}
    for name, method in REGISTRY.items():
        assert method.code == name
        assert method.version and method.title and method.name_zh and method.parameters


def test_lec_record_round_trips_through_json() -> None:
    record = assess("lec", {"l": 6, "e": 6, "c": 3, "preset": "B"}).to_record()
    assert record == json.loads(json.dumps(record, ensure_ascii=False))
    assert record["method"] == "lec" and record["version"] == REGISTRY["lec"].version
    assert record["preset"] == "B"
    assert record["inputs"] == {"l": 6.0, "e": 6.0, "c": 3.0, "preset": "B"}
    assert record["result"] == {"d": 108.0, "level": "orange", "graham_class": "显著危险", "graham_action": "需要整改"}
    assert record["level"] == "orange"
    # Stored inputs reproduce the stored result.
    assert assess(record["method"], record["inputs"]).to_record() == record


def test_default_presets_are_recorded() -> None:
    assert assess("lec", {"l": 6, "e": 6, "c": 3}).preset == "A"
    assert assess("matrix", {"likelihood": 2, "severity": 4}).preset == "M1"


def test_params_object_is_accepted() -> None:
    params = LecParams(l=3, e=10, c=15)
    assert assess("lec", params).result["d"] == 450


def test_gb18218_record() -> None:
    record = assess("gb18218", {"holdings": [{"substance": "氯", "quantity_t": 5},
                                             {"substance": "氨", "quantity_t": 5}], "population": 0}).to_record()
    json.dumps(record, ensure_ascii=False)
    assert record["preset"] is None and record["level"] is None
    assert record["result"]["r"] == 2.5 and record["result"]["grade"] == 4
    assert [h["beta_source"] for h in record["result"]["holdings"]] == ["table3", "table3"]


@pytest.mark.parametrize(("method", "params"), [
    ("lec", {"l": 6, "e": 6}),
    ("lec", {"l": 6, "e": 6, "c": 3, "preset": "Z"}),
    ("lec", {"l": 6, "e": 6, "c": 3, "extra": 1}),
    ("matrix", {"likelihood": 6, "severity": 1}),
    ("gb18218", {"holdings": []}),
])
def test_invalid_params_are_rejected(method: str, params: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        assess(method, params)


def test_invalid_score_surfaces_the_calculator_message() -> None:
    with pytest.raises(ValueError, match="LEC parameter C must be one of"):
        assess("lec", {"l": 6, "e": 6, "c": 4})


def test_unknown_method() -> None:
    with pytest.raises(ValueError, match="unknown assessment method 'fmea'"):
        get_method("fmea")


def test_the_api_literals_name_the_registry() -> None:
    assert set(get_args(Method)) == set(REGISTRY)
    assert set(get_args(CalcRequest.model_fields["method"].annotation)) == set(REGISTRY) - {"given"}


def test_names_and_aliases_find_one_method() -> None:
    for text, code in (("LEC", "lec"), ("风险矩阵", "matrix"), (" L S ", "matrix"), ("GB18218-2018", "gb18218"),
                       ("直接定级", "given"), ("第三方评估", "given")):
        found = find_method(text)
        assert found is not None and found.code == code
    assert find_method("fmea") is None


def test_presets_have_chinese_names_for_pages() -> None:
    assert preset_name("matrix", "M1") == "风险矩阵 M1（R=L×S：低1–3、一般4–9、较大10–16、重大20–25）"
    assert preset_name("matrix", "M2") == "风险矩阵 M2（R=L×S：低1–8、一般9–12、较大15–16、重大20–25）"
    assert preset_name("lec", "A").startswith("LEC 预设 A（蓝 D≤70")
    assert method_label("matrix", "M1") == "风险矩阵法（5×5） · M1"
    assert method_label("fmea") == "fmea" and preset_name("gb18218", None) == ""
    assert [m.default_preset for m in METHODS] == ["A", "M1", None, None]


def test_cells_are_read_as_each_method_defines_them() -> None:
    assert REGISTRY["matrix"].from_cells({"likelihood": "3", "severity": "4.0"}) == {
        "likelihood": 3, "severity": 4, "preset": "M1"}
    assert REGISTRY["gb18218"].from_cells({"substances": "氯=5；氨=5\n甲烷＝1", "residents": "12"}) == {
        "holdings": [{"substance": "氯", "quantity_t": 5.0}, {"substance": "氨", "quantity_t": 5.0},
                     {"substance": "甲烷", "quantity_t": 1.0}], "population": 12}
    with pytest.raises(ParamError) as bad:
        REGISTRY["gb18218"].from_cells({"substances": "氯"})
    assert bad.value.field == "substances" and "名称=吨数" in bad.value.message_zh


def test_a_given_level_and_a_graded_installation() -> None:
    given = assess("given", {"level": "较大", "basis": " 第三方报告 "})
    assert given.level is RiskLevel.ORANGE and given.inputs == {"level": "orange", "basis": "第三方报告"}
    with pytest.raises(ValueError, match="basis"):
        assess("given", {"level": "red"})
    major = assess("gb18218", {"holdings": [{"substance": "氯", "quantity_t": 5},
                                            {"substance": "氨", "quantity_t": 5}], "population": 0})
    graded = REGISTRY["gb18218"].grade(major, {1: RiskLevel.RED, 2: RiskLevel.RED, 3: RiskLevel.ORANGE,
                                               4: RiskLevel.YELLOW})
    assert graded.level is RiskLevel.YELLOW and graded.result["level_from_grade"] == "yellow"
    assert REGISTRY["lec"].grade(assess("lec", {"l": 6, "e": 6, "c": 3}), {}).level is RiskLevel.YELLOW
