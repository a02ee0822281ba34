"""Drill duties and who is overdue (pure): 国务院令第708号 第八条, 应急管理部令第2号 第三十三条."""

from __future__ import annotations

from datetime import date

import pytest

from citysafe.emergency.drills.calc.duties import (
    DutyRuleError,
    PlanSubject,
    add_months,
    duties,
    overdue,
    rule_from_dict,
)
from citysafe.emergency.drills.service import packaged_rules

RULES = packaged_rules()
GOV = PlanSubject(1, "gov_special", None, "", "320102", date(2024, 1, 10))
CHEM_COMPREHENSIVE = PlanSubject(2, "ent_comprehensive", 50, "危险化学品", "320102", date(2025, 1, 1))
CHEM_ONSITE = PlanSubject(3, "ent_onsite", 50, "危险化学品", "320102", date(2025, 1, 1))
SHOP_SPECIAL = PlanSubject(4, "ent_special", 60, "商贸", "320104", date(2025, 1, 1))


def test_every_packaged_rule_cites_its_article() -> None:
    assert {r.code: r.every_months for r in RULES} == {
        "government_plan": 24, "high_risk_or_crowded": 6, "enterprise_comprehensive_or_special": 12,
        "enterprise_onsite": 6}
    assert all("第" in r.article and "条" in r.article for r in RULES)


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2025, 8, 31), 6, date(2026, 2, 28)), (date(2023, 8, 31), 6, date(2024, 2, 29)),
    (date(2024, 1, 10), 24, date(2026, 1, 10)), (date(2025, 12, 15), 1, date(2026, 1, 15))])
def test_add_months_keeps_the_day_or_takes_the_months_last(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


def test_each_rule_that_binds_is_one_duty() -> None:
    found = {(d.rule.code, d.plan_ids) for d in duties(RULES, [GOV, CHEM_COMPREHENSIVE, CHEM_ONSITE, SHOP_SPECIAL], {})}
    assert found == {
        ("government_plan", (1,)),
        ("high_risk_or_crowded", (2, 3)),  # a high-risk unit: any of its plans' drills counts, every 6 months
        ("enterprise_comprehensive_or_special", (2,)), ("enterprise_comprehensive_or_special", (4,)),
        ("enterprise_onsite", (3,)),
    }


def test_overdue_counts_from_the_last_drill_held_else_from_the_plan() -> None:
    plans = [GOV, CHEM_COMPREHENSIVE, CHEM_ONSITE, SHOP_SPECIAL]
    today = date(2026, 1, 20)
    late = overdue(duties(RULES, plans, {3: date(2025, 9, 1), 4: date(2025, 3, 1)}), today)
    assert [(d.rule.code, d.plan_ids, d.due_on) for d in late] == [
        ("enterprise_comprehensive_or_special", (2,), date(2026, 1, 1)),
        ("government_plan", (1,), date(2026, 1, 10)),
    ]
    assert late[0].overdue_days(today) == 19 and late[0].last_held is None


def test_a_rule_without_its_article_or_with_a_wrong_period_is_refused() -> None:
    base = {"code": "x", "name": "x", "every_months": 6, "per": "unit", "plan_kinds": ["ent_onsite"],
            "article": "某条"}
    assert rule_from_dict(base).every_months == 6
    for bad in ({"article": " "}, {"every_months": 0}, {"every_months": 1.5}, {"per": "region"}):
        with pytest.raises(DutyRuleError):
            rule_from_dict(base | bad)
