from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from citysafe.risk.calc import gb18218 as gb
from citysafe.risk.calc.gb18218 import Holding, assess_gb18218

DATA = Path(gb.__file__).parent / "data"


def test_table1_has_all_85_rows_with_provenance() -> None:
    table = gb.substances()
    assert len(table) == 85
    assert [r.seq for r in table.rows] == list(range(1, 86))
    assert {r.provenance for r in table.rows} == {"spec", "from-standard-knowledge"}
    assert all(r.critical_quantity_t > 0 for r in table.rows)
    assert (DATA / "README.md").exists()


# Every Q the spec lists in §3.3 ("selected critical quantities") must match the CSV, and be marked "spec".
SPEC_Q = {1: "10", 4: "20", 6: "0.3", 7: "10", 8: "5", 10: "5", 11: "20", 12: "5", 13: "20", 20: "1",
          25: "1", 47: "5", 48: "50", 49: "50", 50: "50", 51: "5", 52: "50", 54: "1", 55: "50", 56: "200",
          57: "50", 64: "500", 65: "500", 66: "200", 67: "500", 69: "500", 43: "5", 44: "50", 45: "200",
          83: "100", 85: "10"}


def test_spec_critical_quantities() -> None:
    rows = {r.seq: r for r in gb.substances().rows}
    for seq, q in SPEC_Q.items():
        assert rows[seq].critical_quantity_t == Decimal(q), seq
        assert rows[seq].provenance == "spec", seq
    assert {s for s, r in rows.items() if r.provenance == "spec"} == set(SPEC_Q)


def test_table3_betas_match_the_spec() -> None:
    spec = {"一氧化碳": 2, "二氧化硫": 2, "氨": 2, "环氧乙烷": 2, "氯化氢": 3, "溴甲烷": 3, "氯": 4, "硫化氢": 5,
            "氟化氢": 5, "二氧化氮": 10, "氰化氢": 10, "碳酰氯": 20, "磷化氢": 20, "异氰酸甲酯": 20}
    assert {k: int(v) for k, v in gb.TABLE3_BETA.items()} == spec
    # The CSV's per-row β agrees with Table 3 for each of its 13 gases that Table 1 names.
    table = gb.substances()
    for name, beta in spec.items():
        row = table.get(name)
        if name == "一氧化碳":
            assert row is None  # CO is in Table 3 but not named in Table 1
            continue
        assert row is not None and row.beta_table3 == beta, name
    assert sum(1 for r in table.rows if r.beta_table3 is not None) == 13


def test_table2_and_table4() -> None:
    q = {k: float(v.critical_quantity_t) for k, v in gb.HAZARD_CLASSES.items()}
    assert q == {"J1": 5, "J2": 50, "J3": 50, "J4": 50, "J5": 500, "W1.1": 1, "W1.2": 10, "W1.3": 50, "W2": 10,
                 "W3": 150, "W4": 50, "W5.1": 10, "W5.2": 50, "W5.3": 1000, "W5.4": 5000, "W6.1": 10,
                 "W6.2": 50, "W7.1": 10, "W7.2": 50, "W8": 50, "W9.1": 50, "W9.2": 200, "W10": 200, "W11": 200}
    beta = {k: float(v.beta) for k, v in gb.HAZARD_CLASSES.items()}
    assert beta == {"J1": 4, "J2": 1, "J3": 2, "J4": 2, "J5": 1, "W1.1": 2, "W1.2": 2, "W1.3": 2, "W2": 1.5,
                    "W3": 1, "W4": 1, "W5.1": 1.5, "W5.2": 1, "W5.3": 1, "W5.4": 1, "W6.1": 1.5, "W6.2": 1,
                    "W7.1": 1.5, "W7.2": 1, "W8": 1, "W9.1": 1, "W9.2": 1, "W10": 1, "W11": 1}


