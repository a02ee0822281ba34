"""The four-colour risk map in Chromium on the demo register: city → district → street → source."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.e2e.e2e_support import login_city_office

# The demo_city fixture seeds the whole risk demo register: 70-80 s of setup on a loaded machine.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]


def test_drill_down_from_city_to_a_source(live_server: str, browser_page: Any, artifacts_dir: Path,
                                          demo_city: int) -> None:
    page = browser_page
    login_city_office(page, live_server, "/risk")
    page.wait_for_selector("#map[data-loaded='320100:district']")
    assert page.locator("#region-name").inner_text() == "南京市"
    assert page.locator("#units li").count() == 11
    shown = {lvl: int(page.locator(f"#totals b[data-level={lvl}]").inner_text())
             for lvl in ("red", "orange", "yellow", "blue")}
    assert sum(shown.values()) == demo_city
    assert page.locator(".legend").inner_text().count("风险") >= 4
    assert page.locator(".unit-label").count() == 11  # one label per district polygon drawn on the canvas
    page.screenshot(path=str(artifacts_dir / "risk-map-city.png"))

    page.select_option("#unit", "street")
    page.wait_for_selector("#map[data-loaded='320100:street']")
    assert "Voronoi" in page.locator("#notes").inner_text()  # generated demo streets say so
    page.screenshot(path=str(artifacts_dir / "risk-map-city-streets.png"))

    page.select_option("#unit", "h3")
    page.wait_for_selector("#map[data-loaded='320100:h3']")
    page.screenshot(path=str(artifacts_dir / "risk-map-city-h3.png"))

    page.select_option("#unit", "district")
    page.wait_for_selector("#map[data-loaded='320100:district']")
    page.evaluate("document.getElementById('map').dataset.loaded = ''")
    page.select_option("#rule", "highest")  # below: the street with the most severe source comes first
    page.wait_for_selector("#map[data-loaded='320100:district']")
    page.locator("#units li a", has_text="六合区").click()
    page.wait_for_selector("#map[data-loaded='320116:street']")
    assert page.locator("#crumbs a").all_inner_texts() == ["南京市", "六合区"]
    page.screenshot(path=str(artifacts_dir / "risk-map-district.png"))

    page.locator("#units li a").first.click()  # the most severe street first
    page.wait_for_selector("#map[data-loaded$=':sources']")
    assert page.locator("#units li a[data-source]").count() > 0
    page.locator("#units li a[data-source]").first.click()
    page.wait_for_selector("#detail-name")
    assert page.locator("#detail-level .lv").inner_text() == "重大风险"  # most severe listed first
    assert page.locator("#detail table tr").count() >= 2  # assessment history
    page.screenshot(path=str(artifacts_dir / "risk-map-source.png"))

    page.click("#detail a[href^='/risk/sources/']")
    page.wait_for_selector("#source-name")
    assert page.locator("#history tbody tr").count() >= 1
    page.screenshot(path=str(artifacts_dir / "risk-source-page.png"), full_page=True)


def test_city_map_tells_districts_apart_states_its_rule_and_back_returns_to_the_city(
        live_server: str, browser_page: Any, artifacts_dir: Path, demo_city: int) -> None:
    page = browser_page
    login_city_office(page, live_server, "/risk")
    page.wait_for_selector("#map[data-loaded='320100:district']")
    assert page.locator("#rule").input_value() == "density"  # the default: the rule that shows differences
    levels = page.locator("#units li .lv").evaluate_all("els => els.map(e => e.className)")
    assert len(levels) == 11 and len(set(levels)) >= 3, levels  # districts in at least three colours
    legend = page.locator(".legend").inner_text()
    assert "汇总规则：风险密度（每平方公里风险分值）" in legend
    assert "重大风险 ≥ 16 分/km²" in legend and "低风险 < 1 分/km²" in legend and "依据" in legend
    assert "平方公里" in page.locator("#rule-statement").inner_text()
    page.screenshot(path=str(artifacts_dir / "risk-map-density-city.png"))
    page.locator(".legend").screenshot(path=str(artifacts_dir / "risk-map-density-legend.png"))

    page.evaluate("document.getElementById('map').dataset.loaded = ''")
    page.select_option("#rule", "highest")  # the old default: nearly every district of the demo is red
    page.wait_for_selector("#map[data-loaded='320100:district']")
    highest = page.locator("#units li .lv").all_inner_texts()
    assert highest.count("重大风险") >= 9 and len(set(highest)) < len(set(levels)), highest
    page.evaluate("document.getElementById('map').dataset.loaded = ''")
    page.select_option("#rule", "density")
    page.wait_for_selector("#map[data-loaded='320100:district']")

    page.locator("#units li a", has_text="秦淮区").click()
    page.wait_for_selector("#map[data-loaded='320104:street']")
    assert page.url.endswith("/risk?code=320104")
    assert page.locator("#crumbs a").all_inner_texts() == ["南京市", "秦淮区"]
    page.screenshot(path=str(artifacts_dir / "risk-map-density-district.png"))
    page.go_back()
    page.wait_for_selector("#map[data-loaded='320100:district']")
    assert page.url.endswith("/risk") and page.locator("#region-name").inner_text() == "南京市"
    page.screenshot(path=str(artifacts_dir / "risk-map-density-back.png"))
    page.go_forward()
    page.wait_for_selector("#map[data-loaded='320104:street']")
    assert page.locator("#region-name").inner_text() == "秦淮区"
    page.goto(f"{live_server}/risk?code=320116")  # a drilled-down URL opens where it points
    page.wait_for_selector("#map[data-loaded='320116:street']")
    assert page.locator("#crumbs a").all_inner_texts() == ["南京市", "六合区"]


def test_category_filter_and_weighted_rule_change_the_map(live_server: str, browser_page: Any,
                                                          demo_city: int) -> None:
    page = browser_page
    login_city_office(page, live_server, "/risk")
    page.wait_for_selector("#map[data-loaded='320100:district']")
    before = int(page.locator("#totals b[data-level=blue]").inner_text())
    page.evaluate("document.getElementById('map').dataset.loaded = ''")
    page.uncheck("#categories input[value=crowded]")
    page.wait_for_selector("#map[data-loaded='320100:district']")
    assert int(page.locator("#totals b[data-level=blue]").inner_text()) < before
    page.evaluate("document.getElementById('map').dataset.loaded = ''")
    page.select_option("#rule", "weighted")
    page.wait_for_selector("#map[data-loaded='320100:district']")
    assert "加权综合指数" in page.locator("#rule-statement").inner_text()
    assert "汇总规则：加权综合指数" in page.locator(".legend").inner_text()


def test_import_page_reports_rows_and_imports_nothing(live_server: str, browser_page: Any, artifacts_dir: Path,
                                                      demo_city: int, tmp_path: Path) -> None:
    page = browser_page
    login_city_office(page, live_server, "/risk/import")
    page.wait_for_selector("#import-form")
    template = page.request.get(f"{live_server}/api/v1/risk/import/template.xlsx")
    assert template.ok and template.body()[:2] == b"PK"
    bad = tmp_path / "bad.csv"
    bad.write_text("名称*,风险类型*,经度,纬度,责任单位*\n好的,九小场所,118.78,32.04,王某\n,九小场所,118.78,32.04,李某\n"
                   "外省的,九小场所,121.47,31.23,张某\n", encoding="utf-8")
    page.set_input_files("input[name=file]", str(bad))
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#problems")
    rows = page.locator("#problems tbody tr").all_inner_texts()
    assert [r.split("\t")[0] for r in rows] == ["3", "4"]
    page.screenshot(path=str(artifacts_dir / "risk-import-report.png"), full_page=True)
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    total = httpx.get(f"{live_server}/api/v1/risk/sources", cookies=cookies, params={"q": "好的"}).json()["total"]
    assert total == 0
