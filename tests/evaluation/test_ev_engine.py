"""The scoring engine: each rule type, not applicable, bonuses, the reviewer's deduction, levels, grades and
the explanation; Hypothesis checks the bounds for any findings."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from ev_samples import small
from hypothesis import given, settings
from hypothesis import strategies as st

from citysafe.evaluation.calc.criteria import CriteriaSet, load_criteria, shipped_criteria
from citysafe.evaluation.calc.engine import ScoreError, ScoreResult, score_document

SMALL = load_criteria(json.dumps(small()))


def run(items: dict[str, Any], criteria: CriteriaSet = SMALL) -> ScoreResult:
    return score_document(criteria, {"items": items})


def item(result: ScoreResult, item_id: str) -> Any:
    return next(s for s in result.items if s.item_id == item_id)


def test_no_findings_scores_full_marks_and_names_the_version() -> None:
    result = run({})
    assert (result.total, result.base, result.bonus, result.grade) == (10, 10, 0, "不合格")
    assert result.as_dict()["criteria"] == {"id": "small", "version": "t1", "digest": SMALL.digest}


def test_per_finding_deducts_each_and_stops_at_the_item_points() -> None:
    assert item(run({"1.1.1": {"findings": {"a": 3}}}), "1.1.1").score == Decimal("0.5")
    capped = item(run({"1.1.1": {"findings": {"a": 9}}}), "1.1.1")
    assert (capped.score, capped.deduction) == (0, 2)
    assert "已达本规则上限 2 分" in capped.lines[0].text_zh


def test_per_finding_respects_its_own_cap_below_the_item() -> None:
    scored = item(run({"1.1.2": {"findings": {"a": 10}}}), "1.1.2")
    assert (scored.score, scored.deduction) == (1, 1)  # 10 × 0.2 = 2, capped at the rule's 1


@pytest.mark.parametrize(("rate", "score"), [(80, 1), (79.9, 1), (80.1, 2), (100, 2)])
def test_threshold_deducts_when_the_failing_condition_holds(rate: float, score: int) -> None:
    assert item(run({"1.1.2": {"findings": {"b": rate}}}), "1.1.2").score == score


def test_rules_add_up_within_an_item() -> None:
    scored = item(run({"1.1.2": {"findings": {"a": 2, "b": 75}}}), "1.1.2")
    assert scored.score == Decimal("0.6")
    assert scored.text_zh == "(2)老旧管网（2分）：a：发现 2 处，扣0.4分；改造率 75%，≤80%，扣1分；得0.6分"


def test_binary_takes_the_item_points_when_not_met() -> None:
    assert item(run({"1.1.3": {"findings": {"a": False}}}), "1.1.3").score == 0
    assert item(run({"1.1.3": {"findings": {"a": True}}}), "1.1.3").score == 2


@pytest.mark.parametrize(("finding", "message"), [
    ({"findings": {"a": "3"}}, "1 › 1.1 › 1.1.1 rule a: expected a whole count"),
    ({"findings": {"a": -1}}, "1 › 1.1 › 1.1.1 rule a: expected a whole count"),
    ({"findings": {"a": True}}, "1 › 1.1 › 1.1.1 rule a: expected a whole count"),
    ({"findings": {"z": 1}}, "1 › 1.1 › 1.1.1: no rule 'z' in this item"),
    ({"not_applicable": "  "}, "1 › 1.1 › 1.1.1: not applicable needs a stated reason"),
    ({"not_applicable": "无", "findings": {"a": 1}}, "1 › 1.1 › 1.1.1: not applicable and scored at once"),
    ({"deduction": 2.5, "reason": "x"}, "1 › 1.1 › 1.1.1: deduction 2.5 is more than the item's 2 points"),
    ({"deduction": 1}, "1 › 1.1 › 1.1.1: a reviewer's deduction needs a reason"),
])
def test_bad_findings_are_refused_naming_the_item(finding: dict[str, Any], message: str) -> None:
    with pytest.raises(ScoreError) as caught:
        run({"1.1.1": finding})
    assert str(caught.value).startswith(message)


def test_findings_for_an_unknown_or_a_parent_item_are_refused() -> None:
    with pytest.raises(ScoreError, match=r"9\.9\.9: no such item"):
        run({"9.9.9": {}})
    with pytest.raises(ScoreError, match=r"1\.1: not a scored"):
        run({"1.1": {}})


def test_findings_for_another_version_are_refused() -> None:
    with pytest.raises(ScoreError, match="criteria_version 't0'"):
        score_document(SMALL, {"criteria_version": "t0", "items": {}})


def test_a_reviewer_deduction_with_its_reason_is_a_line() -> None:
    scored = item(run({"2.2.4": {"deduction": 1.5, "reason": "视频监控安装率 90%"}}), "2.2.4")
    assert scored.score == Decimal("2.5")
    assert scored.lines[0].text_zh == "评审扣分：视频监控安装率 90%，扣1.5分"


def test_not_applicable_leaves_the_denominator_and_the_total_is_rescaled() -> None:
    result = run({"2.2.4": {"not_applicable": "本市无危化品企业"}, "1.1.1": {"findings": {"a": 2}}})
    assert (result.applicable_points, result.earned) == (6, 5)
    assert result.base == Decimal("8.33")  # 5 × 10 ÷ 6, half-up to 0.01
    second = next(n for n in result.nodes if n.item_id == "2")
    assert (second.applicable_points, second.earned) == (0, 0)
    assert "不适用（本市无危化品企业）" in item(result, "2.2.4").text_zh


def test_full_credit_policy_counts_not_applicable_as_met() -> None:
    doc = small()
    doc["not_applicable"] = "full_credit"
    result = run({"2.2.4": {"not_applicable": "无"}, "1.1.1": {"findings": {"a": 2}}}, load_criteria(json.dumps(doc)))
    assert result.base == 9


def test_everything_not_applicable_is_refused() -> None:
    every = {i: {"not_applicable": "无"} for i in ("1.1.1", "1.1.2", "1.1.3", "2.2.4")}
    with pytest.raises(ScoreError, match="every item is not applicable"):
        run(every)


def test_bonuses_are_capped_per_item_and_in_total() -> None:
    result = run({"b1": {"findings": {"a": 5}}, "b2": {"findings": {"a": 3}}})
    assert (item(result, "b1").score, item(result, "b2").score) == (2, Decimal("1.5"))
    assert (result.bonus, result.total) == (3, 13)  # 3.5 capped at the set's 3
    with pytest.raises(ScoreError, match="b1: a bonus item cannot be not applicable"):
        run({"b1": {"not_applicable": "无"}})


def test_levels_sum_their_items() -> None:
    result = run({"1.1.1": {"findings": {"a": 1}}, "1.1.3": {"findings": {"a": False}}})
    levels = {n.item_id: (n.level, n.points, n.earned) for n in result.nodes}
    assert levels == {"1": (1, 6, Decimal("3.5")), "1.1": (2, 6, Decimal("3.5")), "2": (1, 4, 4), "2.2": (2, 4, 4)}


def test_the_same_findings_give_the_same_result() -> None:
    findings = {"1.1.1": {"findings": {"a": 1}}, "b2": {"findings": {"a": 1}}}
    assert run(findings).as_dict() == run(findings).as_dict()


@pytest.mark.parametrize(("findings", "total", "grade"), [
    ({}, 100, "优秀"),
    ({"2.1.2": {"findings": {"a": 1}}, "2.2.1": {"findings": {"a": 98}}}, 80, "良好"),
    ({"2.1.1": {"findings": {"a": 12.5}}, "2.1.2": {"findings": {"a": 2}}, "2.2.1": {"findings": {"a": 90}}}, 60,
     "合格"),
    ({"1.1.1": {"findings": {"a": False}}, "2.1.1": {"findings": {"a": 3}}, "2.1.2": {"findings": {"a": 2}},
      "2.2.1": {"findings": {"a": 90}}}, 50, "不合格"),
    ({"1.1.1": {"findings": {"a": False}}, "2.1.1": {"findings": {"a": 3}}, "2.1.2": {"findings": {"a": 2}},
      "2.2.1": {"findings": {"a": 90}}, "bonus.1": {"findings": {"a": 1}}}, 55, "不合格"),
])
def test_the_assessment_grades_its_total(findings: dict[str, Any], total: int, grade: str) -> None:
    result = run(findings, shipped_criteria("assessment-sample"))
    assert (result.total, result.grade) == (total, grade)


def test_the_national_skeleton_scores_and_lists_its_unverified_items() -> None:
    result = run({"1.1.1": {"findings": {"a": 1}}, "1.2.4": {"findings": {"b": 85}}},
                 shipped_criteria("national-2019"))
    assert (result.total, result.grade) == (Decimal("99.5"), None)
    assert "1.1.1" not in result.unverified_items and "1.2.5" in result.unverified_items


# --- properties -----------------------------------------------------------------------------------

ITEMS = ("1.1.1", "1.1.2", "1.1.3", "2.2.4")
finding = st.one_of(
    st.just({}),
    st.fixed_dictionaries({"not_applicable": st.just("不适用")}),
    st.fixed_dictionaries({"deduction": st.decimals(0, 2, places=2), "reason": st.just("评审")}),
)


@st.composite
def findings_for_small(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {i: draw(finding) for i in ITEMS if draw(st.booleans())}
    out["1.1.1"] = out.get("1.1.1") or {"findings": {"a": draw(st.integers(0, 50))}}
    if "findings" not in out.get("1.1.2", {"not_applicable": ""}) and "1.1.2" not in out:
        out["1.1.2"] = {"findings": {"a": draw(st.integers(0, 50)),
                                     "b": draw(st.decimals(0, 100, places=1, allow_nan=False))}}
    out["b1"] = {"findings": {"a": draw(st.integers(0, 20))}}
    out["b2"] = {"findings": {"a": draw(st.integers(0, 20))}}
    if all("not_applicable" in out.get(i, {}) for i in ITEMS):
        out.pop("2.2.4")
    return out


@given(findings_for_small())
@settings(max_examples=200, deadline=None)
def test_scores_stay_within_bounds_and_not_applicable_renormalises(findings: dict[str, Any]) -> None:
    result = run(findings)
    for scored in result.items:
        if scored.score is not None:
            assert 0 <= scored.score <= scored.points
    applicable = sum((s.points for s in result.items if not s.bonus and s.score is not None), Decimal(0))
    assert result.applicable_points == applicable
    assert 0 <= result.base <= SMALL.total
    expected = (result.earned * SMALL.total / applicable).quantize(Decimal("0.01"))
    assert abs(result.base - expected) <= Decimal("0.01")
    assert 0 <= result.bonus <= 3 and result.total == result.base + result.bonus
    if result.earned == applicable:
        assert result.base == SMALL.total
