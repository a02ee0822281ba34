"""The routing engine on plain inputs: one-way streets and maxspeed from a real OSM file, nearest by travel time
against straight-line order, an assignment that beats first-come-first-served, supplies split across depots by a
min-cost flow, the straight-line fallback, and files that cannot be read."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tests.emergency.routing_samples import DATA, STREETS, A, B, C, G

from citysafe.emergency.routing.calc import dispatch
from citysafe.emergency.routing.calc.dispatch import Candidate, DepotStock, Metric, StraightLine
from citysafe.emergency.routing.calc.graph import RoadGraph, from_bytes, to_bytes
from citysafe.emergency.routing.calc.osm import RoadFileError, maxspeed_kmh, read_osm
from citysafe.emergency.routing.service import speed_table


@pytest.fixture(scope="module")
def graph() -> RoadGraph:
    return read_osm(STREETS.read_bytes(), speed_table())


def test_the_file_gives_the_drivable_streets_only(graph: RoadGraph) -> None:
    # 7 nodes; 北街's 2 one-way segments once, the other 6 segments both ways; the footway C–A left out.
    assert (graph.node_count, graph.edge_count) == (7, 2 + 6 * 2)


def test_one_way_street_is_driven_only_its_way(graph: RoadGraph) -> None:
    metric = Metric(graph)
    (east,) = dispatch.nearest(metric, origin=C, candidates=[Candidate("a", *A)], k=1)
    (west,) = dispatch.nearest(metric, origin=A, candidates=[Candidate("c", *C)], k=1)
    assert east.coordinates == [A, B, C]  # along 北街, 377 m
    assert round(east.metres) == 377
    # Against the one-way: down C–F, along 南路, up D–A, never B (and never the footway).
    assert B not in west.coordinates and west.coordinates[0] == C and west.coordinates[-1] == A
    assert west.metres > 2 * east.metres and west.seconds > east.seconds


def test_maxspeed_is_honoured(graph: RoadGraph) -> None:
    (route,) = dispatch.nearest(Metric(graph), origin=A, candidates=[Candidate("g", *G)], k=1)
    # G–D 667 m at maxspeed 60 km/h (40 s) then D–A 222 m residential at 20 km/h (40 s)
    assert route.seconds == pytest.approx(80.1, abs=0.5)
    assert maxspeed_kmh("30 mph") == pytest.approx(48.28, abs=0.01)
    assert maxspeed_kmh("CN:urban") is None and maxspeed_kmh("60;80") == 60


def test_nearest_by_travel_time_is_not_nearest_by_straight_line(graph: RoadGraph) -> None:
    teams = [Candidate("c", *C), Candidate("g", *G)]
    by_road = dispatch.nearest(Metric(graph), origin=A, candidates=teams, k=2)
    by_line = dispatch.nearest(Metric(None), origin=A, candidates=teams, k=2)
    assert [r.candidate_id for r in by_line] == ["c", "g"]  # C is 377 m away, G 890 m
    assert [r.candidate_id for r in by_road] == ["g", "c"]  # but C must go round the one-way street


def test_a_point_off_the_network_snaps_and_says_how_far(graph: RoadGraph) -> None:
    (route,) = dispatch.nearest(Metric(graph), origin=(A[0] + 0.0005, A[1] + 0.0005),
                                candidates=[Candidate("g", *G)], k=1)
    assert 60 < route.snap_to_m < 80 and route.snap_from_m == 0


def test_the_assignment_beats_greedy() -> None:
    # Team t0 is nearest to both incidents; first-come-first-served gives it to incident 0 and sends t1 to
    # incident 1 from far away (1 + 100 s); the assignment sends each team to the other one (2 + 2 s).
    times = np.array([[1.0, 2.0], [2.0, 100.0]])  # teams × incidents
    made = dispatch.assign(times, ["t0", "t1"])
    assert [(a.incident, a.candidate_id) for a in made] == [(0, "t1"), (1, "t0")]
    assert sum(a.seconds for a in made) == 4.0
    greedy = times[0, 0] + times[1, 1]
    assert greedy == 101.0


def test_assignment_with_several_teams_each_and_unreachable_pairs() -> None:
    times = np.array([[1.0, np.inf], [3.0, 5.0], [np.inf, 2.0]])
    made = dispatch.assign(times, ["a", "b", "c"], per_incident=2)
    assert sorted((a.incident, a.candidate_id) for a in made) == [(0, "a"), (0, "b"), (1, "c")]


def test_supplies_split_across_depots_by_travel_time() -> None:
    near = DepotStock("near", 0, 0, {"tent": 60, "water": 500})
    far = DepotStock("far", 0, 0, {"tent": 80})
    plan = dispatch.allocate({"near": 300.0, "far": 900.0}, demand={"tent": 100, "water": 10, "boat": 2},
                             depots=[far, near])
    got = {(a.depot_id, a.item): a.quantity for a in plan.allocations}
    assert got == {("near", "tent"): 60, ("far", "tent"): 40, ("near", "water"): 10}
    assert plan.shortfall == {"boat": 2}


def test_without_a_network_every_answer_says_straight_line() -> None:
    metric = Metric(None)
    assert metric.method == "straight_line" and "直线" in metric.note
    (route,) = dispatch.nearest(metric, origin=A, candidates=[Candidate("c", *C)], k=1)
    assert route.coordinates == [C, A] and round(route.metres) == 377
    assert route.seconds == pytest.approx(377 * 1.3 / (30 / 3.6), rel=0.01)


def test_the_arrays_survive_storage(graph: RoadGraph) -> None:
    again = from_bytes(to_bytes(graph))
    assert (again.node_count, again.edge_count) == (graph.node_count, graph.edge_count)
    assert again.bbox() == graph.bbox()


@pytest.mark.parametrize(("name", "words"), [
    ("malformed.osm", "XML parsing error at line 6"),
    ("empty.osm", "the file is empty"),
    ("no_roads.osm", "no drivable road"),
])
def test_files_that_cannot_be_a_network_are_named(name: str, words: str) -> None:
    with pytest.raises(RoadFileError, match=words):
        read_osm((DATA / name).read_bytes(), speed_table())


def test_gcj02_coordinates_are_converted(graph: RoadGraph) -> None:
    shifted = read_osm(STREETS.read_bytes(), speed_table(), crs="gcj02")
    # GCJ-02 is offset some hundreds of metres from WGS84 around Nanjing; converting moves every node back.
    assert float(np.abs(shifted.lon - graph.lon).max()) > 0.003


def test_a_pbf_file_gives_the_same_network(graph: RoadGraph, tmp_path: Path) -> None:
    import osmium

    pbf = tmp_path / "streets.osm.pbf"  # the same streets, written as .osm.pbf by libosmium
    writer = osmium.SimpleWriter(str(pbf))
    for obj in osmium.FileProcessor(str(STREETS)):
        if isinstance(obj, osmium.osm.Node):
            writer.add_node(obj)
        elif isinstance(obj, osmium.osm.Way):
            writer.add_way(obj)
    writer.close()
    again = read_osm(pbf.read_bytes(), speed_table())
    assert (again.node_count, again.edge_count) == (graph.node_count, graph.edge_count)
    assert np.allclose(np.sort(again.seconds), np.sort(graph.seconds))
    with pytest.raises(RoadFileError, match=r"not a readable OSM file: .*pbf"):
        read_osm(b"\x00\x00\x00\x0dnot a pbf at all", speed_table())


@pytest.mark.parametrize("broken", [
    STREETS.read_bytes().replace(b'<nd ref="1"/><nd ref="2"/>', b'<nd ref="d00"/><nd ref="2"/>'),  # illegal id
    STREETS.read_bytes().replace(b'lon="118.7800"', b'lon="118.78X0"', 1),  # characters after a coordinate
])
def test_every_parse_error_of_libosmium_is_named(broken: bytes) -> None:
    with pytest.raises(RoadFileError, match="not a readable OSM file"):
        read_osm(broken, speed_table())


def test_the_straight_line_estimate_drives_the_expressway_past_the_city() -> None:
    line = StraightLine(speed_kmh=30, detour_factor=1.3, far_speed_kmh=100, far_from_km=10)
    near, far = line.seconds(np.array([5_000.0, 200_000.0]))
    assert near == pytest.approx(5 * 1.3 / 30 * 3600)  # inside a city: city speed only
    # 苏州 to 南京 (~200 km straight): 10 km at 30 km/h and 190 km at 100 km/h, each × 1.3 — about 3 h, not 9.
    assert far == pytest.approx((10 / 30 + 190 / 100) * 1.3 * 3600)
    table = speed_table()
    assert (table.far_speed_kmh, table.far_from_km) == (100, 10)
