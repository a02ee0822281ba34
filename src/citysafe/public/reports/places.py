"""Which district of the province a reported place lies in, answered from the district boundaries kept in memory
per application (prepared shapely geometries): parsing the boundaries' GeoJSON on every report cost ~80 ms of
each. The boundaries are read again when they are older than ``REFRESH`` on the application's clock, so an
import of new boundaries is seen within that time."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from shapely import STRtree
from shapely.geometry import Point, shape
from shapely.prepared import PreparedGeometry, prep
from sqlalchemy.orm import Session

from citysafe.core.context import Slot, context_of
from citysafe.regions import service as regions_service

REFRESH = timedelta(minutes=10)
LEVELS = ("district", "city", "province")  # the finest level with boundaries wins
# The packaged boundaries are simplified district by district, so neighbours leave slivers between them (up to
# ~12 m wide in Nanjing: 10 of 20,000 random points there lay in none; bench/public_reports.py answered one
# report in a few hundred 422 "outside the province" for it). A point in no division but this close to one is
# in the nearest: ~100 m (0.001° of latitude is 111 m; of longitude, 94 m at 32° N), more than any sliver and
# less than a reporter's pin is precise; a point farther out is refused as before.
SLIVER_DEGREES = 0.001


@dataclass
class _Index:
    read_at: datetime | None = None
    codes: list[str] = field(default_factory=list)
    shapes: list[PreparedGeometry] = field(default_factory=list)
    tree: STRtree | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


INDEX: Slot[_Index] = Slot("public.reports.districts", lambda _ctx: _Index())


def _load(session: Session, index: _Index, root: str, now: datetime) -> None:
    for level in LEVELS:
        features = regions_service.boundaries_at_level(session, code=root, level=level)["features"]
        if features:
            geometries = [shape(f["geometry"]) for f in features]
            index.codes = [str(f["properties"]["code"]) for f in features]
            index.shapes = [prep(g) for g in geometries]
            index.tree = STRtree(geometries)
            break
    index.read_at = now


def division_of(session: Session, *, lon: float, lat: float) -> str | None:
    """The code of the division (a district where boundaries exist) covering the WGS84 point, or the nearest one
    within ``SLIVER_DEGREES`` (a gap between two simplified boundaries); None outside."""
    ctx = context_of(session)
    index = INDEX.of(session)
    now = ctx.clock.now()
    with index.lock:
        if index.read_at is None or now - index.read_at >= REFRESH or now < index.read_at:
            _load(session, index, ctx.settings.root_region, now)
        tree, codes, shapes = index.tree, index.codes, index.shapes
    if tree is None:
        return None
    point = Point(lon, lat)
    for i in tree.query(point):
        if shapes[int(i)].covers(point):
            return codes[int(i)]
    nearest = tree.query_nearest(point, max_distance=SLIVER_DEGREES)
    return codes[int(min(nearest))] if len(nearest) else None
