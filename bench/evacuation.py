"""Benchmark: the evacuation plan's assignment (a capacitated transportation problem solved by HiGHS) against the
nearest-first greedy baseline, measured in the same run on the same random city.

``--communities`` origins and ``--shelters`` shelters are scattered over a ~20 km square around central Nanjing;
populations 3,000–12,000, capacities such that the shelters hold ``--cover`` of everyone (below 1: people are
left unplaced). Reports, over ``--rounds`` cities, the median time of the cost matrix (pyproj geodesic), of the LP
and of the greedy, and the person-distance of each (the ratio greedy / LP ≥ 1: how much the exact plan saves).

    .venv/bin/python bench/evacuation.py [--communities 300] [--shelters 60] [--cover 1.2] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time

import numpy as np

from citysafe.emergency.shelters.calc.evacuation import assign, geodesic_matrix, nearest_first

CENTRE = (118.79, 32.05)
SPREAD_DEG = 0.1


def _city(rng: np.random.Generator, n: int, m: int, cover: float) -> tuple[list[tuple[float, float]],
                                                                           list[tuple[float, float]], list[int],
                                                                           list[int]]:
    origins = [(CENTRE[0] + dx, CENTRE[1] + dy) for dx, dy in rng.uniform(-SPREAD_DEG, SPREAD_DEG, size=(n, 2))]
    places = [(CENTRE[0] + dx, CENTRE[1] + dy) for dx, dy in rng.uniform(-SPREAD_DEG, SPREAD_DEG, size=(m, 2))]
    population = rng.integers(30, 121, size=n) * 100
    weights = rng.uniform(0.2, 1.0, size=m)
    capacity = np.floor(weights / weights.sum() * population.sum() * cover).astype(int)
    return origins, places, population.tolist(), capacity.tolist()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--communities", type=int, default=300)
    parser.add_argument("--shelters", type=int, default=60)
    parser.add_argument("--cover", type=float, default=1.2)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(2026)
    matrix_s, lp_s, greedy_s, ratios, unplaced_lp, unplaced_greedy = [], [], [], [], [], []
    for _ in range(args.rounds):
        origins, places, population, capacity = _city(rng, args.communities, args.shelters, args.cover)
        t0 = time.perf_counter()
        cost = geodesic_matrix(origins, places)
        t1 = time.perf_counter()
        exact = assign(population, capacity, cost)
        t2 = time.perf_counter()
        greedy = nearest_first(population, capacity, cost)
        t3 = time.perf_counter()
        matrix_s.append(t1 - t0)
        lp_s.append(t2 - t1)
        greedy_s.append(t3 - t2)
        unplaced_lp.append(sum(exact.unplaced))
        unplaced_greedy.append(sum(greedy.unplaced))
        if exact.placed == greedy.placed:
            ratios.append(greedy.total_cost / exact.total_cost)
    print(json.dumps({
        "benchmark": "evacuation assignment", "python": platform.python_version(),
        "communities": args.communities, "shelters": args.shelters, "cover": args.cover, "rounds": args.rounds,
        "median_matrix_ms": round(statistics.median(matrix_s) * 1000, 2),
        "median_lp_ms": round(statistics.median(lp_s) * 1000, 2),
        "median_greedy_ms (baseline)": round(statistics.median(greedy_s) * 1000, 2),
        "lp_over_greedy_time": round(statistics.median(lp_s) / statistics.median(greedy_s), 1),
        "median_greedy_over_lp_person_metres": round(statistics.median(ratios), 4) if ratios else None,
        "unplaced_lp": unplaced_lp, "unplaced_greedy": unplaced_greedy,
    }, indent=2))


if __name__ == "__main__":
    main()
