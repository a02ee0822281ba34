"""The province's progress against the plan's 2020 and 2025 targets (evaluation/calc/progress.py)."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from citysafe.evaluation.calc.progress import ObjectStanding, progress

CITIES = ("320100", "320200", "320300")


def test_a_city_without_an_applicant_fails_2020_and_is_listed() -> None:
    result = progress({"320100": 12, "320200": 8, "320300": 11},
                      [ObjectStanding("320100", "county", "applying"), ObjectStanding("320200", "city", "named")],
                      CITIES)
    assert [c.city_code for c in result.cities] == ["320200", "320100", "320300"]  # ranked by named share
    assert [c.meets_2020 for c in result.cities] == [True, True, False]
    assert result.cities_meeting_2020 == 2 and not result.meets_2020


def test_zones_add_to_their_citys_objects_and_one_third_is_the_2025_line() -> None:
    registered = [ObjectStanding("320100", "zone", "named"), ObjectStanding("320100", "county", "named"),
                  ObjectStanding("320100", "county", "revoked"), ObjectStanding("320200", "city", "named")]
    result = progress({"320100": 5, "320200": 3}, registered, ("320100", "320200"))
    assert result.objects == 9  # 5 + 3 divisions and one zone
    assert result.named == 3  # the revoked one is not named any more
    assert result.named_share == Fraction(1, 3) and result.meets_2025
    assert result.named_needed_2025 == 0


def test_what_is_still_needed_for_2025_is_rounded_up() -> None:
    result = progress({"320100": 10}, [ObjectStanding("320100", "county", "named")], ("320100",))
    assert not result.meets_2025 and result.named_needed_2025 == 3  # ⌈10 / 3⌉ = 4, one named


def test_an_applicant_of_another_province_is_not_counted() -> None:
    result = progress({"320100": 2}, [ObjectStanding("340100", "city", "named")], ("320100",))
    assert result.named == 0 and result.objects == 2


@given(st.lists(st.tuples(st.sampled_from(CITIES), st.sampled_from(["city", "county", "zone"]),
                          st.sampled_from(["preparing", "applying", "named", "revoked"])), max_size=30),
       st.lists(st.integers(0, 20), min_size=3, max_size=3))
def test_counts_add_up_and_the_needed_figure_reaches_the_line(rows: list[tuple[str, str, str]],
                                                              sizes: list[int]) -> None:
    registered = [ObjectStanding(*row) for row in rows]
    result = progress(dict(zip(CITIES, sizes, strict=True)), registered, CITIES)
    assert result.named == sum(1 for r in rows if r[2] == "named")
    assert result.objects == sum(sizes) + sum(1 for r in rows if r[1] == "zone")
    if result.objects:
        assert Fraction(result.named + result.named_needed_2025, result.objects) >= Fraction(1, 3)
        assert result.meets_2025 == (result.named_needed_2025 == 0)
