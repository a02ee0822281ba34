"""A road network as arrays and the compiled graph searches over it (pure: arrays in, arrays out).

Nodes are WGS84 points; edges are directed (a two-way street is two edges), weighted by travel seconds.
Shortest paths run in scipy's csgraph (C), never a Python loop over nodes; points snap to the nearest node
with a KD-tree on coordinates projected to metres (a transverse Mercator centred on the network), so the
snap distance reported is metres on the ground.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from pyproj import Transformer
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
# csgraph drops explicit zeros from a sparse matrix, so an edge of zero seconds (two OSM nodes at the same
# place) would vanish; a millisecond keeps it an edge without changing any answer.
MIN_SECONDS = 1e-3
EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius, as core.geo.haversine_m


def haversine_m(lon1: FloatArray, lat1: FloatArray, lon2: FloatArray, lat2: FloatArray) -> FloatArray:
    """Great-circle metres, vectorised (broadcasts like numpy)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))), dtype=np.float64)


@dataclass(frozen=True)
class Snap:
    node: int
    metres: float  # from the point to the node it snapped to


@dataclass(frozen=True)
class Path:
    nodes: IntArray
    seconds: float
    metres: float

    def coordinates(self, graph: RoadGraph) -> list[tuple[float, float]]:
        return [(float(graph.lon[n]), float(graph.lat[n])) for n in self.nodes]


@dataclass(eq=False)
class RoadGraph:
    """The arrays of a network and, made once, the CSR matrices, the projection and the KD-tree."""

    lon: FloatArray
    lat: FloatArray
    src: IntArray
    dst: IntArray
    metres: FloatArray
    seconds: FloatArray
    forward: csr_matrix = field(init=False, repr=False)
    reverse: csr_matrix = field(init=False, repr=False)
    lengths: csr_matrix = field(init=False, repr=False)
    max_speed: float = field(init=False, repr=False)
    _tree: Any = field(init=False, repr=False)
    _project: Transformer = field(init=False, repr=False)

    def __post_init__(self) -> None:
        n = len(self.lon)
        if n == 0 or len(self.src) == 0:
            raise ValueError("a road network needs at least one node and one edge")
        lon0, lat0 = float(np.median(self.lon)), float(np.median(self.lat))
        self._project = Transformer.from_crs(
            "EPSG:4326", f"+proj=tmerc +lat_0={lat0} +lon_0={lon0} +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m",
            always_xy=True)
        x, y = (np.asarray(v, dtype=np.float64) for v in self._project.transform(self.lon, self.lat))
        # Nodes numbered south to north: neighbours on the ground are then near in memory, which the searches
        # (csgraph's and nearest_index's, both walking the CSR arrays) feel as fewer cache misses.
        by_y = np.argsort(y, kind="stable")
        renumber = np.empty(n, dtype=np.int64)
        renumber[by_y] = np.arange(n)
        self.lon, self.lat, x, y = self.lon[by_y], self.lat[by_y], x[by_y], y[by_y]
        self.src, self.dst = renumber[self.src], renumber[self.dst]
        # Parallel edges (two ways joining the same nodes) keep the fastest: CSR would otherwise add them up.
        order = np.lexsort((self.seconds, self.dst, self.src))
        src, dst = self.src[order], self.dst[order]
        first = np.ones(len(src), dtype=bool)
        first[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])
        keep = order[first]
        self.src, self.dst = self.src[keep], self.dst[keep]
        self.metres, self.seconds = self.metres[keep], np.maximum(self.seconds[keep], MIN_SECONDS)
        # The fastest any edge goes, in straight-line metres per second (an edge's metres are the great-circle
        # distance of its ends); 1 % more covers the projection's scale error over a city.
        self.max_speed = float((self.metres / self.seconds).max()) * 1.01
        self.forward = csr_matrix((self.seconds, (self.src, self.dst)), shape=(n, n))
        self.reverse = self.forward.T.tocsr()
        self.lengths = csr_matrix((self.metres, (self.src, self.dst)), shape=(n, n))
        self._tree = cKDTree(np.column_stack([x, y]))

    @property
    def node_count(self) -> int:
        return len(self.lon)

    @property
    def edge_count(self) -> int:
        return len(self.src)

    def bbox(self) -> tuple[float, float, float, float]:
        return (float(self.lon.min()), float(self.lat.min()), float(self.lon.max()), float(self.lat.max()))

    def snap(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[IntArray, FloatArray]:
        """The nearest node of each point and the metres to it."""
        x, y = self._project.transform(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
        dist, idx = self._tree.query(np.column_stack([np.atleast_1d(x), np.atleast_1d(y)]))
        return np.asarray(idx, dtype=np.int64), np.asarray(dist, dtype=np.float64)

    def times_to(self, target: int) -> tuple[FloatArray, IntArray]:
        """Seconds from every node to ``target`` and, per node, the next node on its fastest way there.

        One search on the reversed graph answers "how far is every team from this incident" at once."""
        dist, pred = dijkstra(self.reverse, indices=target, return_predecessors=True)
        return np.asarray(dist), np.asarray(pred, dtype=np.int64)

    def nearest_source(self, sources: IntArray) -> tuple[FloatArray, IntArray]:
        """For every node, the seconds from the nearest of ``sources`` and which source (one search)."""
        dist, _pred, which = dijkstra(self.forward, indices=sources, min_only=True, return_predecessors=True)
        return np.asarray(dist), np.asarray(which, dtype=np.int64)

    def path_to(self, start: int, pred_towards: IntArray) -> Path:
        """The way from ``start`` following ``pred_towards`` (from ``times_to``) to its target."""
        nodes = [start]
        while (nxt := int(pred_towards[nodes[-1]])) >= 0:
            nodes.append(nxt)
        arr = np.asarray(nodes, dtype=np.int64)
        if len(arr) < 2:
            return Path(arr, 0.0, 0.0)
        u, v = arr[:-1], arr[1:]
        seconds = float(np.asarray(self.forward[u, v]).sum())
        metres = float(np.asarray(self.lengths[u, v]).sum())
        return Path(arr, seconds, metres)


def to_bytes(graph: RoadGraph) -> bytes:
    """The arrays as one .npz blob (no pickles), for storage in one database row."""
    buf = io.BytesIO()
    np.savez(buf, lon=graph.lon, lat=graph.lat, src=graph.src.astype(np.int32), dst=graph.dst.astype(np.int32),
             metres=graph.metres.astype(np.float32), seconds=graph.seconds.astype(np.float32))
    return buf.getvalue()


def from_bytes(blob: bytes) -> RoadGraph:
    with np.load(io.BytesIO(blob), allow_pickle=False) as data:
        return RoadGraph(lon=data["lon"].astype(np.float64), lat=data["lat"].astype(np.float64),
                         src=data["src"].astype(np.int64), dst=data["dst"].astype(np.int64),
                         metres=data["metres"].astype(np.float64), seconds=data["seconds"].astype(np.float64))
