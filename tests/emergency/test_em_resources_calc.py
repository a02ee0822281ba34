"""Pure rules of resources and shelters: GB/T 38565-2020 codes, the team status machine, capacity from area, and
the evacuation assignment (exact, and better than nearest-first on a crafted case)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from citysafe.emergency.resources.calc.codes import StockCodeError, is_catch_all, top_class, validate_stock_code
from citysafe.emergency.resources.calc.status import TeamStatus, can_move
from citysafe.emergency.shelters.calc.capacity import capacity
from citysafe.emergency.shelters.calc.evacuation import assign, geodesic_matrix, nearest_first


@pytest.mark.parametrize("code", ["1010101", "2990199", "3999999", " 1 010101 "])
def test_gbt38565_codes_of_the_three_top_classes_pass(code: str) -> None:
    assert len(validate_stock_code(code)) == 7


@pytest.mark.parametrize(("code", "words"), [("101010", "7 位"), ("10101010", "7 位"), ("4010101", "大类"),
                                             ("0010101", "大类"), ("1000101", "中类"), ("1010001", "小类"),
                                             ("1010100", "细类"), ("10a0101", "7 位")])
def test_codes_not_of_gbt38565_are_refused_saying_why(code: str, words: str) -> None:
    with pytest.raises(StockCodeError) as caught:
        validate_stock_code(code)
    assert words in caught.value.zh


def test_top_class_and_catch_all() -> None:
    assert top_class("2010101") == "应急装备及配套物资"
    assert is_catch_all("1990101") and not is_catch_all("1010101")


def test_status_machine_follows_one_dispatch_and_guards_out_of_service() -> None:
    path = [TeamStatus.AVAILABLE, TeamStatus.DISPATCHED, TeamStatus.ON_SCENE, TeamStatus.RETURNING,
            TeamStatus.AVAILABLE, TeamStatus.OUT_OF_SERVICE, TeamStatus.AVAILABLE]
    assert all(can_move(a, b) for a, b in itertools.pairwise(path))
    assert not can_move(TeamStatus.ON_SCENE, TeamStatus.OUT_OF_SERVICE)
    assert not can_move(TeamStatus.OUT_OF_SERVICE, TeamStatus.DISPATCHED)
    assert not can_move(TeamStatus.AVAILABLE, TeamStatus.ON_SCENE)


def test_capacity_is_whole_people_and_zero_area_is_refused() -> None:
    assert capacity(3000, 1.5) == 2000
    assert capacity(3001, 1.5) == 2000
    with pytest.raises(ValueError, match="greater than 0"):
        capacity(0, 1.5)


def test_the_assignment_beats_nearest_first_on_a_crafted_case() -> None:
    # A is near both shelters; B is near S1 only. Nearest-first sends A to S1 and pushes B far to S2.
    cost = np.array([[1000.0, 2000.0], [1100.0, 10000.0]])
    greedy = nearest_first([100, 100], [100, 100], cost)
    best = assign([100, 100], [100, 100], cost)
    assert greedy.total_cost == 100 * 1000 + 100 * 10000
    assert best.total_cost == 100 * 2000 + 100 * 1100
    assert best.placed == 200 and best.unplaced == [0, 0]


def test_short_capacity_leaves_people_unplaced_and_respects_the_radius() -> None:
    cost = np.array([[500.0, 9000.0], [800.0, 700.0]])
    plan = assign([300, 200], [250, 100], cost)
    assert plan.placed == 350 and sum(plan.unplaced) == 150
    capped = assign([300, 200], [1000, 1000], cost, max_cost=1000)
    assert all(f.cost <= 1000 for f in capped.flows) and capped.placed == 500


def test_assignment_is_exact_against_brute_force_on_small_random_cases() -> None:
    rng = np.random.default_rng(7)
    for _ in range(20):
        cost = rng.uniform(100, 5000, size=(3, 2))
        pop = rng.integers(1, 6, size=3).tolist()
        cap = rng.integers(2, 8, size=2).tolist()
        plan = assign(pop, cap, cost)
        best = None
        for a in range(pop[0] + 1):
            for b in range(pop[1] + 1):
                for c in range(pop[2] + 1):
                    s0 = a + b + c
                    s1 = (pop[0] - a) + (pop[1] - b) + (pop[2] - c)
                    if s0 <= cap[0] and s1 <= cap[1]:
                        total = sum(x * cost[i, 0] + (pop[i] - x) * cost[i, 1] for i, x in enumerate((a, b, c)))
                        best = total if best is None else min(best, total)
        placed_all = sum(pop) <= sum(cap)
        if placed_all and best is not None:
            assert plan.placed == sum(pop)
            assert plan.total_cost == pytest.approx(best)
        assert plan.placed == min(sum(pop), sum(cap))


def test_geodesic_matrix_in_metres() -> None:
    # 新街口 to 鼓楼 in Nanjing: about 1.9 km.
    d = geodesic_matrix([(118.7784, 32.0415)], [(118.7789, 32.0584)])
    assert d.shape == (1, 1) and 1800 < d[0, 0] < 2000
