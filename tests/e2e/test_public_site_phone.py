"""The public site on a phone (issue #15 point 5): a citizen with no account opens the home page, the district
risk map of Nanjing (each district coloured, the rule stated, no source on it) and the shelters nearest to where
the phone is. Screenshots: artifacts/public-home.png, public-risk.png, public-shelters.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.e2e.conftest import PHONE_WIDTH

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.emergency.shelters import service as shelters
from citysafe.emergency.shelters.schemas import ShelterIn

pytestmark = pytest.mark.e2e


def _shelters(ctx: AppContext) -> None:
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        for name, lon, lat, is_open in (("玄武湖公园应急避难场所", 118.7903, 32.0716, True),
                                        ("鼓楼广场应急避难场所", 118.7780, 32.0590, False),
                                        ("六合体育公园应急避难场所", 118.8450, 32.2550, False)):
            shelters.save_shelter(session, now=ctx.clock.now(), data=ShelterIn.model_validate({
                "name": name, "grade": "city", "space": "outdoor", "function": "comprehensive",
                "duration": "emergency", "kind": "park", "region_code": "320102",
                "location": {"lon": lon, "lat": lat}, "effective_area_m2": 6000, "address": "示例路1号",
                "facilities": ["tents", "water", "toilet"], "is_open": is_open}))


def test_a_citizen_finds_the_risk_map_and_the_nearest_shelter(
        live_server: str, phone: Any, demo_city: int, ctx: AppContext, artifacts_dir: Path) -> None:
    _shelters(ctx)
    phone.goto(f"{live_server}/public")
    doors = phone.locator("[data-testid=public-entries] a strong").all_inner_texts()
    assert {"城市安全风险地图", "附近避难场所", "预警信息", "示范城市创建公示"} <= set(doors)
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE_WIDTH
    phone.screenshot(path=str(artifacts_dir / "public-home.png"))

    phone.get_by_text("城市安全风险地图").tap()
    phone.select_option("select[name=region]", "320100")
    phone.get_by_role("button", name="查看").tap()
    phone.wait_for_selector("#public-map path.leaflet-interactive")
    districts = phone.locator("[data-testid=public-districts] tbody tr")
    assert districts.count() == 11  # Nanjing's eleven districts, each with its level
    assert "分级方法" in phone.inner_text("[data-testid=public-rule]")
    assert phone.locator("#public-map .leaflet-marker-icon").count() == 0  # no source is drawn
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE_WIDTH
    phone.screenshot(path=str(artifacts_dir / "public-risk.png"), full_page=True)

    phone.goto(f"{live_server}/public/shelters")
    phone.locator("[data-testid=use-location]").tap()  # the phone is near 新街口 (the fixture's geolocation)
    phone.wait_for_url("**/public/shelters?lon=*")
    names = phone.locator("[data-testid=public-shelter] h2").all_inner_texts()
    assert names[0] == "鼓楼广场应急避难场所" and names[-1] == "六合体育公园应急避难场所"
    assert "尚可容纳" in phone.inner_text("[data-testid=public-shelter] >> nth=1")
    phone.screenshot(path=str(artifacts_dir / "public-shelters.png"), full_page=True)
