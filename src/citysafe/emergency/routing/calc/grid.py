"""A generated street grid (not real roads): for the benchmark's million-edge graph and the demo city when
no OSM file has been imported. Every network made here is stored with ``generated`` true and says so.

Streets are ``spacing_m`` apart with the nodes jittered a little, so no two routes tie exactly; every
``arterial_every``-th street is a 主干路 (50 km/h, CJJ 37 middle design speed), the rest 支路 (30 km/h), and
every ``oneway_every``-th local north–south street is one-way, alternating north and south.
"""

from __future__ import annotations

import numpy as np

from citysafe.emergency.routing.calc.graph import EARTH_RADIUS_M, RoadGraph, haversine_m

ARTERIAL_KMH = 50.0
LOCAL_KMH = 30.0


def grid_network(rows: int, cols: int, *, origin: tuple[float, float] = (118.70, 31.98), spacing_m: float = 150.0,
                 arterial_every: int = 8, oneway_every: int = 5, seed: int = 0) -> RoadGraph:
    rng = np.random.default_rng(seed)
    deg_lat = np.degrees(spacing_m / EARTH_RADIUS_M)
    deg_lon = deg_lat / np.cos(np.radians(origin[1]))
    r, c = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    jitter = rng.uniform(-0.2, 0.2, size=(2, rows, cols))
    lon = (origin[0] + (c + jitter[0]) * deg_lon).ravel()
    lat = (origin[1] + (r + jitter[1]) * deg_lat).ravel()
    ids = np.arange(rows * cols).reshape(rows, cols)
    # East–west segments (along a row) and north–south segments (along a column).
    ew_a, ew_b = ids[:, :-1].ravel(), ids[:, 1:].ravel()
    ns_a, ns_b = ids[:-1, :].ravel(), ids[1:, :].ravel()
    ew_fast = (r[:, :-1] % arterial_every == 0).ravel()
    ns_col = c[:-1, :].ravel()
    ns_fast = ns_col % arterial_every == 0
    one_way = (~ns_fast) & (ns_col % oneway_every == 0)
    northbound = (ns_col // oneway_every) % 2 == 0
    a = np.concatenate([ew_a, ew_b, ns_a[~one_way | northbound], ns_b[~one_way | ~northbound]])
    b = np.concatenate([ew_b, ew_a, ns_b[~one_way | northbound], ns_a[~one_way | ~northbound]])
    fast = np.concatenate([ew_fast, ew_fast, ns_fast[~one_way | northbound], ns_fast[~one_way | ~northbound]])
    metres = haversine_m(lon[a], lat[a], lon[b], lat[b])
    seconds = metres / (np.where(fast, ARTERIAL_KMH, LOCAL_KMH) / 3.6)
    return RoadGraph(lon=lon, lat=lat, src=a.astype(np.int64), dst=b.astype(np.int64), metres=metres,
                     seconds=seconds)
