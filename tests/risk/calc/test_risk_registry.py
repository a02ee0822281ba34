from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from citysafe.risk.calc.registry import REGISTRY, LecParams, assess, get_calculator


def test_registry_names_and_versions() -> None:
    assert set(REGISTRY) == {"lec", "matrix", "gb18218"}
    for name, calc in REGISTRY.items():
        assert calc.method == name
        assert calc.version and calc.title


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
        get_calculator("fmea")
