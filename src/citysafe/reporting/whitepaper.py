"""The 城市安全风险白皮书 of a city (or district) and year: gather, draw, write, render, record.

The numbers come from the risk register as it stands when the white paper is built (current levels,
assessed levels alongside); every map and count in it is produced by the same services as the console
and the API, and the build's parameters (aggregation rule, presets, dynamic rules, data time) are stored
with the report record and printed in its appendix, so a white paper can be traced and rebuilt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pyproj import Geod
from sqlalchemy.orm import Session

from citysafe.core.clock import to_local
from citysafe.core.config import Settings
from citysafe.core.errors import field_error
from citysafe.core.pagination import PageParams
from citysafe.orgs import service as orgs_service
from citysafe.orgs.schemas import OrganizationFilter
from citysafe.regions import service as regions_service
from citysafe.reporting import images, render
from citysafe.reporting.document import Document
from citysafe.risk.enums import LEVEL_COLOURS, NO_LEVEL_COLOUR, RiskLevel
from citysafe.risk.schemas import MapQuery
from citysafe.risk.service import boundaries, config, maps, reports, stats

FORMATS = ("html", "pdf", "docx")
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


@dataclass(frozen=True)
class Built:
    report_id: int
    files: dict[str, Path]
    summary: dict[str, Any]


def _area_km2(session: Session, region: Any) -> float:
    units = boundaries.map_units(session, [region])
    if not units:
        return 0.0
    area, _ = Geod(ellps="WGS84").geometry_area_perimeter(units[0].geom)
    return abs(area) / 1e6


def gather(session: Session, *, settings: Settings, region_code: str, year: int, at: datetime) -> Facts:
    region = regions_service.get(session, code=region_code)
    if region.level not in ("province", "city", "district"):
        raise field_error("region", "a white paper covers a province, city or county",
                          "白皮书的范围须为省、设区市或区县")
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
    if facts.summary["total"] == 0:
        raise field_error("region", f"no risk sources are registered in {region.name}",
                          f"{region.name}尚未登记风险源，无法编制白皮书")
    child = {"province": None, "city": "district", "district": "street"}.get(region.level)
    wanted = {"division": child, "street": "street" if region.level == "city" else None, "h3": "h3"}
    for key, unit in wanted.items():
        if unit is None or (unit != "h3" and not boundaries.units_at_level(session, region=region, level=unit)):
            continue  # a city without street boundaries gets no street map
        query = MapQuery(region=region.code, unit=unit, res=7 if region.level == "city" else 8)
        facts.maps[key] = maps.build_map(session, query=query, default_resolution=cfg.h3_resolution,
                                         weighted=cfg.weighted)
        facts.notes.extend(n for n in facts.maps[key].notes if n not in facts.notes)
    # The weighted index is drawn on the finest divisions available: averaged over a whole district it
    # levels out, over streets it shows where major and large risks concentrate.
    finest = next((facts.maps[k].unit for k in ("street", "division") if k in facts.maps), "h3")
    weighted = MapQuery(region=region.code, unit=finest, rule="weighted")
    facts.maps["weighted"] = maps.build_map(session, query=weighted, default_resolution=cfg.h3_resolution,
                                            weighted=cfg.weighted)
    return facts


def _legend() -> list[tuple[str, str]]:
    entries = [(LEVEL_COLOURS[lvl], f"{lvl.name_zh}（{lvl.colour_zh}）") for lvl in LEVELS]
    return [*entries, (NO_LEVEL_COLOUR, "无风险源")]


def _fill(props: dict[str, Any]) -> str:
    level = props.get("level")
    return LEVEL_COLOURS[RiskLevel(level)] if level else NO_LEVEL_COLOUR


def map_figure(result: maps.MapResult, title: str, *, labels: bool, outline: list[Any] | None = None,
               note: str = "") -> bytes:
    from shapely import from_geojson

    layers = []
    for feature in result.features:
        geom = feature.geom if feature.geom is not None else from_geojson(feature.geometry_json)
        label = feature.properties.get("name") if labels else None
        layers.append(images.MapLayer(geom, _fill(feature.properties), label))
    return images.choropleth(layers, title=title, legend=_legend(), note=note, outline_only=outline or [])


def points_figure(session: Session, facts: Facts, title: str) -> bytes:
    units = boundaries.units_at_level(session, region=facts.region,
                                      level="district" if facts.region.level == "city" else facts.region.level)
    collection = maps.sources_geojson(session, region_code=facts.region.code, limit=50_000)
    order = {"blue": 0, "yellow": 1, "orange": 2, "red": 3}  # most severe drawn last, on top
    features = sorted(collection["features"], key=lambda f: order.get(f["properties"]["level"] or "", -1))
    points = [(f["geometry"]["coordinates"][0], f["geometry"]["coordinates"][1],
               LEVEL_COLOURS[RiskLevel(f["properties"]["level"])] if f["properties"]["level"] else NO_LEVEL_COLOUR)
              for f in features]
    layers = [images.MapLayer(u.geom, "#f4f6f8", u.name) for u in units]
    legend = [(LEVEL_COLOURS[lvl], f"{lvl.name_zh}源") for lvl in LEVELS]
    return images.choropleth(layers, title=title, legend=legend, points=points)


def document(session: Session, facts: Facts) -> Document:
    from citysafe.reporting import whitepaper_text as text

    issuer = f"{facts.name}安全生产委员会办公室"
    doc = Document(title=f"{facts.name}城市安全风险白皮书（{facts.year}年）", subtitle="城市安全风险辨识评估成果",
                   issuer=issuer, date_text=f"{to_local(facts.at):%Y年%-m月}",
                   meta={"region": facts.region.code, "year": str(facts.year)})
    text.preface(doc, facts)
    text.overview(doc, facts)
    text.methods(doc, facts)
    text.identification(doc, facts)
    text.results(doc, facts, figures=_figures(session, facts))
    text.major_risks(doc, facts)
    text.countermeasures(doc, facts)
    text.public_guidance(doc, facts)
    text.appendix(doc, facts)
    return doc


def _figures(session: Session, facts: Facts) -> dict[str, bytes]:
    figures: dict[str, bytes] = {"points": points_figure(session, facts, f"{facts.name}风险源空间分布")}
    district_outline = [f.geom for f in facts.maps["division"].features] if "division" in facts.maps else []
    if "division" in facts.maps:
        title = f"{facts.name}安全风险四色图（{facts.child_word}，就高）"
        figures["division"] = map_figure(facts.maps["division"], title,
                                         labels=True)
    if "street" in facts.maps:
        figures["street"] = map_figure(facts.maps["street"], f"{facts.name}安全风险四色图（街道，就高）", labels=False,
                                       outline=district_outline, note="；".join(facts.notes))
    if "h3" in facts.maps:
        res = facts.maps["h3"].aggregation.get("resolution")
        figures["h3"] = map_figure(facts.maps["h3"], f"{facts.name}安全风险四色网格图（H3 {res} 级六边形）",
                                   labels=False, outline=district_outline)
    weighted_unit = facts.maps["weighted"].unit
    figures["weighted"] = map_figure(facts.maps["weighted"], f"{facts.name}区域综合风险指数图（加权）",
                                     labels=weighted_unit != "street", outline=district_outline,
                                     note="；".join(facts.notes) if weighted_unit == "street" else "")
    rows = facts.by_division.rows
    figures["bars_division"] = images.stacked_bars(
        [label for _, label, _ in rows],
        [(f"{lvl.name_zh}", LEVEL_COLOURS[lvl], [counts[lvl.value] for _, _, counts in rows]) for lvl in LEVELS],
        title=f"各{facts.child_word}风险源数量（按风险等级）")
    cats = facts.by_category.rows
    figures["bars_category"] = images.stacked_bars(
        [label for _, label, _ in cats],
        [(f"{lvl.name_zh}", LEVEL_COLOURS[lvl], [counts[lvl.value] for _, _, counts in cats]) for lvl in LEVELS],
        title="各领域风险源数量（按风险等级）", size=(1400, 640))
    return figures


def build(session: Session, *, settings: Settings, region_code: str, year: int, out_dir: Path,
          formats: tuple[str, ...] = FORMATS, author: str, at: datetime) -> Built:
    facts = gather(session, settings=settings, region_code=region_code, year=year, at=at)
    doc = document(session, facts)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"whitepaper-{facts.region.code}-{year}"
    files: dict[str, Path] = {}
    if "html" in formats:
        files["html"] = render.write_html(doc, out_dir / f"{stem}.html")
    if "pdf" in formats:
        files["pdf"] = render.write_pdf(doc, out_dir / f"{stem}.pdf")
    if "docx" in formats:
        files["docx"] = render.write_docx(doc, out_dir / f"{stem}.docx")
    summary = {"by_level": facts.summary["by_level"], "total": facts.summary["total"],
               "raised": facts.summary["raised"], "tables": len(doc.tables()), "figures": len(doc.figures())}
    params = {"rule": "highest", "weighted": facts.cfg.weighted.model_dump(mode="json"),
              "maps": {k: m.aggregation for k, m in facts.maps.items()}, "rules": facts.cfg.describe(),
              "data_time": at.isoformat(), "notes": facts.notes}
    record = reports.record(session, region_code=facts.region.code, year=year, title=doc.title, params=params,
                            summary=summary, directory=str(out_dir.resolve()),
                            files={k: str(v.resolve()) for k, v in files.items()}, created_by=author, at=at)
    return Built(record.id, files, summary)
