"""Who goes where: the nearest teams by travel time, teams shared among incidents as an assignment, and
supplies split across depots as a min-cost flow (pure: plain inputs, plain answers).

Every answer says how it was measured: ``road_network`` (fastest way on the imported roads) or
``straight_line`` (no network in service: great-circle metres × a detour factor at an assumed speed), and a
note in Chinese when it fell back, so nobody reads an estimate as a route.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import networkx as nx
import numpy as np
from scipy.optimize import linear_sum_assignment

from citysafe.emergency.routing.calc.graph import FloatArray, IntArray, RoadGraph, haversine_m
from citysafe.emergency.routing.calc.nearest_index import NearestIndex

Method = Literal["road_network", "straight_line"]
FALLBACK_NOTE = "未导入路网：按直线距离 × 绕行系数估算，不是实际路线"
# How many nearest teams of each incident an assignment weighs (at least twice the teams an incident asks for,
# see ``keep_for``): enough that incidents competing for one team find the next best, few enough that the index
# stays small and quick to build. Measured on bench/dispatch.py (1,000 incidents, 500 teams): 5 left a team
# unassigned that a wider choice places; 6 placed all 500 at a total 0.2 % above weighing every pair within
# 600 s, and builds in 1.4 s against 2.1 s for 8. A platform choice, not a rule.
KEEP_NEAREST = 6
IndexMaker = Callable[[RoadGraph, IntArray, int], NearestIndex]
# linear_sum_assignment needs finite costs: a pair out of reach costs this much and is dropped afterwards.
UNREACHABLE = 1e12


@dataclass(frozen=True)
class Candidate:
    id: str
    lon: float
    lat: float


@dataclass(frozen=True)
class DepotStock:
    id: str
    lon: float
    lat: float
    stock: Mapping[str, float]


@dataclass(frozen=True)
class StraightLine:
    """The fallback's assumptions (data/road_speeds.json ``straight_line``): city speed for the first
    ``far_from_km``, expressway speed beyond — a team sent from a neighbouring city (mutual aid) drives most of
    the way on expressways, and at city speed 200 km would read as nine hours."""

    speed_kmh: float = 30.0
    detour_factor: float = 1.3
    far_speed_kmh: float = 100.0
    far_from_km: float = 10.0

    def seconds(self, metres: FloatArray) -> FloatArray:
        near = np.minimum(metres, self.far_from_km * 1000.0)
        far = np.asarray(metres, dtype=np.float64) - near
        return np.asarray((near / (self.speed_kmh / 3.6) + far / (self.far_speed_kmh / 3.6)) * self.detour_factor,
                          dtype=np.float64)


@dataclass(frozen=True)
class Route:
    candidate_id: str
    seconds: float
    metres: float
    coordinates: list[tuple[float, float]]  # from the candidate to the destination, WGS84 (lon, lat)
    snap_from_m: float = 0.0
    snap_to_m: float = 0.0


@dataclass(frozen=True)
class Metric:
    """A road graph when one is in service, else the straight-line estimate."""

    graph: RoadGraph | None
    straight: StraightLine = field(default_factory=StraightLine)

    @property
    def method(self) -> Method:
        return "road_network" if self.graph is not None else "straight_line"

    @property
    def note(self) -> str:
        return "" if self.graph is not None else FALLBACK_NOTE


def _lonlat(points: Sequence[Candidate] | Sequence[tuple[float, float]]) -> tuple[FloatArray, FloatArray]:
    pairs = [(p.lon, p.lat) if isinstance(p, Candidate) else p for p in points]
    arr = np.asarray(pairs, dtype=np.float64).reshape(-1, 2)
    return arr[:, 0], arr[:, 1]


def routes_to(metric: Metric, destination: tuple[float, float], candidates: Sequence[Candidate]) -> list[Route]:
    """Every candidate's route to ``destination`` (unreachable ones left out), fastest first."""
    if not candidates:
        return []
    lon, lat = _lonlat(candidates)
    graph = metric.graph
    if graph is None:
        metres = haversine_m(lon, lat, np.full_like(lon, destination[0]), np.full_like(lat, destination[1]))
        seconds = metric.straight.seconds(metres)
        routes = [Route(c.id, float(s), float(m), [(c.lon, c.lat), destination])
                  for c, s, m in zip(candidates, seconds, metres, strict=True)]
    else:
        (target,), (snap_to,) = graph.snap([destination[0]], [destination[1]])
        nodes, snaps = graph.snap(lon, lat)
        dist, pred = graph.times_to(int(target))
        routes = []
        for c, node, snap in zip(candidates, nodes, snaps, strict=True):
            if not np.isfinite(dist[node]):
                continue
            path = graph.path_to(int(node), pred)
            routes.append(Route(c.id, path.seconds, path.metres, path.coordinates(graph), float(snap), float(snap_to)))
    return sorted(routes, key=lambda r: (r.seconds, r.candidate_id))


def nearest(metric: Metric, *, origin: tuple[float, float], candidates: Sequence[Candidate], k: int) -> list[Route]:
    """The ``k`` candidates that reach ``origin`` soonest, with their routes."""
    return routes_to(metric, origin, candidates)[:k]


