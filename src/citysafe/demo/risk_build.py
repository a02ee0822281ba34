"""Building blocks of the demo register: geometries, names and assessment inputs that hit a target level.

Levels are drawn first (each kind has its own mix: a tailings pond is rarely low risk, a 九小 venue rarely
major) and the inputs are then chosen among the method's own table values that give that level, so
every stored assessment is a genuine calculator run a reviewer can repeat.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise, product
from typing import Any

from citysafe.demo.places import Cluster
from citysafe.risk.enums import RiskLevel
from citysafe.risk.service import methods

LEVELS = (RiskLevel.RED, RiskLevel.ORANGE, RiskLevel.YELLOW, RiskLevel.BLUE)

# Share of red, orange, yellow, blue per kind (a mature city register: few major, most low or general).
LEVEL_MIX: dict[str, tuple[float, float, float, float]] = {
    "hazchem_firm": (0.05, 0.22, 0.43, 0.30), "industrial_firm": (0.02, 0.12, 0.38, 0.48),
    "oil_gas_pipeline": (0.20, 0.50, 0.30, 0.0), "tailings_pond": (0.25, 0.50, 0.25, 0.0),
    "spoil_site": (0.07, 0.30, 0.43, 0.20), "large_event": (0.15, 0.45, 0.40, 0.0),
    "small_venue": (0.0, 0.04, 0.33, 0.63), "high_rise": (0.006, 0.14, 0.45, 0.404),
    "group_rental": (0.004, 0.16, 0.50, 0.336), "mixed_use": (0.01, 0.20, 0.50, 0.29),
    "crowded_place": (0.006, 0.14, 0.44, 0.414), "utility_tunnel": (0.0, 0.30, 0.50, 0.20),
    "gas_network": (0.02, 0.22, 0.46, 0.30), "water_network": (0.0, 0.08, 0.42, 0.50),
    "drainage_network": (0.0, 0.10, 0.45, 0.45), "heat_network": (0.0, 0.20, 0.50, 0.30),
    "public_transport": (0.0, 0.10, 0.47, 0.43), "tunnel": (0.05, 0.35, 0.45, 0.15),
    "bridge": (0.02, 0.24, 0.46, 0.28), "waterlogging": (0.02, 0.22, 0.46, 0.30),
    "flood": (0.15, 0.40, 0.35, 0.10), "earthquake": (0.0, 0.50, 0.50, 0.0),
    "geological_hazard": (0.02, 0.18, 0.48, 0.32),
}

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
BRAND_A = ["金陵", "扬子", "钟山", "紫金", "栖霞", "秦淮", "江宁", "长江", "石城", "莫愁", "雨花", "龙江", "新港",
           "江北", "六合", "浦口", "燕子矶", "汤山", "溧水", "固城", "华润", "天工", "恒瑞", "宏达", "远东", "中盛",
           "瑞丰", "诚志", "红宝丽", "龙翔"]
BRAND_B = ["", "华", "新", "恒", "泰", "安", "瑞", "信", "达", "通", "昌", "盛", "源", "鑫", "诚"]


def pick_level(rng: random.Random, kind: str) -> RiskLevel:
    return rng.choices(LEVELS, weights=LEVEL_MIX[kind])[0]


def brand(rng: random.Random) -> str:
    return rng.choice(BRAND_A) + rng.choice(BRAND_B)


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "某"


# --- geometry --------------------------------------------------------------------------------------------

def around(rng: random.Random, clusters: Sequence[Cluster]) -> tuple[float, float]:
    lon, lat, sigma, _ = rng.choices(clusters, weights=[c[3] for c in clusters])[0]
    return round(rng.gauss(lon, sigma), 6), round(rng.gauss(lat, sigma * 0.9), 6)


def point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


def short_line(rng: random.Random, lon: float, lat: float, km: tuple[float, float]) -> dict[str, Any]:
    """A gently bending line of ``km`` length centred on (lon, lat), as a pipe or road segment runs."""
    length = rng.uniform(*km) / 111.0
    heading = rng.uniform(0, math.pi)
    steps = rng.randint(2, 4)
    pts: list[list[float]] = []
    x, y = lon - math.cos(heading) * length / 2, lat - math.sin(heading) * length / 2
    for _ in range(steps + 1):
        pts.append([round(x, 6), round(y, 6)])
        heading += rng.uniform(-0.4, 0.4)
        x += math.cos(heading) * length / steps
        y += math.sin(heading) * length / steps
    return {"type": "LineString", "coordinates": pts}


def polyline(coords: Sequence[tuple[float, float]]) -> dict[str, Any]:
    return {"type": "LineString", "coordinates": [[x, y] for x, y in coords]}


def blob(rng: random.Random, lon: float, lat: float, radius: float, vertices: int = 14) -> dict[str, Any]:
    """An irregular closed area of about ``radius`` degrees around (lon, lat)."""
    ring = []
    for i in range(vertices):
        angle = 2 * math.pi * i / vertices
        r = radius * rng.uniform(0.6, 1.15)
        ring.append([round(lon + r * math.cos(angle) * 1.15, 6), round(lat + r * math.sin(angle), 6)])
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def band(coords: Sequence[tuple[float, float]], width: float) -> dict[str, Any]:
    """A fault's influence band: the line buffered by ``width`` degrees."""
    from shapely.geometry import LineString, mapping

    geom = LineString(coords).buffer(width, quad_segs=4)
    return dict(mapping(geom.simplify(width / 5)))


