"""The risk domain's vocabulary: the plan's four risk domains, the kinds of risk source in each, levels.

The taxonomy follows the Jiangsu plan (《省级安全发展示范城市创建实施方案》, 2020), which names the
sources to watch domain by domain: 危险化学品企业、油气长输管道、尾矿库、渣土场 (城市工业);
大型群众性活动、"九小"、高层建筑、群租房、"多合一" (人员密集场所); 城市管廊、公共交通、隧道桥梁
(公共设施); 洪涝、地震、地质灾害 (自然灾害). A few kinds every city register also holds (major hazard
installations, utility networks, other crowded places, industry and trade firms) complete the lists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from citysafe.risk.calc.levels import LEVELS_ASCENDING, RiskLevel

__all__ = [
    "CATEGORIES", "CATEGORY_CODES", "KINDS", "LEVELS_ASCENDING", "LEVEL_COLOURS", "Category", "GeometryType",
    "Kind", "RiskLevel", "category_of", "kind_info", "parse_category", "parse_kind", "parse_level",
]


class Category(StrEnum):
    INDUSTRIAL = "industrial"
    CROWDED = "crowded"
    PUBLIC_FACILITY = "public_facility"
    NATURAL = "natural"


class GeometryType(StrEnum):
    POINT = "point"
    LINE = "line"
    POLYGON = "polygon"


CATEGORIES: dict[Category, str] = {
    Category.INDUSTRIAL: "城市工业",
    Category.CROWDED: "人员密集场所",
    Category.PUBLIC_FACILITY: "公共设施",
    Category.NATURAL: "自然灾害",
}
#: Integer codes of the categories, for the vectorised weighted rule (category weights by code).
CATEGORY_CODES: dict[Category, int] = {c: i for i, c in enumerate(Category, start=1)}


@dataclass(frozen=True)
class Kind:
    code: str
    category: Category
    name_zh: str
    geometry: GeometryType
    department: str  # the supervising department a city usually assigns (行业监管部门)
    method: str  # the assessment method usually applied


_P, _L, _A = GeometryType.POINT, GeometryType.LINE, GeometryType.POLYGON
_I, _C, _F, _N = Category.INDUSTRIAL, Category.CROWDED, Category.PUBLIC_FACILITY, Category.NATURAL

KINDS: dict[str, Kind] = {k.code: k for k in (
    Kind("hazchem_firm", _I, "危险化学品企业", _P, "应急管理局", "lec"),
    Kind("major_hazard", _I, "危险化学品重大危险源", _P, "应急管理局", "gb18218"),
    Kind("industrial_firm", _I, "工贸企业（冶金、粉尘涉爆、涉氨制冷等）", _P, "应急管理局", "lec"),
    Kind("oil_gas_pipeline", _I, "油气长输管道", _L, "发展和改革委员会", "matrix"),
    Kind("tailings_pond", _I, "尾矿库", _P, "应急管理局", "matrix"),
    Kind("spoil_site", _I, "渣土场（消纳场）", _A, "城市管理局", "matrix"),
    Kind("large_event", _C, "大型群众性活动场所", _P, "公安局", "matrix"),
    Kind("small_venue", _C, "“九小”场所", _P, "消防救援支队", "matrix"),
    Kind("high_rise", _C, "高层建筑", _P, "消防救援支队", "matrix"),
    Kind("group_rental", _C, "群租房", _P, "住房和城乡建设局", "matrix"),
    Kind("mixed_use", _C, "“多合一”场所", _P, "消防救援支队", "matrix"),
    Kind("crowded_place", _C, "其他人员密集场所（商场、医院、学校等）", _P, "消防救援支队", "matrix"),
    Kind("utility_tunnel", _F, "城市综合管廊", _L, "住房和城乡建设局", "matrix"),
    Kind("gas_network", _F, "燃气管网及场站", _L, "城市管理局", "matrix"),
    Kind("water_network", _F, "供水管网及设施", _L, "水务局", "matrix"),
    Kind("drainage_network", _F, "排水管网及泵站", _L, "水务局", "matrix"),
    Kind("heat_network", _F, "供热管网", _L, "城市管理局", "matrix"),
    Kind("public_transport", _F, "公共交通（轨道交通、公交场站）", _P, "交通运输局", "matrix"),
    Kind("tunnel", _F, "隧道", _L, "交通运输局", "matrix"),
    Kind("bridge", _F, "桥梁", _L, "交通运输局", "matrix"),
    Kind("waterlogging", _N, "易涝点", _P, "水务局", "matrix"),
    Kind("flood", _N, "洪涝风险区", _A, "水务局", "matrix"),
    Kind("earthquake", _N, "地震风险区（活动断裂带）", _A, "地震局", "matrix"),
    Kind("geological_hazard", _N, "地质灾害隐患点", _P, "自然资源和规划局", "matrix"),
)}

#: Map colours of the four levels (fill), shared by the console, the API legend and the white paper.
LEVEL_COLOURS: dict[RiskLevel, str] = {
    RiskLevel.RED: "#e02424",
    RiskLevel.ORANGE: "#f28c28",
    RiskLevel.YELLOW: "#f5d32c",
    RiskLevel.BLUE: "#2f6fde",
}
NO_LEVEL_COLOUR = "#d9dde3"


def kind_info(code: str) -> Kind:
    return KINDS[code]


def category_of(kind: str) -> Category:
    return KINDS[kind].category


def _key(text: str) -> str:
    return "".join(text.split()).replace("“", "").replace("”", "").replace('"', "").casefold()


def _category_lookup() -> dict[str, Category]:
    lookup: dict[str, Category] = {}
    for cat, zh in CATEGORIES.items():
        lookup[_key(cat.value)] = cat
        lookup[_key(zh)] = cat
    lookup.update({_key("工业企业"): _I, _key("工业"): _I, _key("人员密集区域"): _C,
                   _key("城市生命线"): _F, _key("自然灾害风险"): _N})
    return lookup


def _kind_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for kind in KINDS.values():
        lookup[_key(kind.code)] = kind.code
        lookup[_key(kind.name_zh)] = kind.code
        lookup.setdefault(_key(kind.name_zh.split("（")[0]), kind.code)
    # Names people type in spreadsheets for the same kinds.
    lookup.update({_key(alias): code for alias, code in (
        ("危化品企业", "hazchem_firm"), ("危险化学品", "hazchem_firm"), ("重大危险源", "major_hazard"),
        ("工贸企业", "industrial_firm"), ("油气管道", "oil_gas_pipeline"), ("长输管道", "oil_gas_pipeline"),
        ("渣土场", "spoil_site"), ("渣土消纳场", "spoil_site"), ("大型活动", "large_event"),
        ("九小场所", "small_venue"), ("九小", "small_venue"), ("多合一", "mixed_use"), ("三合一", "mixed_use"),
        ("人员密集场所", "crowded_place"), ("综合管廊", "utility_tunnel"), ("管廊", "utility_tunnel"),
        ("燃气管网", "gas_network"), ("供水管网", "water_network"), ("排水管网", "drainage_network"),
        ("供热管网", "heat_network"), ("轨道交通", "public_transport"), ("公共交通", "public_transport"),
        ("洪涝", "flood"), ("洪水", "flood"), ("地震", "earthquake"), ("地质灾害", "geological_hazard"),
        ("地质灾害点", "geological_hazard"),
    )})
    return lookup


# Built once at import and read-only: text → category / kind code.
_CATEGORY_LOOKUP: Final[Mapping[str, Category]] = MappingProxyType(_category_lookup())
_KIND_LOOKUP: Final[Mapping[str, str]] = MappingProxyType(_kind_lookup())


def parse_category(text: str) -> Category:
    try:
        return _CATEGORY_LOOKUP[_key(text)]
    except KeyError:
        raise ValueError(f"unknown risk category {text!r}: expected one of "
                         f"{', '.join(f'{c.value} ({zh})' for c, zh in CATEGORIES.items())}") from None


def parse_kind(text: str) -> str:
    try:
        return _KIND_LOOKUP[_key(text)]
    except KeyError:
        raise ValueError(f"unknown risk source kind {text!r}: see the template's code sheet") from None


def parse_level(text: str | int | RiskLevel) -> RiskLevel:
    return RiskLevel.parse(text)
