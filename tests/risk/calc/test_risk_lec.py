from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citysafe.risk.calc.lec import (
    C_SCORES,
    E_SCORES,
    L_SCORES,
    PRESETS,
    assess_lec,
    graham_class,
    level_for_d,
)
from citysafe.risk.calc.levels import RiskLevel

B, Y, OR, R = RiskLevel.BLUE, RiskLevel.YELLOW, RiskLevel.ORANGE, RiskLevel.RED


# Every band edge of both presets, the values either side, and the edges of the other preset.
@pytest.mark.parametrize(("d", "a", "b"), [
    (0, B, B),
    (19.99, B, B),
    (20, B, Y),      # B is left-closed: 20 ≤ D < 70 is yellow; A's lowest band runs to 70
    (20.01, B, Y),
    (69.99, B, Y),
    (70, B, OR),      # A is right-closed: D ≤ 70 stays blue; B: 70 ≤ D < 160 is orange
    (70.01, Y, OR),
    (159.99, Y, OR),
    (160, Y, R),     # A: 70 < D ≤ 160 yellow; B: D ≥ 160 red
    (160.01, OR, R),
    (319.99, OR, R),
    (320, OR, R),     # A: red needs D > 320
    (320.01, R, R),
    (1e6, R, R),
])
def test_preset_band_edges(d: float, a: RiskLevel, b: RiskLevel) -> None:
    assert level_for_d(d, "A") is a
    assert level_for_d(d, "B") is b


@pytest.mark.parametrize(("d", "cls"), [
    (20, "稍有危险"), (20.5, "一般危险"), (70, "一般危险"), (71, "显著危险"), (160, "显著危险"),
    (161, "高度危险"), (320, "高度危险"), (321, "极其危险"),
])
def test_graham_classes_are_right_closed(d: float, cls: str) -> None:
    assert graham_class(d)[0] == cls


def test_presets_record_their_closure() -> None:
    assert PRESETS["A"].bands.closure == "right"
    assert PRESETS["A"].bands.describe() == ["D≤70", "70<D≤160", "160<D≤320", "D>320"]
    assert PRESETS["B"].bands.closure == "left"
    assert PRESETS["B"].bands.describe() == ["D<20", "20≤D<70", "70≤D<160", "D≥160"]


def test_exact_products_hit_thresholds() -> None:
    # 0.5 × 40 and 0.2 × 10 × … must be exact, or boundary cases land on the wrong side.
    assert assess_lec(1, 0.5, 40).d == 20
    assert assess_lec(0.2, 10, 100).d == 200
    assert assess_lec(0.1, 0.5, 1).d == pytest.approx(0.05)
    result = assess_lec("0.5", Decimal("6"), 7, "B")
    assert (result.d, result.level, result.preset, result.method) == (21, Y, "B", "lec")


@pytest.mark.parametrize(("args", "name"), [
    ((5, 6, 3), "L"), ((6, 4, 3), "E"), ((6, 6, 50), "C"), ((0, 6, 3), "L"), ((6, -1, 3), "E"),
    ((float("nan"), 6, 3), "L"), ((True, 6, 3), "L"), (("x", 6, 3), "L"),
])
def test_invalid_scores_name_the_parameter_and_allowed_values(args: tuple[object, ...], name: str) -> None:
    with pytest.raises(ValueError, match=f"{name}") as err:
        assess_lec(*args)  # type: ignore[arg-type]
    if name == "L" and args[0] in (5, 0):
        assert "10, 6, 3, 1, 0.5, 0.2, 0.1" in str(err.value)


def test_unknown_preset() -> None:
    with pytest.raises(ValueError, match="unknown LEC preset 'C'"):
        assess_lec(6, 6, 3, "C")


_L = st.sampled_from(sorted(L_SCORES))
_E = st.sampled_from(sorted(E_SCORES))
_C = st.sampled_from(sorted(C_SCORES))


@given(_L, _E, _C, _L, _E, _C, st.sampled_from(["A", "B"]))
def test_level_is_monotonic_in_d(l1: Decimal, e1: Decimal, c1: Decimal, l2: Decimal, e2: Decimal,
                                 c2: Decimal, preset: str) -> None:
    r1 = assess_lec(l1, e1, c1, preset)
    r2 = assess_lec(l2, e2, c2, preset)
    assert r1.d == float(l1 * e1 * c1)
    if r1.d <= r2.d:
        assert r1.level <= r2.level
    else:
        assert r1.level >= r2.level


@given(st.floats(0, 1e5), st.floats(0, 1e5))
def test_level_for_d_is_monotonic(d1: float, d2: float) -> None:
    lo, hi = sorted((d1, d2))
    for preset in PRESETS:
        assert level_for_d(lo, preset) <= level_for_d(hi, preset)
    # B never rates lower than A: its thresholds are lower or equal at every edge.
    assert level_for_d(lo, "B") >= level_for_d(lo, "A")
