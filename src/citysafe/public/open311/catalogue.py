"""The services an Open311 app may report: the platform's hazard categories (GeoReport v2 ``services``), each
with a group an app can file it under; no extra attributes (``metadata`` false), answered at once (realtime)."""

from __future__ import annotations

from pydantic import BaseModel

from citysafe.hazards.enums import CATEGORY_NAMES_ZH, HazardCategory

# Groups for apps' menus, after the plan's fields of 城市安全 (工业企业, 城市建设, 人员密集场所, 交通运输, 自然灾害).
GROUPS: dict[str, tuple[HazardCategory, ...]] = {
    "工业企业": (HazardCategory.HAZARDOUS_CHEMICALS, HazardCategory.OIL_GAS_PIPELINE, HazardCategory.TAILINGS_POND,
             HazardCategory.INDUSTRY_TRADE),
    "城市建设与设施": (HazardCategory.MUCK_SITE, HazardCategory.CONSTRUCTION, HazardCategory.TOWN_GAS,
                  HazardCategory.UTILITY_TUNNEL, HazardCategory.TUNNEL_BRIDGE),
    "人员密集场所与消防": (HazardCategory.LARGE_EVENT, HazardCategory.NINE_SMALL, HazardCategory.HIGH_RISE,
                    HazardCategory.GROUP_RENTAL, HazardCategory.MANY_IN_ONE, HazardCategory.FIRE_SAFETY),
    "交通运输": (HazardCategory.PUBLIC_TRANSPORT, HazardCategory.ROAD_TRANSPORT),
    "自然灾害": (HazardCategory.FLOOD, HazardCategory.EARTHQUAKE, HazardCategory.GEOLOGICAL),
    "其他": (HazardCategory.OTHER,),
}
GROUP_OF: dict[str, str] = {category.value: group for group, members in GROUPS.items() for category in members}


class Service(BaseModel):
    """One GeoReport v2 service, with the standard's field names."""

    service_code: str
    service_name: str
    description: str
    metadata: bool = False
    type: str = "realtime"
    keywords: str
    group: str


def services() -> list[Service]:
    return [service(category) for category in HazardCategory]


def service(category: HazardCategory) -> Service:
    name = CATEGORY_NAMES_ZH.get(category, category.value)
    group = GROUP_OF.get(category.value, "其他")
    return Service(service_code=category.value, service_name=name,
                   description=f"举报{name}方面的安全隐患（随手拍）：说明看到了什么，附现场照片和位置",
                   keywords=",".join(dict.fromkeys((name, group, "安全隐患", "随手拍"))), group=group)


def category_of(code: str) -> HazardCategory | None:
    try:
        return HazardCategory(code.strip())
    except ValueError:
        return None
