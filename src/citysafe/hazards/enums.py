"""The vocabularies of hazard work, each with its Chinese name for the console and exports.

Categories follow the focus areas of the Jiangsu demonstration-city plan (2020, section 四(二)):
industrial (hazardous chemicals, oil and gas pipelines, tailings ponds, muck sites), crowded places
(large events, "nine small" venues, high-rise buildings, group rentals, "many-in-one" premises), public
facilities (utility tunnels, public transport, tunnels and bridges) and natural hazards (floods,
earthquakes, geological hazards); plus the sectors the plan's supervision covers elsewhere (industry
and trade, construction, town gas, fire safety, road transport).
"""

from __future__ import annotations

from enum import StrEnum


class HazardCategory(StrEnum):
    HAZARDOUS_CHEMICALS = "hazardous_chemicals"
    OIL_GAS_PIPELINE = "oil_gas_pipeline"
    TAILINGS_POND = "tailings_pond"
    MUCK_SITE = "muck_site"
    INDUSTRY_TRADE = "industry_trade"
    CONSTRUCTION = "construction"
    TOWN_GAS = "town_gas"
    LARGE_EVENT = "large_event"
    NINE_SMALL = "nine_small"
    HIGH_RISE = "high_rise"
    GROUP_RENTAL = "group_rental"
    MANY_IN_ONE = "many_in_one"
    UTILITY_TUNNEL = "utility_tunnel"
    PUBLIC_TRANSPORT = "public_transport"
    ROAD_TRANSPORT = "road_transport"
    TUNNEL_BRIDGE = "tunnel_bridge"
    FIRE_SAFETY = "fire_safety"
    FLOOD = "flood"
    EARTHQUAKE = "earthquake"
    GEOLOGICAL = "geological"
    OTHER = "other"


CATEGORY_NAMES_ZH: dict[str, str] = {
    HazardCategory.HAZARDOUS_CHEMICALS: "危险化学品",
    HazardCategory.OIL_GAS_PIPELINE: "油气长输管道",
    HazardCategory.TAILINGS_POND: "尾矿库",
    HazardCategory.MUCK_SITE: "渣土场",
    HazardCategory.INDUSTRY_TRADE: "冶金工贸",
    HazardCategory.CONSTRUCTION: "建筑施工",
    HazardCategory.TOWN_GAS: "城镇燃气",
    HazardCategory.LARGE_EVENT: "大型群众性活动",
    HazardCategory.NINE_SMALL: "“九小”场所",
    HazardCategory.HIGH_RISE: "高层建筑",
    HazardCategory.GROUP_RENTAL: "群租房",
    HazardCategory.MANY_IN_ONE: "“多合一”场所",
    HazardCategory.UTILITY_TUNNEL: "城市管廊",
    HazardCategory.PUBLIC_TRANSPORT: "公共交通",
    HazardCategory.ROAD_TRANSPORT: "道路交通运输",
    HazardCategory.TUNNEL_BRIDGE: "隧道桥梁",
    HazardCategory.FIRE_SAFETY: "消防安全",
    HazardCategory.FLOOD: "洪涝",
    HazardCategory.EARTHQUAKE: "地震",
    HazardCategory.GEOLOGICAL: "地质灾害",
    HazardCategory.OTHER: "其他",
}


class HazardSource(StrEnum):
    INSPECTION = "inspection"
    GRID_OFFICER = "grid_officer"
    SELF_CHECK = "self_check"
    CITIZEN = "citizen"
    DEVICE_FAULT = "device_fault"


SOURCE_NAMES_ZH: dict[str, str] = {
    HazardSource.INSPECTION: "监督检查",
    HazardSource.GRID_OFFICER: "网格员上报",
    HazardSource.SELF_CHECK: "企业自查",
    HazardSource.CITIZEN: "群众举报",
    HazardSource.DEVICE_FAULT: "设备故障",
}


class HazardLevel(StrEnum):
    GENERAL = "general"
    MAJOR = "major"


