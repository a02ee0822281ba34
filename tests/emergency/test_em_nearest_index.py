"""The nearest-team index (routing/calc/nearest_index.py) against whole-graph Dijkstra: exact k nearest on a
grid with one-way streets, teams sharing a node, a part of the city no team can reach, ties; the compiled and
the plain-Python kernel agree; and the service keeps an index while the teams and the network stay the same."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import dijkstra

from citysafe.emergency.routing.calc import dispatch
from citysafe.emergency.routing.calc.dispatch import Candidate, Metric
from citysafe.emergency.routing.calc.graph import RoadGraph
from citysafe.emergency.routing.calc.grid import grid_network
from citysafe.emergency.routing.calc.nearest_index import NearestIndex, k_labels
from citysafe.emergency.routing.service import GraphCache


def _expected(graph: RoadGraph, teams: np.ndarray, k: int) -> np.ndarray:
    whole = dijkstra(graph.forward, indices=teams)  # teams × nodes
    return np.sort(whole, axis=0)[:k].T  # nodes × k, nearest first


def _check(graph: RoadGraph, teams: np.ndarray, k: int) -> NearestIndex:
    index = NearestIndex.build(graph, teams, k)
    assert np.allclose(index.seconds, _expected(graph, teams, index.k))
    whole = dijkstra(graph.forward, indices=teams)
    known = index.which >= 0
    nodes = np.broadcast_to(np.arange(graph.node_count)[:, None], index.which.shape)
    # Each label names the team whose time it is, and no team twice for one node.
    assert np.allclose(whole[index.which[known], nodes[known]], index.seconds[known])
    for row in index.which[:200]:
        named = row[row >= 0]
        assert len(set(named.tolist())) == len(named)
    return index


def test_the_k_nearest_teams_of_every_node_are_exact_on_a_grid_with_one_way_streets() -> None:
    grid = grid_network(40, 40, seed=5)
    teams = np.random.default_rng(5).choice(grid.node_count, 30, replace=False)
    for k in (1, 3, 8):
        _check(grid, teams, k)


def test_teams_sharing_a_node_are_each_a_label() -> None:
    grid = grid_network(12, 12, seed=1)
    teams = np.array([7, 7, 7, 50], dtype=np.int64)
    index = _check(grid, teams, 3)
    assert sorted(index.which[7].tolist()) == [0, 1, 2] and (index.seconds[7] == 0).all()


def test_a_place_no_team_can_reach_has_no_label() -> None:
    # Two grids side by side and not joined: teams only in the first.
    left, right = grid_network(6, 6, seed=1), grid_network(6, 6, origin=(119.5, 32.5), seed=2)
    n = left.node_count
    graph = RoadGraph(lon=np.concatenate([left.lon, right.lon]), lat=np.concatenate([left.lat, right.lat]),
                      src=np.concatenate([left.src, right.src + n]), dst=np.concatenate([left.dst, right.dst + n]),
                      metres=np.concatenate([left.metres, right.metres]),
                      seconds=np.concatenate([left.seconds, right.seconds]))
    teams, _ = graph.snap(left.lon[:3], left.lat[:3])
    index = _check(graph, teams, 2)
    far, _ = graph.snap([right.lon[0]], [right.lat[0]])
    assert (index.which[far] == -1).all() and np.isinf(index.seconds[far]).all()
    assert np.isinf(index.times(far)).all()


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), teams=st.integers(1, 12), k=st.integers(1, 6))
def test_any_small_city_matches_the_whole_graph_search(seed: int, teams: int, k: int) -> None:
    grid = grid_network(9, 9, seed=seed, oneway_every=2)
    chosen = np.random.default_rng(seed).choice(grid.node_count, teams, replace=True)  # repeats allowed
    _check(grid, chosen, k)


def test_the_plain_python_kernel_is_the_compiled_one() -> None:
    grid = grid_network(10, 10, seed=4)
    teams = np.random.default_rng(4).choice(grid.node_count, 6, replace=False)
    f = grid.forward
    compiled = k_labels(f.indptr, f.indices, f.data.astype(np.float64), teams.astype(np.int64), 4)
    plain = k_labels.py_func(f.indptr, f.indices, f.data.astype(np.float64), teams.astype(np.int64), 4)
    for a, b in zip(compiled, plain, strict=True):
        assert np.array_equal(a, b)


def test_travel_times_give_each_incident_its_keep_nearest_teams_and_nothing_else() -> None:
    grid = grid_network(30, 30, seed=2)
    rng = np.random.default_rng(2)
    team_nodes = rng.choice(grid.node_count, 20, replace=False)
    incident_nodes = rng.choice(grid.node_count, 15, replace=False)
    teams = [Candidate(f"t{i}", float(grid.lon[n]), float(grid.lat[n])) for i, n in enumerate(team_nodes)]
    places = [(float(grid.lon[n]), float(grid.lat[n])) for n in incident_nodes]
    times = dispatch.travel_times(Metric(grid), sources=teams, targets=places, keep=4)
    whole = dijkstra(grid.forward, indices=team_nodes)[:, incident_nodes]
    assert (np.isfinite(times).sum(axis=0) == 4).all()
    assert np.allclose(np.sort(times, axis=0)[:4], np.sort(whole, axis=0)[:4])
    # The assignment over those pairs still shares teams: 15 incidents, 15 distinct teams.
    made = dispatch.assign(times, [t.id for t in teams])
    assert len({a.candidate_id for a in made}) == len(made) == 15


def test_the_service_keeps_an_index_while_teams_and_network_stay_the_same() -> None:
    cache = GraphCache()
    grid = grid_network(10, 10, seed=1)
    cache.graph = grid
    teams = np.array([1, 20, 33], dtype=np.int64)
    first = cache.team_index(grid, teams, 2)
    assert cache.team_index(grid, teams.copy(), 2) is first
    assert cache.team_index(grid, np.array([1, 20], dtype=np.int64), 2) is not first  # a team left
    assert cache.team_index(grid, teams, 3) is not first
    other = grid_network(10, 10, seed=9)  # a graph not in service is answered but never kept
    assert cache.team_index(other, teams, 2) is not cache.team_index(other, teams, 2)
    for extra in range(10):
        cache.team_index(grid, np.array([extra, 50], dtype=np.int64), 2)
    assert len(cache.indexes) <= 4


@pytest.mark.parametrize("k", [0, 99])
def test_k_is_held_between_one_and_the_number_of_teams(k: int) -> None:
    grid = grid_network(6, 6, seed=1)
    index = NearestIndex.build(grid, np.array([0, 5], dtype=np.int64), k)
    assert index.k == (1 if k == 0 else 2)
