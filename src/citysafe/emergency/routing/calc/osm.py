"""An OpenStreetMap file (``.osm.pbf`` or OSM XML, plain or gzip/bzip2) → a ``RoadGraph`` (pure: bytes in).

Read with pyosmium (libosmium, C++). The drivable ways are those whose ``highway`` class has a speed in the
speed table; each way's consecutive nodes become edges, both ways unless the way is one-way
(``oneway=yes|true|1`` forward, ``oneway=-1|reverse`` backward, ``junction=roundabout`` and the table's
one-way classes forward unless ``oneway=no``). A ``maxspeed`` tag (km/h, or ``mph``) overrides the class speed.
Anything wrong with the file raises ``RoadFileError`` naming it, before anything is stored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import osmium

from citysafe.core.geo import gcj02_to_wgs84
from citysafe.emergency.routing.calc.graph import RoadGraph, haversine_m

FORWARD, BACKWARD, BOTH = 1, -1, 0
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph)?\s*$")
MPH_KMH = 1.609344


class RoadFileError(ValueError):
    """A road file that cannot become a network; ``message_zh`` says the same in Chinese."""

    def __init__(self, message: str, message_zh: str) -> None:
        super().__init__(message)
        self.message_zh = message_zh


@dataclass(frozen=True)
class SpeedTable:
    speeds_kmh: Mapping[str, float]
    oneway_by_default: frozenset[str]
    source: str
    straight_speed_kmh: float
    detour_factor: float
    far_speed_kmh: float = 100.0
    far_from_km: float = 10.0

    @classmethod
    def from_json(cls, text: str) -> SpeedTable:
        data: dict[str, Any] = json.loads(text)
        speeds = {str(k): float(v) for k, v in data["speeds_kmh"].items()}
        if not speeds or any(v <= 0 for v in speeds.values()):
            raise ValueError("speeds_kmh must give a positive speed for at least one highway class")
        line = data.get("straight_line", {})
        return cls(speeds, frozenset(data.get("oneway_by_default", [])), str(data.get("source", "")),
                   float(line.get("speed_kmh", 30)), float(line.get("detour_factor", 1.3)),
                   float(line.get("far_speed_kmh", 100)), float(line.get("far_from_km", 10)))


def maxspeed_kmh(tag: str | None) -> float | None:
    """A numeric ``maxspeed`` in km/h; None for symbolic values (``CN:urban``, ``none``, ``signals``)."""
    if not tag:
        return None
    match = _NUMBER.match(tag.split(";")[0])
    if match is None:
        return None
    value = float(match.group(1)) * (MPH_KMH if match.group(2) == "mph" else 1.0)
    return value if value > 0 else None


def direction(tags: Mapping[str, str], highway: str, table: SpeedTable) -> int:
    oneway = tags.get("oneway", "")
    if oneway in ("yes", "true", "1"):
        return FORWARD
    if oneway in ("-1", "reverse"):
        return BACKWARD
    if oneway in ("no", "false", "0"):
        return BOTH
    if tags.get("junction") in ("roundabout", "circular") or highway in table.oneway_by_default:
        return FORWARD
    return BOTH


def _file_format(data: bytes) -> str:
    head = data[:2]
    if head == b"\x1f\x8b":
        return "osm.gz"
    if head == b"BZ":
        return "osm.bz2"
    return "osm" if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<" else "pbf"


def read_osm(data: bytes, table: SpeedTable, *, crs: str = "wgs84") -> RoadGraph:
    """The drivable network in ``data``; ``crs`` "gcj02" converts the file's coordinates to WGS84."""
    if not data.strip():
        raise RoadFileError("the file is empty", "文件为空")
    refs: list[np.ndarray] = []
    coords: list[np.ndarray] = []
    speeds: list[float] = []
    directions: list[int] = []
    try:
        ways = osmium.FileProcessor(osmium.io.FileBuffer(data, _file_format(data))).with_locations()
        for way in ways.with_filter(osmium.filter.KeyFilter("highway")):
            if not isinstance(way, osmium.osm.Way):
                continue
            tags = {t.k: t.v for t in way.tags}
            highway = tags["highway"]
            if highway not in table.speeds_kmh or tags.get("area") == "yes":
                continue
            nodes = [(n.ref, n.lon, n.lat) for n in way.nodes if n.location.valid()]
            if len(nodes) < 2:
                continue  # a way clipped at the extract's edge to one node carries no segment
            arr = np.asarray(nodes, dtype=np.float64)
            refs.append(arr[:, 0].astype(np.int64))
            coords.append(arr[:, 1:])
            speeds.append(maxspeed_kmh(tags.get("maxspeed")) or table.speeds_kmh[highway])
            directions.append(direction(tags, highway, table))
    # libosmium's parse errors: "XML parsing error at line 3 …", "PBF error: …" (RuntimeError), "illegal id"
    # (ValueError), "characters after coordinate" (InvalidLocationError); found by mutating the test files.
    except (RuntimeError, ValueError, osmium.InvalidLocationError) as exc:
        raise RoadFileError(f"not a readable OSM file: {exc}", f"不是可读取的 OSM 文件：{exc}") from exc
    if not refs:
        raise RoadFileError("no drivable road (a way with a highway class of the speed table) in the file",
                            "文件中没有可通行的道路（带 highway 标签且在速度表中的 way）")
    return _graph(refs, coords, speeds, directions, crs)


def _graph(refs: list[np.ndarray], coords: list[np.ndarray], speeds: list[float], directions: list[int],
           crs: str) -> RoadGraph:
    all_refs = np.concatenate(refs)
    all_xy = np.concatenate(coords)
    ids, first, index = np.unique(all_refs, return_index=True, return_inverse=True)
    lon, lat = all_xy[first, 0].copy(), all_xy[first, 1].copy()
    if crs == "gcj02":
        for i in range(len(ids)):
            lon[i], lat[i] = gcj02_to_wgs84(float(lon[i]), float(lat[i]))
    elif crs != "wgs84":
        raise RoadFileError(f"unsupported CRS {crs!r}: expected 'wgs84' or 'gcj02'",
                            f"不支持的坐标系 {crs!r}：应为 wgs84 或 gcj02")
    # Segment i of way w joins its nodes i and i+1: offsets of each way in the concatenated arrays.
    lengths = np.array([len(r) for r in refs])
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    seg_way = np.repeat(np.arange(len(refs)), lengths - 1)
    seg_a = np.concatenate([np.arange(s, s + n - 1) for s, n in zip(starts, lengths, strict=True)])
    a, b = index[seg_a], index[seg_a + 1]
    metres = haversine_m(lon[a], lat[a], lon[b], lat[b])
    seconds = metres / (np.asarray(speeds)[seg_way] / 3.6)
    way_dir = np.asarray(directions)[seg_way]
    fwd, bwd = way_dir >= 0, way_dir <= 0
    src = np.concatenate([a[fwd], b[bwd]])
    dst = np.concatenate([b[fwd], a[bwd]])
    return RoadGraph(lon=lon, lat=lat, src=src.astype(np.int64), dst=dst.astype(np.int64),
                     metres=np.concatenate([metres[fwd], metres[bwd]]),
                     seconds=np.concatenate([seconds[fwd], seconds[bwd]]))
