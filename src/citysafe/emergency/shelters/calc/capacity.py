"""A shelter's capacity: its effective area (有效避难面积) divided by the area one person needs in its class.

GB 21734-2008 5.4: 人均居住面积应大于 1.5 m² (spec §4 [V]); GB/T 44013-2024's per-class figures were not found
[U], so the per-person area of each duration class is data an administrator edits (``ShelterAreaRule``), and the
capacity rounds down: a place for a whole person needs the whole area.
"""

from __future__ import annotations

import math

# GB 21734-2008 5.4 (the only verified figure): the default for every class until a city enters its own.
DEFAULT_AREA_PER_PERSON_M2 = 1.5


def capacity(effective_area_m2: float, area_per_person_m2: float) -> int:
    """Whole persons the area holds; ValueError for an area or a per-person figure that is not positive."""
    if not effective_area_m2 > 0:
        raise ValueError("effective area must be greater than 0")
    if not area_per_person_m2 > 0:
        raise ValueError("area per person must be greater than 0")
    # A tiny epsilon keeps 3000 m² / 1.5 m² at 2000, not 1999 from floating-point division.
    return math.floor(effective_area_m2 / area_per_person_m2 + 1e-9)