def travel_times(metric: Metric, *, sources: Sequence[Candidate], targets: Sequence[tuple[float, float]],
                 keep: int = KEEP_NEAREST, index_of: IndexMaker = NearestIndex.build) -> FloatArray:
    """Seconds from each source to each target (sources × targets).

    On a road network each target gets its ``keep`` nearest sources, exactly, and every other pair is inf: the
    pairs worth weighing when teams are shared (a team that is not among an incident's ``keep`` nearest would
    only make the total worse). ``index_of`` makes the index of the sources' nodes — the service passes one that
    keeps it while the teams and the network stay the same. Straight lines give every pair."""
    slon, slat = _lonlat(sources)
    tlon, tlat = _lonlat(targets)
    if metric.graph is None:
        metres = haversine_m(slon[:, None], slat[:, None], tlon[None, :], tlat[None, :])
        return metric.straight.seconds(metres)
    snodes, _ = metric.graph.snap(slon, slat)
    tnodes, _ = metric.graph.snap(tlon, tlat)
    return index_of(metric.graph, snodes, keep).times(tnodes)


def keep_for(per_incident: int) -> int:
    return max(KEEP_NEAREST, 2 * per_incident)


def nearest_k(times: FloatArray, k: int) -> tuple[IntArray, FloatArray]:
    """For each target (column of ``times``), the rows of its ``k`` fastest sources, fastest first, and their
    seconds (inf where fewer than ``k`` can reach it)."""
    k = min(k, times.shape[0])
    part = np.argpartition(times, k - 1, axis=0)[:k] if k < times.shape[0] else np.argsort(times, axis=0)
    picked = np.take_along_axis(times, part, axis=0)
    order = np.argsort(picked, axis=0, kind="stable")
    return np.take_along_axis(part, order, axis=0).T, np.take_along_axis(picked, order, axis=0).T


@dataclass(frozen=True)
class Assignment:
    incident: int  # index into the incidents given
    candidate_id: str
    seconds: float


def assign(times: FloatArray, candidate_ids: Sequence[str], *, per_incident: int = 1) -> list[Assignment]:
    """Teams to incidents minimising the total travel time (Hungarian method, scipy), each team used once.

    ``times`` is teams × incidents (``travel_times``). Each incident asks for ``per_incident`` teams; with
    fewer teams than asked for, the assignment still minimises the total over the pairs it makes."""
    teams, incidents = times.shape
    if teams == 0 or incidents == 0 or per_incident < 1:
        return []
    slots = np.repeat(np.arange(incidents), per_incident)
    cost = np.where(np.isfinite(times), times, UNREACHABLE)[:, slots].T  # slots × teams
    rows, cols = linear_sum_assignment(cost)
    made = [Assignment(int(slots[r]), candidate_ids[c], float(times[c, slots[r]]))
            for r, c in zip(rows, cols, strict=True) if cost[r, c] < UNREACHABLE]
    return sorted(made, key=lambda a: (a.incident, a.seconds))


@dataclass(frozen=True)
class Allocation:
    depot_id: str
    item: str
    quantity: int
    seconds: float


@dataclass(frozen=True)
class SupplyPlan:
    allocations: list[Allocation]
    shortfall: dict[str, int]  # what no depot can supply


def allocate(times: Mapping[str, float], *, demand: Mapping[str, int], depots: Sequence[DepotStock]) -> SupplyPlan:
    """Supplies from depots to one place at the least total (quantity × travel seconds): a min-cost flow
    (networkx network simplex) on depot → item → destination; what stock cannot cover is the shortfall.

    ``times`` is each depot's seconds to the destination; a depot missing from it cannot deliver."""
    flow_graph = nx.DiGraph()
    wanted = {item: int(q) for item, q in demand.items() if int(q) > 0}
    for item, qty in wanted.items():
        flow_graph.add_node(("need", item), demand=qty)
        # A virtual source covers what the depots cannot, at a cost above any real route: the flow stays
        # feasible and its amount is the shortfall.
        flow_graph.add_node(("short", item), demand=-qty)
        flow_graph.add_edge(("short", item), ("need", item), weight=10**12, capacity=qty)
    for depot in depots:
        if depot.id not in times or not np.isfinite(times[depot.id]):
            continue
        for item, stock in depot.stock.items():
            have = int(min(stock, wanted.get(item, 0)))
            if have <= 0:
                continue
            node = ("depot", depot.id, item)
            flow_graph.add_node(node, demand=-have)
            flow_graph.add_edge(node, ("need", item), weight=round(times[depot.id] * 1000), capacity=have)
            # Stock not sent stays home: its own way to the virtual source at no cost.
            flow_graph.add_edge(node, ("short", item), weight=0, capacity=have)
            flow_graph.nodes[("short", item)]["demand"] += have
    if not wanted:
        return SupplyPlan([], {})
    _cost, flow = nx.network_simplex(flow_graph)
    allocations = [Allocation(node[1], node[2], int(sent), float(times[node[1]]))
                   for node, out in flow.items() if node[0] == "depot"
                   for target, sent in out.items() if target[0] == "need" and sent > 0]
    shortfall = {item: int(flow[("short", item)][("need", item)]) for item in wanted
                 if flow[("short", item)][("need", item)] > 0}
    return SupplyPlan(sorted(allocations, key=lambda a: (a.item, a.seconds, a.depot_id)), shortfall)
