"""matching_plans: which plans an incident calls for, and at which response level (pure)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citysafe.emergency.plans.calc.matching import (
    RESPONSE_LEVELS,
    IncidentFacts,
    PlanFacts,
    Trigger,
    matching_plans,
    plan_facts,
)

FIRE = IncidentFacts(category="accident", sub_type="fire", grade="general", region_code="320102002")
CITY_FIRE = PlanFacts(1, "320100", (
    Trigger(level="4", categories=("accident",), sub_types=("fire",), grades=("general",)),
    Trigger(level="2", categories=("accident",), sub_types=("fire",), grades=("major", "especially_major")),
))
DISTRICT_FIRE = PlanFacts(2, "320102", (Trigger(level="3", categories=("accident",), sub_types=("fire",)),))
OTHER_DISTRICT = PlanFacts(3, "320104", (Trigger(level="1", categories=("accident",)),))
FLOOD = PlanFacts(4, "320100", (Trigger(level="4", categories=("natural_disaster",)),))


def test_plans_whose_triggers_hold_are_picked_with_their_level_most_severe_first() -> None:
    found = matching_plans(FIRE, [CITY_FIRE, DISTRICT_FIRE, OTHER_DISTRICT, FLOOD])
    assert [(m.plan_id, m.level) for m in found] == [(2, "3"), (1, "4")]
    assert found[1].trigger_index == 0


def test_the_grade_selects_the_trigger_and_the_most_severe_level_wins() -> None:
    major = IncidentFacts("accident", "fire", "major", "320102002")
    assert [(m.plan_id, m.level, m.trigger_index) for m in matching_plans(major, [CITY_FIRE])] == [(1, "2", 1)]


def test_an_ungraded_incident_matches_only_triggers_without_grades() -> None:
    ungraded = IncidentFacts("accident", "fire", None, "320102002")
    assert [m.plan_id for m in matching_plans(ungraded, [CITY_FIRE, DISTRICT_FIRE])] == [2]


def test_named_regions_replace_the_plans_own_region() -> None:
    plan = PlanFacts(5, "320102", (Trigger(level="4", region_codes=("320104",)),))
    assert matching_plans(FIRE, [plan]) == []
    assert [m.plan_id for m in matching_plans(IncidentFacts("accident", None, None, "320104001"), [plan])] == [5]


def test_at_equal_level_the_more_local_plan_comes_first() -> None:
    city = PlanFacts(7, "320100", (Trigger(level="4"),))
    street = PlanFacts(9, "320102002", (Trigger(level="4"),))
    assert [m.plan_id for m in matching_plans(FIRE, [city, street])] == [9, 7]


def test_plan_facts_read_the_stored_json() -> None:
    facts = plan_facts(8, "320102", [{"level": "3", "categories": ["accident"], "sub_types": [], "grades": [],
                                      "region_codes": [], "description": ""}])
    assert facts.triggers == (Trigger(level="3", categories=("accident",)),)


# The shared 2-core machine is often loaded: generation time says nothing about the rule under test.
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(RESPONSE_LEVELS), st.sampled_from(["accident", "natural_disaster"])),
                max_size=6))
def test_each_plan_appears_once_and_levels_never_get_less_severe(triggers: list[tuple[str, str]]) -> None:
    plans = [PlanFacts(i + 1, "320100", (Trigger(level=lv, categories=(cat,)),))
             for i, (lv, cat) in enumerate(triggers)]
    found = matching_plans(FIRE, plans)
    assert len({m.plan_id for m in found}) == len(found)
    assert [m.level for m in found] == sorted(m.level for m in found)
    assert {m.plan_id for m in found} == {p.plan_id for p, (_, cat) in zip(plans, triggers, strict=True)
                                          if cat == "accident"}
