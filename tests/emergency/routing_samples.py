"""The hand-written test network (routing_data/streets.osm) and its named corners, shared by the routing tests."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).parent / "routing_data"
STREETS = DATA / "streets.osm"
# Corners of streets.osm: 北街 A→B→C is one-way eastbound (residential, 20 km/h); 南路 D–E–F and 西大道 D–G are
# primary with maxspeed=60; the verticals A–D, B–E, C–F are residential two-way; a footway runs C–A.
A = (118.7800, 32.0400)
B = (118.7820, 32.0400)
C = (118.7840, 32.0400)
D = (118.7800, 32.0380)
G = (118.7800, 32.0320)
