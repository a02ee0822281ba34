"""The demo city's road network: a generated street grid over central Nanjing, marked ``generated`` (not real
roads) so every page and answer can say so. A real city imports its OSM file with `citysafe roads import`.
"""

from __future__ import annotations

import random

from sqlalchemy.orm import Session

from citysafe.core.context import context_of
from citysafe.emergency.routing import service as routing

# 120 × 120 streets 150 m apart from 118.70 E 31.98 N: about 18 km square, 秦淮 to 鼓楼 and 建邺.
GRID_SIZE = 120
GRID_ORIGIN = (118.70, 31.98)
GRID_SPACING_M = 150.0
DEMO_SOURCE = "生成的演示路网（非真实道路）"


def seed_demo(session: Session, rng: random.Random) -> None:
    routing.store_generated_grid(session, size=GRID_SIZE, origin=GRID_ORIGIN, spacing_m=GRID_SPACING_M,
                                 seed=rng.randrange(2**31), source_name=DEMO_SOURCE,
                                 now=context_of(session).clock.now())