def points_along(coords: Sequence[tuple[float, float]], spacing_km: float) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for (x0, y0), (x1, y1) in pairwise(coords):
        dist_km = math.hypot((x1 - x0) * 111 * math.cos(math.radians(y0)), (y1 - y0) * 111)
        n = max(int(dist_km / spacing_km), 1)
        out.extend((round(x0 + (x1 - x0) * i / n, 6), round(y0 + (y1 - y0) * i / n, 6)) for i in range(n))
    out.append(coords[-1])
    return out


# --- assessment inputs -------------------------------------------------------------------------------------

@lru_cache(maxsize=4)
def _lec_combos(preset: str) -> dict[RiskLevel, list[tuple[float, float, float]]]:
    out: dict[RiskLevel, list[tuple[float, float, float]]] = {lvl: [] for lvl in LEVELS}
    # Plausible scores only: nobody scores a city's sources "practically impossible" or "catastrophe".
    for li, ei, ci in product((10, 6, 3, 1, 0.5), (10, 6, 3, 2, 1), (40, 15, 7, 3, 1)):
        out[methods.lec_level(li, ei, ci, preset)].append((li, ei, ci))
    return out


def lec_params(rng: random.Random, level: RiskLevel, preset: str = "A") -> dict[str, Any]:
    li, ei, ci = rng.choice(_lec_combos(preset)[level])
    return {"l": li, "e": ei, "c": ci, "preset": preset}


def matrix_params(rng: random.Random, level: RiskLevel, preset: str = "M1") -> dict[str, Any]:
    cells = [cell for cell, lvl in methods.matrix_cells(preset).items() if lvl == level]
    likelihood, severity = rng.choice(cells)
    return {"likelihood": likelihood, "severity": severity, "preset": preset}


# (substance, Q in t, β) of Table 1 / 3 / 4 that a city's chemical parks hold.
MAJOR_HAZARD_UNITS: list[tuple[str, str, float, float]] = [
    ("液氯储罐区", "氯", 5, 4), ("液氨储罐区", "氨", 10, 2), ("LNG 储罐区", "天然气", 50, 1.5),
    ("液化石油气球罐区", "液化石油气", 50, 1.5), ("氢气储存区", "氢", 5, 1.5), ("乙烯球罐区", "乙烯", 50, 1.5),
    ("氯乙烯储罐区", "氯乙烯", 50, 1.5), ("环氧乙烷装置", "环氧乙烷", 10, 2), ("硫化氢回收装置", "硫化氢", 5, 5),
    ("氯化氢合成装置", "氯化氢", 20, 3),
]
_GRADE_R = {1: (100.0, 260.0), 2: (50.0, 99.0), 3: (10.0, 49.0), 4: (1.0, 9.8)}
_ALPHA = ((0, 0.5), (12, 1.0), (40, 1.2), (75, 1.5), (300, 2.0))


def gb18218_params(rng: random.Random, grade: int) -> tuple[str, dict[str, Any]]:
    """A storage unit whose S ≥ 1 and whose R falls in ``grade`` (the calculator decides in the end)."""
    for _ in range(50):
        unit, substance, q_crit, beta = rng.choice(MAJOR_HAZARD_UNITS)
        population, alpha = rng.choice(_ALPHA)
        low, high = _GRADE_R[grade]
        low = max(low, alpha * beta * 1.05)  # S = R / (αβ) must reach 1
        if low < high:
            r = rng.uniform(low, high)
            quantity = round(r / (alpha * beta) * q_crit, 1)
            return unit, {"holdings": [{"substance": substance, "quantity_t": quantity}], "population": population}
    unit, substance, q_crit, _ = MAJOR_HAZARD_UNITS[0]
    return unit, {"holdings": [{"substance": substance, "quantity_t": q_crit * 2}], "population": 50}
