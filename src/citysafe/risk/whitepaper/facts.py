"""What a white paper says, gathered once from the risk register: the :class:`Facts` the chapters read.

The numbers come from the register as it stands when the white paper is built (current levels, assessed
levels alongside); every map and count is produced by the same services as the console and the API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pyproj import Geod
from sqlalchemy.orm import Session

from citysafe.core.config import Settings
from citysafe.core.errors import field_error
from citysafe.core.pagination import PageParams
from citysafe.orgs import service as orgs_service
from citysafe.orgs.schemas import OrganizationFilter
from citysafe.regions import service as regions_service
from citysafe.risk.enums import RiskLevel
from citysafe.risk.schemas import MapQuery
from citysafe.risk.service import boundaries, config, maps, stats

LEVELS = (RiskLevel.RED, RiskLevel.ORANGE, RiskLevel.YELLOW, RiskLevel.BLUE)


@dataclass
class Facts:
    """Everything the chapters need, gathered once."""

    region: Any
    year: int
    at: datetime
    cfg: config.RiskConfig
    area_km2: float
    divisions: dict[str, int]
    organisations: int
    summary: dict[str, Any]
    by_category: stats.Crosstab
    by_division: stats.Crosstab
    by_kind: stats.Crosstab
    red: list[stats.ListedSource]
    orange: list[stats.ListedSource]
    raised: list[stats.ListedSource]
    maps: dict[str, maps.MapResult] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.region.name)

    @property
    def child_word(self) -> str:
        return {"province": "设区市", "city": "区县", "district": "街道（镇）"}.get(self.region.level, "下级区划")


def _area_km2(session: Session, region: Any) -> float:
    units = boundaries.map_units(session, [region])
    if not units:
        return 0.0
    area, _ = Geod(ellps="WGS84").geometry_area_perimeter(units[0].geom)
    return abs(area) / 1e6


def check(session: Session, *, region_code: str) -> Any:
    """The region of a white paper: inside the caller's scope, a province, city or county, with sources."""
    region = regions_service.get(session, code=region_code)
    if region.level not in ("province", "city", "district"):
        raise field_error("region", "a white paper covers a province, city or county",
                          "白皮书的范围须为省、设区市或区县")
    if stats.counts_summary(session, region_code=region.code)["total"] == 0:
        raise field_error("region", f"no risk sources are registered in {region.name}",
                          f"{region.name}尚未登记风险源，无法编制白皮书")
    return region


def gather(session: Session, *, settings: Settings, region_code: str, year: int, at: datetime) -> Facts:
    region = check(session, region_code=region_code)
    cfg = config.from_settings(settings)
    divisions = {level: len(regions_service.descendants_at_level(session, code=region.code, level=level))
                 for level in ("district", "street", "community")}
    _, organisations = orgs_service.list_organizations(session, filters=OrganizationFilter(region=region.code),
                                                       params=PageParams(page=1, size=1))
    facts = Facts(
        region=region, year=year, at=at, cfg=cfg, area_km2=_area_km2(session, region), divisions=divisions,
        organisations=organisations, summary=stats.counts_summary(session, region_code=region.code),
        by_category=stats.by_category(session, region_code=region.code),
        by_division=stats.by_division(session, region_code=region.code),
        by_kind=stats.by_kind(session, region_code=region.code),
        red=stats.major_sources(session, region_code=region.code, levels=("red",)),
        orange=stats.major_sources(session, region_code=region.code, levels=("orange",)),
        raised=[s for s in stats.major_sources(session, region_code=region.code,
                                               levels=("red", "orange", "yellow")) if s.reasons],
    )
    child = {"province": None, "city": "district", "district": "street"}.get(region.level)
    wanted = {"division": child, "street": "street" if region.level == "city" else None, "h3": "h3"}
    for key, unit in wanted.items():
        if unit is None or (unit != "h3" and not boundaries.units_at_level(session, region=region, level=unit)):
            continue  # a city without street boundaries gets no street map
        query = MapQuery(region=region.code, unit=unit, res=7 if region.level == "city" else 8)
        facts.maps[key] = maps.build_map(session, query=query, default_resolution=cfg.h3_resolution,
                                         weighted=cfg.weighted, map_rules=cfg.map_rules)
        facts.notes.extend(n for n in facts.maps[key].notes if n not in facts.notes)
    # The weighted index is drawn on the finest divisions available: averaged over a whole district it
    # levels out, over streets it shows where major and large risks concentrate.
    finest = next((facts.maps[k].unit for k in ("street", "division") if k in facts.maps), "h3")
    weighted = MapQuery(region=region.code, unit=finest, rule="weighted")
    facts.maps["weighted"] = maps.build_map(session, query=weighted, default_resolution=cfg.h3_resolution,
                                            weighted=cfg.weighted, map_rules=cfg.map_rules)
    return facts
