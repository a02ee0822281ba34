from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.errors import ValidationFailed
from citysafe.regions import service
from citysafe.regions.models import Region


def test_import_other_province_with_wgs84_boundaries(ctx: AppContext, tmp_path: Path) -> None:
    divisions = tmp_path / "d.csv"
    divisions.write_text("code,name,level,parent_code\n990000,测试省,province,\n990100,测试市,city,990000\n",
                         encoding="utf-8")
    boundaries = tmp_path / "b.geojson"
    square = [[[100.0, 30.0], [100.1, 30.0], [100.1, 30.1], [100.0, 30.1], [100.0, 30.0]]]
    boundaries.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"adcode": "990100"}, "geometry": {"type": "Polygon", "coordinates": square}}
    ]}), encoding="utf-8")
    with unit_of_work(ctx.session_factory) as session:
        report = service.import_files(session, divisions=divisions, boundaries=boundaries, crs="wgs84", source="t")
    assert report.divisions == 2 and report.boundaries == 1
    with unit_of_work(ctx.session_factory) as session:
        city = session.get(Region, "990100")
        assert city is not None and city.min_lon == pytest.approx(100.0)
        session.execute(select(Region))
        # leave the shared region table as it was
        session.query(Region).filter(Region.code.in_(["990000", "990100"])).delete()


def test_bad_rows_are_all_reported_and_nothing_changes(ctx: AppContext) -> None:
    text = "code,name,level,parent_code\n98000,短码,province,\n980100,x,planet,\n"
    with pytest.raises(ValidationFailed) as info, unit_of_work(ctx.session_factory) as session:
        service.import_divisions(session, divisions_csv=text)
    assert "line 2" in info.value.detail and "line 3" in info.value.detail
    with unit_of_work(ctx.session_factory) as session:
        assert session.get(Region, "980100") is None
