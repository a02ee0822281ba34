"""Reads for the public site, each projected onto the fields a citizen may see.

The pages run without an account, so their sessions carry no scope: every function here selects only what
is public by nature — a district's risk level under the map's stated rule (never a risk source, its place or
its unit), warnings in force that were really issued (never a drill, a test or a draft), and shelters with
their address and room (never their manager or a phone of a person).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from citysafe.core.config import Settings
from citysafe.core.errors import field_error
from citysafe.core.geo import haversine_m
from citysafe.emergency.shelters import service as shelters
from citysafe.emergency.shelters.schemas import ShelterFilter
from citysafe.emergency.warnings import service as warnings
from citysafe.public.site.schemas import PublicDistrict, PublicRiskMap, PublicShelter, PublicWarning
from citysafe.regions import service as regions
from citysafe.regions.enums import RegionLevel
from citysafe.risk.enums import NO_LEVEL_COLOUR
from citysafe.risk.schemas import MapQuery
from citysafe.risk.service import config as risk_config
from citysafe.risk.service import maps

#: The public map goes no finer than districts (区县): streets and sources stay inside the console.
MAP_REGION_LEVELS = (RegionLevel.PROVINCE.value, RegionLevel.CITY.value)
NEAREST_SHELTERS = 10


def map_regions(session: Session, *, root: str) -> list[tuple[str, str]]:
    """The regions a citizen may pick for the map: the platform's root and, under a province, its cities."""
    top = regions.get(session, code=root)
    picks = [(top.code, top.name)]
    if top.level == RegionLevel.PROVINCE.value:
        picks += [(r.code, r.name) for r in regions.children(session, code=root)]
    return picks


def district_map(session: Session, *, settings: Settings, region_code: str) -> PublicRiskMap:
    """The four-colour map of ``region_code``'s districts under the configured default rule, stated."""
    region = regions.get(session, code=region_code) if region_code.startswith(settings.root_region[:2]) else None
    if region is None or region.level not in MAP_REGION_LEVELS:
        raise field_error("region", "the public map shows a province or a city of this platform by district",
                          "公众版风险地图按区县显示本省或所辖设区市，请选择省或设区市")
    cfg = risk_config.from_settings(settings)
    result = maps.build_map(session, query=MapQuery(region=region.code, unit="district"),
                            default_resolution=cfg.h3_resolution, weighted=cfg.weighted, map_rules=cfg.map_rules)
    colours = {entry["level"]: entry["colour"] for entry in maps.legend()}
    districts = [PublicDistrict(code=f.properties["code"], name=f.properties["name"],
                                level=f.properties["level"] or "none", level_name=f.properties["level_zh"],
                                colour=colours.get(f.properties["level"] or "", NO_LEVEL_COLOUR))
                 for f in result.features]
    statement = result.aggregation["rule_statement"]
    features = [
        '{"type":"Feature","properties":' + json.dumps(d.model_dump(), ensure_ascii=False, separators=(",", ":"))
        + ',"geometry":' + f.geometry_json + "}" for d, f in zip(districts, result.features, strict=True)
    ]
    return PublicRiskMap(
        region_code=region.code, region_name=region.name, rule_name=statement["name_zh"],
        rule_text=statement["description_zh"],
        legend=[{"name": b["name_zh"], "range": b["range_zh"], "colour": colours[b["level"]]}
                for b in statement["breaks"]],
        districts=districts, geojson='{"type":"FeatureCollection","features":[' + ",".join(features) + "]}")


def active_warnings(session: Session, *, now: datetime) -> list[PublicWarning]:
    """Warnings in force, as the public ATOM feed lists them (issued, unexpired, real), newest first."""
    table = warnings.level_table(session)
    out = []
    for warning, message in warnings.active_public(session, now=now):
        level = table.levels[warning.level]
        out.append(PublicWarning(
            identifier=message.identifier, headline=warning.headline, event=warning.event, level=warning.level,
            level_name=level.name, colour_zh=level.colour_zh, hex=level.hex, area=warning.area_desc,
            description=warning.description, instruction=warning.instruction, issuer=warning.issuer,
            sent_at=message.sent_at, onset_at=warning.onset_at, expires_at=warning.expires_at))
    return out


def shelters_near(session: Session, *, lon: float | None, lat: float | None, region_code: str | None,
                  limit: int = NEAREST_SHELTERS) -> list[PublicShelter]:
    """The shelters nearest to a point (open ones first at equal distance), else those of a region by name."""
    try:
        filters = ShelterFilter(region=region_code)
    except ValidationError as exc:  # a code that names no division (000000): the caller's mistake, said as such
        raise field_error("region", "not a valid division code", "不是有效的行政区划代码") from exc
    rows, _ = shelters.list_shelters(session, filters=filters, params=None)
    reads = shelters.shelter_reads(session, rows)
    picked: list[tuple[float, Any]] = []
    for row, read in zip(rows, reads, strict=True):
        distance = haversine_m(lon, lat, row.lon, row.lat) if lon is not None and lat is not None else None
        picked.append((distance if distance is not None else 0.0, (row, read, distance)))
    picked.sort(key=lambda item: (item[0], not item[1][0].is_open, item[1][0].name))
    return [_public_shelter(row, read, distance) for _, (row, read, distance) in picked[:limit]]


def _public_shelter(row: Any, read: Any, distance: float | None) -> PublicShelter:
    labels: dict[str, str] = read.labels
    return PublicShelter(
        name=row.name, kind=labels["kind"], grade=labels["grade"], space=labels["space"], address=row.address,
        district=read.region_name, capacity=row.capacity, is_open=row.is_open,
        room_left=max(row.capacity - row.occupancy, 0) if row.is_open else None,
        facilities=[labels[f"facility.{f}"] for f in row.facilities], lon=row.lon, lat=row.lat,
        distance_m=round(distance) if distance is not None else None)
