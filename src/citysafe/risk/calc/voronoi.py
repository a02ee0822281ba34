"""Demo street (街道) polygons: a Voronoi split of a district into N cells.

Real street boundaries are not in the open data we ship (only 区县 boundaries are), yet the map and
its benchmark need a street layer of realistic count and shape. Voronoi cells of seed points placed
inside the district, clipped to it, partition the district like streets do. The same seed gives the
same cells, so demos and benchmarks are reproducible.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely


def seed_points(district: Any, n: int, seed: int) -> np.ndarray[Any, np.dtype[np.float64]]:
    """``n`` distinct points drawn uniformly inside ``district`` (rejection sampling in its bounds)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"number of cells must be a positive integer; got {n!r}")
    if district.is_empty or district.area <= 0:
        raise ValueError("district must be a non-empty polygon")
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = district.bounds
    shapely.prepare(district)
    found = np.empty((0, 2))
    for _ in range(1000):  # the acceptance rate is area / bbox area, > 5 % for any real district
        need = n - len(found)
        if need <= 0:
            break
        batch = rng.uniform((minx, miny), (maxx, maxy), size=(max(4 * need, 64), 2))
        batch = batch[shapely.contains_xy(district, batch[:, 0], batch[:, 1])]
        found = np.unique(np.vstack([found, batch]), axis=0) if len(batch) else found
    if len(found) < n:
        raise ValueError("could not place seed points inside the district (is it degenerate?)")
    # np.unique sorted the points; pick n of them with the same generator so the choice is seeded too.
    return found[np.sort(rng.choice(len(found), size=n, replace=False))]


def voronoi_cells(district: Any, n: int, seed: int = 0) -> list[Any]:
    """``n`` polygons (Polygon or MultiPolygon) partitioning ``district``, in seed-point order."""
    points = seed_points(district, n, seed)
    if n == 1:
        return [district]
    multipoint = shapely.multipoints(points)
    cells = shapely.get_parts(shapely.voronoi_polygons(multipoint, extend_to=district.envelope))
    # Order cells like their seeds: each cell contains exactly its own seed point.
    tree = shapely.STRtree(cells)
    seed_idx, cell_idx = tree.query(shapely.points(points), predicate="intersects")
    order = np.full(n, -1)
    for s, c in zip(seed_idx.tolist(), cell_idx.tolist(), strict=True):
        if order[s] < 0:
            order[s] = c
    if (order < 0).any():
        raise ValueError("Voronoi cells do not cover every seed point")
    clipped = shapely.intersection(cells[order], district)
    # Clipping can leave slivers as a GeometryCollection; keep the polygonal part only.
    return [_polygonal(g) for g in clipped]


def _polygonal(geom: Any) -> Any:
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()
