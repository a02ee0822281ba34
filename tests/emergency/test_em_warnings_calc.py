"""The pure parts of warnings: GB/T 35965.1 identifiers, the level table, the area checks, CAP element order."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib import resources

import numpy as np
import pytest
from shapely.geometry import Point

from citysafe.emergency.warnings import signing
from citysafe.emergency.warnings.calc import area, cap, identifier
from citysafe.emergency.warnings.calc.levels import LevelTable

AT = datetime(2026, 6, 1, 2, 0, 5, tzinfo=UTC)


def test_identifier_has_the_31_character_form_in_beijing_time() -> None:
    unit = identifier.sender_unit_code("320102", "145")
    assert unit == "32010214500000"
    value = identifier.identifier(unit, AT, 3)
    assert value == "32010214500000_20260601100005_3" and len(value) == 31
    assert identifier.parse(value) == (unit, AT.astimezone(identifier.BEIJING), 3)
    assert identifier.second_prefix(unit, AT) == "32010214500000_20260601100005_"
    with pytest.raises(ValueError, match="0–9"):
        identifier.identifier(unit, AT, 10)
    with pytest.raises(ValueError, match=r"6\+3"):
        identifier.sender_unit_code("3201", "145")
    with pytest.raises(ValueError, match=r"not a GB/T 35965\.1"):
        identifier.parse("32010214500000_2026060110000_3")


def _table() -> LevelTable:
    text = (resources.files("citysafe.emergency.warnings") / "data" / "levels.json").read_text(encoding="utf-8")
    return LevelTable.from_dict(json.loads(text))


def test_levels_map_to_colours_and_oasis_severities_and_refuse_a_colour_as_severity() -> None:
    table = _table()
    assert [(lv.colour_zh, lv.severity) for lv in table.levels.values()] == [
        ("红色", "Extreme"), ("橙色", "Severe"), ("黄色", "Moderate"), ("蓝色", "Minor")]
    assert len(table.measures(1)) > len(table.measures(3))  # 第六十七条 adds to 第六十六条
    data = json.loads((resources.files("citysafe.emergency.warnings") / "data" / "levels.json").read_text("utf-8"))
    data["severity"]["by_colour"]["orange"] = "Orange"
    with pytest.raises(ValueError, match="Orange"):
        LevelTable.from_dict(data)


def test_areas_are_rounded_checked_and_split() -> None:
    drawn = {"type": "Polygon", "coordinates": [[[118.7700004, 32.03], [118.8, 32.03], [118.8, 32.06],
                                                 [118.7700004, 32.03]]]}
    checked = area.check(drawn)
    assert checked.cap_polygons() == ("32.030000,118.770000 32.030000,118.800000 32.060000,118.800000 "
                                      "32.030000,118.770000",)
    two = {"type": "MultiPolygon", "coordinates": [
        [[[118.0, 32.0], [118.1, 32.0], [118.1, 32.1], [118.0, 32.0]]],
        [[[119.0, 32.0], [119.1, 32.0], [119.1, 32.1], [119.0, 32.0]]]]}
    assert len(area.check(two).cap_polygons()) == 2  # non-contiguous: one <area> each
    bow_tie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    with pytest.raises(area.AreaError):
        area.check(bow_tie)
    holed = {"type": "Polygon",
             "coordinates": [[[0, 0], [3, 0], [3, 3], [0, 0]], [[1, 0.5], [2, 0.5], [2, 1], [1, 0.5]]]}
    with pytest.raises(area.AreaError):
        area.check(holed)


def test_vectorised_inside_agrees_with_a_shapely_loop() -> None:
    drawn = {"type": "Polygon", "coordinates": [[[0, 0], [4, 0], [4, 3], [2, 5], [0, 3], [0, 0]]]}
    geometry = area.check(drawn).geometry
    rng = np.random.default_rng(7)
    lon, lat = rng.uniform(-1, 5, 5000), rng.uniform(-1, 6, 5000)
    expected = np.array([geometry.intersects(Point(x, y)) for x, y in zip(lon, lat, strict=True)])
    assert (area.inside(geometry, lon, lat) == expected).all()


def test_cap_keeps_the_schema_order_and_plus_eight_times() -> None:
    info = cap.Info(categories=("Safety",), event="e", urgency="Immediate", severity="Minor", certainty="Likely",
                    headline="h", description="d", instruction="i", sender_name="s", onset=AT, expires=AT,
                    parameters=(("预警颜色", "蓝色"),), areas=(cap.Area("a", geocodes=(("行政区划代码", "320102"),)),))
    alert = cap.Alert(identifier="x", sender="s", sent=AT, status="Actual", msg_type="Update", note="n",
                      references=(cap.Reference("s", "old", AT),), info=(info,))
    xml = cap.to_bytes(cap.build(alert))
    assert signing.schema_errors(xml) == []
    assert b"<sent>2026-06-01T10:00:05+08:00</sent>" in xml
    assert xml.index(b"<references>") < xml.index(b"<info>")
    assert signing.schema_errors(xml.replace(b"+08:00</sent>", b"Z</sent>"))  # the pattern refuses Z
    assert signing.schema_errors(xml.replace(b">Minor<", b">Blue<"))