def test_csv_default_classes_are_known_symbols() -> None:
    with (DATA / "gb18218_substances.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            for symbol in filter(None, row["hazard_classes"].split("|")):
                assert symbol in gb.HAZARD_CLASSES, row["name"]


@pytest.mark.parametrize(("alias", "seq"), [
    ("天然气", 49), ("甲烷", 49), ("LNG", 49), ("natural gas", 49), ("Methane", 49), ("8006-14-2", 49),
    ("LPG", 52), ("ｌｐｇ", 52), ("液化石油气", 52), ("丙烷", 52), ("propane", 52),
    ("液氨", 1), ("Ammonia", 1), ("7664-41-7", 1), ("液氯", 12), ("chlorine", 12), ("光气", 6),
    ("汽油", 66), ("gasoline", 66), ("petrol", 66), ("甲醇", 65), ("木精", 65), ("电石", 83),
    ("氧气", 56), ("氢气", 51), ("TDI", 23), ("梯恩梯", 35), ("氯化氢", 11), ("硝酸铵(含可燃物≤0.2%)", 44),
    ("煤气（CO，CO和H₂、CH₄的混合物等）", 13),  # full-width punctuation and subscripts fold
])
def test_aliases(alias: str, seq: int) -> None:
    row = gb.substances().find(alias)
    assert row.seq == seq


@pytest.mark.parametrize("name", ["硝化棉", "9004-70-0", "6484-52-2"])
def test_ambiguous_names_fail(name: str) -> None:
    with pytest.raises(gb.AmbiguousSubstanceError, match="several"):
        assess_gb18218([Holding(1, name)])


def test_unknown_substance_fails_loudly() -> None:
    with pytest.raises(gb.UnknownSubstanceError, match="'柴油' is not in GB 18218-2018 Table 1"):
        assess_gb18218([Holding(100, "柴油")])


def test_unknown_substance_with_hazard_class_uses_table2() -> None:
    # 柴油 is not in Table 1; as a category-3 flammable liquid (W5.4) its Q is 5000 t.
    result = assess_gb18218([Holding(6000, "柴油", hazard_classes=("W5.4",))], population=0)
    line = result.holdings[0]
    assert (line.critical_quantity_t, line.q_source, line.beta, line.beta_source) == (5000, "table2:W5.4", 1,
                                                                                        "table4:W5.4")
    assert result.s == pytest.approx(1.2) and result.is_major and result.r == pytest.approx(0.6)


def test_several_classes_take_lowest_q_and_highest_beta() -> None:
    # Carbon monoxide: not named in Table 1 (lowest Q of W2 10 t and J3 50 t) but named in Table 3 (β 2).
    result = assess_gb18218([Holding(20, "一氧化碳", hazard_classes=("J3", "w2"))], population=40)
    line = result.holdings[0]
    assert (line.critical_quantity_t, line.q_source, line.beta, line.beta_source) == (10, "table2:W2", 2, "table3")
    assert result.alpha == 1.2 and result.r == pytest.approx(1.2 * 2 * 2)
    unnamed = assess_gb18218([Holding(10, hazard_classes=("J2", "W5.1"))], population=0)
    assert unnamed.holdings[0].beta == 1.5 and unnamed.holdings[0].critical_quantity_t == 10


def test_missing_beta_fails_loudly_only_when_grading() -> None:
    with pytest.raises(gb.MissingBetaError, match="no β for 汽油"):
        assess_gb18218([Holding(300, "汽油")], population=10)
    # Identification does not need β: a small holding is identified without it.
    small = assess_gb18218([Holding(100, "汽油")], population=10)
    assert (small.s, small.is_major, small.grade, small.holdings[0].beta) == (0.5, False, None, None)
    # The caller settles β with the hazard class (below its boiling point: W5.3) or β itself.
    by_class = assess_gb18218([Holding(300, "汽油", hazard_classes=("W5.3",))], population=10)
    assert by_class.holdings[0].critical_quantity_t == 200  # Table 1 Q still wins over Table 2
    assert by_class.r == pytest.approx(1.0 * 1 * 1.5)
    by_beta = assess_gb18218([Holding(300, "汽油", beta=1.5)], population=10)
    assert by_beta.holdings[0].beta_source == "input" and by_beta.r == pytest.approx(2.25)


def test_default_class_from_table_data() -> None:
    result = assess_gb18218([Holding(100, "天然气"), Holding(5, "氢气")], population=100)
    assert result.s == pytest.approx(3.0)
    assert [h.beta_source for h in result.holdings] == ["table4:W2", "table4:W2"]
    assert result.r == pytest.approx(2.0 * 1.5 * 3.0) and result.grade == 4  # R = 9 < 10


def test_mixture_of_toxic_and_flammable() -> None:
    holdings = [Holding(10, "液氯"), Holding(20, "LPG"), Holding(2, "氨")]
    result = assess_gb18218(holdings, population=55)
    # S = 10/5 + 20/50 + 2/10 = 2.6; R = 1.5 × (4×2 + 1.5×0.4 + 2×0.2) = 13.5 → 三级
    assert result.s == pytest.approx(2.6)
    assert result.r == pytest.approx(13.5)
    assert (result.grade, result.grade_name) == (3, "三级")


def test_recorded_figures_are_checked_against_the_standard() -> None:
    assert assess_gb18218([Holding(5, "氯", critical_quantity_t=5, beta=4)], population=0).grade == 4
    with pytest.raises(gb.Gb18218Error, match="critical quantity of 氯 is 5 t"):
        assess_gb18218([Holding(5, "氯", critical_quantity_t=10)])
    with pytest.raises(gb.Gb18218Error, match="β of 氯 is 4"):
        assess_gb18218([Holding(5, "氯", beta=2)], population=0)


def test_major_hazard_needs_population() -> None:
    with pytest.raises(gb.MissingPopulationError):
        assess_gb18218([Holding(5, "氯")])


# Spec §3.4 case 6: α by population within 500 m.
@pytest.mark.parametrize(("population", "alpha"), [
    (0, 0.5), (1, 1.0), (29, 1.0), (30, 1.2), (49, 1.2), (50, 1.5), (99, 1.5), (100, 2.0), (5000, 2.0),
])
def test_alpha_bands(population: int, alpha: float) -> None:
    assert float(gb.alpha_for_population(population)) == alpha


# Spec §3.4 case 7: grade by R.
@pytest.mark.parametrize(("r", "grade"), [
    (100, 1), (99.999, 2), (50, 2), (49.999, 3), (10, 3), (9.999, 4), (0, 4), (1e9, 1),
])
def test_grade_bands(r: float, grade: int) -> None:
    assert gb.grade_for_r(r) == grade


# Spec §3.4 case 8: bad inputs fail explicitly.
@pytest.mark.parametrize(("holdings", "population", "match"), [
    ([Holding(-1, "氯")], 0, "quantity q"),
    ([Holding(1, "氯", critical_quantity_t=0)], 0, "critical quantity Q of 氯 must be positive"),
    ([Holding(300, "汽油", beta=0)], 0, "β of 汽油.* must be positive"),
    ([], 0, "at least one holding"),
    ([Holding(1, "氯")], -1, "population"),
    ([Holding(1, "氯")], 1.5, "population"),
    ([Holding(1)], 0, "substance name or its hazard classes"),
    ([Holding(1, hazard_classes=("W12",))], 0, "unknown GB 18218 hazard class 'W12'"),
    ([Holding(float("nan"), "氯")], 0, "finite"),
])
def test_input_errors(holdings: list[Holding], population: int, match: str) -> None:
    with pytest.raises(gb.Gb18218Error, match=match):
        assess_gb18218(holdings, population)


def test_exact_threshold_arithmetic() -> None:
    # Three thirds of a critical quantity: exact fractions make S exactly 1.
    third = assess_gb18218([Holding(Decimal("0.1"), "碳酰氯")] * 3, population=0)
    assert third.is_major and third.s == 1.0
    assert not assess_gb18218([Holding(Decimal("0.0999"), "碳酰氯")] * 3).is_major
