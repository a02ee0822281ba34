"""The rules that tell districts apart: a risk index per km² (风险密度) and the share of major and larger
sources (重大及较大风险源占比), each classified by stated breaks."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod
from shapely.geometry import box

from citysafe.risk.calc.aggregate import aggregate_polygons, summarise
from citysafe.risk.calc.indices import DensityRule, ShareRule, geodesic_area_km2
from citysafe.risk.calc.levels import RiskLevel

# Two boxes near Nanjing: a small one (about 0.95 km²) and one a hundred times larger.
SMALL = box(118.78, 32.04, 118.79, 32.0491)
LARGE = box(118.80, 32.04, 118.90, 32.131)


def test_geodesic_area_matches_pyproj_and_is_positive_for_either_ring_orientation() -> None:
    expected = abs(Geod(ellps="WGS84").geometry_area_perimeter(SMALL)[0]) / 1e6
    areas = geodesic_area_km2([SMALL, SMALL.reverse(), LARGE])
    assert areas[0] == pytest.approx(expected) and areas[1] == pytest.approx(expected)
    assert 0.9 < areas[0] < 1.0 and areas[2] == pytest.approx(100 * areas[0], rel=0.02)


def test_density_tells_apart_units_that_highest_and_weighted_call_the_same() -> None:
    # The same mix of sources (one orange, three yellow, six blue) in the small and in the large box.
    ranks = np.array([3, 2, 2, 2, 1, 1, 1, 1, 1, 1] * 2)
    lon = np.array([118.785] * 10 + [118.85] * 10)
    lat = np.array([32.045] * 10 + [32.08] * 10)
    highest = aggregate_polygons(lon, lat, ranks, [SMALL, LARGE], ids=["s", "l"])
    assert highest.levels() == [RiskLevel.ORANGE, RiskLevel.ORANGE]
    dense = aggregate_polygons(lon, lat, ranks, [SMALL, LARGE], ids=["s", "l"], rule="density")
    # Scores 1/3/9/27: 9 + 3×3 + 6×1 = 24 points; about 25 per km² in the small box, 0.25 in the large.
    assert dense.levels() == [RiskLevel.RED, RiskLevel.BLUE]
    assert dense.index is not None
    assert dense.index[0] == pytest.approx(24 / geodesic_area_km2([SMALL])[0])
    assert dense.params["density"]["thresholds"] == [1.0, 4.0, 16.0]
    assert dense.params["rule"] == "density" and dense.params["spatial_unit"] == "polygon"


def test_density_breaks_are_lower_bounds_and_a_unit_without_sources_has_no_level() -> None:
    rule = DensityRule(level_scores=(1, 3, 9, 27), thresholds=(1, 4, 16))
    unit = np.array([0, 1, 2, 3, 3])
    ranks = np.array([1, 1, 1, 1, 1])
    areas = np.array([1.0, 0.25, 1 / 16, 1.0, 5.0])  # indices 1, 4, 16, 2 and nothing in the fifth
    level, _, index = summarise(unit, 5, ranks, "density", params=rule, areas=areas)
    assert level.tolist() == [2, 3, 4, 2, 0]  # a value equal to a break takes the higher class
    assert index is not None and np.isnan(index[4])


def test_density_needs_areas_and_valid_breaks() -> None:
    with pytest.raises(ValueError, match="areas"):
        summarise(np.array([0]), 1, np.array([1]), "density")
    with pytest.raises(ValueError, match="ascending"):
        DensityRule(thresholds=(4, 1, 16))
    with pytest.raises(ValueError, match="positive"):
        summarise(np.array([0]), 1, np.array([1]), "density", areas=np.array([0.0]))


def test_share_of_major_and_larger_sources() -> None:
    rule = ShareRule(thresholds=(0.10, 0.15, 0.20))
    # unit 0: 1 of 10 orange or red (10 %); unit 1: 3 of 10 (30 %); unit 2: none of 4; unit 3: empty.
    unit = np.array([0] * 10 + [1] * 10 + [2] * 4)
    ranks = np.array([3] + [1] * 9 + [4, 3, 3] + [2] * 7 + [2, 2, 1, 1])
    level, counts, index = summarise(unit, 4, ranks, "share", params=rule)
    assert level.tolist() == [2, 4, 1, 0]
    assert index is not None and index[:3].tolist() == pytest.approx([0.1, 0.3, 0.0])
    assert counts[1].tolist() == [0, 7, 2, 1]
