"""Who goes where: communities' populations assigned to shelters minimising total person-distance under the
shelters' free places — a capacitated transportation problem, solved exactly as a linear programme (HiGHS).

The cost matrix is built apart (``geodesic_matrix``: straight-line metres on the WGS84 ellipsoid) so a road
travel-time matrix can replace it later without touching the solver. People who find no place (capacity short,
or no shelter within ``max_distance``) are reported as unplaced, never forced into a full shelter.

A transportation problem with whole-number supplies and capacities has whole-number optimal vertices, and the
HiGHS simplex answers a vertex, so rounding the solution changes nothing (checked: totals are re-verified).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from pyproj import Geod
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

_GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class Flow:
    origin: int  # index into the communities
    shelter: int  # index into the shelters
    people: int
    cost: float  # per person (metres for the geodesic matrix)


@dataclass(frozen=True)
class Assignment:
    flows: list[Flow]
    unplaced: list[int]  # per community
    total_cost: float  # Σ people × cost over the flows

    @property
    def placed(self) -> int:
        return sum(f.people for f in self.flows)


def geodesic_matrix(origins: Sequence[tuple[float, float]],
                    destinations: Sequence[tuple[float, float]]) -> NDArray[np.float64]:
    """Metres between every (lon, lat) origin and destination, on the WGS84 ellipsoid (pyproj ``Geod.inv``)."""
    if not origins or not destinations:
        return np.zeros((len(origins), len(destinations)))
    o = np.asarray(origins, dtype=float)
    d = np.asarray(destinations, dtype=float)
    lon1 = np.repeat(o[:, 0], len(d))
    lat1 = np.repeat(o[:, 1], len(d))
    lon2 = np.tile(d[:, 0], len(o))
    lat2 = np.tile(d[:, 1], len(o))
    _az1, _az2, dist = _GEOD.inv(lon1, lat1, lon2, lat2)
    return np.asarray(dist, dtype=float).reshape(len(o), len(d))


def assign(population: Sequence[int], capacity: Sequence[int], cost: NDArray[np.float64], *,
           max_cost: float | None = None) -> Assignment:
    """Place as many people as possible, and among those placements the one of least Σ people × cost.

    ``cost[i][j]`` is the cost per person from origin i to shelter j; pairs above ``max_cost`` are not allowed.
    Placing everyone who can be placed comes first: an unplaced person costs more than any allowed pair.
    """
    n, m = len(population), len(capacity)
    if n == 0:
        return Assignment([], [], 0.0)
    allowed = np.ones((n, m), dtype=bool) if max_cost is None else cost <= max_cost
    rows, cols = np.nonzero(allowed)
    k = len(rows)
    if k == 0 or m == 0:
        return Assignment([], [int(p) for p in population], 0.0)
    # Variables: one flow per allowed pair, then one "unplaced" slack per origin.
    penalty = float(cost[allowed].max()) * 10 + 1.0
    c = np.concatenate([cost[rows, cols], np.full(n, penalty)])
    # Equalities: each origin's flows plus its unplaced slack are its population.
    eq = coo_matrix((np.ones(k + n), (np.concatenate([rows, np.arange(n)]), np.arange(k + n))), shape=(n, k + n))
    # Inequalities: each shelter takes at most its free places.
    ub = coo_matrix((np.ones(k), (cols, np.arange(k))), shape=(m, k + n))
    result = linprog(c, A_ub=ub.tocsr(), b_ub=np.asarray(capacity, dtype=float), A_eq=eq.tocsr(),
                     b_eq=np.asarray(population, dtype=float), bounds=(0, None), method="highs-ds")
    if result.status != 0:  # cannot happen for this feasible problem (slack covers every origin)
        raise RuntimeError(f"evacuation assignment failed: {result.message}")
    x = np.rint(result.x).astype(int)
    flows = [Flow(int(rows[t]), int(cols[t]), int(x[t]), float(cost[rows[t], cols[t]])) for t in range(k) if x[t] > 0]
    unplaced = [int(v) for v in x[k:]]
    return Assignment(flows, unplaced, float(sum(f.people * f.cost for f in flows)))


def nearest_first(population: Sequence[int], capacity: Sequence[int], cost: NDArray[np.float64], *,
                  max_cost: float | None = None) -> Assignment:
    """The greedy baseline (each community in turn fills its nearest shelters): what ``assign`` is measured against."""
    free = [int(c) for c in capacity]
    flows: list[Flow] = []
    unplaced: list[int] = []
    for i, people in enumerate(population):
        left = int(people)
        for j in np.argsort(cost[i], kind="stable"):
            if left == 0:
                break
            if (max_cost is not None and cost[i, j] > max_cost) or free[j] == 0:
                continue
            take = min(left, free[j])
            free[j] -= take
            left -= take
            flows.append(Flow(i, int(j), take, float(cost[i, j])))
        unplaced.append(left)
    return Assignment(flows, unplaced, float(sum(f.people * f.cost for f in flows)))
