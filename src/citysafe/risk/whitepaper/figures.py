"""The white paper's figures: the four-colour maps, the map of sources and the bar charts, as PNG."""

from __future__ import annotations

from typing import Any

from shapely import from_geojson
from sqlalchemy.orm import Session

from citysafe.core.render.canvas import Fonts
from citysafe.core.render.charts import stacked_bars
from citysafe.core.render.maps import MapLayer, choropleth
from citysafe.risk.enums import LEVEL_COLOURS, NO_LEVEL_COLOUR, RiskLevel
from citysafe.risk.service import boundaries, maps
from citysafe.risk.whitepaper.facts import LEVELS, Facts


def _legend(statement: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    """Level names, with each level's range under the map's rule when it has one (风险密度: ≥ 16 分/km²)."""
    ranges = {b["level"]: b["range_zh"] for b in statement["breaks"]} if statement else {}
    unit = f" {statement['index_unit_zh']}" if statement and statement["index_unit_zh"] else ""
    entries = [(LEVEL_COLOURS[lvl], f"{lvl.name_zh}（{lvl.colour_zh}）" + (f" {ranges[lvl.value]}{unit}"
                                                                         if lvl.value in ranges else ""))
               for lvl in LEVELS]
    return [*entries, (NO_LEVEL_COLOUR, "无风险源")]


def _fill(props: dict[str, Any]) -> str:
    level = props.get("level")
    return LEVEL_COLOURS[RiskLevel(level)] if level else NO_LEVEL_COLOUR


def map_figure(result: maps.MapResult, title: str, *, labels: bool, fonts: Fonts, outline: list[Any] | None = None,
               note: str = "") -> bytes:
    layers = []
    for feature in result.features:
        geom = feature.geom if feature.geom is not None else from_geojson(feature.geometry_json)
        label = feature.properties.get("name") if labels else None
        layers.append(MapLayer(geom, _fill(feature.properties), label))
    legend = _legend(result.aggregation.get("rule_statement"))
    return choropleth(layers, title=title, legend=legend, note=note, outline_only=outline or [], fonts=fonts,
                      nothing_to_draw="暂无已评估的风险源")


def points_figure(session: Session, facts: Facts, title: str, *, fonts: Fonts) -> bytes:
    units = boundaries.units_at_level(session, region=facts.region,
                                      level="district" if facts.region.level == "city" else facts.region.level)
    collection = maps.sources_geojson(session, region_code=facts.region.code, limit=50_000)
    order = {"blue": 0, "yellow": 1, "orange": 2, "red": 3}  # most severe drawn last, on top
    features = sorted(collection["features"], key=lambda f: order.get(f["properties"]["level"] or "", -1))
    points = [(f["geometry"]["coordinates"][0], f["geometry"]["coordinates"][1],
               LEVEL_COLOURS[RiskLevel(f["properties"]["level"])] if f["properties"]["level"] else NO_LEVEL_COLOUR)
              for f in features]
    layers = [MapLayer(u.geom, "#f4f6f8", u.name) for u in units]
    legend = [(LEVEL_COLOURS[lvl], f"{lvl.name_zh}源") for lvl in LEVELS]
    return choropleth(layers, title=title, legend=legend, points=points, fonts=fonts)


def _rule_short(result: maps.MapResult) -> str:
    """The rule's name without its explanation in brackets: 风险密度, 就高 …"""
    name = str(result.aggregation.get("rule_statement", {}).get("name_zh", ""))
    return name.split("（")[0]


def draw(session: Session, facts: Facts) -> dict[str, bytes]:
    """Every figure by key (``points``, ``division``, ``street``, ``h3``, ``weighted``, ``bars_…``)."""
    fonts = Fonts()
    figures: dict[str, bytes] = {"points": points_figure(session, facts, f"{facts.name}风险源空间分布", fonts=fonts)}
    district_outline = [f.geom for f in facts.maps["division"].features] if "division" in facts.maps else []
    if "division" in facts.maps:
        title = f"{facts.name}安全风险四色图（{facts.child_word}，{_rule_short(facts.maps['division'])}）"
        figures["division"] = map_figure(facts.maps["division"], title, labels=True, fonts=fonts)
    if "street" in facts.maps:
        street_title = f"{facts.name}安全风险四色图（街道，{_rule_short(facts.maps['street'])}）"
        figures["street"] = map_figure(facts.maps["street"], street_title, labels=False,
                                       outline=district_outline, note="；".join(facts.notes), fonts=fonts)
    if "h3" in facts.maps:
        res = facts.maps["h3"].aggregation.get("resolution")
        figures["h3"] = map_figure(facts.maps["h3"], f"{facts.name}安全风险四色网格图（H3 {res} 级六边形）",
                                   labels=False, outline=district_outline, fonts=fonts)
    weighted_unit = facts.maps["weighted"].unit
    figures["weighted"] = map_figure(facts.maps["weighted"], f"{facts.name}区域综合风险指数图（加权）",
                                     labels=weighted_unit != "street", outline=district_outline,
                                     note="；".join(facts.notes) if weighted_unit == "street" else "", fonts=fonts)
    rows = facts.by_division.rows
    figures["bars_division"] = stacked_bars(
        [label for _, label, _ in rows],
        [(f"{lvl.name_zh}", LEVEL_COLOURS[lvl], [counts[lvl.value] for _, _, counts in rows]) for lvl in LEVELS],
        title=f"各{facts.child_word}风险源数量（按风险等级）", fonts=fonts)
    cats = facts.by_category.rows
    figures["bars_category"] = stacked_bars(
        [label for _, label, _ in cats],
        [(f"{lvl.name_zh}", LEVEL_COLOURS[lvl], [counts[lvl.value] for _, _, counts in cats]) for lvl in LEVELS],
        title="各领域风险源数量（按风险等级）", size=(1400, 640), fonts=fonts)
    return figures
