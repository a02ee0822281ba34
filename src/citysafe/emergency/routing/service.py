"""Road networks and dispatch questions: import (swapped in atomically), the network in service, and the
nearest / assign / allocate answers other emergency code calls with plain inputs.

The compiled graph of the network in service is kept per application (``GRAPHS``, keyed by the network's
id), so the blob is read and the CSR and KD-tree built once per import, not per question.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from citysafe.core.context import AppContext, Slot, context_of
from citysafe.core.errors import FieldProblem, ValidationFailed
from citysafe.core.geo import to_wgs84
from citysafe.emergency.routing.calc import dispatch
from citysafe.emergency.routing.calc.dispatch import Candidate, DepotStock, Metric, Route, StraightLine
from citysafe.emergency.routing.calc.graph import IntArray, RoadGraph, from_bytes, to_bytes
from citysafe.emergency.routing.calc.grid import ARTERIAL_KMH, LOCAL_KMH, grid_network
from citysafe.emergency.routing.calc.nearest_index import NearestIndex
from citysafe.emergency.routing.calc.osm import RoadFileError, SpeedTable, read_osm
from citysafe.emergency.routing.models import RoadNetwork
from citysafe.emergency.routing.schemas import (
    AllocateIn,
    AllocateOut,
    AllocationOut,
    AssignIn,
    AssignmentOut,
    AssignOut,
    CandidateIn,
    NearestIn,
    NearestOut,
    NetworkRead,
    NetworkStatus,
    PointIn,
)

__all__ = ["Candidate", "DepotStock", "Route"]  # the plain inputs other emergency code passes in


def speed_table(path: Path | None = None) -> SpeedTable:
    """The speed per road class: the packaged table (CJJ 37 / JTG B01 design speeds) or an edited copy."""
    text = path.read_text("utf-8") if path else (
        resources.files("citysafe.emergency.routing").joinpath("data/road_speeds.json").read_text("utf-8"))
    return SpeedTable.from_json(text)


# Team indexes kept per network (each nodes × labels, ~12 MB on a million-edge city): the teams of the last few
# questions — the available teams change only when one is dispatched or comes back.
KEPT_TEAM_INDEXES = 4


@dataclass
class GraphCache:
    """The compiled graph of one network version and the nearest-team indexes made on it; both go when another
    version comes into service."""

    version: int | None = None
    graph: RoadGraph | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    indexes: OrderedDict[tuple[bytes, int], NearestIndex] = field(default_factory=OrderedDict)

    def team_index(self, graph: RoadGraph, teams: IntArray, keep: int) -> NearestIndex:
        """The index of these team nodes on ``graph``, made once while they and the network stay the same."""
        key = (teams.astype(np.int64).tobytes(), keep)
        with self.lock:
            if graph is self.graph and (index := self.indexes.get(key)) is not None:
                self.indexes.move_to_end(key)
                return index
        index = NearestIndex.build(graph, teams, keep)  # outside the lock: other questions need not wait
        with self.lock:
            if graph is self.graph:
                self.indexes[key] = index
                while len(self.indexes) > KEPT_TEAM_INDEXES:
                    self.indexes.popitem(last=False)
        return index


GRAPHS: Slot[GraphCache] = Slot("emergency.routing.graphs", lambda _ctx: GraphCache())


@dataclass(frozen=True)
class ParsedNetwork:
    graph: RoadGraph
    source_name: str
    crs: str
    speeds_source: str


def read_network(data: bytes, *, source_name: str, crs: str, speeds: SpeedTable | None = None) -> ParsedNetwork:
    """Read the whole file, holding no transaction; a bad file raises 422 naming ``file``."""
    table = speeds or speed_table()
    try:
        graph = read_osm(data, table, crs=crs)
    except RoadFileError as exc:
        raise ValidationFailed(detail=f"file {source_name}: {exc}; the road network in service is unchanged",
                               detail_zh=f"文件 {source_name}：{exc.message_zh}；仍使用原路网",
                               fields=[FieldProblem("file", f"{source_name}: {exc}",
                                                    f"{source_name}：{exc.message_zh}；仍使用原路网")]) from exc
    return ParsedNetwork(graph, source_name, crs, table.source)


def import_network(session: Session, parsed: ParsedNetwork, *, now: datetime,
                   imported_by: int | None = None) -> RoadNetwork:
    """Put a read network in service in the caller's transaction; the previous one stays until it commits."""
    return store_network(session, parsed.graph, source_name=parsed.source_name, crs=parsed.crs, now=now,
                         imported_by=imported_by, speeds_source=parsed.speeds_source)


def store_network(session: Session, graph: RoadGraph, *, source_name: str, crs: str, now: datetime,
                  imported_by: int | None = None, speeds_source: str = "", generated: bool = False) -> RoadNetwork:
    lon0, lat0, lon1, lat1 = graph.bbox()
    session.execute(update(RoadNetwork).where(RoadNetwork.in_service.is_(True)).values(in_service=False))
    session.flush()  # the old flag off before the new one is on: at most one network in service
    row = RoadNetwork(in_service=True, source_name=source_name[:255], source_crs=crs, generated=generated,
                      nodes=graph.node_count, edges=graph.edge_count, min_lon=lon0, min_lat=lat0, max_lon=lon1,
                      max_lat=lat1, speeds_source=speeds_source[:255], imported_at=now, imported_by=imported_by,
                      data=to_bytes(graph))
    session.add(row)
    session.flush()
    return row