LEVEL_NAMES_ZH: dict[str, str] = {HazardLevel.GENERAL: "一般隐患", HazardLevel.MAJOR: "重大隐患"}


class PlaceType(StrEnum):
    NINE_SMALL = "nine_small"
    HIGH_RISE = "high_rise"
    GROUP_RENTAL = "group_rental"
    MANY_IN_ONE = "many_in_one"
    HAZARDOUS_CHEMICALS = "hazardous_chemicals"
    CONSTRUCTION_SITE = "construction_site"
    CROWDED_PLACE = "crowded_place"
    GAS_USER = "gas_user"
    OTHER = "other"


PLACE_TYPE_NAMES_ZH: dict[str, str] = {
    PlaceType.NINE_SMALL: "“九小”场所",
    PlaceType.HIGH_RISE: "高层建筑",
    PlaceType.GROUP_RENTAL: "群租房",
    PlaceType.MANY_IN_ONE: "“多合一”场所",
    PlaceType.HAZARDOUS_CHEMICALS: "危险化学品企业",
    PlaceType.CONSTRUCTION_SITE: "建筑工地",
    PlaceType.CROWDED_PLACE: "人员密集场所",
    PlaceType.GAS_USER: "燃气使用场所",
    PlaceType.OTHER: "其他",
}

# The category a failed checklist item of a place type becomes when the item names none.
PLACE_TYPE_CATEGORY: dict[str, HazardCategory] = {
    PlaceType.NINE_SMALL: HazardCategory.NINE_SMALL,
    PlaceType.HIGH_RISE: HazardCategory.HIGH_RISE,
    PlaceType.GROUP_RENTAL: HazardCategory.GROUP_RENTAL,
    PlaceType.MANY_IN_ONE: HazardCategory.MANY_IN_ONE,
    PlaceType.HAZARDOUS_CHEMICALS: HazardCategory.HAZARDOUS_CHEMICALS,
    PlaceType.CONSTRUCTION_SITE: HazardCategory.CONSTRUCTION,
    PlaceType.CROWDED_PLACE: HazardCategory.FIRE_SAFETY,
    PlaceType.GAS_USER: HazardCategory.TOWN_GAS,
    PlaceType.OTHER: HazardCategory.OTHER,
}


class TaskAssignee(StrEnum):
    GRID = "grid"
    OFFICER = "officer"
    DEPARTMENT = "department"


class TaskState(StrEnum):
    PENDING = "pending"
    DONE = "done"


class ItemResult(StrEnum):
    PASS = "pass"  # noqa: S105 - an item passed, not a password
    FAIL = "fail"
    NOT_APPLICABLE = "na"


class EnforcementKind(StrEnum):
    INSPECTION = "inspection"
    CRACKDOWN = "crackdown"


ENFORCEMENT_KIND_NAMES_ZH: dict[str, str] = {
    EnforcementKind.INSPECTION: "执法检查",
    EnforcementKind.CRACKDOWN: "打非治违",
}


class PenaltyKind(StrEnum):
    WARNING = "warning"
    FINE = "fine"
    CONFISCATION = "confiscation"
    SUSPENSION = "suspension"
    LICENCE_REVOKED = "licence_revoked"
    CLOSURE = "closure"
    DETENTION = "detention"


PENALTY_NAMES_ZH: dict[str, str] = {
    PenaltyKind.WARNING: "警告",
    PenaltyKind.FINE: "罚款",
    PenaltyKind.CONFISCATION: "没收违法所得、非法财物",
    PenaltyKind.SUSPENSION: "责令停产停业整顿",
    PenaltyKind.LICENCE_REVOKED: "暂扣或吊销许可证照",
    PenaltyKind.CLOSURE: "关闭取缔",
    PenaltyKind.DETENTION: "行政拘留",
}


def zh(names: dict[str, str], value: str | None) -> str:
    """The Chinese name of a value, or the value itself when none is known (data from a newer release)."""
    return "" if value is None else names.get(value, value)
