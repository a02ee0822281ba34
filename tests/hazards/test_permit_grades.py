"""The permit grade follows from what is measured: working height (GB/T 3608-2008) and lifted mass (GB 30871-2022)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect

from citysafe.core.config import Settings
from citysafe.core.context import AppContext
from citysafe.hazards import rules
from citysafe.hazards.calc import permits as calc

PERMIT_RULES = rules.permit_rules(Settings())


@pytest.mark.parametrize(("height_m", "grade"), [
    (2.0, "level1"), (4.99, "level1"), (5.0, "level1"), (5.01, "level2"), (15.0, "level2"), (15.01, "level3"),
    (30.0, "level3"), (30.01, "special"), (120.0, "special")])
def test_height_grade_boundaries_gbt_3608(height_m: float, grade: str) -> None:
    assert calc.measured_grade(PERMIT_RULES, "work_at_height", height_m) == grade


@pytest.mark.parametrize(("mass_t", "grade"), [
    (0.5, "level3"), (39.99, "level3"), (40.0, "level2"), (100.0, "level2"), (100.01, "level1")])
def test_lifting_grade_boundaries_gb_30871(mass_t: float, grade: str) -> None:
    assert calc.measured_grade(PERMIT_RULES, "lifting", mass_t) == grade


def test_below_two_metres_is_not_work_at_height() -> None:
    with pytest.raises(calc.PermitRuleError) as low:
        calc.measured_grade(PERMIT_RULES, "work_at_height", 1.9)
    assert low.value.field == "height_m" and "2" in low.value.message_zh


def test_grade_labels_state_the_inclusive_bounds() -> None:
    height = PERMIT_RULES.types["work_at_height"].grades
    assert "5m" in height["level1"].name_zh and "h≤5m" in height["level1"].name_zh
    assert "5m<h≤15m" in height["level2"].name_zh and "15m<h≤30m" in height["level3"].name_zh
    assert "h>30m" in height["special"].name_zh


def test_measure_is_published_with_the_rules() -> None:
    published = PERMIT_RULES.as_dict()["types"]
    assert published["work_at_height"]["measure"]["field"] == "height_m"
    assert published["lifting"]["measure"]["field"] == "lifted_mass_t"
    assert published["hot_work"].get("measure") is None


def _view(i: int, kind: str, area: str = "", lon: float | None = None, lat: float | None = None,
          org: int = 1) -> calc.PermitView:
    t0 = datetime(2030, 6, 1, tzinfo=UTC)
    return calc.PermitView(i, kind, org, area, lon, lat, t0, t0 + timedelta(hours=8), "approved")


def test_contractors_at_the_same_spot_conflict() -> None:
    hot = _view(1, "hot_work", lon=118.8, lat=32.05, org=1)
    contractor = _view(2, "confined_space", lon=118.80005, lat=32.05, org=2)  # another unit, about 5 m away
    assert [c.other_id for c in calc.conflicts(hot, [contractor], PERMIT_RULES)] == [2]


def test_same_area_text_elsewhere_is_not_a_conflict() -> None:
    # Two units each have a "1#罐区"; the words alone do not put them in one place.
    hot = _view(1, "hot_work", area="1#罐区", org=1)
    elsewhere = _view(2, "blind_plate", area="1#罐区", org=2)
    far_located = _view(3, "blind_plate", area="1#罐区", lon=118.9, lat=32.1, org=1)
    located = _view(4, "hot_work", area="1#罐区", lon=118.8, lat=32.05, org=1)
    assert calc.conflicts(hot, [elsewhere], PERMIT_RULES) == []
    assert calc.conflicts(located, [far_located], PERMIT_RULES) == []
    # Within one unit's own plant the named area is the registered place when coordinates are missing.
    same_plant = _view(5, "blind_plate", area="1#罐区", org=1)
    assert [c.other_id for c in calc.conflicts(hot, [same_plant], PERMIT_RULES)] == [5]


def test_migration_adds_the_measured_columns(ctx: AppContext) -> None:
    # The schema of the tests is built by the Alembic history: 0009 must give the model's columns.
    columns = {c["name"]: c for c in inspect(ctx.engine).get_columns("work_permit")}
    assert columns["height_m"]["nullable"] and columns["lifted_mass_t"]["nullable"]
