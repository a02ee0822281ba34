"""The reward calculator (public/rewards/calc/reward.py): the spec's reference cases, properties over any input
(bounds, monotonicity, grade order), and the refusals that name what is wrong."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citysafe.public.rewards.calc.reward import (
    GRADES,
    SHIPPED,
    FineShare,
    PerDeath,
    RewardInputError,
    compute,
    load_rule,
    shipped_rule,
)

CASES = json.loads((Path(__file__).parent / "cases" / "cases.json").read_text(encoding="utf-8"))
NATIONAL = shipped_rule("national-2018")
TAIZHOU = shipped_rule("taizhou-2020")
fines = st.decimals(min_value=0, max_value=Decimal("1e10"), places=2, allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_reference_cases(case: dict[str, Any]) -> None:
    reward = compute(shipped_rule(case["rules"]), case["kind"], fine_yuan=case.get("fine_yuan"),
                     grade=case.get("grade"), deaths=case.get("deaths"), amount_yuan=case.get("amount_yuan"))
    assert reward.yuan == Decimal(case["yuan"])
    assert reward.limited_by == case["limited_by"]
    assert reward.source  # every figure cites its rule


def test_every_shipped_rule_loads_and_cites_its_document() -> None:
    for name in SHIPPED:
        rule = shipped_rule(name)
        assert rule.name == name and rule.document and rule.schedules
        assert all(schedule.source for schedule in rule.schedules.values())


@pytest.mark.parametrize("rule", [NATIONAL, TAIZHOU], ids=["national", "taizhou"])
@given(fine=fines)
def test_a_fine_share_lies_between_the_floor_and_the_cap(rule: Any, fine: Decimal) -> None:
    schedule = rule.schedules["violation"]
    assert isinstance(schedule, FineShare)
    reward = compute(rule, "violation", fine_yuan=fine)
    assert schedule.min_yuan <= reward.yuan <= schedule.max_yuan
    if schedule.min_yuan < reward.yuan < schedule.max_yuan:  # neither bound bites: exactly the share
        assert reward.yuan == (fine * schedule.pct / 100).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")


@given(a=fines, b=fines)
def test_a_larger_fine_never_earns_less(a: Decimal, b: Decimal) -> None:
    low, high = sorted((a, b))
    for rule in (NATIONAL, TAIZHOU):
        assert compute(rule, "violation", fine_yuan=low).yuan <= compute(rule, "violation", fine_yuan=high).yuan


@given(deaths=st.integers(min_value=0, max_value=10_000), more=st.integers(min_value=0, max_value=50))
def test_more_deaths_or_a_graver_accident_never_earn_less_and_never_pass_the_cap(deaths: int, more: int) -> None:
    for rule in (NATIONAL, TAIZHOU):
        schedule = rule.schedules["concealed_accident"]
        assert isinstance(schedule, PerDeath)
        grades = [g for g in GRADES if g in schedule.per_death_yuan]
        amounts = [compute(rule, "concealed_accident", grade=g, deaths=deaths).yuan for g in grades]
        assert amounts == sorted(amounts)  # 一般 ≤ 较大 ≤ 重大 ≤ 特别重大
        assert all(0 <= amount <= schedule.max_yuan for amount in amounts)
        for grade in grades:
            assert compute(rule, "concealed_accident", grade=grade, deaths=deaths).yuan <= compute(
                rule, "concealed_accident", grade=grade, deaths=deaths + more).yuan


@pytest.mark.parametrize(("kind", "inputs", "field"), [
    ("violation", {"fine_yuan": "-1"}, "fine_yuan"),
    ("violation", {"fine_yuan": "abc"}, "fine_yuan"),
    ("violation", {"fine_yuan": "NaN"}, "fine_yuan"),
    ("violation", {"fine_yuan": "1e13"}, "fine_yuan"),
    ("violation", {}, "fine_yuan"),
    ("concealed_accident", {"deaths": 2}, "grade"),
    ("concealed_accident", {"grade": "huge", "deaths": 2}, "grade"),
    ("concealed_accident", {"grade": "major", "deaths": -1}, "deaths"),
    ("concealed_accident", {"grade": "major"}, "deaths"),
    ("hazard", {"amount_yuan": "800"}, "kind"),  # the national rule has no 事故隐患 schedule
])
def test_bad_input_names_the_field(kind: str, inputs: dict[str, Any], field: str) -> None:
    with pytest.raises(RewardInputError) as caught:
        compute(NATIONAL, kind, **inputs)
    assert caught.value.field == field and caught.value.message_zh


def test_a_local_schedule_refuses_what_it_does_not_cover_and_amounts_outside_its_range() -> None:
    with pytest.raises(RewardInputError, match="no amount for a extraordinary"):
        compute(TAIZHOU, "concealed_accident", grade="特别重大", deaths=1)
    with pytest.raises(RewardInputError, match="between 500 and 2,000"):
        compute(TAIZHOU, "hazard", amount_yuan="2500")


def test_the_floor_without_a_fine_is_a_policy_flag() -> None:
    document = NATIONAL.model_dump(mode="json")
    document["schedules"]["violation"]["min_without_fine"] = False
    rule = load_rule(document)
    assert compute(rule, "violation", fine_yuan="0").yuan == 0
    assert compute(rule, "violation", fine_yuan="1").yuan == 3000


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["schedules"]["violation"].update(min_yuan="400000"), "above max_yuan"),
    (lambda d: d["schedules"]["violation"].update(pct="150"), "pct"),
    (lambda d: d["schedules"].update(bonus={"basis": "range", "label": "x", "min_yuan": "1", "max_yuan": "2",
                                            "source": "x"}), "unknown kinds"),
    (lambda d: d.update(jurisdiction="32"), "jurisdiction"),
    (lambda d: d["schedules"]["violation"].pop("source"), "source"),
])
def test_a_bad_rule_document_is_refused_naming_the_problem(change: Any, message: str) -> None:
    document = NATIONAL.model_dump(mode="json")
    change(document)
    with pytest.raises(ValueError, match=message):
        load_rule(document)
