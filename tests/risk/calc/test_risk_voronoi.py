from __future__ import annotations

import pytest
import shapely
from shapely.geometry import Polygon

from citysafe.risk.calc.voronoi import seed_points, voronoi_cells

# An L-shaped "district" (not convex, so clipping matters) with a hole.
DISTRICT = Polygon([(0, 0), (4, 0), (4, 1), (1, 1), (1, 3), (0, 3)],
                   holes=[[(0.2, 0.2), (0.4, 0.2), (0.4, 0.4), (0.2, 0.4)]])


@pytest.mark.parametrize("n", [1, 2, 7, 25])
def test_cells_partition_the_district(n: int) -> None:
    cells = voronoi_cells(DISTRICT, n, seed=3)
    assert len(cells) == n
    assert all(c.geom_type in ("Polygon", "MultiPolygon") and not c.is_empty for c in cells)
    assert sum(c.area for c in cells) == pytest.approx(DISTRICT.area, rel=1e-9)
    assert shapely.union_all(cells).symmetric_difference(DISTRICT).area < 1e-9
    for i, a in enumerate(cells):
        for b in cells[i + 1:]:
            assert a.intersection(b).area < 1e-12


def test_cells_follow_seed_order_and_are_deterministic() -> None:
    points = seed_points(DISTRICT, 9, seed=11)
    cells = voronoi_cells(DISTRICT, 9, seed=11)
    assert all(cell.covers(shapely.Point(p)) for cell, p in zip(cells, points, strict=True))
    again = voronoi_cells(DISTRICT, 9, seed=11)
    assert [c.wkb for c in cells] == [c.wkb for c in again]
    assert [c.wkb for c in voronoi_cells(DISTRICT, 9, seed=12)] != [c.wkb for c in cells]


def test_seed_points_are_inside() -> None:
    pts = seed_points(DISTRICT, 50, seed=0)
    assert len(pts) == 50
    assert shapely.contains_xy(DISTRICT, pts[:, 0], pts[:, 1]).all()


@pytest.mark.parametrize("n", [0, -1, 2.5, True])
def test_invalid_counts(n: object) -> None:
    with pytest.raises(ValueError, match="positive integer"):
        voronoi_cells(DISTRICT, n, seed=0)  # type: ignore[arg-type]


def test_empty_district() -> None:
    with pytest.raises(ValueError, match="non-empty"):
        voronoi_cells(Polygon(), 3, seed=0)
