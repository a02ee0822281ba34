"""Criteria sets as data: a file that does not hold together is refused with the item's path named; the shipped
sets load, add up and flag what is not verified."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from ev_samples import leaf, small

from citysafe.evaluation.calc.criteria import SHIPPED, CriteriaError, load_criteria, shipped_criteria


def load(doc: dict[str, Any]) -> Any:
    return load_criteria(json.dumps(doc))


def refused(doc: dict[str, Any]) -> str:
    with pytest.raises(CriteriaError) as caught:
        load(doc)
    return str(caught.value)


def test_the_small_set_loads_and_walks_its_scored_items() -> None:
    criteria = load(small())
    assert [item.id for _, item in criteria.leaves()] == ["1.1.1", "1.1.2", "1.1.3", "2.2.4", "b1", "b2"]
    assert len(criteria.digest) == 16


def test_children_that_do_not_add_up_to_the_parent_name_the_parent() -> None:
    doc = small()
    leaf(doc, 0, 0, 2)["points"] = 1.5
    message = refused(doc)
    assert message.startswith("1 › 1.1: sub-items add up to 5.5, not 6 points")
    assert "下级项分值合计" in message


def test_first_level_items_that_miss_the_total_are_refused() -> None:
    doc = small()
    doc["total"] = 12
    assert "first-level items add up to 10, not the total 12" in refused(doc)


def test_a_duplicate_item_id_is_named_with_its_path() -> None:
    doc = small()
    leaf(doc, 0, 0, 2)["id"] = "1.1.1"
    assert refused(doc).startswith("1 › 1.1 › 1.1.1: duplicate item id '1.1.1'")


def test_a_bonus_id_may_not_repeat_a_base_id() -> None:
    doc = small()
    doc["bonus"]["items"][0]["id"] = "2.2.4"
    assert "duplicate item id '2.2.4'" in refused(doc)


def test_an_unknown_rule_type_names_the_item_path() -> None:
    doc = small()
    leaf(doc, 0, 0, 0)["rules"][0]["type"] = "percentage"
    message = refused(doc)
    assert message.startswith("1 › 1.1 › 1.1.1 (items.0.children.0.children.0.rules.0)")
    assert "'percentage'" in message


def test_a_rule_whose_cap_exceeds_its_item_is_refused() -> None:
    doc = small()
    leaf(doc, 0, 0, 1)["rules"][0]["cap"] = 3
    assert refused(doc).startswith("1 › 1.1 › 1.1.2 rule a: 3 is more than the item's 2 points")


def test_a_threshold_deduction_larger_than_the_item_is_refused() -> None:
    doc = small()
    leaf(doc, 0, 0, 1)["rules"][1]["deduction"] = 2.5
    assert "1.1.2 rule b: 2.5 is more than the item's 2 points" in refused(doc)


def test_a_scored_item_above_the_third_level_is_refused() -> None:
    doc = small()
    doc["items"][1]["children"][0] = {"id": "2.2", "title": "工业企业", "points": 4, "rules": []}
    assert refused(doc).startswith("2 › 2.2: a scored item must be at level 3")


def test_award_rules_belong_to_bonus_items_only() -> None:
    doc = small()
    leaf(doc, 1, 0, 0)["rules"] = [{"type": "award", "id": "a", "points_each": 1}]
    assert "2.2.4 rule a: award rules belong to bonus items" in refused(doc)
    doc = small()
    doc["bonus"]["items"][0]["rules"] = [{"type": "binary", "id": "a"}]
    assert "b1 rule a: bonus items take award rules" in refused(doc)


def test_a_verified_item_must_cite_its_source() -> None:
    doc = small()
    leaf(doc, 0, 0, 0)["verified"] = True
    assert "1.1.1: a verified item must cite its source" in refused(doc)


def test_grade_bands_must_fall_and_end_at_zero() -> None:
    doc = small()
    doc["grades"]["bands"][1]["min"] = 95
    assert "band minimums must fall strictly" in refused(doc)
    doc = small()
    doc["grades"]["bands"][-1]["min"] = 10
    assert "band minimums must fall strictly and end at 0" in refused(doc)


def test_not_json_and_missing_fields_are_refused_in_one_line() -> None:
    with pytest.raises(CriteriaError, match="not JSON"):
        load_criteria("{")
    doc = small()
    del leaf(doc, 0, 0, 0)["points"]
    assert refused(doc) == "1 › 1.1 › 1.1.1 (items.0.children.0.children.0.points): Field required"


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_sets_load_and_add_up(name: str) -> None:
    criteria = shipped_criteria(name)
    assert sum((item.points for item in criteria.items), Decimal(0)) == criteria.total == 100
    for above, item in criteria.leaves():
        assert item.verified or item.note or any(a.note for a in above), f"{item.id}: unverified without a note"


def test_national_skeleton_matches_the_spec() -> None:
    national = shipped_criteria("national-2019")
    assert [(item.title, item.points) for item in national.items] == [
        ("城市安全源头治理", 18), ("城市安全风险防控", 32), ("城市安全监督管理", 16), ("城市安全保障能力", 16),
        ("城市安全应急救援", 14), ("城市安全状况", 4)]
    assert national.bonus is not None and national.bonus.cap == 5
    seconds = [child.title for item in national.items for child in item.children]
    assert len(seconds) == 16 and seconds[3] == "城市工业企业"
    verified = {item.id for _, item in national.leaves() if item.verified}
    assert verified == {"1.1.1", "1.1.2", "1.1.3", "1.2.4"}  # the items whose 评分标准 the spec read [V]
    for _, item in national.leaves():
        assert not item.verified or item.source


def test_the_sample_assessment_has_the_four_grades() -> None:
    assessment = shipped_criteria("assessment-sample")
    assert assessment.kind == "assessment" and assessment.grades is not None
    assert [band.name for band in assessment.grades.bands] == ["优秀", "良好", "合格", "不合格"]
    assert not assessment.grades.verified


def test_an_unknown_shipped_name_is_refused() -> None:
    with pytest.raises(CriteriaError, match="no shipped criteria set 'x'"):
        shipped_criteria("x")
