"""Division levels, top to bottom."""

from __future__ import annotations

from enum import StrEnum


class RegionLevel(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"
    GRID = "grid"


LEVEL_NAMES_ZH = {
    RegionLevel.PROVINCE: "省",
    RegionLevel.CITY: "市",
    RegionLevel.DISTRICT: "区县",
    RegionLevel.STREET: "街道乡镇",
    RegionLevel.COMMUNITY: "社区村",
    RegionLevel.GRID: "网格",
}