def store_generated_grid(session: Session, *, size: int, origin: tuple[float, float], spacing_m: float, seed: int,
                         source_name: str, now: datetime) -> RoadNetwork:
    """Put a generated street grid (calc/grid.py, not real roads) in service, marked ``generated``."""
    graph = grid_network(size, size, origin=origin, spacing_m=spacing_m, seed=seed)
    return store_network(session, graph, source_name=source_name, crs="wgs84", now=now, generated=True,
                         speeds_source=f"CJJ 37-2012 3.2.2（主干路 {ARTERIAL_KMH:.0f}、支路 {LOCAL_KMH:.0f} km/h）")


def network_in_service(session: Session) -> RoadNetwork | None:
    return session.scalars(select(RoadNetwork).where(RoadNetwork.in_service.is_(True))).first()


def network_read(row: RoadNetwork) -> NetworkRead:
    return NetworkRead(id=row.id, source_name=row.source_name, source_crs=row.source_crs, generated=row.generated,
                       nodes=row.nodes, edges=row.edges, bbox=(row.min_lon, row.min_lat, row.max_lon, row.max_lat),
                       speeds_source=row.speeds_source, imported_at=row.imported_at)


def graph_in_service(session: Session, ctx: AppContext | None = None) -> tuple[RoadGraph | None, RoadNetwork | None]:
    """The compiled graph of the network in service (built on first use per version), or None."""
    row = network_in_service(session)
    if row is None:
        return None, None
    cache = GRAPHS.get(ctx or context_of(session))
    with cache.lock:
        if cache.version != row.id or cache.graph is None:
            blob = session.scalars(select(RoadNetwork.data).where(RoadNetwork.id == row.id)).one()
            cache.graph, cache.version = from_bytes(blob), row.id
            cache.indexes.clear()
        return cache.graph, row


def metric(session: Session) -> tuple[Metric, NetworkRead | None]:
    """How travel is measured now: the road network in service, else straight lines (and it says so)."""
    graph, row = graph_in_service(session)
    table = speed_table()
    return (Metric(graph, StraightLine(table.straight_speed_kmh, table.detour_factor, table.far_speed_kmh,
                                       table.far_from_km)),
            network_read(row) if row else None)


def status(session: Session) -> NetworkStatus:
    used, network = metric(session)
    return NetworkStatus(method=used.method, note=used.note, network=network)


def feature(route: Route, **extra: Any) -> dict[str, Any]:
    """A route as a GeoJSON LineString feature (a zero-length route repeats its point, as GeoJSON needs two)."""
    coords = [list(c) for c in route.coordinates] or [[0.0, 0.0]]
    if len(coords) == 1:
        coords.append(coords[0])
    return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
            "properties": {"candidate_id": route.candidate_id, "seconds": round(route.seconds, 1),
                           "metres": round(route.metres, 1), "snap_from_m": round(route.snap_from_m, 1),
                           "snap_to_m": round(route.snap_to_m, 1), **extra}}


def _point(p: PointIn, crs: str) -> tuple[float, float]:
    return to_wgs84(p.lon, p.lat, crs)


def _candidates(items: Sequence[CandidateIn], crs: str) -> list[Candidate]:
    return [Candidate(c.id, *_point(c, crs)) for c in items]


def nearest(session: Session, question: NearestIn) -> NearestOut:
    used, network = metric(session)
    routes = dispatch.nearest(used, origin=_point(question.origin, question.crs),
                              candidates=_candidates(question.candidates, question.crs), k=question.k)
    return NearestOut(method=used.method, note=used.note, network=network, routes=[feature(r) for r in routes])


def assign(session: Session, question: AssignIn) -> AssignOut:
    """Teams shared among incidents at the least total travel time (not first come, first served)."""
    used, network = metric(session)
    teams = _candidates(question.candidates, question.crs)
    incidents = _candidates(question.incidents, question.crs)
    times = dispatch.travel_times(used, sources=teams, targets=[(i.lon, i.lat) for i in incidents],
                                  keep=dispatch.keep_for(question.per_incident),
                                  index_of=GRAPHS.get(context_of(session)).team_index)
    made = dispatch.assign(times, [t.id for t in teams], per_incident=question.per_incident)
    by_id = {t.id: t for t in teams}
    out: list[AssignmentOut] = []
    for index, incident in enumerate(incidents):
        chosen = [by_id[a.candidate_id] for a in made if a.incident == index]
        for route in dispatch.routes_to(used, (incident.lon, incident.lat), chosen):
            out.append(AssignmentOut(incident_id=incident.id, candidate_id=route.candidate_id, seconds=route.seconds,
                                     route=feature(route, incident_id=incident.id)))
    counts = {i.id: sum(1 for a in out if a.incident_id == i.id) for i in incidents}
    return AssignOut(method=used.method, note=used.note, network=network, assignments=out,
                     total_seconds=round(sum(a.seconds for a in out), 1),
                     unassigned=[i for i, n in counts.items() if n < question.per_incident])


def allocate(session: Session, question: AllocateIn) -> AllocateOut:
    """Supplies for one request split across depots at the least quantity × travel time (min-cost flow)."""
    used, network = metric(session)
    at = _point(question.at, question.crs)
    depots = [DepotStock(d.id, *_point(d, question.crs), stock=dict(d.stock)) for d in question.depots]
    routes = {r.candidate_id: r for r in dispatch.routes_to(used, at, [Candidate(d.id, d.lon, d.lat) for d in depots])}
    plan = dispatch.allocate({k: r.seconds for k, r in routes.items()}, demand=question.demand, depots=depots)
    return AllocateOut(method=used.method, note=used.note, network=network, shortfall=plan.shortfall,
                       allocations=[AllocationOut(depot_id=a.depot_id, item=a.item, quantity=a.quantity,
                                                  seconds=a.seconds, route=feature(routes[a.depot_id], item=a.item))
                                    for a in plan.allocations])
